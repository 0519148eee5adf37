#ifndef PDL_PROJECTIONS_REBUILD_H_
#define PDL_PROJECTIONS_REBUILD_H_

// Rebuilding the read models from the sealed log, and the digest that proves the result (DESIGN.md §6, invariant
// 3): drop every read-model family, then re-apply every record of `log` (partition by partition, in seq order)
// through the same ReadModels, with the policy version and findings stored in each sealed record (the judge is not
// run again). Models depend only on the sealed records, so the rebuilt families equal the incrementally built ones
// byte for byte, and ReadModelDigest over them is equal before and after.
//
// Precondition: nothing else writes the store while a rebuild runs (stop or pause the sealer first); queries may
// run but see partial read models until it returns. A failed rebuild leaves the read models partial; run it again.
// Not thread-safe with respect to other writers; the functions themselves keep no state.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "projections/column_families.h"
#include "projections/read_model.h"

namespace pdl {

class Store;

// Lower-case hex SHA-256 over every (family name, key, value) of `families`, families in the given order and rows
// in key order, each string framed by its length (u32 big-endian). Reads one RocksDB snapshot.
[[nodiscard]] absl::StatusOr<std::string> ReadModelDigest(const Store& store, const std::vector<Cf>& families);

// Deletes every row of `families` (one range deletion per family, then a compaction of it).
[[nodiscard]] absl::Status DropFamilies(Store& store, const std::vector<Cf>& families);

struct RebuildOptions {
  // Sealed records per WriteBatch.
  size_t batch_events = 5000;
};

struct RebuildResult {
  uint64_t events = 0;
  std::string digest_before;
  std::string digest_after;
};

// Digest, drop `families`, re-apply the whole log through `models` (in this order), digest again; then records
// kReadModelLayout as the store's layout.
[[nodiscard]] absl::StatusOr<RebuildResult> RebuildReadModels(Store& store, const std::vector<ReadModel*>& models,
                                                              const std::vector<Cf>& families,
                                                              const RebuildOptions& options = {});

// The layout of the read-model keys and rows this build writes. Raised whenever one changes (2: closed holding
// periods keyed after the open sets, retention_overdue; 3: a findings row holds the key of its findings_by_subject
// row instead of a copy of the record; rights requests due by the response deadline of the judging policy; 4: the
// findings of a sealed event are keys only, their records read from the log; 5: one findings_by_subject row per
// event; 6: that row holds the event's id, action and time; 7: and its findings; 8: one findings row per event,
// keyed by time and position, with the rule and severity of each finding; 9: each holding way keeps retained_at and
// the subject index the retention steps of each event, for retain_until as of a past instant), so that a data
// directory of an earlier build gets its read models rebuilt from the log instead of being misread.
inline constexpr int kReadModelLayout = 9;

// On start: the layout recorded in the store (the default family) differs from kReadModelLayout, or none is
// recorded while the log holds records (a store of a build before layouts were recorded) -> rebuilds the read
// models (RebuildReadModels) and returns the result; otherwise records the layout and returns std::nullopt.
[[nodiscard]] absl::StatusOr<std::optional<RebuildResult>> EnsureReadModelLayout(
    Store& store, const std::vector<ReadModel*>& models, const std::vector<Cf>& families);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_REBUILD_H_
