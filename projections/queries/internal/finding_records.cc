#include "projections/queries/internal/finding_records.h"

#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "pdl/v1/sealed.pb.h"
#include "projections/column_families.h"
#include "projections/keys.h"
#include "projections/read_models/findings.h"
#include "projections/store.h"

namespace pdl::queries {

absl::StatusOr<const pdl::v1::FindingTag*> FindingRecords::TagByTime(std::string_view key, std::string_view value,
                                                                     uint32_t item) {
  if (!time_parts_.has_value() || time_key_ != key) {
    time_parts_ = rmkeys::ParseFindingKey(key);
    if (!time_parts_.has_value()) return absl::DataLossError("findings: malformed key");
    time_key_ = std::string(key);
    if (!time_row_.ParseFromArray(value.data(), static_cast<int>(value.size())) || time_row_.findings().empty()) {
      time_parts_.reset();
      return absl::DataLossError("findings: a row does not parse or holds no finding");
    }
  }
  if (item >= static_cast<uint32_t>(time_row_.findings_size())) return nullptr;
  return &time_row_.findings(static_cast<int>(item));
}

absl::Status FindingRecords::ReadByTime(uint32_t item, pdl::v1::FindingRecord* out) {
  if (!time_parts_.has_value() || item >= static_cast<uint32_t>(time_row_.findings_size())) {
    return absl::InternalError("findings: no such item of the row read last");
  }
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  if (time_parts_->index.has_value()) {
    const rocksdb::Status got = store_.db()->Get(read, store_.cf(Cf::kFindingsBySubject),
                                                 rocksdb::Slice(time_row_.subject_key()), &buffer_);
    if (got.IsNotFound()) {
      return absl::DataLossError("findings: a row names a findings_by_subject row that is missing");
    }
    if (!got.ok()) return FromRocks(got, "reading findings_by_subject");
    return ParseRecord(buffer_, out);
  }
  const rmkeys::EventPos& at = time_parts_->pos;
  const std::pair<uint32_t, uint64_t> position{at.partition, at.seq};
  if (logged_position_ != position) {
    logged_position_.reset();
    const rocksdb::Status got =
        store_.db()->Get(read, store_.cf(Cf::kLog), keys::LogKey(at.partition, at.seq), &buffer_);
    if (got.IsNotFound()) {
      return absl::DataLossError(absl::StrCat("findings: a row names partition ", at.partition, " seq ", at.seq,
                                              ", which is not in the log"));
    }
    if (!got.ok()) return FromRocks(got, "reading the log");
    pdl::v1::SealedEvent sealed;
    if (!sealed.ParseFromString(buffer_) || sealed.partition() != at.partition || sealed.seq() != at.seq) {
      return absl::DataLossError(absl::StrCat("log: the sealed record at partition ", at.partition, " seq ",
                                              at.seq, " does not parse or names another position"));
    }
    auto event = DecodeEvent(sealed.event());
    if (!event.ok()) return absl::DataLossError("log: sealed event bytes do not parse");
    logged_row_ = EventFindingsRowOf(SealedEventView{.partition = sealed.partition(),
                                                     .seq = sealed.seq(),
                                                     .kafka_offset = sealed.kafka_offset(),
                                                     .recorded_at = ToTime(sealed.recorded_at()),
                                                     .event = &*event,
                                                     .policy_version = sealed.policy_version(),
                                                     .findings = {sealed.findings().begin(), sealed.findings().end()}});
    logged_subject_ = event->subject().id();
    logged_position_ = position;
  }
  const pdl::v1::FindingTag& tag = time_row_.findings(static_cast<int>(item));
  if (item >= static_cast<uint32_t>(logged_row_.findings_size()) ||
      logged_row_.findings(static_cast<int>(item)).rule_id() != tag.rule_id() ||
      logged_row_.findings(static_cast<int>(item)).severity() != tag.severity()) {
    return absl::DataLossError(absl::StrCat("findings: the row at partition ", at.partition, " seq ", at.seq,
                                            " names finding ", item, " as ", tag.rule_id(),
                                            ", which the sealed record does not hold"));
  }
  *out = EventFindingRecord(logged_row_, static_cast<int>(item), logged_subject_, at.partition, at.seq);
  return absl::OkStatus();
}

absl::StatusOr<bool> FindingRecords::ReadBySubject(std::string_view key, std::string_view value, uint32_t item,
                                                   pdl::v1::FindingRecord* out) {
  if (!subject_parts_.has_value() || subject_key_ != key) {
    subject_parts_ = rmkeys::ParseSubjectFindingKey(key);
    if (!subject_parts_.has_value()) return absl::DataLossError("findings_by_subject: malformed key");
    subject_key_ = std::string(key);
    if (!subject_parts_->index.has_value() &&
        !subject_row_.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      subject_parts_.reset();
      return absl::DataLossError("findings_by_subject: row does not parse");
    }
  }
  const rmkeys::SubjectFindingKeyParts& parts = *subject_parts_;
  if (parts.index.has_value()) {
    if (item > 0) return false;
    if (absl::Status s = ParseRecord(value, out); !s.ok()) return s;
    return true;
  }
  if (item == 0 && subject_row_.findings_size() == 0) {
    return absl::DataLossError("findings_by_subject: a row of a sealed event holds no findings");
  }
  if (item >= static_cast<uint32_t>(subject_row_.findings_size())) return false;
  *out = EventFindingRecord(subject_row_, static_cast<int>(item), parts.subject_id, parts.pos.partition,
                            parts.pos.seq);
  return true;
}

absl::Status FindingRecords::ParseRecord(std::string_view value, pdl::v1::FindingRecord* out) const {
  if (!out->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError("findings_by_subject: row does not parse");
  }
  return absl::OkStatus();
}

}  // namespace pdl::queries
