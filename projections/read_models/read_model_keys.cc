#include "projections/read_models/read_model_keys.h"

#include "projections/keys.h"

namespace pdl::rmkeys {

void AppendPos(std::string* out, const EventPos& pos) {
  keys::AppendI64(out, pos.micros);
  keys::AppendU32(out, pos.partition);
  keys::AppendU64(out, pos.seq);
}

std::string_view RecipientKey(const pdl::v1::Recipient& recipient) {
  return recipient.id().empty() ? std::string_view(recipient.name()) : std::string_view(recipient.id());
}

std::string HoldingSubjectPrefix(std::string_view subject_id) { return SubjectPrefix(subject_id); }

std::string HoldingSystemKey(std::string_view subject_id, std::string_view system) {
  std::string key = SubjectPrefix(subject_id);
  keys::AppendString(&key, system);
  return key;
}

std::string HoldingOpenEnd(std::string_view subject_id) { return SubjectPrefix(subject_id) + kClosedTag; }

std::string HoldingClosedKey(std::string_view subject_id, std::string_view system, std::string_view category,
                             const EventPos& opened) {
  std::string key = HoldingOpenEnd(subject_id);
  keys::AppendString(&key, system);
  keys::AppendString(&key, category);
  AppendPos(&key, opened);
  return key;
}

std::string RetentionDueKey(int64_t retain_until_micros, std::string_view subject_id, std::string_view system,
                            std::string_view category, const EventPos& opened) {
  std::string key;
  keys::AppendI64(&key, retain_until_micros);
  keys::AppendString(&key, subject_id);
  keys::AppendString(&key, system);
  keys::AppendString(&key, category);
  AppendPos(&key, opened);
  return key;
}

std::string HeadPrefix(std::string_view head) {
  std::string key;
  keys::AppendString(&key, head);
  return key;
}

std::string HeadTimeKey(std::string_view head, const EventPos& pos) {
  std::string key = HeadPrefix(head);
  AppendPos(&key, pos);
  return key;
}

std::string TransferKey(std::string_view destination, const EventPos& pos, int mechanism) {
  std::string key = HeadTimeKey(destination, pos);
  keys::AppendU32(&key, static_cast<uint32_t>(mechanism));
  return key;
}

bool TransferKeyMechanism(std::string_view key, int* mechanism) {
  if (key.size() < 4) return false;
  std::string_view tail = key.substr(key.size() - 4);
  uint32_t value = 0;
  if (!keys::ConsumeU32(&tail, &value)) return false;
  *mechanism = static_cast<int>(value);
  return true;
}

std::string SubjectPrefix(std::string_view subject_id) {
  std::string key;
  keys::AppendString(&key, subject_id);
  return key;
}

std::string ConsentKey(std::string_view subject_id, std::string_view consent_id) {
  std::string key = SubjectPrefix(subject_id);
  keys::AppendString(&key, consent_id);
  return key;
}

std::string RequestKey(std::string_view subject_id, std::string_view request_id) {
  std::string key = SubjectPrefix(subject_id);
  keys::AppendString(&key, request_id);
  return key;
}

std::string RequestDueKey(int64_t due_micros, std::string_view subject_id, std::string_view request_id) {
  std::string key;
  keys::AppendI64(&key, due_micros);
  keys::AppendString(&key, subject_id);
  keys::AppendString(&key, request_id);
  return key;
}

std::string RopaShapeKey(std::string_view subject_kind, std::string_view recipient_category,
                         std::string_view destination, const std::vector<std::string>& purposes,
                         const std::vector<std::string>& categories) {
  std::string key;
  keys::AppendString(&key, subject_kind);
  keys::AppendString(&key, recipient_category);
  keys::AppendString(&key, destination);
  for (const auto* list : {&purposes, &categories}) {
    keys::AppendU32(&key, static_cast<uint32_t>(list->size()));
    for (const std::string& v : *list) keys::AppendString(&key, v);
  }
  return key;
}

std::string EventFindingsKey(const EventPos& pos) {
  std::string key;
  AppendPos(&key, pos);
  return key;
}

std::string TimeFindingKey(const EventPos& pos, uint32_t index) {
  std::string key = EventFindingsKey(pos);
  keys::AppendU32(&key, index);
  return key;
}

std::string SubjectFindingKey(std::string_view subject_id, const EventPos& pos, uint32_t index) {
  std::string key = SubjectPrefix(subject_id);
  AppendPos(&key, pos);
  keys::AppendU32(&key, index);
  return key;
}

std::string SubjectEventFindingsKey(std::string_view subject_id, const EventPos& pos) {
  std::string key = SubjectPrefix(subject_id);
  AppendPos(&key, pos);
  return key;
}

std::optional<FindingKeyParts> ParseFindingKey(std::string_view key) {
  FindingKeyParts parts;
  if (!keys::ConsumeI64(&key, &parts.pos.micros) || !keys::ConsumeU32(&key, &parts.pos.partition) ||
      !keys::ConsumeU64(&key, &parts.pos.seq)) {
    return std::nullopt;
  }
  if (key.empty()) return parts;
  uint32_t index = 0;
  if (!keys::ConsumeU32(&key, &index) || !key.empty()) return std::nullopt;
  parts.index = index;
  return parts;
}

std::optional<SubjectFindingKeyParts> ParseSubjectFindingKey(std::string_view key) {
  SubjectFindingKeyParts parts;
  if (!keys::ConsumeString(&key, &parts.subject_id) || !keys::ConsumeI64(&key, &parts.pos.micros) ||
      !keys::ConsumeU32(&key, &parts.pos.partition) || !keys::ConsumeU64(&key, &parts.pos.seq)) {
    return std::nullopt;
  }
  if (key.empty()) return parts;
  uint32_t index = 0;
  if (!keys::ConsumeU32(&key, &index) || !key.empty()) return std::nullopt;
  parts.index = index;
  return parts;
}

std::string SubjectTagPrefix(std::string_view subject_id, char tag) {
  std::string key = SubjectPrefix(subject_id);
  key.push_back(tag);
  return key;
}

std::string SubjectTagPosKey(std::string_view subject_id, char tag, const EventPos& pos) {
  std::string key = SubjectTagPrefix(subject_id, tag);
  AppendPos(&key, pos);
  return key;
}

}  // namespace pdl::rmkeys
