#ifndef PDL_PROJECTIONS_NODE_STATE_H_
#define PDL_PROJECTIONS_NODE_STATE_H_

// Small stores of a node's operational state: the embedded-mode outbox (events accepted by gRPC ingest and not
// sealed yet) and the read side of cursors, gaps and rejections for status reports. Thread-safe.

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pdl/v1/store.pb.h"

namespace pdl {

class Store;

// Stores `record` under `event_id` (a WAL write; survives a process crash).
[[nodiscard]] absl::Status PutOutbox(Store& store, std::string_view event_id, const pdl::v1::OutboxRecord& record);
// Calls `fn` for every outbox record in event_id order; stops at the first error `fn` returns.
[[nodiscard]] absl::Status ForEachOutbox(const Store& store,
                                         const std::function<absl::Status(const pdl::v1::OutboxRecord&)>& fn);
[[nodiscard]] absl::StatusOr<uint64_t> CountOutbox(const Store& store);

// Cursors of partitions [0, partitions) as stored (default cursor when absent).
[[nodiscard]] absl::StatusOr<std::vector<pdl::v1::PartitionCursor>> ReadCursors(const Store& store, int partitions);
[[nodiscard]] absl::StatusOr<std::vector<pdl::v1::GapRecord>> ReadGaps(const Store& store);
[[nodiscard]] absl::StatusOr<std::vector<pdl::v1::RejectedRecord>> ReadRejected(const Store& store, size_t limit);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_NODE_STATE_H_
