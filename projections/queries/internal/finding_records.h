#ifndef PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_
#define PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_

// The FindingRecords that `findings` and `findings_by_subject` rows stand for (projections/read_models/
// findings.h). A row with an empty value names the log: a findings row, finding `index` of the sealed record at
// (partition, seq); a findings_by_subject row, every finding of that record, one item each. A findings_by_subject
// row with a value is one item, the record itself (a finding time raised); a findings row with a value names that
// findings_by_subject row. Reads through the caller's snapshot. Keeps the last sealed record it parsed, so the
// findings of one event read the log once. Not thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pdl/v1/event.pb.h"
#include "pdl/v1/read_models.pb.h"
#include "pdl/v1/sealed.pb.h"

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

 private:
  // Reads and parses the sealed record at (partition, seq) unless it is the one parsed last.
  [[nodiscard]] absl::Status Load(uint32_t partition, uint64_t seq);
  // Finding `index` of the loaded record; false when it has fewer.
  bool FromLoaded(uint32_t index, pdl::v1::FindingRecord* out) const;
  [[nodiscard]] absl::Status ParseRecord(std::string_view value, pdl::v1::FindingRecord* out) const;

  const Store& store_;
  const rocksdb::Snapshot* snapshot_;
  std::string buffer_;
  std::optional<std::pair<uint32_t, uint64_t>> loaded_;
  pdl::v1::SealedEvent sealed_;
  pdl::v1::PrivacyEvent event_;
};

}  // namespace pdl::queries

#endif  // PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_
