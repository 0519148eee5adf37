#ifndef PDL_SERVICES_CTL_CTL_COMMON_H_
#define PDL_SERVICES_CTL_CTL_COMMON_H_

// What every ledgerctl command shares: the global flags, the connection, error reporting and JSON output, and the
// registry through which each command area (services/ctl/*_commands.cc) adds its subcommands.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace pdl::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitServerError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

struct Globals {
  std::string server;
  int timeout_s = 30;
  bool json = false;
};

std::shared_ptr<grpc::Channel> Connect(const Globals& g);
void SetDeadline(grpc::ClientContext* context, const Globals& g);
// Prints a failed call for a person and returns the exit code (kExitUnreachable when ledgerd cannot be reached).
int Report(const grpc::Status& status, const Globals& g, const grpc::ClientContext& context);
// Protobuf JSON with the proto field names.
std::string ToJson(const google::protobuf::Message& message, bool multiline);
// The whole text of the file at `path`, or of stdin when `path` is "-". NOT_FOUND when it cannot be read.
absl::StatusOr<std::string> ReadInput(const std::string& path);
// Prints "ledgerctl: <message>" to stderr and returns kExitUsage.
int UsageError(const std::string& message);

// A subcommand and what runs when it was the one parsed.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

// Each area adds its subcommands to `app`; handlers read `g` when they run (after parsing).
void AddEventCommands(CLI::App& app, const Globals& g, std::vector<Command>& commands);
void AddAuditCommands(CLI::App& app, const Globals& g, std::vector<Command>& commands);
void AddEvidenceCommands(CLI::App& app, const Globals& g, std::vector<Command>& commands);
void AddPolicyCommands(CLI::App& app, const Globals& g, std::vector<Command>& commands);
void AddDemoCommands(CLI::App&, const Globals&, std::vector<Command>&);

}  // namespace pdl::ctl

#endif  // PDL_SERVICES_CTL_CTL_COMMON_H_
