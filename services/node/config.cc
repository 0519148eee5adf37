#include "services/node/config.h"

#include <iostream>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "services/version.h"

namespace pdl {

absl::StatusOr<NodeConfig> ParseNodeFlags(int argc, char** argv) {
  NodeConfig config;
  std::vector<std::string> props;
  int batch_wait_ms = static_cast<int>(absl::ToInt64Milliseconds(config.batch_max_wait));
  int scrub_interval_s = static_cast<int>(absl::ToInt64Seconds(config.scrub_interval));

  CLI::App app{
      "ledgerd: the Personal Data Ledger server.\n\n"
      "Consumes privacy events from Kafka (topic pdl.events.v1), validates them, seals them into a per-partition\n"
      "log in RocksDB and serves gRPC: IngestService (publish), AuditService (history), AdminService (status).\n"
      "With no --kafka-bootstrap it starts an embedded Kafka cluster (real Kafka protocol on 127.0.0.1) and\n"
      "writes its bootstrap address to <data-dir>/kafka-bootstrap, so that any Kafka client can publish.\n",
      "ledgerd"};
  app.set_version_flag("--version", Version());
  app.set_config("--config", "", "Read flags from FILE (lines 'name = value', names as the long flags)");
  app.add_option("--data-dir", config.data_dir, "Where RocksDB and the keys live")->capture_default_str();
  app.add_option("--grpc-address", config.grpc_address, "host:port the gRPC server listens on")
      ->capture_default_str();
  app.add_option("--metrics-address", config.metrics_address,
                 "host:port serving Prometheus metrics at /metrics (port 0: a free port, written to "
                 "<data-dir>/metrics-address); 'off' = no metrics")
      ->capture_default_str();
  app.add_option("--kafka-bootstrap", config.kafka_bootstrap,
                 "Kafka bootstrap servers host:port[,host:port]; empty = embedded cluster");
  app.add_option("--kafka-prop", props,
                 "Extra librdkafka property key=value (repeatable), e.g. security.protocol=SASL_SSL");
  app.add_option("--embedded-partitions", config.embedded_partitions, "Partitions of pdl.events.v1 (embedded)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--kek-file", config.kek_file,
                 "Key-encryption key for the subject key vault (64 hex chars); default <data-dir>/kek.hex, "
                 "generated on first start");
  app.add_option("--checkpoint-key-file", config.checkpoint_key_file,
                 "Ed25519 signer key for checkpoints (C2SP signed-note format); default <data-dir>/checkpoint.key, "
                 "generated on first start, verifier key written to <file>.pub");
  app.add_option("--log-origin", config.log_origin,
                 "Checkpoint origin prefix (partition p signs '<origin>/p'); default pdl.local/<log-id>");
  app.add_flag("--sync-writes", config.sync_writes, "fsync RocksDB's WAL on every batch (power-loss safety)");
  app.add_flag("--accept-cluster-change", config.accept_cluster_change,
               "Start although the stored offsets belong to another Kafka cluster (resume at offset 0 of the new "
               "one; already sealed event ids are still deduplicated)");
  app.add_option("--backlog-window", config.backlog_window,
                 "Embedded mode: Publish waits while a partition has more unsealed records than this")
      ->capture_default_str()
      ->check(CLI::Range(100, 1000000));
  app.add_option("--batch-max-records", config.batch_max_records, "Records per sealed batch at most")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--batch-max-wait-ms", batch_wait_ms, "How long a batch waits to fill")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_flag("--verify-store", config.verify_store,
               "Re-hash every stored record against the stored Merkle tree and heads, check every checkpoint "
               "signature, print the report and exit: 0 intact, 1 damaged (names partition and seq). Starts "
               "neither Kafka nor gRPC; ledgerd must not be running on the data dir");
  app.add_option("--scrub-interval", scrub_interval_s,
                 "Seconds between background store self-checks (0 = off); on damage the node logs an alarm and "
                 "stops sealing (health NOT_SERVING for pdl.v1.IngestService)")
      ->capture_default_str()
      ->check(CLI::Range(0, 7 * 24 * 3600));
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return absl::CancelledError("help");
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return absl::CancelledError("help");
  } catch (const CLI::CallForVersion&) {
    std::cout << Version() << "\n";
    return absl::CancelledError("version");
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  for (const std::string& p : props) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat("--kafka-prop '", p, "': want key=value"));
    }
    config.kafka_properties[p.substr(0, eq)] = p.substr(eq + 1);
  }
  if (config.metrics_address == "off") config.metrics_address.clear();
  config.batch_max_wait = absl::Milliseconds(batch_wait_ms);
  config.scrub_interval = absl::Seconds(scrub_interval_s);
  return config;
}

}  // namespace pdl
