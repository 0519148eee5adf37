#ifndef PDL_LEDGER_POLICY_EVALUATOR_H_
#define PDL_LEDGER_POLICY_EVALUATOR_H_

// Judges one event against the policy in force when it happened and what is known of the subject's past
// (ledger/policy/facts.h). Every breach becomes a finding with a stable rule id (ledger/policy/findings.h), its
// severity and an explanation; nothing is silent.
//
// Rules (ids as in findings.h; "processing" = collected, used, shared, transferred, rectified):
//  with a policy in force
//   category.undeclared            a category no collection declares (any processing; deletions are exempt)
//   category.undeclared_for_method a collection of a declared category by a method not declared for it
//   purpose.undeclared             a purpose no purpose declaration covers (collected, used, shared, consent given)
//   legal_basis.undeclared         a basis not among the policy's legal_bases, or not among those declared for one
//                                  of the event's purposes (collected, shared)
//   recipient.undeclared           shared/transferred to a recipient category the policy does not declare
//   sharing.category_undeclared    shared/transferred categories outside those declared for the recipient category
//   processor.undeclared           shared/transferred to a processor or service provider the policy does not name
//   transfer.mechanism_not_allowed outside the EEA, a mechanism the destination's transfer rule does not allow, or
//                                  no rule for the destination
//   retention.rule_unknown         DataCollected.retention_rule is not a rule of the policy
//   retention.undeclared           a collected category with no retention_rule, no retain_until and no rule covering it
//   request.right_undeclared       a rights request for a right the policy does not offer
//   subject.under_minimum_age      processing or consent of a subject flagged minor (now or before), or whose birth
//                                  year puts them under minimum_age for certain
//   subject.possibly_under_minimum_age  the birth year leaves it open (year difference equals minimum_age)
//  always
//   policy.none_in_force           no policy applies (the other policy rules are skipped)
//   consent.withdrawn              a purpose whose consent was withdrawn at or before occurred_at and that no live
//                                  consent covers: used; collected or shared on the basis of consent; shared with a
//                                  consented third party
//   consent.missing                collected or shared on the basis of consent, a purpose no live consent covers and
//                                  none was withdrawn (not for consented third parties: next rule)
//   sharing.consented_third_party_without_consent  shared with a consented_third_party while a purpose has no live
//                                  consent
//   transfer.no_mechanism          transferred outside the EEA with mechanism UNSPECIFIED
//   processing.after_erasure       processing after the subject's erasure completed (strictly later), unless on the
//                                  basis of legal obligation or only for legal-obligation purposes (Art. 17(3)(b))
// A consent is live at t when given at or before t and not withdrawn at or before t.
//
// Findings come in the order of the list above (with policy.none_in_force first); each rule fires at most once per
// event and names every offending key. Pure, deterministic and thread-safe.

#include <vector>

#include "ledger/policy/facts.h"
#include "pdl/v1/event.pb.h"
#include "pdl/v1/policy.pb.h"
#include "pdl/v1/sealed.pb.h"

namespace pdl::policy {

// `policy` is the policy in force (policy_selection.h), or null when none is. `facts` are those of the events
// sealed before this one, without this one (fold it in afterwards with UpdateFacts).
std::vector<pdl::v1::Finding> Evaluate(const pdl::v1::PrivacyEvent& event, const pdl::v1::Policy* policy,
                                       const SubjectFacts& facts);

}  // namespace pdl::policy

#endif  // PDL_LEDGER_POLICY_EVALUATOR_H_
