#ifndef PDL_SERVICES_NODE_CONFIG_H_
#define PDL_SERVICES_NODE_CONFIG_H_

// ledgerd's configuration: command-line flags, optionally read from a config file (--config FILE, INI/TOML
// "key = value" lines with the flag names as keys).

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace pdl {

struct NodeConfig {
  std::string data_dir = "./pdl-data";
  std::string grpc_address = "127.0.0.1:50051";
  // Prometheus metrics at http://<metrics_address>/metrics; empty (flag value "off"): none.
  std::string metrics_address = "127.0.0.1:9464";
  // Empty: start the embedded Kafka cluster.
  std::string kafka_bootstrap;
  std::map<std::string, std::string> kafka_properties;
  // Embedded cluster shape.
  int embedded_brokers = 3;
  int embedded_partitions = 6;
  // Key-encryption key file (64 hex chars). Empty: <data-dir>/kek.hex, generated on first start.
  std::string kek_file;
  // Checkpoint signer key (C2SP signed-note signer key). Empty: <data-dir>/checkpoint.key, generated on first
  // start; the verifier key is written beside it as checkpoint.key.pub.
  std::string checkpoint_key_file;
  // Checkpoint origin prefix; partition p's origin is "<log_origin>/p". Empty: pdl.local/<log-id>, with a random
  // log id generated into <data-dir>/log-id on first start.
  std::string log_origin;
  bool sync_writes = false;
  // Start even though the stored offsets belong to another Kafka cluster (external mode).
  bool accept_cluster_change = false;
  // Embedded-mode backpressure: Publish waits while a partition has more unsealed records than this.
  int backlog_window = 8000;
  int batch_max_records = 5000;
  absl::Duration batch_max_wait = absl::Milliseconds(20);
  std::string log_level = "info";
  // Check the stored log against its tree, heads and signatures, print the report and exit (no Kafka, no gRPC).
  bool verify_store = false;
  // Background store self-check period; zero disables it. On damage the node stops sealing.
  absl::Duration scrub_interval = absl::Minutes(10);
};

// Parses argv. Returns the config, or a status: CANCELLED after printing --help / --version (exit 0), or
// INVALID_ARGUMENT with the message to print (exit 2).
[[nodiscard]] absl::StatusOr<NodeConfig> ParseNodeFlags(int argc, char** argv);

}  // namespace pdl

#endif  // PDL_SERVICES_NODE_CONFIG_H_
