#include "services/node/seal_tracker.h"

#include <algorithm>
#include <chrono>

namespace pdl {

void SealTracker::OnProduced(int partition, int64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  produced_[partition] = std::max(produced_[partition], offset);
}

void SealTracker::OnSealed(int partition, int64_t next_offset) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    sealed_next_[partition] = next_offset;
  }
  cv_.notify_all();
}

int64_t SealTracker::Backlog(int partition) const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::max<int64_t>(0, produced_[partition] + 1 - sealed_next_[partition]);
}

bool SealTracker::WaitSealed(int partition, int64_t offset, absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, absl::ToChronoTime(deadline), [&] { return sealed_next_[partition] > offset; });
}

bool SealTracker::WaitBacklogBelow(int partition, int64_t window, absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, absl::ToChronoTime(deadline),
                        [&] { return produced_[partition] + 1 - sealed_next_[partition] < window; });
}

}  // namespace pdl
