#include "projections/queries/internal/finding_records.h"

#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "pdl/v1/sealed.pb.h"
#include "projections/column_families.h"
#include "projections/keys.h"
#include "projections/read_models/findings.h"
#include "projections/store.h"

namespace pdl::queries {

absl::Status FindingRecords::ReadByTime(std::string_view key, std::string_view value, pdl::v1::FindingRecord* out) {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  if (!value.empty()) {
    const rocksdb::Status got = store_.db()->Get(read, store_.cf(Cf::kFindingsBySubject),
                                                 rocksdb::Slice(value.data(), value.size()), &buffer_);
    if (got.IsNotFound()) {
      return absl::DataLossError("findings: a row names a findings_by_subject row that is missing");
    }
    if (!got.ok()) return FromRocks(got, "reading findings_by_subject");
    return ParseRecord(buffer_, out);
  }
  const std::optional<rmkeys::FindingSuffix> at = rmkeys::FindingSuffixOf(key);
  if (!at.has_value()) return absl::DataLossError("findings: malformed key");
  const std::pair<uint32_t, uint64_t> position{at->partition, at->seq};
  if (logged_position_ != position) {
    logged_position_.reset();
    const rocksdb::Status got =
        store_.db()->Get(read, store_.cf(Cf::kLog), keys::LogKey(at->partition, at->seq), &buffer_);
    if (got.IsNotFound()) {
      return absl::DataLossError(absl::StrCat("findings: a row names partition ", at->partition, " seq ", at->seq,
                                              ", which is not in the log"));
    }
    if (!got.ok()) return FromRocks(got, "reading the log");
    pdl::v1::SealedEvent sealed;
    if (!sealed.ParseFromString(buffer_) || sealed.partition() != at->partition || sealed.seq() != at->seq) {
      return absl::DataLossError(absl::StrCat("log: the sealed record at partition ", at->partition, " seq ",
                                              at->seq, " does not parse or names another position"));
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
  if (at->index >= static_cast<uint32_t>(logged_row_.findings_size())) {
    return absl::DataLossError(absl::StrCat("findings: a row names finding ", at->index, " of partition ",
                                            at->partition, " seq ", at->seq, ", which has ",
                                            logged_row_.findings_size()));
  }
  *out = EventFindingRecord(logged_row_, static_cast<int>(at->index), logged_subject_, at->partition, at->seq);
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
