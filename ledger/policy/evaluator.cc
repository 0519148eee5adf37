#include "ledger/policy/evaluator.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "ledger/event_codec.h"
#include "ledger/policy/declarations.h"
#include "ledger/policy/findings.h"
#include "ledger/sv.h"
#include "ledger/taxonomy.h"

namespace pdl::policy {
namespace {

using google::protobuf::RepeatedPtrField;
using pdl::v1::PrivacyEvent;

constexpr std::string_view kConsentedThirdParty = "consented_third_party";
// Purposes for which data may be kept and processed after erasure (GDPR Art. 17(3)(b)).
constexpr std::string_view kLegalObligationPurposes[] = {"essential.legal_obligation",
                                                         "third_party_sharing.legal_obligation"};

// What the rules need of an event, independent of its action.
struct EventShape {
  bool processing = false;  // collected, used, shared, transferred, rectified
  const RepeatedPtrField<std::string>* categories = nullptr;
  const RepeatedPtrField<std::string>* purposes = nullptr;
  pdl::v1::LegalBasis basis = pdl::v1::LEGAL_BASIS_UNSPECIFIED;
  const pdl::v1::Recipient* recipient = nullptr;
};

EventShape ShapeOf(const PrivacyEvent& event) {
  EventShape s;
  switch (event.action_case()) {
    case PrivacyEvent::kDataCollected:
      s = {true, &event.data_collected().categories(), &event.data_collected().purposes(),
           event.data_collected().legal_basis(), nullptr};
      break;
    case PrivacyEvent::kDataUsed:
      s = {true, &event.data_used().categories(), &event.data_used().purposes(), pdl::v1::LEGAL_BASIS_UNSPECIFIED,
           nullptr};
      break;
    case PrivacyEvent::kDataShared:
      s = {true, &event.data_shared().categories(), &event.data_shared().purposes(), event.data_shared().legal_basis(),
           &event.data_shared().recipient()};
      break;
    case PrivacyEvent::kDataTransferred:
      s = {true, &event.data_transferred().categories(), nullptr, pdl::v1::LEGAL_BASIS_UNSPECIFIED,
           &event.data_transferred().recipient()};
      break;
    case PrivacyEvent::kDataRectified:
      s = {true, &event.data_rectified().categories(), nullptr, pdl::v1::LEGAL_BASIS_UNSPECIFIED, nullptr};
      break;
    case PrivacyEvent::kConsentGiven:
      s.purposes = &event.consent_given().purposes();
      break;
    default:
      break;
  }
  return s;
}

// "'a'" or "'a', 'b'".
std::string Quoted(const std::vector<std::string>& keys) {
  return absl::StrJoin(keys, ", ", [](std::string* out, const std::string& k) { absl::StrAppend(out, "'", k, "'"); });
}

// "Category 'a' is" / "Categories 'a', 'b' are".
std::string Subject(std::string_view singular, std::string_view plural, const std::vector<std::string>& keys) {
  return absl::StrCat(keys.size() == 1 ? Sv(singular) : Sv(plural), " ", Quoted(keys),
                      keys.size() == 1 ? " is" : " are");
}

std::string PolicyName(const pdl::v1::Policy& policy) { return absl::StrCat("policy ", policy.version()); }

class Judgement {
 public:
  Judgement(const PrivacyEvent& event, const pdl::v1::Policy* policy, const SubjectFacts& facts)
      : event_(event), policy_(policy), facts_(facts), shape_(ShapeOf(event)), at_(ToTime(event.occurred_at())) {}

  std::vector<pdl::v1::Finding> Run() {
    if (policy_ == nullptr) {
      Add(rules::kPolicyNoneInForce,
          "No published policy was in force when this event happened, so its categories, purposes and recipients "
          "could not be checked against any declaration; publish the policy that applied at the time.");
    } else {
      Categories();
      Purposes();
      LegalBasis();
      Recipient();
      TransferRule();
      Retention();
      RightsRequest();
      MinimumAge();
    }
    Consent();
    TransferMechanism();
    AfterErasure();
    return std::move(findings_);
  }

 private:
  void Add(std::string_view rule, std::string explanation) {
    findings_.push_back(MakeFinding(rule, std::move(explanation)));
  }

