#ifndef PDL_SERVICES_KAFKA_CONSUMER_H_
#define PDL_SERVICES_KAFKA_CONSUMER_H_

// The one RAII owner of a librdkafka consumer handle.
//
// Manual assignment only: no consumer-group rebalancing, no auto commit, no committed offsets are used (the
// group.id librdkafka requires is "pdl-manual-assign-<random hex>", never joined nor committed to, so ACLs need not
// grant it anything); the caller says where each partition starts (the offsets it stored itself).
// auto.offset.reset is "error": when a partition's next offset is no longer in Kafka (deleted by retention), Poll
// reports it once in `out_of_range` and the partition delivers nothing more until the caller calls Seek. It never
// jumps silently.
//
// Not thread-safe: one thread owns a Consumer.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/kafka/kafka_config.h"

namespace pdl::kafka {

struct ConsumedRecord {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp_ms = 0;
  std::string key;
  std::string value;
  std::vector<Header> headers;
};

struct OutOfRange {
  int32_t partition = -1;
  // The offset the consumer asked for.
  int64_t requested_offset = -1;
};

struct PollResult {
  std::vector<ConsumedRecord> records;
  std::vector<OutOfRange> out_of_range;
};

struct Watermarks {
  // Log start offset (oldest offset still present).
  int64_t low = -1;
  // Offset the next produced record will get.
  int64_t high = -1;
};

class Consumer {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Consumer>> Create(const KafkaConfig& config, std::string topic);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Replaces the assignment: partition -> first offset to deliver (>= 0; INVALID_ARGUMENT otherwise). Partitions
  // start unpaused.
  [[nodiscard]] absl::Status Assign(const std::map<int32_t, int64_t>& start_offsets);

  // Waits up to `timeout` for the first record or out-of-range report, then returns what is already buffered, at
  // most `max_records` (fewer is normal; none after `timeout`). Records of one partition come in offset order.
  // Transient broker errors are retried internally. Errors that retrying cannot fix (authorization, fatal client
  // state) are returned — on the next call when records were already collected, so none is dropped.
  [[nodiscard]] absl::StatusOr<PollResult> Poll(size_t max_records, absl::Duration timeout);

  // Continue `partition` from `offset` (after a gap or an operator's acknowledgement); pending records of the
  // partition from before the seek are discarded. FAILED_PRECONDITION when `partition` is not assigned.
  [[nodiscard]] absl::Status Seek(int32_t partition, int64_t offset);
  // Stop / restart fetching a partition without losing its position. FAILED_PRECONDITION when not assigned.
  [[nodiscard]] absl::Status Pause(int32_t partition);
  [[nodiscard]] absl::Status Resume(int32_t partition);

  // Asks the partition leader. NOT_FOUND for an unknown partition, DEADLINE_EXCEEDED when no answer in time.
  [[nodiscard]] absl::StatusOr<Watermarks> QueryWatermarks(int32_t partition, absl::Duration timeout);

  const std::string& topic() const;

 private:
  class Impl;
  explicit Consumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pdl::kafka

#endif  // PDL_SERVICES_KAFKA_CONSUMER_H_
