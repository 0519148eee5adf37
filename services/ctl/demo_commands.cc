// ledgerctl demo: publishes the seed scenario (services/ctl/demo_scenario.h) to a running ledgerd — the seed's
// policy first, then a simulated year of events through IngestService.PublishStream, each acknowledged once sealed —
// and prints what was published, which findings each named subject must have (checked against the ledger) and the
// questions to ask next. Progress goes to stderr and never names a person; names and e-mail addresses travel only
// inside the events.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "ledger/event_codec.h"
#include "ledger/policy/policy_yaml.h"
#include "ledger/sv.h"
#include "pdl/v1/admin_service.grpc.pb.h"
#include "pdl/v1/audit_service.grpc.pb.h"
#include "pdl/v1/ingest_service.grpc.pb.h"
#include "services/ctl/ctl_common.h"
#include "services/ctl/demo_scenario.h"

namespace pdl::ctl {
namespace {

namespace fs = std::filesystem;

struct DemoArgs {
  uint64_t seed = demo::kDefaultSeed;
  int subjects = demo::kDefaultSubjects;
  int year = demo::kDefaultYear;
  std::string policy;
  bool dry_run = false;
};

// The seed policy in a source checkout: under examples/policies/ of the working directory, or of a directory
// above the ledgerctl binary (build directories live inside the checkout).
std::optional<std::string> FindSeedPolicy() {
  const fs::path relative = fs::path("examples") / "policies" / demo::kPolicyFile;
  // A missing file sets the error code too; every failure just means "not here".
  std::error_code ec;
  if (fs::is_regular_file(relative, ec)) return relative.string();
  fs::path dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  if (ec) return std::nullopt;
  for (int up = 0; up < 6 && !dir.empty(); ++up) {
    if (fs::is_regular_file(dir / relative, ec)) return (dir / relative).string();
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return std::nullopt;
}

absl::StatusOr<pdl::v1::Policy> LoadPolicy(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  auto policy = policy::ParsePolicyYaml(text.str());
  if (!policy.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", policy.status().message()));
  if (policy->version() != demo::kPolicyVersion) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": policy version '", policy->version(),
                                                   "'; the scenario is written against policy ", demo::kPolicyVersion,
                                                   " (examples/policies/", demo::kPolicyFile, ")"));
  }
  return policy;
}

// Makes sure the server has the seed's policy before any event is published: events are judged by a policy
// published before they are recorded. Without --policy an already published version is used as it is; otherwise
// the file is published (a publication with the same content is acknowledged as a duplicate). Returns an exit
// code; kExitOk when the policy is in place.
int EnsurePolicy(const Globals& g, const std::string& policy_flag) {
  auto admin = pdl::v1::AdminService::NewStub(Connect(g));
  if (policy_flag.empty()) {
    grpc::ClientContext context;
    SetDeadline(&context, g);
    pdl::v1::GetPolicyRequest request;
    request.set_version(demo::kPolicyVersion);
    pdl::v1::GetPolicyResponse response;
    grpc::Status status = admin->GetPolicy(&context, request, &response);
    if (status.ok()) {
      std::cerr << "demo: policy " << demo::kPolicyVersion << " is published (since "
                << FormatRfc3339(ToTime(response.policy().published_at())) << ")\n";
      return kExitOk;
    }
    if (status.error_code() != grpc::StatusCode::NOT_FOUND) return Report(status, g, context);
  }
  std::string path = policy_flag;
  if (path.empty()) {
    std::optional<std::string> found = FindSeedPolicy();
    if (!found.has_value()) {
      return UsageError(absl::StrCat("the server has no policy ", demo::kPolicyVersion, " and examples/policies/",
                                     demo::kPolicyFile,
                                     " is not under the working directory; pass it with --policy FILE"));
    }
    path = *found;
  }
  auto policy = LoadPolicy(path);
  if (!policy.ok()) return UsageError(std::string(policy.status().message()));

  grpc::ClientContext context;
  SetDeadline(&context, g);
  pdl::v1::PublishPolicyRequest request;
  *request.mutable_policy() = *std::move(policy);
  pdl::v1::PublishPolicyResponse response;
  grpc::Status status = admin->PublishPolicy(&context, request, &response);
  if (!status.ok()) return Report(status, g, context);
  if (response.duplicate()) {
    std::cerr << "demo: policy " << demo::kPolicyVersion << " was already published with the same content\n";
    return kExitOk;
  }
  std::cerr << "demo: published policy " << demo::kPolicyVersion << " from " << path << "\n";
  // published_at and the events' recorded_at are Kafka timestamps in milliseconds, and a policy judges only events
  // recorded after it: keep the first event out of the publication's millisecond.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return kExitOk;
}

struct Tally {
  size_t fresh = 0;
  size_t duplicates = 0;
};

struct Published {
  Tally total;
  std::map<pdl::v1::EventAction, Tally> per_action;
};

// Publishes `events` on one stream, each acknowledged once sealed, and counts what was new. Returns an exit code.
int PublishSealed(const Globals& g, const std::vector<pdl::v1::PrivacyEvent>& events, Published* out) {
  auto ingest = pdl::v1::IngestService::NewStub(Connect(g));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(g.timeout_s + static_cast<int64_t>(events.size() / 100)));
  auto stream = ingest->PublishStream(&context);
  std::thread writer([&] {
    for (const auto& event : events) {
      pdl::v1::PublishRequest request;
      *request.mutable_event() = event;
      request.set_wait(pdl::v1::PUBLISH_WAIT_SEALED);
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  pdl::v1::PublishReceipt receipt;
  size_t received = 0;
  absl::Time next_progress = absl::Now() + absl::Seconds(2);
  while (received < events.size() && stream->Read(&receipt)) {
    Tally& action = out->per_action[ActionOf(events[received])];
    if (receipt.duplicate()) {
      ++out->total.duplicates;
      ++action.duplicates;
    } else {
      ++out->total.fresh;
      ++action.fresh;
    }
    ++received;
    if (absl::Now() >= next_progress) {
      std::cerr << "demo: " << received << "/" << events.size() << " events sealed\n";
      next_progress = absl::Now() + absl::Seconds(2);
    }
  }
  writer.join();
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    std::cerr << "demo: " << received << " of " << events.size() << " events were sealed before the error\n";
    const int code = Report(status, g, context);
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
        status.error_message().find("event_id") != std::string::npos) {
      std::cerr << "demo: this ledger already holds other events under the scenario's ids (published by another "
                   "version of ledgerctl demo); use a fresh data directory, or another --year\n";
    }
    return code;
  }
  if (received != events.size()) {
    std::cerr << "ledgerctl: the server ended the stream after " << received << " of " << events.size()
              << " receipts\n";
    return kExitServerError;
  }
  return kExitOk;
}

// Appends the rule ids of the findings in [from, to) (occurred_at) to the entry of their subject in `out`, in
// occurred_at order; findings of subjects that are not keys of `out` are skipped. Returns an exit code.
int RecordedFindings(const Globals& g, absl::Time from, absl::Time to,
                     std::map<std::string, std::vector<std::string>>* out) {
  auto audit = pdl::v1::AuditService::NewStub(Connect(g));
  pdl::v1::ListFindingsRequest request;
  SetTimestamp(request.mutable_time_range()->mutable_start_time(), from);
  SetTimestamp(request.mutable_time_range()->mutable_end_time(), to);
  request.set_page_size(1000);
  do {
    grpc::ClientContext context;
    SetDeadline(&context, g);
    pdl::v1::ListFindingsResponse response;
    grpc::Status status = audit->ListFindings(&context, request, &response);
    if (!status.ok()) return Report(status, g, context);
    for (const auto& f : response.findings()) {
      auto it = out->find(f.subject_id());
      if (it != out->end()) it->second.push_back(f.rule_id());
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return kExitOk;
}

std::string Rules(const std::vector<std::string>& rules) { return rules.empty() ? "none" : absl::StrJoin(rules, ", "); }

// `text` in lines of at most `width` characters (a longer word gets a line of its own), each after `indent`.
std::string Wrap(std::string_view text, size_t indent, size_t width) {
  std::string out;
  size_t line = 0;
  for (absl::string_view word : absl::StrSplit(Sv(text), ' ', absl::SkipEmpty())) {
    if (line > 0 && line + 1 + word.size() > width) {
      absl::StrAppend(&out, "\n", std::string(indent, ' '));
      line = 0;
    } else if (line > 0) {
      out += ' ';
      ++line;
    }
    absl::StrAppend(&out, word);
    line += word.size();
  }
  return out;
}

void PrintSummary(const Globals& g, const DemoArgs& args, const demo::Scenario& scenario, const Published& published,
                  const std::map<std::string, std::vector<std::string>>& recorded, bool* as_expected) {
  *as_expected = true;
  std::cout << absl::StrFormat(
      "Published the seed scenario (seed %d, year %d) to %s: %d events of %d subjects (%d named, %d random), all "
      "sealed; %d new, %d already in the ledger.\n",
      args.seed, args.year, g.server, scenario.events.size(), scenario.cast.size() + scenario.population.size(),
      scenario.cast.size(), scenario.population.size(), published.total.fresh, published.total.duplicates);

  std::cout << "\nEvents per action:\n";
  for (const auto& [action, tally] : published.per_action) {
    std::cout << absl::StrFormat("  %-22s %7d\n", ActionName(action), tally.fresh + tally.duplicates);
  }

  constexpr size_t kIndent = 35;
  constexpr size_t kWidth = 64;
  const std::string pad(kIndent, ' ');
  std::cout << "\nThe named subjects (ledgerctl report SUBJECT tells each story):\n";
  for (const demo::CastMember& member : scenario.cast) {
    const std::vector<std::string>& got = recorded.at(member.subject_id);
    std::cout << absl::StrFormat("  %-32s %s\n", member.subject_id, Wrap(member.story, kIndent, kWidth));
    std::cout << pad << "findings: " << Rules(member.findings);
    if (got == member.findings) {
      std::cout << (member.findings.empty() ? "\n" : " (recorded by the ledger)\n");
    } else {
      *as_expected = false;
      std::cout << "\n" << pad << "BUT THE LEDGER RECORDED: " << Rules(got) << "\n";
    }
    if (!member.look.empty()) std::cout << pad << "see: " << member.look << "\n";
  }

  size_t population_findings = 0;
  for (const std::string& id : scenario.population) population_findings += recorded.at(id).size();
  if (population_findings > 0) *as_expected = false;
  std::cout << "\nThe random population: " << scenario.population.size() << " users who keep to the policy; "
            << population_findings << " findings recorded for them (expected none).\n";

  const std::string server = g.server == "127.0.0.1:50051" ? std::string() : absl::StrCat(" --server ", g.server);
  std::cout << "\nAsk next" << (server.empty() ? "" : absl::StrCat(" (each with", server, ")")) << ":\n"
            << "  ledgerctl report demo-alice           Art. 15: identity, held data with purposes, legal basis and\n"
               "                                        retention, sources, recipients, transfers, consents,\n"
               "                                        requests, findings\n"
            << "  ledgerctl ropa                        Art. 30: the records of processing as observed, marked\n"
               "                                        declared or undeclared against policy "
            << demo::kPolicyVersion << "\n"
            << "  ledgerctl transfers --destination US  every transfer to the US and the safeguard it used\n"
            << "  ledgerctl findings                    every breach of the policy: rule, severity, explanation\n"
            << "  ledgerctl requests --overdue          rights requests still open past their one-month deadline\n"
            << "  ledgerctl retention-due               held data with an end date, earliest first: those before\n"
               "                                        today are past their retention period and due for deletion\n"
            << "  ledgerctl rebuild                     rebuild the read models from the sealed log; equal digests\n"
               "                                        prove they are exactly what the log implies\n";
}

int CmdDemo(const Globals& g, const DemoArgs& args) {
  auto scenario = demo::BuildScenario({.seed = args.seed, .subjects = args.subjects, .year = args.year}, absl::Now());
  if (!scenario.ok()) return UsageError(std::string(scenario.status().message()));

  if (args.dry_run) {
    for (const auto& event : scenario->events) std::cout << ToJson(event, false) << "\n";
    std::cerr << "demo: " << scenario->events.size() << " events of " << scenario->cast.size() << " named and "
              << scenario->population.size() << " random subjects (dry run: nothing was published)\n";
    return kExitOk;
  }

  if (int code = EnsurePolicy(g, args.policy); code != kExitOk) return code;
  std::cerr << "demo: publishing " << scenario->events.size() << " events of "
            << scenario->cast.size() + scenario->population.size() << " subjects to " << g.server
            << ", each acknowledged once sealed\n";
  Published published;
  if (int code = PublishSealed(g, scenario->events, &published); code != kExitOk) return code;

  std::map<std::string, std::vector<std::string>> recorded;
  for (const auto& member : scenario->cast) recorded[member.subject_id];
  for (const auto& id : scenario->population) recorded[id];
  const absl::Time from = absl::FromCivil(absl::CivilYear(args.year), absl::UTCTimeZone());
  const absl::Time to = absl::FromCivil(absl::CivilYear(args.year + 1), absl::UTCTimeZone());
  if (int code = RecordedFindings(g, from, to, &recorded); code != kExitOk) return code;

  bool as_expected = true;
  PrintSummary(g, args, *scenario, published, recorded, &as_expected);
  if (!as_expected) {
    std::cerr << "demo: warning: the ledger's findings differ from what the scenario expects (see above); the "
                 "events were judged by another policy, or the judge changed\n";
  }
  return kExitOk;
}

}  // namespace

void AddDemoCommands(CLI::App& app, const Globals& g, std::vector<Command>& commands) {
  auto args = std::make_shared<DemoArgs>();
  auto* demo = app.add_subcommand(
      "demo",
      "Publish the seed scenario: a simulated year of iQunet's apps under its privacy policy of 2023-05-08, with "
      "named subjects whose stories exercise the policy and break it on purpose");
  demo->add_option("--seed", args->seed, "Seed of the random population (same seed, same events)")
      ->capture_default_str();
  demo->add_option("--subjects", args->subjects, "Random users besides the named ones (0 for the named ones only)")
      ->capture_default_str()
      ->check(CLI::Range(0, demo::kMaxSubjects));
  demo->add_option("--year", args->year, "The simulated calendar year (must be over)")->capture_default_str();
  demo->add_option("--policy", args->policy,
                   absl::StrCat("The seed policy file to publish first (default: examples/policies/", demo::kPolicyFile,
                                " unless the server has it already)"));
  demo->add_flag("--dry-run", args->dry_run, "Print the events as NDJSON (protobuf JSON) and publish nothing");
  demo->footer(absl::StrCat(
      "What it does:\n"
      "  1. makes sure ledgerd has policy ",
      demo::kPolicyVersion, " (publishes examples/policies/", demo::kPolicyFile,
      " when it has not),\n"
      "  2. publishes every event with IngestService.PublishStream and waits until each is sealed,\n"
      "  3. prints the events per action, the named subjects with the findings each must have (checked against\n"
      "     the ledger), and the questions to ask next.\n"
      "Event ids derive from the seed, the year and the subject, so running it again publishes nothing new\n"
      "(every event is acknowledged as a duplicate) and a larger --subjects only adds users.\n\n"
      "Examples:\n"
      "  ledgerctl demo                                 the named subjects and 500 random users\n"
      "  ledgerctl demo --subjects 0                    the named subjects only\n"
      "  ledgerctl demo --dry-run > year.ndjson         the events, for `ledgerctl publish` or a Kafka client\n"
      "  ledgerctl report demo-alice                    then: a person's Art. 15 report\n"
      "  ledgerctl findings                             and every breach of the policy\n"));
  commands.push_back({demo, [&g, args] { return CmdDemo(g, *args); }});
}

}  // namespace pdl::ctl