  void Categories() {
    if (!shape_.processing) return;
    std::vector<std::string> undeclared;
    std::vector<std::string> not_for_method;
    for (const auto& c : *shape_.categories) {
      if (!CategoryDeclared(*policy_, c)) {
        undeclared.push_back(c);
      } else if (event_.has_data_collected() && !CategoryDeclaredFor(*policy_, event_.data_collected().method(), c)) {
        not_for_method.push_back(c);
      }
    }
    if (!undeclared.empty()) {
      Add(rules::kCategoryUndeclared,
          absl::StrCat(Subject("Data category", "Data categories", undeclared), " not declared by ",
                       PolicyName(*policy_),
                       "; processing data the policy does not mention breaks the transparency "
                       "promised to the subject (GDPR Art. 13, 14)."));
    }
    if (!not_for_method.empty()) {
      Add(rules::kCategoryUndeclaredForMethod,
          absl::StrCat(Subject("Data category", "Data categories", not_for_method), " declared by ",
                       PolicyName(*policy_), " but not for collection by method '",
                       MethodName(event_.data_collected().method()), "'."));
    }
  }

  void Purposes() {
    if (shape_.purposes == nullptr) return;
    std::vector<std::string> undeclared;
    for (const auto& p : *shape_.purposes) {
      if (!PurposeDeclared(*policy_, p)) undeclared.push_back(p);
    }
    if (!undeclared.empty()) {
      Add(rules::kPurposeUndeclared,
          absl::StrCat(Subject("Purpose", "Purposes", undeclared), " not declared by ", PolicyName(*policy_),
                       "; personal data may only be processed for the purposes the policy states (GDPR Art. "
                       "5(1)(b))."));
    }
  }

  void LegalBasis() {
    if (shape_.basis == pdl::v1::LEGAL_BASIS_UNSPECIFIED) return;
    const std::string basis = LegalBasisName(shape_.basis);
    if (!LegalBasisDeclared(*policy_, shape_.basis)) {
      Add(rules::kLegalBasisUndeclared,
          absl::StrCat("Legal basis '", basis, "' is not among the legal bases of ", PolicyName(*policy_), "."));
      return;
    }
    std::vector<std::string> purposes;
    for (const auto& p : *shape_.purposes) {
      const pdl::v1::PurposeDeclaration* declared = FindPurpose(*policy_, p);
      if (declared == nullptr || declared->legal_bases().empty()) continue;
      bool found = false;
      for (int b : declared->legal_bases()) found |= b == shape_.basis;
      if (!found) purposes.push_back(p);
    }
    if (!purposes.empty()) {
      Add(rules::kLegalBasisUndeclared,
          absl::StrCat("Legal basis '", basis, "' is not one that ", PolicyName(*policy_), " declares for ",
                       purposes.size() == 1 ? "purpose " : "purposes ", Quoted(purposes), "."));
    }
  }

  void Recipient() {
    if (shape_.recipient == nullptr) return;
    const std::string& category = shape_.recipient->category();
    const pdl::v1::RecipientDeclaration* declared = FindRecipient(*policy_, category);
    if (declared == nullptr) {
      Add(rules::kRecipientUndeclared,
          absl::StrCat("Data was disclosed to a recipient of category '", category, "', which ", PolicyName(*policy_),
                       " does not declare among the recipients of personal data."));
      return;
    }
    if (!declared->categories().empty()) {
      std::vector<std::string> outside;
      for (const auto& c : *shape_.categories) {
        if (!AnyCovers(declared->categories(), c)) outside.push_back(c);
      }
      if (!outside.empty()) {
        Add(rules::kSharingCategoryUndeclared,
            absl::StrCat(Subject("Data category", "Data categories", outside), " disclosed to recipient category '",
                         category, "', for which ", PolicyName(*policy_), " declares only ",
                         Quoted({declared->categories().begin(), declared->categories().end()}), "."));
      }
    }
    if ((category == "processor" || category == "service_provider") &&
        FindProcessor(*policy_, shape_.recipient->id(), shape_.recipient->name()) == nullptr) {
      Add(rules::kProcessorUndeclared,
          absl::StrCat("The ", category == "processor" ? "processor" : "service provider",
                       " that received the data is not one of the processors ", PolicyName(*policy_),
                       " names; check that a processing agreement (GDPR Art. 28) covers it and name it in the "
                       "next policy version."));
    }
  }

