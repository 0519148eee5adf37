#ifndef PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_
#define PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_

// The FindingRecords that `findings` and `findings_by_subject` rows stand for (projections/read_models/
// findings.h). A findings_by_subject row of a sealed event (an EventFindingsRow) holds each of its findings, one
// item each; one of a finding time raised is one item, the record itself. A findings row (a FindingsAtRow) holds
// the rule and severity of each finding, one item each: of a sealed event, item i is finding i of the sealed
// record at (partition, seq), read from the log; of a finding time raised, the one item names its
// findings_by_subject row. Reads through the caller's snapshot. Keeps the last rows and the last sealed record it
// decoded, so the findings of one event decode them once. Not thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pdl/v1/read_models.pb.h"
#include "projections/read_models/read_model_keys.h"

namespace rocksdb {
class Snapshot;
}

namespace pdl {
class Store;
}

namespace pdl::queries {

class FindingRecords {
 public:
  FindingRecords(const Store& store, const rocksdb::Snapshot* snapshot) : store_(store), snapshot_(snapshot) {}

  // The rule and severity of item `item` of a `findings` row; nullptr when the row has no such item. DATA_LOSS
  // when the row or its key does not parse, or the row holds no finding.
  [[nodiscard]] absl::StatusOr<const pdl::v1::FindingTag*> TagByTime(std::string_view key, std::string_view value,
                                                                     uint32_t item);
  // The record of item `item` of the `findings` row TagByTime read last. DATA_LOSS when what it names does not
  // parse or is missing.
  [[nodiscard]] absl::Status ReadByTime(uint32_t item, pdl::v1::FindingRecord* out);

  // Item `item` of a `findings_by_subject` row into *out: false when the row has no such item. DATA_LOSS when the
  // row or its key does not parse.
  [[nodiscard]] absl::StatusOr<bool> ReadBySubject(std::string_view key, std::string_view value, uint32_t item,
                                                   pdl::v1::FindingRecord* out);

 private:
  [[nodiscard]] absl::Status ParseRecord(std::string_view value, pdl::v1::FindingRecord* out) const;

  const Store& store_;
  const rocksdb::Snapshot* snapshot_;
  std::string buffer_;
  // TagByTime: the findings row decoded last, its key and the key's parts.
  std::string time_key_;
  std::optional<rmkeys::FindingKeyParts> time_parts_;
  pdl::v1::FindingsAtRow time_row_;
  // ReadByTime: the row built last from the log, the position it was built for and its event's subject.
  std::optional<std::pair<uint32_t, uint64_t>> logged_position_;
  std::string logged_subject_;
  pdl::v1::EventFindingsRow logged_row_;
  // ReadBySubject: the row decoded last, its key and the key's parts.
  std::string subject_key_;
  std::optional<rmkeys::SubjectFindingKeyParts> subject_parts_;
  pdl::v1::EventFindingsRow subject_row_;
};

}  // namespace pdl::queries

#endif  // PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_
