#include "ledger/policy/findings.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/policy/declarations.h"
#include "ledger/policy/period.h"
#include "ledger/sv.h"

namespace pdl::policy {
namespace {

using pdl::v1::SEVERITY_HIGH;
using pdl::v1::SEVERITY_INFO;
using pdl::v1::SEVERITY_LOW;
using pdl::v1::SEVERITY_MEDIUM;

constexpr auto kRules = std::to_array<RuleInfo>({
    {rules::kPolicyNoneInForce, SEVERITY_INFO, "no published policy was in force when the event happened"},
    {rules::kCategoryUndeclared, SEVERITY_HIGH, "a data category the policy does not declare"},
    {rules::kCategoryUndeclaredForMethod, SEVERITY_MEDIUM,
     "a declared data category collected by a method the policy does not declare for it"},
    {rules::kPurposeUndeclared, SEVERITY_HIGH, "a purpose the policy does not declare"},
    {rules::kLegalBasisUndeclared, SEVERITY_MEDIUM, "a legal basis the policy does not declare for the purpose"},
    {rules::kRecipientUndeclared, SEVERITY_HIGH, "disclosure to a recipient category the policy does not declare"},
    {rules::kSharingCategoryUndeclared, SEVERITY_MEDIUM,
     "disclosure of a data category the policy does not declare for that recipient category"},
    {rules::kProcessorUndeclared, SEVERITY_LOW, "disclosure to a processor the policy does not name"},
    {rules::kConsentMissing, SEVERITY_HIGH, "processing on the legal basis of consent without a live consent"},
    {rules::kConsentWithdrawn, SEVERITY_HIGH, "processing after the consent for the purpose was withdrawn"},
    {rules::kSharingConsentedThirdPartyWithoutConsent, SEVERITY_HIGH,
     "disclosure to a third party that requires consent, without a live consent"},
    {rules::kTransferNoMechanism, SEVERITY_HIGH, "transfer outside the EEA without a transfer mechanism"},
    {rules::kTransferMechanismNotAllowed, SEVERITY_HIGH,
     "transfer outside the EEA with a mechanism the policy does not allow for the destination"},
    {rules::kSubjectUnderMinimumAge, SEVERITY_HIGH, "processing data of a subject under the policy's minimum age"},
    {rules::kSubjectPossiblyUnderMinimumAge, SEVERITY_MEDIUM,
     "processing data of a subject who may be under the policy's minimum age (birth year only)"},
    {rules::kProcessingAfterErasure, SEVERITY_HIGH, "processing after the subject's erasure was completed"},
    {rules::kRetentionRuleUnknown, SEVERITY_MEDIUM, "collection under a retention rule the policy does not define"},
    {rules::kRetentionUndeclared, SEVERITY_MEDIUM, "collection that no retention rule of the policy covers"},
    {rules::kRequestRightUndeclared, SEVERITY_LOW, "a rights request for a right the policy does not mention"},
    {rules::kRetentionOverdue, SEVERITY_MEDIUM, "data still held after its retention period and grace", true},
    {rules::kRequestOverdue, SEVERITY_HIGH, "a rights request answered, or still open, after its response deadline", true},
});

std::string Day(absl::Time t) { return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone()); }

}  // namespace

std::span<const RuleInfo> AllRules() { return kRules; }

const RuleInfo* FindRule(std::string_view id) {
  for (const RuleInfo& rule : kRules) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

pdl::v1::Finding MakeFinding(std::string_view rule_id, std::string explanation) {
  pdl::v1::Finding finding;
  finding.set_rule_id(std::string(rule_id));
  const RuleInfo* rule = FindRule(rule_id);
  finding.set_severity(rule != nullptr ? rule->severity : pdl::v1::SEVERITY_UNSPECIFIED);
  finding.set_explanation(std::move(explanation));
  return finding;
}

std::string SeverityName(pdl::v1::Severity severity) { return EnumName(pdl::v1::Severity_descriptor(), severity); }

absl::Time RetentionOverdueAt(absl::Time retain_until, const pdl::v1::Period& grace) {
  return AddPeriod(retain_until, grace);
}

bool IsRetentionOverdue(absl::Time retain_until, const pdl::v1::Period& grace, absl::Time now) {
  return now > RetentionOverdueAt(retain_until, grace);
}

pdl::v1::Finding RetentionOverdueFinding(std::string_view category, std::string_view system, absl::Time overdue_at) {
  return MakeFinding(rules::kRetentionOverdue,
                     absl::StrCat("Data of category '", Sv(category), "' was still held in system '", Sv(system),
                                  "' after its retention period and grace ended on ", Day(overdue_at),
                                  "; delete it or record why it must be kept."));
}

absl::Time RequestDueAt(const pdl::v1::Policy* policy, absl::Time opened_at) {
  if (policy != nullptr && policy->rights().has_response_deadline() && !IsZero(policy->rights().response_deadline())) {
    return AddPeriod(opened_at, policy->rights().response_deadline());
  }
  return AddPeriod(opened_at, Months(1));
}

bool IsRequestOverdue(absl::Time due_at, absl::Time now) { return now > due_at; }

pdl::v1::Finding RequestOverdueFinding(pdl::v1::SubjectRight right, absl::Time due_at) {
  return MakeFinding(rules::kRequestOverdue,
                     absl::StrCat("A request to exercise the right of ", RightName(right),
                                  " is still open after its response deadline of ", Day(due_at),
                                  " (GDPR Art. 12(3): one month, extendable by two months only with notice to the "
                                  "subject)."));
}

}  // namespace pdl::policy
