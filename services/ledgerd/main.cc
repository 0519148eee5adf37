// ledgerd: parses the configuration and runs a ledger node.

#include <csignal>
#include <cstdio>

#include "services/node/config.h"
#include "services/node/node.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  auto config = pdl::ParseNodeFlags(argc, argv);
  if (!config.ok()) {
    if (absl::IsCancelled(config.status())) return 0;
    std::fprintf(stderr, "ledgerd: %s\nRun 'ledgerd --help' for the flags.\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  // Termination signals are taken by RunNode's sigwait; block them before any thread starts.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(config->log_level));

  absl::Status status = pdl::RunNode(*config);
  if (!status.ok()) {
    spdlog::critical("event=fatal error=\"{}\"", status.ToString());
    return 1;
  }
  return 0;
}
