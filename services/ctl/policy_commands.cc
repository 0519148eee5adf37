// ledgerctl policy …: publish a policy written as YAML, show a published version, list them, and compare two.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "ledger/event_codec.h"
#include "ledger/policy/policy_diff.h"
#include "ledger/policy/policy_yaml.h"
#include "ledger/sv.h"
#include "nlohmann/json.hpp"
#include "pdl/v1/admin_service.grpc.pb.h"
#include "services/ctl/ctl_common.h"

namespace pdl::ctl {
namespace {

// Reads and validates a policy file; prints "FILE: line L, column C: field: reason" and returns null on failure.
std::unique_ptr<pdl::v1::Policy> LoadPolicyFile(const std::string& path) {
  auto text = ReadInput(path);
  if (!text.ok()) {
    UsageError(std::string(text.status().message()));
    return nullptr;
  }
  auto policy = policy::ParsePolicyYaml(*text);
  if (!policy.ok()) {
    UsageError(absl::StrCat(path == "-" ? "<stdin>" : path, ": ", policy.status().message()));
    return nullptr;
  }
  return std::make_unique<pdl::v1::Policy>(*std::move(policy));
}

std::string Day(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d", ToTime(ts), absl::UTCTimeZone());
}

std::string Count(int n, std::string_view one, std::string_view many) {
  return absl::StrCat(n, " ", Sv(n == 1 ? one : many));
}

std::string Summary(const pdl::v1::Policy& p) {
  return absl::StrCat(Count(p.collections_size(), "collection", "collections"), ", ",
                      Count(p.purposes_size(), "purpose", "purposes"), ", ",
                      Count(p.recipients_size(), "recipient category", "recipient categories"), ", ",
                      Count(p.processors_size(), "named processor", "named processors"), ", ",
                      Count(p.transfer_rules_size(), "transfer rule", "transfer rules"), ", ",
                      Count(p.retention_rules_size(), "retention rule", "retention rules"));
}

// Asks the server; on failure reports it and returns its exit code.
absl::StatusOr<pdl::v1::GetPolicyResponse> FetchPolicy(const Globals& g, const std::string& version, int* exit_code) {
  auto stub = pdl::v1::AdminService::NewStub(Connect(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  pdl::v1::GetPolicyRequest request;
  request.set_version(version);
  pdl::v1::GetPolicyResponse response;
  grpc::Status status = stub->GetPolicy(&context, request, &response);
  if (!status.ok()) {
    *exit_code = Report(status, g, context);
    return absl::UnknownError("reported");
  }
  return response;
}

int CmdPublish(const Globals& g, const std::string& path) {
  std::unique_ptr<pdl::v1::Policy> policy = LoadPolicyFile(path);
  if (policy == nullptr) return kExitUsage;
  auto stub = pdl::v1::AdminService::NewStub(Connect(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  pdl::v1::PublishPolicyRequest request;
  *request.mutable_policy() = *policy;
  pdl::v1::PublishPolicyResponse response;
  grpc::Status status = stub->PublishPolicy(&context, request, &response);
  if (!status.ok()) return Report(status, g, context);
  if (g.json) {
    std::cout << ToJson(response, false) << "\n";
    return kExitOk;
  }
  const auto& published = response.published();
  if (response.duplicate()) {
    std::cout << "policy " << published.policy().version() << " was already published with the same content on "
              << FormatRfc3339(ToTime(published.published_at())) << " (offset " << published.offset()
              << "); nothing changed\n";
  } else {
    std::cout << "published policy " << published.policy().version() << " (effective "
              << Day(published.policy().effective_from()) << ") to pdl.policies.v1 at offset " << published.offset()
              << "; events recorded from now on and happening on or after its effective date are judged by it\n";
  }
  return kExitOk;
}

int CmdValidate(const Globals& g, const std::string& path, bool print) {
  std::unique_ptr<pdl::v1::Policy> policy = LoadPolicyFile(path);
  if (policy == nullptr) return kExitUsage;
  if (print) {
    std::cout << (g.json ? ToJson(*policy, true) + "\n" : policy::PolicyToYaml(*policy));
  } else {
    std::cout << path << ": valid policy " << policy->version() << " (effective " << Day(policy->effective_from())
              << "): " << Summary(*policy) << "\n";
  }
  return kExitOk;
}

int CmdShow(const Globals& g, const std::string& version) {
  int code = kExitOk;
  auto response = FetchPolicy(g, version, &code);
  if (!response.ok()) return code;
  if (g.json) {
    std::cout << ToJson(*response, true) << "\n";
    return kExitOk;
  }
  const auto& published = response->policy();
  std::cout << "# policy " << published.policy().version() << ", effective "
            << FormatRfc3339(ToTime(published.policy().effective_from())) << ", published "
            << FormatRfc3339(ToTime(published.published_at())) << " (pdl.policies.v1 offset " << published.offset()
            << ")\n"
            << policy::PolicyToYaml(published.policy());
  return kExitOk;
}

int CmdList(const Globals& g) {
  int code = kExitOk;
  auto response = FetchPolicy(g, "", &code);
  if (!response.ok()) return code;
  if (g.json) {
    for (const auto& v : response->versions()) std::cout << ToJson(v, false) << "\n";
    return kExitOk;
  }
  std::cout << absl::StrFormat("%-24s %-12s %-28s %s\n", "VERSION", "EFFECTIVE", "PUBLISHED", "");
  for (const auto& v : response->versions()) {
    const bool current = v.version() == response->policy().policy().version();
    std::cout << absl::StrFormat("%-24s %-12s %-28s %s\n", v.version(), Day(v.effective_from()),
                                 FormatRfc3339(ToTime(v.published_at())), current ? "(in force now)" : "");
  }
  return kExitOk;
}

// A policy to compare: a YAML file when `ref` names one, else a published version.
std::unique_ptr<pdl::v1::Policy> Resolve(const Globals& g, const std::string& ref, int* exit_code) {
  std::error_code ec;
  if (ref == "-" || std::filesystem::is_regular_file(ref, ec)) {
    auto policy = LoadPolicyFile(ref);
    if (policy == nullptr) *exit_code = kExitUsage;
    return policy;
  }
  // Versions are letters, digits, '.', '_' and '-': anything else meant a file that is not there.
  const bool names_a_file = ref.find('/') != std::string::npos || absl::EndsWith(ref, ".yaml") ||
                            absl::EndsWith(ref, ".yml") || absl::EndsWith(ref, ".json");
  if (ref.empty() || names_a_file) {
    *exit_code = UsageError(ref.empty() ? "a version or a policy file is required, not ''"
                                        : absl::StrCat("no policy file ", ref, " (and it is no version)"));
    return nullptr;
  }
  auto response = FetchPolicy(g, ref, exit_code);
  if (!response.ok()) return nullptr;
  return std::make_unique<pdl::v1::Policy>(response->policy().policy());
}

int CmdDiff(const Globals& g, const std::string& from_ref, const std::string& to_ref) {
  int code = kExitOk;
  std::unique_ptr<pdl::v1::Policy> from = Resolve(g, from_ref, &code);
  if (from == nullptr) return code;
  std::unique_ptr<pdl::v1::Policy> to = Resolve(g, to_ref, &code);
  if (to == nullptr) return code;
  const auto lines = policy::DiffPolicies(*from, *to);
  if (g.json) {
    for (const auto& line : lines) {
      std::cout << nlohmann::json{{"op", std::string(1, line.op)}, {"where", line.where}, {"text", line.text}}.dump()
                << "\n";
    }
    return kExitOk;
  }
  std::cout << policy::FormatDiff(*from, *to, lines);
  return kExitOk;
}

}  // namespace

void AddPolicyCommands(CLI::App& app, const Globals& g, std::vector<Command>& commands) {
  auto* policy = app.add_subcommand("policy",
                                    "Policies as code: publish a YAML policy, show, list and compare published "
                                    "versions (examples/policies/)");
  policy->require_subcommand(1);

  auto publish_path = std::make_shared<std::string>();
  auto* publish = policy->add_subcommand(
      "publish", "Validate a policy file (YAML or JSON) and publish it to pdl.policies.v1; errors name the line");
  publish->add_option("file", *publish_path, "Policy file, or - for stdin")->required();
  commands.push_back({publish, [&g, publish_path] { return CmdPublish(g, *publish_path); }});

  auto validate_path = std::make_shared<std::string>();
  auto print = std::make_shared<bool>(false);
  auto* validate = policy->add_subcommand("validate", "Check a policy file offline, without publishing it");
  validate->add_option("file", *validate_path, "Policy file, or - for stdin")->required();
  validate->add_flag("--print", *print, "Print the policy as read (YAML; protobuf JSON with --json)");
  commands.push_back({validate, [&g, validate_path, print] { return CmdValidate(g, *validate_path, *print); }});

  auto show_version = std::make_shared<std::string>();
  auto* show = policy->add_subcommand("show", "A published policy as YAML (default: the one in force now)");
  show->add_option("version", *show_version, "Policy version");
  commands.push_back({show, [&g, show_version] { return CmdShow(g, *show_version); }});

  auto* list = policy->add_subcommand("list", "Every published version, in publication order");
  commands.push_back({list, [&g] { return CmdList(g); }});

  auto diff_from = std::make_shared<std::string>();
  auto diff_to = std::make_shared<std::string>();
  auto* diff = policy->add_subcommand("diff",
                                      "What changed between two policies, declaration by declaration (each a "
                                      "published version or a YAML file)");
  diff->add_option("from", *diff_from, "Older version or file")->required();
  diff->add_option("to", *diff_to, "Newer version or file")->required();
  commands.push_back({diff, [&g, diff_from, diff_to] { return CmdDiff(g, *diff_from, *diff_to); }});
}

}  // namespace pdl::ctl