  void TransferRule() {
    if (!event_.has_data_transferred()) return;
    const auto& transfer = event_.data_transferred();
    const std::string& country = transfer.destination_country();
    if (taxonomy::IsEea(country) || transfer.mechanism() == pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED) return;
    const pdl::v1::TransferRule* rule = FindTransferRule(*policy_, country);
    const std::string mechanism = MechanismName(transfer.mechanism());
    if (rule == nullptr) {
      Add(rules::kTransferMechanismNotAllowed,
          absl::StrCat("Transfer to '", country, "' (outside the EEA) under mechanism '", mechanism, "', but ",
                       PolicyName(*policy_), " has no transfer rule for that destination."));
      return;
    }
    for (int m : rule->mechanisms()) {
      if (m == transfer.mechanism()) return;
    }
    std::vector<std::string> allowed;
    for (int m : rule->mechanisms()) allowed.push_back(MechanismName(static_cast<pdl::v1::TransferMechanism>(m)));
    Add(rules::kTransferMechanismNotAllowed,
        absl::StrCat("Transfer to '", country, "' (outside the EEA) under mechanism '", mechanism, "', which ",
                     PolicyName(*policy_),
                     " does not allow for that destination (allowed: ", absl::StrJoin(allowed, ", "), ")."));
  }

  void Retention() {
    if (!event_.has_data_collected()) return;
    const auto& collected = event_.data_collected();
    if (!collected.retention_rule().empty()) {
      if (FindRetentionRule(*policy_, collected.retention_rule()) == nullptr) {
        Add(rules::kRetentionRuleUnknown,
            absl::StrCat("The collection names retention rule '", collected.retention_rule(), "', which ",
                         PolicyName(*policy_), " does not define, so no retention period can be applied."));
      }
      return;
    }
    if (collected.has_retain_until()) return;
    std::vector<std::string> uncovered;
    for (const auto& c : collected.categories()) {
      if (MatchRetentionRule(*policy_, c, collected.purposes()) == nullptr) uncovered.push_back(c);
    }
    if (!uncovered.empty()) {
      Add(rules::kRetentionUndeclared,
          absl::StrCat(Subject("Data category", "Data categories", uncovered),
                       " collected without a retention rule "
                       "or retain_until, and no retention "
                       "rule of ",
                       PolicyName(*policy_), " covers ", uncovered.size() == 1 ? "it" : "them",
                       " for these purposes (GDPR Art. 5(1)(e))."));
    }
  }

  void RightsRequest() {
    if (event_.has_rights_request_closed()) {
      // Answered late: closed after the deadline counted from when the request was opened.
      const OpenRequest* open = FindOpenRequest(facts_, event_.rights_request_closed().request_id());
      if (open == nullptr) return;
      const absl::Time due = RequestDueAt(policy_, open->opened_at);
      if (!IsRequestOverdue(due, at_)) return;
      const int64_t days = absl::ToInt64Hours(at_ - due) / 24;
      Add(rules::kRequestOverdue,
          absl::StrCat("A request to exercise the right of ", RightName(open->right),
                       " was answered after its response deadline of ",
                       absl::FormatTime("%Y-%m-%d %H:%M UTC", due, absl::UTCTimeZone()), " (", PolicyName(*policy_),
                       ", GDPR Art. 12(3)): ",
                       days == 0 ? std::string("less than a day late.") : absl::StrCat(days, " full days late.")));
      return;
    }
    if (!event_.has_rights_request_opened()) return;
    const pdl::v1::SubjectRight right = event_.rights_request_opened().right();
    for (int r : policy_->rights().offered()) {
      if (r == right) return;
    }
    Add(rules::kRequestRightUndeclared,
        absl::StrCat("A request to exercise the right of ", RightName(right), " was opened; ", PolicyName(*policy_),
                     " does not mention this right, although the subject has it under the GDPR (Art. 13(2)(b)); "
                     "answer it and list the right in the next policy version."));
  }

  void MinimumAge() {
    const int min_age = policy_->minimum_age();
    if (min_age <= 0 || !(shape_.processing || event_.has_consent_given())) return;
    if (event_.subject().minor() || facts_.minor) {
      Add(min_age >= 18 ? rules::kSubjectUnderMinimumAge : rules::kSubjectPossiblyUnderMinimumAge,
          absl::StrCat("The subject is flagged as a minor and ", PolicyName(*policy_), " does not serve people under ",
                       min_age, "; their personal data must be removed as soon as possible."));
      return;
    }
    const int birth_year = event_.subject().birth_year() != 0 ? event_.subject().birth_year() : facts_.birth_year;
    if (birth_year == 0) return;
    const int year = static_cast<int>(absl::ToCivilYear(at_, absl::UTCTimeZone()).year());
    const int years = year - birth_year;
    if (years < min_age) {
      Add(rules::kSubjectUnderMinimumAge,
          absl::StrCat("The subject's recorded birth year makes them younger than ", min_age,
                       " when this happened, and ", PolicyName(*policy_), " does not serve people under ", min_age,
                       "; their personal data must be removed as soon as possible."));
    } else if (years == min_age) {
      Add(rules::kSubjectPossiblyUnderMinimumAge,
          absl::StrCat("The subject's recorded birth year means they may have been younger than ", min_age,
                       " when this happened (", PolicyName(*policy_), " does not serve people under ", min_age,
                       "); verify their age."));
    }
  }

