#ifndef PDL_PROJECTIONS_HISTORY_H_
#define PDL_PROJECTIONS_HISTORY_H_

// Read queries over the sealed log: a subject's history (subject_timeline + log) and event-id lookups.
// Thread-safe: each call reads from one RocksDB snapshot.

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "pdl/v1/audit_service.pb.h"
#include "pdl/v1/store.pb.h"

namespace pdl {

class Store;

inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

// AuditService.GetSubjectHistory. INVALID_ARGUMENT naming the field for: empty subject_id, negative page_size,
// an inverted time range, unknown action values, a page_token that is malformed or was issued for other
// parameters. Entries come in occurred_at order, ties by (partition, seq); next_page_token is empty only at the end.
// With with_proofs, each entry also carries its sealed record bytes, leaf index and inclusion proof, and the
// response one checkpoint per partition of the page; entries, heads and nodes are read from one snapshot, so each
// proof verifies against its partition's checkpoint. DATA_LOSS when the stored tree does not cover an entry.
[[nodiscard]] absl::StatusOr<pdl::v1::GetSubjectHistoryResponse> GetSubjectHistory(
    const Store& store, const pdl::v1::GetSubjectHistoryRequest& request);

// The dedupe entry of `event_id`, or std::nullopt when it was never sealed.
[[nodiscard]] absl::StatusOr<std::optional<pdl::v1::EventIdEntry>> LookupEventId(const Store& store,
                                                                                 std::string_view event_id);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_HISTORY_H_
