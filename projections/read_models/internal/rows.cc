#include "projections/read_models/internal/rows.h"

#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "ledger/sv.h"
#include "projections/keys.h"

namespace pdl::rmrows {

int64_t Micros(const google::protobuf::Timestamp& ts) { return ts.seconds() * 1000000 + ts.nanos() / 1000; }

void SetMicros(google::protobuf::Timestamp* ts, int64_t micros) {
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rest * 1000));
}

rmkeys::EventPos PosOf(const SealedEventView& sealed) {
  return rmkeys::EventPos{Micros(sealed.event->occurred_at()), sealed.partition, sealed.seq};
}

pdl::v1::EventRef RefOf(const SealedEventView& sealed) {
  pdl::v1::EventRef ref;
  ref.set_event_id(sealed.event->event_id());
  ref.set_partition(sealed.partition);
  ref.set_seq(sealed.seq);
  *ref.mutable_occurred_at() = sealed.event->occurred_at();
  return ref;
}

std::string Bytes(const google::protobuf::Message& message) { return message.SerializeAsString(); }

absl::StatusOr<bool> ReadRow(const BatchWriter& batch, Cf family, std::string_view key,
                             google::protobuf::Message* message) {
  auto stored = batch.Get(family, key);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return false;
  if (!message->ParseFromString(**stored)) {
    return absl::DataLossError(
        absl::StrCat(Sv(CfName(family)), ": row does not parse as ", message->GetDescriptor()->full_name()));
  }
  return true;
}

void InsertSorted(google::protobuf::RepeatedPtrField<std::string>* set, std::string_view value) {
  auto it = std::lower_bound(set->begin(), set->end(), value,
                             [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
  if (it != set->end() && *it == value) return;
  const int index = static_cast<int>(it - set->begin());
  set->Add(std::string(value));
  for (int i = set->size() - 1; i > index; --i) set->SwapElements(i, i - 1);
}

void InsertSorted(google::protobuf::RepeatedField<int>* set, int value) {
  auto it = std::lower_bound(set->begin(), set->end(), value);
  if (it != set->end() && *it == value) return;
  const int index = static_cast<int>(it - set->begin());
  set->Add(value);
  for (int i = set->size() - 1; i > index; --i) set->SwapElements(i, i - 1);
}

std::string I64Value(int64_t v) {
  std::string out;
  keys::AppendI64(&out, v);
  return out;
}

bool ParseI64Value(std::string_view bytes, int64_t* v) { return keys::ConsumeI64(&bytes, v) && bytes.empty(); }

namespace {

absl::Status DecodeClock(const std::optional<std::string>& bytes, LogClock* out) {
  if (!bytes.has_value()) return absl::OkStatus();
  int64_t now = 0;
  if (!ParseI64Value(*bytes, &now)) return absl::DataLossError("a read model's log clock does not parse");
  out->now = now;
  out->swept = now;
  return absl::OkStatus();
}

std::optional<std::string> EncodeClock(const LogClock& clock) {
  if (!clock.now.has_value()) return std::nullopt;
  return I64Value(*clock.now);
}

}  // namespace

absl::StatusOr<LogClock*> LogClockRow(BatchWriter& batch, Cf family) {
  return batch.Row<LogClock>(family, "", &DecodeClock, &EncodeClock);
}

absl::StatusOr<LogClock*> AdvanceLogClock(BatchWriter& batch, Cf family, const SealedEventView& sealed) {
  auto clock = LogClockRow(batch, family);
  if (!clock.ok()) return clock.status();
  const int64_t at = std::min(Micros(sealed.event->occurred_at()), absl::ToUnixMicros(sealed.recorded_at));
  if (!(*clock)->now.has_value() || at > *(*clock)->now) (*clock)->now = at;
  return clock;
}

std::optional<std::pair<std::string, std::string>> SweepRange(const LogClock& clock, int64_t floor) {
  if (!clock.now.has_value()) return std::nullopt;
  std::pair<std::string, std::string> range;
  keys::AppendI64(&range.first, clock.swept.has_value() ? std::max(floor, *clock.swept) : floor);
  keys::AppendI64(&range.second, *clock.now);
  return range;
}

void AddTag(pdl::v1::FindingsAtRow* row, const pdl::v1::Finding& finding) {
  pdl::v1::FindingTag* tag = row->add_findings();
  tag->set_rule_id(finding.rule_id());
  tag->set_severity(finding.severity());
}

void TimeDrivenFinding(BatchWriter& batch, const pdl::v1::Finding& finding, std::string_view subject_id, int64_t at,
                       const pdl::v1::EventRef& event, pdl::v1::EventAction action, std::string_view policy_version,
                       uint32_t index, bool put) {
  const rmkeys::EventPos pos{at, event.partition(), event.seq()};
  const std::string key = rmkeys::TimeFindingKey(pos, index);
  const std::string subject_key = rmkeys::SubjectFindingKey(subject_id, pos, index);
  if (!put) {
    batch.Delete(Cf::kFindings, key);
    batch.Delete(Cf::kFindingsBySubject, subject_key);
    return;
  }
  pdl::v1::FindingRecord record;
  SetMicros(record.mutable_occurred_at(), at);
  record.set_rule_id(finding.rule_id());
  record.set_severity(finding.severity());
  record.set_explanation(finding.explanation());
  record.set_subject_id(std::string(subject_id));
  *record.mutable_event() = event;
  record.set_action(action);
  record.set_policy_version(std::string(policy_version));
  batch.Put(Cf::kFindingsBySubject, subject_key, Bytes(record));
  pdl::v1::FindingsAtRow row;
  AddTag(&row, finding);
  row.set_subject_key(subject_key);
  batch.Put(Cf::kFindings, key, Bytes(row));
}

}  // namespace pdl::rmrows
