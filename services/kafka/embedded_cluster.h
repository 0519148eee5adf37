#ifndef PDL_SERVICES_KAFKA_EMBEDDED_CLUSTER_H_
#define PDL_SERVICES_KAFKA_EMBEDDED_CLUSTER_H_

// An in-process Kafka cluster: librdkafka's mock cluster, speaking the real Kafka protocol on loopback, so any
// Kafka client (kcat, Java) can use it through bootstrap(). In memory only: records are gone when it stops, and
// each partition keeps only about 5 MiB (older records are deleted, moving the log start offset).
//
// Thread-safe after Start; the destructor stops the brokers.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/kafka/kafka_config.h"

namespace pdl::kafka {

class EmbeddedCluster {
 public:
  // Starts `brokers` brokers on 127.0.0.1 and creates `topics`.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EmbeddedCluster>> Start(int brokers,
                                                                             const std::vector<TopicSpec>& topics);
  ~EmbeddedCluster();
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  // "127.0.0.1:port,127.0.0.1:port,..."
  const std::string& bootstrap() const;
  // Random id of this cluster instance; a restart of ledgerd gives a new one (a fresh, empty cluster).
  const std::string& instance_id() const;

 private:
  class Impl;
  explicit EmbeddedCluster(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Creates the topics that do not exist yet on an external cluster (Admin API); existing ones are left alone.
[[nodiscard]] absl::Status EnsureTopics(const KafkaConfig& config, const std::vector<TopicSpec>& topics,
                                        absl::Duration timeout);

}  // namespace pdl::kafka

#endif  // PDL_SERVICES_KAFKA_EMBEDDED_CLUSTER_H_
