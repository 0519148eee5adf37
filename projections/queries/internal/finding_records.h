#ifndef PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_
#define PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_

// The FindingRecord a `findings` or `findings_by_subject` row stands for (projections/read_models/findings.h):
// an empty value names finding `index` of the sealed record at (partition, seq), read from the log; a
// findings_by_subject value is the record itself; a findings value is the key of the findings_by_subject row that
// holds it. Reads through the caller's snapshot. Keeps the last sealed record it parsed, so the findings of one
// event, which lie next to each other, read the log once. Not thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "pdl/v1/event.pb.h"
#include "pdl/v1/read_models.pb.h"
#include "pdl/v1/sealed.pb.h"
#include "projections/column_families.h"

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

  // `family` is Cf::kFindings or Cf::kFindingsBySubject. DATA_LOSS when a row, the record it names or the key's
  // position does not parse or is missing.
  [[nodiscard]] absl::Status Read(Cf family, std::string_view key, std::string_view value,
                                  pdl::v1::FindingRecord* out);

 private:
  [[nodiscard]] absl::Status FromLog(std::string_view key, pdl::v1::FindingRecord* out);

  const Store& store_;
  const rocksdb::Snapshot* snapshot_;
  std::string buffer_;
  // The last sealed record read from the log, and its event.
  std::optional<std::pair<uint32_t, uint64_t>> cached_;
  pdl::v1::SealedEvent sealed_;
  pdl::v1::PrivacyEvent event_;
};

}  // namespace pdl::queries

#endif  // PDL_PROJECTIONS_QUERIES_INTERNAL_FINDING_RECORDS_H_
