#include "services/ctl/ctl.h"

#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "ledger/event_codec.h"
#include "services/ctl/ctl_common.h"
#include "services/version.h"

namespace pdl {

int RunCtl(int argc, char** argv) {
  // Every string of the API is UTF-8: an argument that is not would fail on the wire with an empty INTERNAL.
  for (int i = 1; i < argc; ++i) {
    if (!IsUtf8(argv[i])) {
      std::cerr << "ledgerctl: argument " << i << " is not valid UTF-8 (subject ids, versions and every other "
                << "string the ledger takes must be)\n";
      return ctl::kExitUsage;
    }
  }
  ctl::Globals g;
  const char* env = std::getenv("PDL_SERVER");
  g.server = env != nullptr && *env != '\0' ? env : "127.0.0.1:50051";

  CLI::App app{
      "ledgerctl: talk to a Personal Data Ledger server (ledgerd) over gRPC.\n\n"
      "Examples:\n"
      "  ledgerctl publish examples/events/registration.json      publish one event (protobuf JSON)\n"
      "  ledgerctl publish --wait sealed events.ndjson            many events, one per line; wait until queryable\n"
      "  ledgerctl history user-1042                              a subject's history as a table\n"
      "  ledgerctl history user-1042 --action data_shared --json  only disclosures, as JSON lines\n"
      "  ledgerctl status                                         partitions, offsets, sealed/rejected counts, gaps\n",
      "ledgerctl"};
  app.set_version_flag("--version", Version());
  app.require_subcommand(1);
  // Global flags may follow the subcommand too: `ledgerctl history user-1 --json`.
  app.fallthrough();
  app.add_option("--server", g.server, "ledgerd gRPC address (env PDL_SERVER)")->capture_default_str();
  app.add_option("--timeout", g.timeout_s, "Seconds to wait for an answer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", g.json, "Machine-readable output (protobuf JSON)");

  std::vector<ctl::Command> commands;
  ctl::AddEventCommands(app, g, commands);
  ctl::AddAuditCommands(app, g, commands);
  ctl::AddEvidenceCommands(app, g, commands);
  ctl::AddPolicyCommands(app, g, commands);
  ctl::AddDemoCommands(app, g, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? ctl::kExitOk : ctl::kExitUsage;
  }
  for (const ctl::Command& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  std::cerr << app.help();
  return ctl::kExitUsage;
}

}  // namespace pdl
