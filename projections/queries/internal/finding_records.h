#ifndef PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_
#define PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_

// The FindingRecords that `findings` and `findings_by_subject` rows stand for (projections/read_models/
// findings.h). A findings row with an empty value is finding `index` of the sealed record at (partition, seq),
// built from that record and its event; one with a value names the findings_by_subject row of a finding time
// raised. A findings_by_subject row of a sealed event (an EventFindingsRow) holds every finding of that record, one
// item each, built from the record and the row without parsing the event; one of a finding time raised is one
// item, the record itself. Reads through the caller's snapshot. Keeps the last sealed record it parsed, so the
// findings of one event read the log once. Not thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pdl/v1/event.pb.h"
#include "pdl/v1/read_models.pb.h"
#include "pdl/v1/sealed.pb.h"
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

  // The record of a `findings` row. DATA_LOSS when the row, its key or what it names does not parse or is missing.
  [[nodiscard]] absl::Status ReadByTime(std::string_view key, std::string_view value, pdl::v1::FindingRecord* out);

  // Item `item` of a `findings_by_subject` row into *out: false when the row has no such item. DATA_LOSS as above.
  [[nodiscard]] absl::StatusOr<bool> ReadBySubject(std::string_view key, std::string_view value, uint32_t item,
                                                   pdl::v1::FindingRecord* out);

  // Reads the sealed records that these `findings_by_subject` keys name with one MultiGet, so that ReadBySubject
  // on them does not read the log one record at a time (the subject report). DATA_LOSS for a malformed key.
  [[nodiscard]] absl::Status Prefetch(const std::vector<std::string>& subject_keys);

 private:
  // Reads and parses the sealed record at (partition, seq) unless it is the one parsed last; with `with_event`,
  // its event too.
  [[nodiscard]] absl::Status Load(uint32_t partition, uint64_t seq, bool with_event);
  [[nodiscard]] absl::Status ParseRecord(std::string_view value, pdl::v1::FindingRecord* out) const;

  const Store& store_;
  const rocksdb::Snapshot* snapshot_;
  std::string buffer_;
  std::optional<std::pair<uint32_t, uint64_t>> loaded_;
  pdl::v1::SealedEvent sealed_;
  // The loaded record's event, once parsed.
  std::optional<pdl::v1::PrivacyEvent> event_;
  pdl::v1::EventFindingsRow row_;
  // The findings_by_subject row ReadBySubject decoded last: its key's parts and (for a sealed event's row) row_.
  std::string row_key_;
  std::optional<rmkeys::SubjectFindingKeyParts> row_parts_;
  // Sealed records read ahead by Prefetch, by (partition, seq).
  absl::flat_hash_map<std::pair<uint32_t, uint64_t>, std::string> prefetched_;
};

}  // namespace pdl::queries

#endif  // PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_
