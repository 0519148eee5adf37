#ifndef PDL_SERVICES_KAFKA_PRODUCER_H_
#define PDL_SERVICES_KAFKA_PRODUCER_H_

// The one RAII owner of a librdkafka producer handle.
//
// Correctness settings are fixed: enable.idempotence=true, acks=all, partitioner=murmur2_random (Java's default,
// so a key maps to the same partition whoever publishes). A background thread polls for delivery reports.
// Nothing is reported delivered that the cluster did not acknowledge: a DeliveryCallback receives the broker's
// partition and offset, or a Status (UNAVAILABLE for retriable/timeout failures, INTERNAL otherwise).
//
// Thread-safe: Produce/ProduceSync/Flush may be called from any thread. Callbacks run on the poll thread and must
// not block for long. The destructor flushes (bounded by 10 s) and joins the poll thread; records still
// undelivered then get the failure librdkafka reports for them (their callbacks still run exactly once).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/kafka/kafka_config.h"

namespace pdl::kafka {

struct OutgoingRecord {
  std::string topic;
  // Unset: the murmur2 partitioner chooses from the key.
  std::optional<int32_t> partition;
  std::string key;
  std::string value;
  std::vector<Header> headers;
};

struct Delivery {
  int32_t partition = -1;
  int64_t offset = -1;
  // Record timestamp (ms since epoch) as the broker stored it.
  int64_t timestamp_ms = 0;
};

using DeliveryCallback = absl::AnyInvocable<void(absl::StatusOr<Delivery>)>;

class Producer {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Producer>> Create(const KafkaConfig& config);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Enqueues `record`; `done` is called exactly once with the outcome. When the local queue is full, waits up to
  // `enqueue_timeout` for room, then returns RESOURCE_EXHAUSTED (and `done` is not called). Any other enqueue
  // failure is returned likewise without calling `done`.
  [[nodiscard]] absl::Status Produce(OutgoingRecord record, DeliveryCallback done,
                                     absl::Duration enqueue_timeout = absl::Seconds(30));

  // Produces and waits for the acknowledgement (or DEADLINE_EXCEEDED after `timeout`).
  [[nodiscard]] absl::StatusOr<Delivery> ProduceSync(OutgoingRecord record, absl::Duration timeout);

  // Waits until every enqueued record is delivered or failed; DEADLINE_EXCEEDED after `timeout`.
  [[nodiscard]] absl::Status Flush(absl::Duration timeout);

  // The partition the murmur2 partitioner assigns to `key` in `topic` (fetches metadata once per topic).
  [[nodiscard]] absl::StatusOr<int32_t> PartitionFor(std::string_view topic, std::string_view key);

  // Number of partitions of `topic` from cluster metadata.
  [[nodiscard]] absl::StatusOr<int32_t> PartitionCount(std::string_view topic, absl::Duration timeout);

  // The cluster id reported by the brokers ("" when unknown).
  std::string ClusterId(absl::Duration timeout);

 private:
  class Impl;
  explicit Producer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pdl::kafka

#endif  // PDL_SERVICES_KAFKA_PRODUCER_H_
