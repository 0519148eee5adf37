#ifndef PDL_SERVICES_NODE_SEAL_TRACKER_H_
#define PDL_SERVICES_NODE_SEAL_TRACKER_H_

// Where ingest and sealing stand per partition: the highest offset produced through this node and the next offset
// the sealer will consume. Ingest waits on it for read-your-writes (SEALED) and for backpressure (embedded mode).
// Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/time/time.h"

namespace pdl {

class SealTracker {
 public:
  explicit SealTracker(int partitions) : produced_(partitions, -1), sealed_next_(partitions, 0) {}

  void OnProduced(int partition, int64_t offset);
  // Every offset below `next_offset` of `partition` is sealed (or deduplicated, or rejected).
  void OnSealed(int partition, int64_t next_offset);
  // Produced through this node but not sealed yet.
  int64_t Backlog(int partition) const;
  // True once `offset` of `partition` is sealed; false at `deadline`.
  bool WaitSealed(int partition, int64_t offset, absl::Time deadline);
  // True once Backlog(partition) < window; false at `deadline`.
  bool WaitBacklogBelow(int partition, int64_t window, absl::Time deadline);
  int partitions() const { return static_cast<int>(sealed_next_.size()); }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int64_t> produced_;
  std::vector<int64_t> sealed_next_;
};

}  // namespace pdl

#endif  // PDL_SERVICES_NODE_SEAL_TRACKER_H_
