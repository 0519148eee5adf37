#ifndef PDL_PROJECTIONS_POLICY_JUDGE_H_
#define PDL_PROJECTIONS_POLICY_JUDGE_H_

// Published policies on RocksDB and the judge that evaluates every event against the policy in force when it
// happened (DESIGN.md §8).
//
// Family `policies`:
//   'V' + version                                  -> PublishedPolicy (the record as first read from Kafka)
//   'O' + published_at (µs) + offset + version     -> "" (publication order; ListPolicies scans it)
// Family `policy_facts`:
//   subject_id                                     -> PolicySubjectFacts (ledger/policy/facts.h, as a proto)
//
// Policies arrive through pdl.policies.v1 (one partition, value = serialized pdl.v1.Policy, key = version) and
// are stored by ApplyPolicyRecord with the record's timestamp as published_at. A version is immutable: the first
// record of a version wins, later identical ones are duplicates, later different ones are refused. Applying the
// topic again from offset 0 therefore changes nothing, whatever was applied before.
//
// Determinism: the judge selects among the policies stored when it runs, by the event's occurred_at and
// recorded_at (ledger/policy/policy_selection.h). The node must therefore apply every policy record published
// before an event's recorded_at before it seals that event (consume pdl.policies.v1 up to its end before each
// batch); then the sealed policy_version and findings do not depend on timing.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/policy/facts.h"
#include "pdl/v1/policy.pb.h"
#include "projections/read_model.h"
#include "projections/read_models/all.h"

namespace pdl {

class Store;

// The outcome of applying a policy record.
struct PolicyApplyResult {
  pdl::v1::PublishedPolicy published;
  // The version was already stored with the same content; nothing was written.
  bool duplicate = false;
};

// Decodes, validates and stores one record of pdl.policies.v1. Errors, all of which leave the store unchanged:
//  - INVALID_ARGUMENT field "policy" when `value` is not a pdl.v1.Policy, or naming the offending field when the
//    policy is not valid (ledger/policy/policy_validator.h);
//  - ALREADY_EXISTS field "version" when the version is stored with other content;
//  - RocksDB errors (UNAVAILABLE, DATA_LOSS, ...).
// Callers serialize calls (PolicyRegistry does).
[[nodiscard]] absl::StatusOr<PolicyApplyResult> ApplyPolicyRecord(Store& store, std::string_view value, int64_t offset,
                                                                  absl::Time published_at);

// Every stored policy, in publication order.
[[nodiscard]] absl::StatusOr<std::vector<pdl::v1::PublishedPolicy>> ListPolicies(const Store& store);

// The stored policy of `version`, or std::nullopt.
[[nodiscard]] absl::StatusOr<std::optional<pdl::v1::PublishedPolicy>> GetPolicy(const Store& store,
                                                                                std::string_view version);

// The published policies of a node, stored in the `policies` family and mirrored in memory for the judge.
// Thread-safe: Apply may run on a policy-consumer or gRPC thread while the judge reads snapshots on the sealer
// thread.
class PolicyRegistry {
 public:
  using Snapshot = std::shared_ptr<const std::vector<pdl::v1::PublishedPolicy>>;

  // Loads the stored policies. `store` must outlive the registry.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PolicyRegistry>> Open(Store* store);

  // ApplyPolicyRecord, then the in-memory list.
  [[nodiscard]] absl::StatusOr<PolicyApplyResult> Apply(std::string_view value, int64_t offset,
                                                        absl::Time published_at);

  // Every policy, in publication order; an immutable snapshot.
  Snapshot policies() const;
  // The policy of `version`, or std::nullopt.
  std::optional<pdl::v1::PublishedPolicy> Find(std::string_view version) const;

 private:
  PolicyRegistry(Store* store, Snapshot policies) : store_(store), policies_(std::move(policies)) {}

  Store* store_;
  // Serializes Apply; guards policies_.
  mutable std::mutex mu_;
  Snapshot policies_;
};

// A subject's facts in `policy_facts`, kept decoded in the applier's batch (BatchWriter::Row): change them in
// place; they are written once when the batch is (no row while they are empty).
[[nodiscard]] absl::StatusOr<policy::SubjectFacts*> SubjectFactsRow(BatchWriter& batch, std::string_view subject_id);

// The Judge of the applier: selects the policy for each event, evaluates it (ledger/policy/evaluator.h) against
// the subject's facts as left by the events sealed before it — in earlier batches or earlier in the same batch —
// sets view->policy_version ("" when none is in force) and view->findings, then folds the event into the facts.
// Sealer thread only.
class PolicyJudge final : public Judge {
 public:
  // `registry` must outlive the judge.
  explicit PolicyJudge(const PolicyRegistry* registry) : registry_(registry) {}

  [[nodiscard]] absl::Status Evaluate(SealedEventView* view, BatchWriter& batch) override;

 private:
  const PolicyRegistry* registry_;
};

// Folds each sealed event into `policy_facts`, as the judge does. For RebuildReadModels when `policy_facts` is
// among the rebuilt families (the judge does not run on a rebuild); folding is idempotent, so running it beside the
// judge is harmless too.
class PolicyFactsModel final : public ReadModel {
 public:
  std::string_view name() const override { return "policy_facts"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

// The retention of one category of a DataCollected under the policy that judged it (sealed.policy_version):
// retain_until = collected occurred_at plus the period of the rule that governs the category (std::nullopt when
// no policy judged it, no rule governs the category, or the rule lasts until an event such as account closure,
// whose end is known only once the event happens: policy::RetainUntilAfter), and the grace of that rule, else the
// policy's retention_grace (zero without a policy), for an until-event rule its event and period, and the rule's id. Deterministic: depends only on the sealed event and the
// immutable stored version. Matches HoldingsModel::RetainUntilFn.
using RetainUntilFn = std::function<absl::StatusOr<CollectedRetention>(
    const SealedEventView& sealed, std::string_view category, const BatchWriter& batch)>;
RetainUntilFn PolicyRetainUntil(const PolicyRegistry* registry);

// The due date of the rights request a sealed RightsRequestOpened opens: its occurred_at plus the response deadline
// of the policy that judged it (sealed.policy_version), one calendar month when that policy sets none or no policy
// judged it (policy::RequestDueAt, as the judge's request.overdue rule). Matches
// RightsRequestsModel::Options::due_at.
std::function<absl::Time(const SealedEventView& sealed)> PolicyRequestDueAt(const PolicyRegistry* registry);

// The read models' options that take the registry's policies into account (PolicyRetainUntil,
// PolicyRequestDueAt): what ledgerd seals with, and so what every rebuild of its read models must use.
ReadModelOptions PolicyReadModelOptions(const PolicyRegistry* registry);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_POLICY_JUDGE_H_
