#ifndef PDL_SERVICES_KAFKA_EMBEDDED_CLUSTER_H_
#define PDL_SERVICES_KAFKA_EMBEDDED_CLUSTER_H_

// An in-process Kafka cluster: librdkafka's mock cluster, speaking the real Kafka protocol on loopback, so any
// Kafka client (kcat, Java) can use it through bootstrap(). In memory only: records are gone when it stops, and
// each partition keeps only about 5 MiB (librdkafka 2.0.2 drops whole produce batches from the front once a
// partition holds more than 5 MiB or 100000 batches, moving the log start offset). Idempotent producers are
// supported (sequence numbers are checked); the Admin API is not, so topics are created here, by Start.
//
// Thread-safe after Start; the destructor stops the brokers (clients should be destroyed first) and takes about a
// second (the brokers' I/O thread wakes up once a second).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/kafka/kafka_config.h"

namespace pdl::kafka {

class EmbeddedCluster {
 public:
  // Starts `brokers` brokers on 127.0.0.1 and creates `topics`. INVALID_ARGUMENT for brokers < 1 or a bad spec.
  // The brokers also create, with 4 partitions, any unknown topic a client asks metadata for — producing to a
  // misspelt topic creates it.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EmbeddedCluster>> Start(int brokers,
                                                                              const std::vector<TopicSpec>& topics);
  ~EmbeddedCluster();
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  // "127.0.0.1:port,127.0.0.1:port,..."
  const std::string& bootstrap() const;
  // Random id of this cluster instance; a restart of ledgerd gives a new one (a fresh, empty cluster).
  const std::string& instance_id() const;

  // Fault injection for tests. The next `kafka_error_codes.size()` Produce requests to any broker fail with these
  // Kafka protocol error codes, in order (0 lets one request through); failed requests append nothing.
  void FailNextProduceRequests(const std::vector<int16_t>& kafka_error_codes);
  // Disconnects broker `broker_id` (1..brokers) and refuses connections until SetBrokerUp; leadership does not move.
  [[nodiscard]] absl::Status SetBrokerDown(int32_t broker_id);
  [[nodiscard]] absl::Status SetBrokerUp(int32_t broker_id);

 private:
  class Impl;
  explicit EmbeddedCluster(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Creates the topics that do not exist yet on an external cluster (Admin API CreateTopics); existing ones are left
// alone, whatever their partition count. OK without any CreateTopics request when all exist. INVALID_ARGUMENT for a
// bad spec or one the brokers reject as invalid, PERMISSION_DENIED when not authorized, DEADLINE_EXCEEDED when the
// cluster did not answer in time — which is what the embedded (mock) cluster does, as it has no Admin API.
// Requires the caller's `config` to reach the cluster; the admin client lives only for this call.
[[nodiscard]] absl::Status EnsureTopics(const KafkaConfig& config, const std::vector<TopicSpec>& topics,
                                        absl::Duration timeout);

}  // namespace pdl::kafka

#endif  // PDL_SERVICES_KAFKA_EMBEDDED_CLUSTER_H_