  void Consent() {
    if (!shape_.processing || shape_.purposes == nullptr) return;
    std::vector<std::string> uncovered;
    std::vector<std::string> withdrawn;
    std::vector<std::string> missing;
    for (const auto& p : *shape_.purposes) {
      if (ConsentLive(facts_, p, at_)) continue;
      uncovered.push_back(p);
      (ConsentWithdrawnBy(facts_, p, at_) ? withdrawn : missing).push_back(p);
    }
    const bool consent_basis = shape_.basis == pdl::v1::LEGAL_BASIS_CONSENT;
    const bool third_party =
        event_.has_data_shared() && shape_.recipient != nullptr && shape_.recipient->category() == kConsentedThirdParty;
    if (!withdrawn.empty() && (consent_basis || event_.has_data_used() || third_party)) {
      Add(rules::kConsentWithdrawn,
          absl::StrCat("Processing for ", withdrawn.size() == 1 ? "purpose " : "purposes ", Quoted(withdrawn),
                       " after the subject withdrew consent for ", withdrawn.size() == 1 ? "it" : "them",
                       ", with no consent in force again; withdrawal must stop processing that relies on consent "
                       "(GDPR Art. 7(3))."));
    }
    if (third_party) {
      if (!uncovered.empty()) {
        Add(rules::kSharingConsentedThirdPartyWithoutConsent,
            absl::StrCat("Data was disclosed to a third party that the policy allows only with the subject's "
                         "consent, but no consent covering ",
                         uncovered.size() == 1 ? "purpose " : "purposes ", Quoted(uncovered),
                         " was in force at the time."));
      }
    } else if (consent_basis && !missing.empty()) {
      Add(rules::kConsentMissing, absl::StrCat("The event relies on consent, but no consent covering ",
                                               missing.size() == 1 ? "purpose " : "purposes ", Quoted(missing),
                                               " was in force at the time (GDPR Art. 6(1)(a), 7(1))."));
    }
  }

  void TransferMechanism() {
    if (!event_.has_data_transferred()) return;
    const auto& transfer = event_.data_transferred();
    if (taxonomy::IsEea(transfer.destination_country()) ||
        transfer.mechanism() != pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED) {
      return;
    }
    Add(rules::kTransferNoMechanism,
        absl::StrCat("Transfer to '", transfer.destination_country(),
                     "' (outside the EEA) names no transfer mechanism; GDPR Chapter V requires an adequacy decision "
                     "(Art. 45), safeguards such as standard contractual clauses or binding corporate rules (Art. "
                     "46, 47) or an Art. 49 derogation."));
  }

  void AfterErasure() {
    if (!shape_.processing || !facts_.erasure_completed_at.has_value() || !(at_ > *facts_.erasure_completed_at)) {
      return;
    }
    if (shape_.basis == pdl::v1::LEGAL_BASIS_LEGAL_OBLIGATION) return;
    if (shape_.purposes != nullptr && !shape_.purposes->empty()) {
      bool all_legal = true;
      for (const auto& p : *shape_.purposes) {
        bool legal = false;
        for (std::string_view l : kLegalObligationPurposes) legal |= KeyCovers(l, p);
        all_legal &= legal;
      }
      if (all_legal) return;
    }
    Add(rules::kProcessingAfterErasure,
        "Data of this subject was processed after their erasure request had been fulfilled; unless a legal "
        "obligation requires it (GDPR Art. 17(3)), erased data must not be processed any more.");
  }

  const PrivacyEvent& event_;
  const pdl::v1::Policy* policy_;
  const SubjectFacts& facts_;
  const EventShape shape_;
  const absl::Time at_;
  std::vector<pdl::v1::Finding> findings_;
};

}  // namespace

std::vector<pdl::v1::Finding> Evaluate(const PrivacyEvent& event, const pdl::v1::Policy* policy,
                                       const SubjectFacts& facts) {
  return Judgement(event, policy, facts).Run();
}

}  // namespace pdl::policy
