#ifndef PDL_LEDGER_POLICY_RETENTION_H_
#define PDL_LEDGER_POLICY_RETENTION_H_

// How long collected data may be kept under a policy's retention rules, for the read models that compute a
// holding's retain_until and its due and overdue instants. Pure and thread-safe; returned pointers point into the
// policy passed in.

#include <optional>
#include <string_view>

#include "absl/time/time.h"
#include "pdl/v1/event.pb.h"
#include "pdl/v1/policy.pb.h"

namespace pdl::policy {

// The rule that governs `category` of `collected`: the rule its retention_rule names (null when the policy has no
// such rule: a retention.rule_unknown finding), else the first rule covering the category and one of the purposes
// (null when none: a retention.undeclared finding unless collected.retain_until is set).
const pdl::v1::RetentionRule* RuleForCollection(const pdl::v1::Policy& policy, const pdl::v1::DataCollected& collected,
                                                std::string_view category);

// retain_until of data collected at `collected_at` under a period rule (collected_at + period); std::nullopt for a
// rule that lasts until an event, whose end is known only once the event happens (RetainUntilAfter).
std::optional<absl::Time> RetainUntil(const pdl::v1::RetentionRule& rule, absl::Time collected_at);

// retain_until of data under an until-event rule once its event happened at `event_at` (event_at + plus).
// Requires rule.has_until().
absl::Time RetainUntilAfter(const pdl::v1::RetentionRule& rule, absl::Time event_at);

// The grace before an open holding past retain_until is overdue: the rule's own when set, else the policy's.
// `rule` may be null.
pdl::v1::Period GraceFor(const pdl::v1::Policy& policy, const pdl::v1::RetentionRule* rule);

}  // namespace pdl::policy

#endif  // PDL_LEDGER_POLICY_RETENTION_H_
