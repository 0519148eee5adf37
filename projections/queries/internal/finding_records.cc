#include "projections/queries/internal/finding_records.h"

#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "projections/column_families.h"
#include "projections/keys.h"
#include "projections/read_models/findings.h"
#include "projections/read_models/read_model_keys.h"
#include "projections/store.h"

namespace pdl::queries {

absl::Status FindingRecords::ReadByTime(std::string_view key, std::string_view value, pdl::v1::FindingRecord* out) {
  if (value.empty()) {
    const std::optional<rmkeys::FindingSuffix> at = rmkeys::FindingSuffixOf(key);
    if (!at.has_value()) return absl::DataLossError("findings: malformed key");
    if (absl::Status s = Load(at->partition, at->seq); !s.ok()) return s;
    if (!FromLoaded(at->index, out)) {
      return absl::DataLossError(absl::StrCat("findings: a row names finding ", at->index, " of partition ",
                                              at->partition, " seq ", at->seq, ", which has ",
                                              sealed_.findings_size()));
    }
    return absl::OkStatus();
  }
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  const rocksdb::Status got =
      store_.db()->Get(read, store_.cf(Cf::kFindingsBySubject), rocksdb::Slice(value.data(), value.size()), &buffer_);
  if (got.IsNotFound()) return absl::DataLossError("findings: a row names a findings_by_subject row that is missing");
  if (!got.ok()) return FromRocks(got, "reading findings_by_subject");
  return ParseRecord(buffer_, out);
}

absl::StatusOr<bool> FindingRecords::ReadBySubject(std::string_view key, std::string_view value, uint32_t item,
                                                   pdl::v1::FindingRecord* out) {
  if (!value.empty()) {
    if (item > 0) return false;
    if (absl::Status s = ParseRecord(value, out); !s.ok()) return s;
    return true;
  }
  const std::optional<rmkeys::FindingSuffix> at = rmkeys::EventFindingsSuffixOf(key);
  if (!at.has_value()) return absl::DataLossError("findings_by_subject: malformed key");
  if (absl::Status s = Load(at->partition, at->seq); !s.ok()) return s;
  if (item == 0 && sealed_.findings_size() == 0) {
    return absl::DataLossError(absl::StrCat("findings_by_subject: a row names partition ", at->partition, " seq ",
                                            at->seq, ", which has no findings"));
  }
  return FromLoaded(item, out);
}

absl::Status FindingRecords::Load(uint32_t partition, uint64_t seq) {
  const std::pair<uint32_t, uint64_t> position{partition, seq};
  if (loaded_ == position) return absl::OkStatus();
  loaded_.reset();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  const rocksdb::Status got = store_.db()->Get(read, store_.cf(Cf::kLog), keys::LogKey(partition, seq), &buffer_);
  if (got.IsNotFound()) {
    return absl::DataLossError(
        absl::StrCat("findings: a row names partition ", partition, " seq ", seq, ", which is not in the log"));
  }
  if (!got.ok()) return FromRocks(got, "reading the log");
  if (!sealed_.ParseFromString(buffer_) || sealed_.partition() != partition || sealed_.seq() != seq) {
    return absl::DataLossError(absl::StrCat("log: the sealed record at partition ", partition, " seq ", seq,
                                            " does not parse or names another position"));
  }
  auto event = DecodeEvent(sealed_.event());
  if (!event.ok()) return absl::DataLossError("log: sealed event bytes do not parse");
  event_ = std::move(*event);
  loaded_ = position;
  return absl::OkStatus();
}

bool FindingRecords::FromLoaded(uint32_t index, pdl::v1::FindingRecord* out) const {
  if (index >= static_cast<uint32_t>(sealed_.findings_size())) return false;
  // Only the finding asked for: the view need not carry the others.
  SealedEventView view{.partition = sealed_.partition(),
                       .seq = sealed_.seq(),
                       .kafka_offset = sealed_.kafka_offset(),
                       .recorded_at = ToTime(sealed_.recorded_at()),
                       .event = &event_,
                       .policy_version = sealed_.policy_version(),
                       .findings = {sealed_.findings(static_cast<int>(index))}};
  *out = EventFindingRecord(view, 0);
  return true;
}

absl::Status FindingRecords::ParseRecord(std::string_view value, pdl::v1::FindingRecord* out) const {
  if (!out->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError("findings_by_subject: row does not parse");
  }
  return absl::OkStatus();
}

}  // namespace pdl::queries
