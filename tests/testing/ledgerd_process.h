#ifndef PDL_TESTS_TESTING_LEDGERD_PROCESS_H_
#define PDL_TESTS_TESTING_LEDGERD_PROCESS_H_

// Runs the real ledgerd binary as a child process on a data directory the caller owns, with gRPC on a free
// loopback port, metrics on another, and (by default) the embedded Kafka cluster. Start() returns once the server answers gRPC health
// checks. Kill() is SIGKILL (a crash), Stop() is SIGTERM (graceful). The fixture owns only the process.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"

namespace pdl::testing {

class LedgerdProcess {
 public:
  LedgerdProcess(std::string binary, std::string data_dir, std::vector<std::string> extra_args = {});
  ~LedgerdProcess();

  // Spawns ledgerd and waits (up to `timeout_s`) until it serves.
  [[nodiscard]] absl::Status Start(int timeout_s = 60);
  // SIGKILL and reap.
  void Kill();
  // SIGTERM and reap; returns the exit code (or -signal).
  int Stop();
  bool running() const { return pid_ > 0; }

  const std::string& grpc_address() const { return grpc_address_; }
  // Bootstrap address of the embedded Kafka cluster (from <data-dir>/kafka-bootstrap).
  const std::string& kafka_bootstrap() const { return kafka_bootstrap_; }
  // host:port of the Prometheus metrics (from <data-dir>/metrics-address).
  const std::string& metrics_address() const { return metrics_address_; }
  std::shared_ptr<grpc::Channel> channel() const;
  // What the process printed to stdout/stderr so far.
  std::string output() const;

 private:
  std::string binary_;
  std::string data_dir_;
  std::vector<std::string> extra_args_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::string grpc_address_;
  std::string kafka_bootstrap_;
  std::string metrics_address_;
};

// Contents of a file ("" when missing), trailing whitespace removed.
std::string ReadFileTrimmed(const std::string& path);

}  // namespace pdl::testing

#endif  // PDL_TESTS_TESTING_LEDGERD_PROCESS_H_
