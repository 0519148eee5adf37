#ifndef PDL_SERVICES_NODE_SEALER_H_
#define PDL_SERVICES_NODE_SEALER_H_

// The sealer: one thread that consumes pdl.events.v1 from the offsets stored in RocksDB, applies each batch
// through the Applier (one WriteBatch per batch, written behind: the next batch is prepared while one is written, and
// Publish(SEALED) waits until it is durable), publishes rejections to pdl.events.rejected.v1 before the batch
// that skips them commits, and detects gaps (records Kafka deleted before they were sealed).
//
// Gaps are never skipped silently: each is stored, counted and logged as an alarm naming partition and offsets.
// With an embedded cluster (whose data is gone for good) the partition continues at the log start; with a real
// cluster it stops until an operator acknowledges (AcknowledgeGap).
//
// Thread-safe public methods; the consumer and the applier are owned by the sealer thread.

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "projections/applier.h"
#include "services/kafka/consumer.h"
#include "services/kafka/producer.h"
#include "services/node/seal_tracker.h"

namespace pdl {

// One batch the sealer made durable.
struct SealedBatchReport {
  // Kafka records in the batch (sealed, duplicate and rejected alike).
  size_t records = 0;
  // From the poll that returned the records until the batch was durable in RocksDB.
  absl::Duration latency;
  FindingCounts findings;
};

class Sealer {
 public:
  struct Options {
    bool stop_at_gaps = true;
    size_t batch_max_records = 5000;
    absl::Duration batch_max_wait = absl::Milliseconds(20);
    // Runs on the sealer thread before each non-empty batch is prepared (the node catches up with
    // pdl.policies.v1 here, so that every policy published before the batch's events judges them). An error fails
    // the batch, which is retried from the stored offsets.
    std::function<absl::Status()> before_batch;
    // Called (on the thread that wrote it) for each batch once it is durable. Must be quick and thread-safe.
    std::function<void(const SealedBatchReport&)> on_durable;
  };

  Sealer(Options options, std::unique_ptr<kafka::Consumer> consumer, std::unique_ptr<Applier> applier,
         kafka::Producer* producer, SealTracker* tracker);
  ~Sealer();

  // Assigns the partitions at their stored offsets and starts the thread.
  [[nodiscard]] absl::Status Start();
  // Finishes the current batch and joins the thread.
  void Stop();

  // Runs on the sealer thread; returns the number of gaps acknowledged.
  [[nodiscard]] absl::StatusOr<int> AcknowledgeGaps(uint32_t partition);

  // Runs `fn` on the sealer thread between two batches (nothing else writes the store meanwhile) and returns its
  // status; DEADLINE_EXCEEDED when it has not finished within `timeout` (it still runs to the end).
  [[nodiscard]] absl::Status RunBetweenBatches(std::function<absl::Status()> fn, absl::Duration timeout);

  // Stops sealing for good (until restart): the loop only runs commands from now on, and health() returns
  // `reason`. For damage found in the store, so that nothing is built on a damaged log. Requires !reason.ok().
  void Halt(absl::Status reason);

  // The halt reason, else the last error of the sealer loop (OK while healthy).
  absl::Status health() const;
  uint64_t gaps_detected() const { return gaps_detected_.load(); }

 private:
  void Loop();
  bool halted() const;
  // Assigns every partition at its stored cursor, keeping partitions stopped at a gap paused.
  absl::Status AssignAtCursors();
  absl::Status RunOnce();
  absl::Status HandleOutOfRange(const kafka::OutOfRange& oor);
  absl::Status PublishRejections(const std::vector<Rejection>& rejections);
  void RunCommands();
  // After a failed batch: waits for the batch being written and assigns the consumer at what is durable.
  void Rewind();
  void Submit(std::function<void()> command);

  Options options_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<Applier> applier_;
  kafka::Producer* producer_;
  SealTracker* tracker_;

  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> gaps_detected_{0};
  std::thread thread_;

  mutable std::mutex mu_;
  absl::Status health_;
  absl::Status halted_;
  std::deque<std::function<void()>> commands_;
};

}  // namespace pdl

#endif  // PDL_SERVICES_NODE_SEALER_H_
