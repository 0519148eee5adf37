#ifndef PDL_LEDGER_POLICY_FINDINGS_H_
#define PDL_LEDGER_POLICY_FINDINGS_H_

// The catalogue of finding rules: stable ids (the contract of ListFindings filters and dashboards), their
// severities, and the sentences a compliance officer reads. Explanations name taxonomy keys, codes, policy
// versions and dates of the policy's own deadlines, never subject ids, identities or recipient names.
//
// Rules evaluated when an event is sealed live in ledger/policy/evaluator.h. Two rules are driven by time rather
// than by an event (retention.overdue, request.overdue): the read models that track holdings and rights requests
// store them, with the helpers below, once the log's time passes the deadline (projections/read_models/);
// request.overdue is also sealed on the event that closes a request after its deadline (ledger/policy/evaluator.h).
// Pure and thread-safe.

#include <span>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "pdl/v1/event.pb.h"
#include "pdl/v1/policy.pb.h"
#include "pdl/v1/sealed.pb.h"

namespace pdl::policy {

namespace rules {
inline constexpr std::string_view kPolicyNoneInForce = "policy.none_in_force";
inline constexpr std::string_view kCategoryUndeclared = "category.undeclared";
inline constexpr std::string_view kCategoryUndeclaredForMethod = "category.undeclared_for_method";
inline constexpr std::string_view kPurposeUndeclared = "purpose.undeclared";
inline constexpr std::string_view kLegalBasisUndeclared = "legal_basis.undeclared";
inline constexpr std::string_view kRecipientUndeclared = "recipient.undeclared";
inline constexpr std::string_view kSharingCategoryUndeclared = "sharing.category_undeclared";
inline constexpr std::string_view kProcessorUndeclared = "processor.undeclared";
inline constexpr std::string_view kConsentMissing = "consent.missing";
inline constexpr std::string_view kConsentWithdrawn = "consent.withdrawn";
inline constexpr std::string_view kSharingConsentedThirdPartyWithoutConsent =
    "sharing.consented_third_party_without_consent";
inline constexpr std::string_view kTransferNoMechanism = "transfer.no_mechanism";
inline constexpr std::string_view kTransferMechanismNotAllowed = "transfer.mechanism_not_allowed";
inline constexpr std::string_view kSubjectUnderMinimumAge = "subject.under_minimum_age";
inline constexpr std::string_view kSubjectPossiblyUnderMinimumAge = "subject.possibly_under_minimum_age";
inline constexpr std::string_view kProcessingAfterErasure = "processing.after_erasure";
inline constexpr std::string_view kRetentionRuleUnknown = "retention.rule_unknown";
inline constexpr std::string_view kRetentionUndeclared = "retention.undeclared";
inline constexpr std::string_view kRequestRightUndeclared = "request.right_undeclared";
inline constexpr std::string_view kRetentionOverdue = "retention.overdue";
inline constexpr std::string_view kRequestOverdue = "request.overdue";
}  // namespace rules

struct RuleInfo {
  std::string_view id;
  pdl::v1::Severity severity;
  // One line: what the rule checks.
  std::string_view summary;
  // True for the time-driven rules (not evaluated when an event is sealed).
  bool time_driven = false;
};

// Every rule, in a fixed order.
std::span<const RuleInfo> AllRules();
// The rule with this id, or null.
const RuleInfo* FindRule(std::string_view id);
// A finding of `rule_id` (which must be in the catalogue) with its catalogue severity.
pdl::v1::Finding MakeFinding(std::string_view rule_id, std::string explanation);
// "high", "medium", ... for tables.
std::string SeverityName(pdl::v1::Severity severity);

// retention.overdue -----------------------------------------------------------------------------------------------

// The instant after which a holding still open is overdue: retain_until plus the grace period.
absl::Time RetentionOverdueAt(absl::Time retain_until, const pdl::v1::Period& grace);
// True when `now` is past RetentionOverdueAt (a holding open exactly at that instant is not overdue yet).
bool IsRetentionOverdue(absl::Time retain_until, const pdl::v1::Period& grace, absl::Time now);
// The finding for a holding of `category` in `system` still open after `overdue_at` (RetentionOverdueAt).
pdl::v1::Finding RetentionOverdueFinding(std::string_view category, std::string_view system, absl::Time overdue_at);

// request.overdue -------------------------------------------------------------------------------------------------

// opened_at plus the policy's rights.response_deadline; one calendar month (GDPR Art. 12(3)) when `policy` is null
// or sets none.
absl::Time RequestDueAt(const pdl::v1::Policy* policy, absl::Time opened_at);
// True when a request still open at `now` is past `due_at` (open exactly at due_at is not overdue yet).
bool IsRequestOverdue(absl::Time due_at, absl::Time now);
pdl::v1::Finding RequestOverdueFinding(pdl::v1::SubjectRight right, absl::Time due_at);

}  // namespace pdl::policy

#endif  // PDL_LEDGER_POLICY_FINDINGS_H_
