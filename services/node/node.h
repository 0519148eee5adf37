#ifndef PDL_SERVICES_NODE_NODE_H_
#define PDL_SERVICES_NODE_NODE_H_

// A ledger node: wires the store, the key vault, Kafka (embedded or external), the sealer, ingest and the gRPC
// server, runs until SIGINT/SIGTERM and shuts down in order (stop accepting, flush the producer, finish the current
// batch, close RocksDB).

#include "absl/status/status.h"
#include "services/node/config.h"

namespace pdl {

// Blocks until a termination signal; returns the reason the node could not start or had to stop.
// Requires SIGINT and SIGTERM blocked in every thread (the caller blocks them before any thread starts).
[[nodiscard]] absl::Status RunNode(const NodeConfig& config);

}  // namespace pdl

#endif  // PDL_SERVICES_NODE_NODE_H_
