#include "ledger/policy/retention.h"

#include "ledger/policy/declarations.h"
#include "ledger/policy/period.h"

namespace pdl::policy {

const pdl::v1::RetentionRule* RuleForCollection(const pdl::v1::Policy& policy, const pdl::v1::DataCollected& collected,
                                                std::string_view category) {
  if (!collected.retention_rule().empty()) return FindRetentionRule(policy, collected.retention_rule());
  return MatchRetentionRule(policy, category, collected.purposes());
}

std::optional<absl::Time> RetainUntil(const pdl::v1::RetentionRule& rule, absl::Time collected_at) {
  if (!rule.has_period()) return std::nullopt;
  return AddPeriod(collected_at, rule.period());
}

absl::Time RetainUntilAfter(const pdl::v1::RetentionRule& rule, absl::Time event_at) {
  return AddPeriod(event_at, rule.until().plus());
}

pdl::v1::Period GraceFor(const pdl::v1::Policy& policy, const pdl::v1::RetentionRule* rule) {
  if (rule != nullptr && rule->has_grace()) return rule->grace();
  return policy.retention_grace();
}

}  // namespace pdl::policy
