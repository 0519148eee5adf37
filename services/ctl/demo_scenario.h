#ifndef PDL_SERVICES_CTL_DEMO_SCENARIO_H_
#define PDL_SERVICES_CTL_DEMO_SCENARIO_H_

// The seed scenario behind `ledgerctl demo`: one simulated year of iQunet's applications (the connect.iqunet.com
// web app, the Google Sheets export add-on, the Looker Studio connector, the support desk) judged against the
// privacy policy of 8 May 2023 (examples/policies/iqunet-2023-05-08.yaml).
//
// Two parts:
//  - the cast: named subjects ("demo-alice", "demo-minor", "demo-breach-...") with hand-scripted storylines at
//    fixed instants of the year, which together exercise every declaration of the policy and break it on purpose
//    a few times; each member states the findings its storyline must produce;
//  - the population: `subjects` pseudonymous users ("user-<hex>-<n>") drawn at random, who register, accept the
//    Sheets and Looker Studio permissions, visit, contact support, ask for access or erasure and close accounts —
//    always within the policy, so that every finding of the ledger points at the cast.
//
// Deterministic: the events depend only on (seed, year) and, for a population subject, on its index, never on the
// number of subjects or on the clock; event ids are derived from them, so publishing the same scenario again is
// acknowledged as duplicates and a larger --subjects only adds subjects. The events of one subject come in
// occurred_at order (they share a partition, and the policy judge folds a subject's past in log order).
// Pure and thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pdl/v1/event.pb.h"

namespace pdl::ctl::demo {

inline constexpr uint64_t kDefaultSeed = 20230508;
inline constexpr int kDefaultSubjects = 500;
inline constexpr int kDefaultYear = 2024;
inline constexpr int kMaxSubjects = 100000;
// The first calendar year wholly under the policy (effective 2023-05-08).
inline constexpr int kFirstYear = 2024;
// The policy the scenario is written against.
inline constexpr char kPolicyVersion[] = "2023-05-08";
inline constexpr char kPolicyFile[] = "iqunet-2023-05-08.yaml";

struct Options {
  uint64_t seed = kDefaultSeed;
  int subjects = kDefaultSubjects;
  int year = kDefaultYear;
};

// A named subject of the scenario.
struct CastMember {
  std::string subject_id;
  // One line: what the storyline shows.
  std::string story;
  // Rule ids of the findings the storyline must produce, one entry per finding, in occurred_at order.
  std::vector<std::string> findings;
  // Where else its story shows (a query to run), or "".
  std::string look;
};

struct Scenario {
  // The cast first, then the population; each subject's events in occurred_at order.
  std::vector<pdl::v1::PrivacyEvent> events;
  std::vector<CastMember> cast;
  // Subject ids of the population, in index order.
  std::vector<std::string> population;
};

// The scenario of `options` as of `now`. INVALID_ARGUMENT naming the flag when subjects is outside
// [0, kMaxSubjects], or year is before kFirstYear or not over at `now` (its events would lie in the future).
[[nodiscard]] absl::StatusOr<Scenario> BuildScenario(const Options& options, absl::Time now);

}  // namespace pdl::ctl::demo

#endif  // PDL_SERVICES_CTL_DEMO_SCENARIO_H_
