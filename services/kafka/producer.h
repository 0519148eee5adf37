#ifndef PDL_SERVICES_KAFKA_PRODUCER_H_
#define PDL_SERVICES_KAFKA_PRODUCER_H_

// The one RAII owner of a librdkafka producer handle.
//
// Correctness settings are fixed: enable.idempotence=true, acks=all, partitioner=murmur2_random (Java's default,
// so a key maps to the same partition whoever publishes); KafkaConfig.properties cannot override them. A background
// thread polls for delivery reports. Nothing is reported delivered that the cluster did not acknowledge: a
// DeliveryCallback receives the broker's partition and offset, or a Status — UNAVAILABLE for transient failures
// (broker unreachable, message.timeout.ms expired, leader changes, records purged at shutdown: producing again may
// succeed), INTERNAL otherwise (unknown partition, record too large for the broker, fatal idempotence errors).
// Messages name the topic, the partition and librdkafka's error, never the record's key or value.
//
// An empty key is sent as "no key" (the partitioner then picks a partition at random), so events keyed by subject
// must have a non-empty key.
//
// Thread-safe: Produce/ProduceSync/Flush/PartitionFor may be called from any thread. Callbacks run on the poll
// thread and must not block for long, nor call ProduceSync or Flush (they would wait on themselves). The
// destructor waits (at most 10 s) for outstanding deliveries, then purges what is left and joins the poll thread;
// every callback still runs exactly once, the purged ones with UNAVAILABLE.

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
  // The record's timestamp (ms since epoch, CreateTime, set when it was enqueued): what consumers read back from
  // CreateTime topics such as pdl's own and the embedded cluster's. (librdkafka 2.0.2's mock broker acknowledges
  // with a fake LogAppendTime of 1234, so the acknowledgement's time is not used.)
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

  // Produces and waits for the acknowledgement. DEADLINE_EXCEEDED after `timeout` means "outcome unknown": the
  // record may still be delivered later, so a retry must be idempotent (same event_id).
  [[nodiscard]] absl::StatusOr<Delivery> ProduceSync(OutgoingRecord record, absl::Duration timeout);

  // Waits until every enqueued record is delivered or failed; DEADLINE_EXCEEDED after `timeout`.
  [[nodiscard]] absl::Status Flush(absl::Duration timeout);

  // The partition the murmur2 partitioner assigns to `key` in `topic`: the one Produce uses when no partition is
  // given, and the one Java clients use. Fetches the partition count once per topic (within 10 s) and caches it.
  // INVALID_ARGUMENT for an empty key; NOT_FOUND when the topic does not exist.
  [[nodiscard]] absl::StatusOr<int32_t> PartitionFor(std::string_view topic, std::string_view key);

  // Number of partitions of `topic` from cluster metadata (not cached; never creates the topic, even on brokers
  // that auto-create). NOT_FOUND when the topic does not exist, DEADLINE_EXCEEDED when no broker answered within
  // `timeout`.
  [[nodiscard]] absl::StatusOr<int32_t> PartitionCount(std::string_view topic, absl::Duration timeout);

  // The cluster id reported by the brokers ("" when unknown).
  std::string ClusterId(absl::Duration timeout);

  // OK, or INTERNAL with librdkafka's reason once the producer hit a fatal error (e.g. the idempotence sequence
  // broke). A failed producer accepts nothing more; the owner must replace it.
  [[nodiscard]] absl::Status Health() const;

 private:
  class Impl;
  explicit Producer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pdl::kafka

#endif  // PDL_SERVICES_KAFKA_PRODUCER_H_
