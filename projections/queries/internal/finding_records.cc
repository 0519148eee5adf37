#include "projections/queries/internal/finding_records.h"

#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "projections/keys.h"
#include "projections/read_models/findings.h"
#include "projections/read_models/read_model_keys.h"
#include "projections/store.h"

namespace pdl::queries {

absl::Status FindingRecords::Read(Cf family, std::string_view key, std::string_view value,
                                  pdl::v1::FindingRecord* out) {
  if (value.empty()) return FromLog(key, out);
  if (family == Cf::kFindings) {
    rocksdb::ReadOptions read;
    read.snapshot = snapshot_;
    const rocksdb::Status got = store_.db()->Get(read, store_.cf(Cf::kFindingsBySubject),
                                                 rocksdb::Slice(value.data(), value.size()), &buffer_);
    if (got.IsNotFound()) return absl::DataLossError("findings: a row names a findings_by_subject row that is missing");
    if (!got.ok()) return FromRocks(got, "reading findings_by_subject");
    value = buffer_;
  }
  if (!out->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError("findings_by_subject: row does not parse");
  }
  return absl::OkStatus();
}

absl::Status FindingRecords::FromLog(std::string_view key, pdl::v1::FindingRecord* out) {
  const std::optional<rmkeys::FindingSuffix> at = rmkeys::FindingSuffixOf(key);
  if (!at.has_value()) return absl::DataLossError("findings: malformed key");
  const std::pair<uint32_t, uint64_t> position{at->partition, at->seq};
  if (cached_ != position) {
    cached_.reset();
    rocksdb::ReadOptions read;
    read.snapshot = snapshot_;
    const rocksdb::Status got = store_.db()->Get(read, store_.cf(Cf::kLog), keys::LogKey(at->partition, at->seq),
                                                 &buffer_);
    if (got.IsNotFound()) {
      return absl::DataLossError(absl::StrCat("findings: a row names partition ", at->partition, " seq ", at->seq,
                                              ", which is not in the log"));
    }
    if (!got.ok()) return FromRocks(got, "reading the log");
    if (!sealed_.ParseFromString(buffer_) || sealed_.partition() != at->partition || sealed_.seq() != at->seq) {
      return absl::DataLossError(absl::StrCat("log: the sealed record at partition ", at->partition, " seq ", at->seq,
                                              " does not parse or names another position"));
    }
    auto event = DecodeEvent(sealed_.event());
    if (!event.ok()) return absl::DataLossError("log: sealed event bytes do not parse");
    event_ = std::move(*event);
    cached_ = position;
  }
  if (at->index >= static_cast<uint32_t>(sealed_.findings_size())) {
    return absl::DataLossError(absl::StrCat("findings: a row names finding ", at->index, " of partition ",
                                            at->partition, " seq ", at->seq, ", which has ", sealed_.findings_size()));
  }
  // Only the finding asked for: the view need not carry the others.
  SealedEventView view{.partition = sealed_.partition(),
                       .seq = sealed_.seq(),
                       .kafka_offset = sealed_.kafka_offset(),
                       .recorded_at = ToTime(sealed_.recorded_at()),
                       .event = &event_,
                       .policy_version = sealed_.policy_version(),
                       .findings = {sealed_.findings(static_cast<int>(at->index))}};
  *out = EventFindingRecord(view, 0);
  return absl::OkStatus();
}

}  // namespace pdl::queries
