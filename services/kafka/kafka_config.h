#ifndef PDL_SERVICES_KAFKA_KAFKA_CONFIG_H_
#define PDL_SERVICES_KAFKA_KAFKA_CONFIG_H_

// How to reach Kafka, shared by the producer, the consumer and the admin helpers.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pdl::kafka {

// Topic names (DESIGN.md §3).
inline constexpr char kEventsTopic[] = "pdl.events.v1";
inline constexpr char kRejectedTopic[] = "pdl.events.rejected.v1";
inline constexpr char kPoliciesTopic[] = "pdl.policies.v1";
inline constexpr char kRetentionDueTopic[] = "pdl.retention.due.v1";

struct KafkaConfig {
  // "host:port[,host:port...]".
  std::string bootstrap_servers;
  // Any librdkafka property (security.protocol, sasl.*, ssl.*, ...), applied after the wrapper's defaults
  // except the ones that guarantee correctness (idempotence, acks, partitioner, auto commit), which win.
  std::map<std::string, std::string> properties;
  std::string client_id = "ledgerd";
};

struct Header {
  std::string key;
  std::string value;
};

struct TopicSpec {
  std::string name;
  int32_t partitions = 1;
  int16_t replication_factor = 1;
};

}  // namespace pdl::kafka

#endif  // PDL_SERVICES_KAFKA_KAFKA_CONFIG_H_
