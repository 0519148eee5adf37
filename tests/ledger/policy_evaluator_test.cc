// One test per finding rule: it fires, it does not fire, and the edge of its time window. Plus the subject facts
// the rules read and the time-driven helpers.

#include <algorithm>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event_codec.h"
#include "ledger/policy/evaluator.h"
#include "ledger/policy/facts.h"
#include "ledger/policy/findings.h"
#include "ledger/policy/period.h"
#include "ledger/policy/policy_yaml.h"
#include "tests/testing/event_builder.h"

namespace pdl::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2023, 6, 1, 12, 0, 0), absl::UTCTimeZone());

constexpr char kPolicy[] = R"(
version: t1
effective_from: 2023-01-01
controller: {name: Test Controller}
legal_bases: [consent, contract, legal_obligation, legitimate_interests]
purposes:
  - {key: essential.service, legal_bases: [contract]}
  - key: analytics
  - {key: marketing, legal_bases: [consent]}
  - key: essential.legal_obligation
collections:
  - method: registration
    categories: [user.contact.email, user.name]
    purposes: [essential.service]
  - method: automatic
    categories: [user.device]
    purposes: [analytics]
recipients:
  - category: service_provider
  - category: other_users
    categories: [user.contact.email]
  - category: consented_third_party
processors:
  - {id: ga, name: Google Analytics, category: service_provider, country: US}
transfer_rules:
  - destinations: [JP]
    mechanisms: [adequacy, scc]
  - destinations: ["*"]
    mechanisms: [scc]
retention_rules:
  - id: account
    categories: [user.contact, user.name]
    until: {event: account_closure, plus: 30 days}
  - id: usage
    categories: [user.device]
    purposes: [analytics]
    period: 14 months
minimum_age: 18
rights:
  offered: [access, erasure]
  response_deadline: 1 month
)";

class PolicyEvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = ParsePolicyYaml(kPolicy);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    policy_ = *parsed;
  }

  // Rule ids of the findings, in order.
  std::vector<std::string> Rules(const pdl::v1::PrivacyEvent& event, const SubjectFacts& facts = {}) {
    std::vector<std::string> ids;
    for (const auto& f : Evaluate(event, &policy_, facts)) ids.push_back(f.rule_id());
    return ids;
  }

  bool Fires(std::string_view rule, const pdl::v1::PrivacyEvent& event, const SubjectFacts& facts = {}) {
    const auto ids = Rules(event, facts);
    return std::find(ids.begin(), ids.end(), rule) != ids.end();
  }

  pdl::v1::Finding Only(std::string_view rule, const pdl::v1::PrivacyEvent& event, const SubjectFacts& facts = {}) {
    for (const auto& f : Evaluate(event, &policy_, facts)) {
      if (f.rule_id() == rule) return f;
    }
    ADD_FAILURE() << rule << " did not fire";
    return {};
  }

  static pdl::v1::PrivacyEvent Collected(absl::Time at = kT0) {
    auto e = testing::Collected("e1", "s1", at);
    e.mutable_data_collected()->set_retention_rule("account");
    return e;
  }

  static pdl::v1::PrivacyEvent Used(std::string purpose, absl::Time at = kT0) {
    pdl::v1::PrivacyEvent e = testing::Collected("u1", "s1", at);
    e.clear_data_collected();
    auto* u = e.mutable_data_used();
    u->add_categories("user.device.cookie_id");
    u->add_purposes(std::move(purpose));
    u->set_system("analytics-db");
    return e;
  }

  static pdl::v1::PrivacyEvent ConsentBased(std::string purpose, absl::Time at = kT0) {
    auto e = Collected(at);
    e.mutable_data_collected()->clear_purposes();
    e.mutable_data_collected()->add_purposes(std::move(purpose));
    e.mutable_data_collected()->set_legal_basis(pdl::v1::LEGAL_BASIS_CONSENT);
    return e;
  }

  static pdl::v1::PrivacyEvent Shared(std::string category, absl::Time at = kT0) {
    auto e = testing::Shared("sh1", "s1", at);
    e.mutable_data_shared()->mutable_recipient()->set_category(std::move(category));
    e.mutable_data_shared()->mutable_recipient()->set_id("ga");
    e.mutable_data_shared()->clear_purposes();
    e.mutable_data_shared()->add_purposes("essential.service");
    return e;
  }

  static pdl::v1::PrivacyEvent Transferred(std::string country, pdl::v1::TransferMechanism mechanism) {
    auto e = testing::Transferred("t1", "s1", kT0);
    e.mutable_data_transferred()->set_destination_country(country);
    e.mutable_data_transferred()->mutable_recipient()->set_country(country);
    e.mutable_data_transferred()->mutable_recipient()->set_category("service_provider");
    e.mutable_data_transferred()->mutable_recipient()->set_id("ga");
    e.mutable_data_transferred()->set_mechanism(mechanism);
    return e;
  }

  // The facts after folding `events` in order.
  static SubjectFacts FactsOf(const std::vector<pdl::v1::PrivacyEvent>& events) {
    SubjectFacts facts;
    for (const auto& e : events) UpdateFacts(e, &facts);
    return facts;
  }

  static pdl::v1::PrivacyEvent Consent(std::string purpose, absl::Time at, std::string id = "c1") {
    auto e = testing::Consent("cg", "s1", at);
    e.mutable_consent_given()->set_consent_id(std::move(id));
    e.mutable_consent_given()->clear_purposes();
    e.mutable_consent_given()->add_purposes(std::move(purpose));
    return e;
  }

  static pdl::v1::PrivacyEvent Withdrawal(absl::Time at, std::string id = "c1") {
    auto e = testing::Consent("cw", "s1", at);
    e.clear_consent_given();
    e.mutable_consent_withdrawn()->set_consent_id(std::move(id));
    return e;
  }

  static pdl::v1::PrivacyEvent ErasureFulfilled(absl::Time at) {
    auto e = testing::Consent("rc", "s1", at);
    e.clear_consent_given();
    auto* c = e.mutable_rights_request_closed();
    c->set_request_id("r1");
    c->set_right(pdl::v1::SUBJECT_RIGHT_ERASURE);
    c->set_outcome(pdl::v1::REQUEST_OUTCOME_FULFILLED);
    return e;
  }

  pdl::v1::Policy policy_;
};

TEST_F(PolicyEvaluatorTest, ACompliantCollectionHasNoFindings) { EXPECT_THAT(Rules(Collected()), IsEmpty()); }

TEST_F(PolicyEvaluatorTest, PolicyNoneInForce) {
  const auto findings = Evaluate(Collected(), nullptr, {});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule_id(), rules::kPolicyNoneInForce);
  EXPECT_EQ(findings[0].severity(), pdl::v1::SEVERITY_INFO);
  EXPECT_FALSE(Fires(rules::kPolicyNoneInForce, Collected()));
}

TEST_F(PolicyEvaluatorTest, CategoryUndeclared) {
  auto e = Collected();
  e.mutable_data_collected()->add_categories("user.health");
  const auto f = Only(rules::kCategoryUndeclared, e);
  EXPECT_EQ(f.severity(), pdl::v1::SEVERITY_HIGH);
  EXPECT_THAT(f.explanation(), HasSubstr("'user.health'"));
  EXPECT_THAT(f.explanation(), HasSubstr("policy t1"));
  // A declared parent covers its children; a declared child does not cover its parent.
  auto child = Used("analytics");
  EXPECT_FALSE(Fires(rules::kCategoryUndeclared, child));
  auto parent = Collected();
  parent.mutable_data_collected()->set_categories(0, "user.contact");
  EXPECT_TRUE(Fires(rules::kCategoryUndeclared, parent));
  // Deletions are never findings of this rule.
  auto deleted = Collected();
  deleted.clear_data_collected();
  deleted.mutable_data_deleted()->add_categories("user.health");
  EXPECT_FALSE(Fires(rules::kCategoryUndeclared, deleted));
}

TEST_F(PolicyEvaluatorTest, CategoryUndeclaredForMethod) {
  auto e = Collected();
  e.mutable_data_collected()->add_categories("user.device.ip_address");
  const auto f = Only(rules::kCategoryUndeclaredForMethod, e);
  EXPECT_EQ(f.severity(), pdl::v1::SEVERITY_MEDIUM);
  EXPECT_THAT(f.explanation(), HasSubstr("'registration'"));
  EXPECT_FALSE(Fires(rules::kCategoryUndeclared, e));
  auto automatic = Collected();
  automatic.mutable_data_collected()->set_method(pdl::v1::COLLECTION_METHOD_AUTOMATIC);
  automatic.mutable_data_collected()->clear_categories();
  automatic.mutable_data_collected()->add_categories("user.device.ip_address");
  EXPECT_FALSE(Fires(rules::kCategoryUndeclaredForMethod, automatic));
  // Only collections are about methods.
  EXPECT_FALSE(Fires(rules::kCategoryUndeclaredForMethod, Used("analytics")));
}

TEST_F(PolicyEvaluatorTest, PurposeUndeclared) {
  EXPECT_THAT(Only(rules::kPurposeUndeclared, Used("personalize")).explanation(), HasSubstr("'personalize'"));
  EXPECT_FALSE(Fires(rules::kPurposeUndeclared, Used("analytics.reporting")));
  EXPECT_TRUE(Fires(rules::kPurposeUndeclared, Consent("personalize", kT0)));
}

TEST_F(PolicyEvaluatorTest, LegalBasisUndeclared) {
  auto vital = Collected();
  vital.mutable_data_collected()->set_legal_basis(pdl::v1::LEGAL_BASIS_VITAL_INTERESTS);
  EXPECT_THAT(Only(rules::kLegalBasisUndeclared, vital).explanation(), HasSubstr("'vital_interests'"));
  // Declared by the policy, but not for this purpose (essential.service rests on contract only).
  auto legitimate = Collected();
  legitimate.mutable_data_collected()->set_legal_basis(pdl::v1::LEGAL_BASIS_LEGITIMATE_INTERESTS);
  EXPECT_THAT(Only(rules::kLegalBasisUndeclared, legitimate).explanation(), HasSubstr("'essential.service'"));
  EXPECT_FALSE(Fires(rules::kLegalBasisUndeclared, Collected()));
}

TEST_F(PolicyEvaluatorTest, RecipientUndeclared) {
  const auto f = Only(rules::kRecipientUndeclared, Shared("affiliate"));
  EXPECT_EQ(f.severity(), pdl::v1::SEVERITY_HIGH);
  EXPECT_THAT(f.explanation(), HasSubstr("'affiliate'"));
  EXPECT_FALSE(Fires(rules::kRecipientUndeclared, Shared("service_provider")));
}

TEST_F(PolicyEvaluatorTest, SharingCategoryUndeclared) {
  auto e = Shared("other_users");
  EXPECT_FALSE(Fires(rules::kSharingCategoryUndeclared, e));
  e.mutable_data_shared()->add_categories("user.name");
  EXPECT_THAT(Only(rules::kSharingCategoryUndeclared, e).explanation(), HasSubstr("'user.name'"));
}

TEST_F(PolicyEvaluatorTest, ProcessorUndeclared) {
  auto e = Shared("service_provider");
  EXPECT_FALSE(Fires(rules::kProcessorUndeclared, e));
  e.mutable_data_shared()->mutable_recipient()->set_id("");
  e.mutable_data_shared()->mutable_recipient()->set_name("Google Analytics");
  EXPECT_FALSE(Fires(rules::kProcessorUndeclared, e));
  e.mutable_data_shared()->mutable_recipient()->set_id("mailer");
  e.mutable_data_shared()->mutable_recipient()->set_name("Mailer BV");
  const auto f = Only(rules::kProcessorUndeclared, e);
  EXPECT_EQ(f.severity(), pdl::v1::SEVERITY_LOW);
  EXPECT_THAT(f.explanation(), Not(HasSubstr("Mailer")));
}

TEST_F(PolicyEvaluatorTest, TransferMechanismNotAllowed) {
  EXPECT_THAT(Rules(Transferred("US", pdl::v1::TRANSFER_MECHANISM_SCC)), IsEmpty());
  EXPECT_THAT(Rules(Transferred("JP", pdl::v1::TRANSFER_MECHANISM_ADEQUACY)), IsEmpty());
  const auto f = Only(rules::kTransferMechanismNotAllowed, Transferred("US", pdl::v1::TRANSFER_MECHANISM_ADEQUACY));
  EXPECT_THAT(f.explanation(), HasSubstr("'adequacy'"));
  EXPECT_THAT(f.explanation(), HasSubstr("allowed: scc"));
  EXPECT_TRUE(Fires(rules::kTransferMechanismNotAllowed, Transferred("CN", pdl::v1::TRANSFER_MECHANISM_BCR)));
  // Without a "*" rule, a destination no rule names is not allowed at all.
  policy_.mutable_transfer_rules()->RemoveLast();
  EXPECT_THAT(
      Only(rules::kTransferMechanismNotAllowed, Transferred("US", pdl::v1::TRANSFER_MECHANISM_SCC)).explanation(),
      HasSubstr("no transfer rule"));
  // Inside the EEA nothing is needed.
  EXPECT_THAT(Rules(Transferred("DE", pdl::v1::TRANSFER_MECHANISM_BCR)), IsEmpty());
}

TEST_F(PolicyEvaluatorTest, TransferNoMechanism) {
  const auto f = Only(rules::kTransferNoMechanism, Transferred("US", pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED));
  EXPECT_EQ(f.severity(), pdl::v1::SEVERITY_HIGH);
  EXPECT_THAT(f.explanation(), HasSubstr("'US'"));
  // The edge of the EEA: Norway, Iceland and Liechtenstein are in it, Switzerland is not.
  for (const char* eea : {"NO", "IS", "LI", "BE"}) {
    EXPECT_THAT(Rules(Transferred(eea, pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED)), IsEmpty()) << eea;
  }
  EXPECT_TRUE(Fires(rules::kTransferNoMechanism, Transferred("CH", pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED)));
  // It is a GDPR rule: it applies with no policy in force too.
  EXPECT_EQ(Evaluate(Transferred("US", pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED), nullptr, {}).size(), 2u);
}

TEST_F(PolicyEvaluatorTest, RetentionRuleUnknown) {
  auto e = Collected();
  e.mutable_data_collected()->set_retention_rule("forever");
  EXPECT_THAT(Only(rules::kRetentionRuleUnknown, e).explanation(), HasSubstr("'forever'"));
  EXPECT_FALSE(Fires(rules::kRetentionRuleUnknown, Collected()));
}

TEST_F(PolicyEvaluatorTest, RetentionUndeclared) {
  auto e = Collected();
  e.mutable_data_collected()->clear_retention_rule();
  EXPECT_FALSE(Fires(rules::kRetentionUndeclared, e));  // "account" covers both categories, for any purpose.
  auto device = Collected();
  device.mutable_data_collected()->clear_retention_rule();
  device.mutable_data_collected()->set_method(pdl::v1::COLLECTION_METHOD_AUTOMATIC);
  device.mutable_data_collected()->clear_categories();
  device.mutable_data_collected()->add_categories("user.device.cookie_id");
  device.mutable_data_collected()->set_purposes(0, "analytics");
  EXPECT_FALSE(Fires(rules::kRetentionUndeclared, device));
  device.mutable_data_collected()->set_purposes(0, "essential.service");  // "usage" covers analytics only
  EXPECT_THAT(Only(rules::kRetentionUndeclared, device).explanation(), HasSubstr("'user.device.cookie_id'"));
  testing::SetTime(device.mutable_data_collected()->mutable_retain_until(), kT0 + absl::Hours(24));
  EXPECT_FALSE(Fires(rules::kRetentionUndeclared, device));
}

TEST_F(PolicyEvaluatorTest, RequestRightUndeclared) {
  auto e = ErasureFulfilled(kT0);
  e.clear_rights_request_closed();
  e.mutable_rights_request_opened()->set_request_id("r1");
  e.mutable_rights_request_opened()->set_right(pdl::v1::SUBJECT_RIGHT_PORTABILITY);
  EXPECT_THAT(Only(rules::kRequestRightUndeclared, e).explanation(), HasSubstr("portability"));
  e.mutable_rights_request_opened()->set_right(pdl::v1::SUBJECT_RIGHT_ACCESS);
  EXPECT_THAT(Rules(e), IsEmpty());
}

TEST_F(PolicyEvaluatorTest, RequestOverdueWhenAnsweredAfterTheDeadline) {
  // Opened 2023-06-01 12:00; one calendar month later is the deadline, 2023-07-01 12:00.
  auto opened = ErasureFulfilled(kT0);
  opened.clear_rights_request_closed();
  opened.mutable_rights_request_opened()->set_request_id("r1");
  opened.mutable_rights_request_opened()->set_right(pdl::v1::SUBJECT_RIGHT_ERASURE);
  const SubjectFacts facts = FactsOf({opened});
  ASSERT_EQ(facts.open_requests.size(), 1u);
  const absl::Time due = absl::FromCivil(absl::CivilSecond(2023, 7, 1, 12, 0, 0), absl::UTCTimeZone());

  EXPECT_FALSE(Fires(rules::kRequestOverdue, ErasureFulfilled(due), facts));  // answered exactly at the deadline
  const auto late = Only(rules::kRequestOverdue, ErasureFulfilled(due + absl::Seconds(1)), facts);
  EXPECT_EQ(late.severity(), pdl::v1::SEVERITY_HIGH);
  EXPECT_THAT(late.explanation(), HasSubstr("deadline of 2023-07-01 12:00 UTC"));
  EXPECT_THAT(late.explanation(), HasSubstr("less than a day late"));
  EXPECT_THAT(late.explanation(), HasSubstr("erasure"));
  EXPECT_THAT(Only(rules::kRequestOverdue, ErasureFulfilled(due + absl::Hours(24 * 3 + 1)), facts).explanation(),
              HasSubstr("3 full days late"));
  // A request the ledger never saw opened, or another request id, has no deadline to miss.
  EXPECT_FALSE(Fires(rules::kRequestOverdue, ErasureFulfilled(due + absl::Hours(24 * 90))));
  auto other = ErasureFulfilled(due + absl::Hours(24 * 90));
  other.mutable_rights_request_closed()->set_request_id("r2");
  EXPECT_FALSE(Fires(rules::kRequestOverdue, other, facts));
  // Closing removes it from the open requests; opening it again is no new request.
  SubjectFacts closed = facts;
  EXPECT_TRUE(UpdateFacts(ErasureFulfilled(due), &closed));
  EXPECT_TRUE(closed.open_requests.empty());
  SubjectFacts twice = facts;
  EXPECT_FALSE(UpdateFacts(opened, &twice));
  EXPECT_EQ(twice, facts);
}

TEST_F(PolicyEvaluatorTest, SubjectUnderMinimumAgeByFlag) {
  auto e = Collected();
  e.mutable_subject()->set_minor(true);
  const auto f = Only(rules::kSubjectUnderMinimumAge, e);
  EXPECT_EQ(f.severity(), pdl::v1::SEVERITY_HIGH);
  EXPECT_THAT(f.explanation(), HasSubstr("18"));
  // Flagged on an earlier event: later processing fires too; deleting the data does not.
  SubjectFacts facts = FactsOf({e});
  EXPECT_TRUE(Fires(rules::kSubjectUnderMinimumAge, Used("analytics"), facts));
  auto deleted = Collected();
  deleted.clear_data_collected();
  deleted.mutable_data_deleted()->set_system("accounts-db");
  deleted.mutable_data_deleted()->set_reason(pdl::v1::DELETION_REASON_MINOR_DETECTED);
  EXPECT_THAT(Rules(deleted, facts), IsEmpty());
  EXPECT_FALSE(Fires(rules::kSubjectUnderMinimumAge, Collected()));
}

TEST_F(PolicyEvaluatorTest, SubjectUnderMinimumAgeByBirthYearAtTheEdgeOfTheYear) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  auto at = [&](absl::Time t, int birth_year) {
    auto e = Collected(t);
    e.mutable_subject()->set_birth_year(birth_year);
    return Rules(e);
  };
  const absl::Time last_second_of_2023 = absl::FromCivil(absl::CivilSecond(2023, 12, 31, 23, 59, 59), utc);
  const absl::Time first_second_of_2024 = absl::FromCivil(absl::CivilSecond(2024, 1, 1, 0, 0, 0), utc);
  EXPECT_THAT(at(kT0, 2006), ElementsAre(rules::kSubjectUnderMinimumAge));          // 16 or 17
  EXPECT_THAT(at(kT0, 2005), ElementsAre(rules::kSubjectPossiblyUnderMinimumAge));  // 17 or 18
  EXPECT_THAT(at(last_second_of_2023, 2006), ElementsAre(rules::kSubjectUnderMinimumAge));
  EXPECT_THAT(at(first_second_of_2024, 2006), ElementsAre(rules::kSubjectPossiblyUnderMinimumAge));
  EXPECT_THAT(at(first_second_of_2024, 2005), IsEmpty());
  EXPECT_THAT(at(kT0, 1980), IsEmpty());
  // A birth year seen earlier counts for later events.
  auto registration = Collected();
  registration.mutable_subject()->set_birth_year(2010);
  EXPECT_TRUE(Fires(rules::kSubjectUnderMinimumAge, Used("analytics"), FactsOf({registration})));
  // The explanation does not reveal the birth year.
  EXPECT_THAT(Only(rules::kSubjectUnderMinimumAge, registration).explanation(), Not(HasSubstr("2010")));
}

TEST_F(PolicyEvaluatorTest, ConsentMissingAtTheEdgeOfTheGrant) {
  const auto f = Only(rules::kConsentMissing, ConsentBased("marketing"));
  EXPECT_EQ(f.severity(), pdl::v1::SEVERITY_HIGH);
  EXPECT_THAT(f.explanation(), HasSubstr("'marketing'"));
  // Given at the very instant: live. Given one microsecond later: not yet.
  EXPECT_FALSE(Fires(rules::kConsentMissing, ConsentBased("marketing"), FactsOf({Consent("marketing", kT0)})));
  EXPECT_TRUE(Fires(rules::kConsentMissing, ConsentBased("marketing"),
                    FactsOf({Consent("marketing", kT0 + absl::Microseconds(1))})));
  // A consent for a parent purpose covers a child purpose, not the reverse.
  EXPECT_FALSE(Fires(rules::kConsentMissing, ConsentBased("marketing.communications.email"),
                     FactsOf({Consent("marketing", kT0)})));
  EXPECT_TRUE(
      Fires(rules::kConsentMissing, ConsentBased("marketing"), FactsOf({Consent("marketing.communications", kT0)})));
  // Other legal bases need no consent.
  EXPECT_FALSE(Fires(rules::kConsentMissing, Collected()));
}

TEST_F(PolicyEvaluatorTest, ConsentWithdrawnAtTheEdgeOfTheWithdrawal) {
  const absl::Time withdrawn = kT0 + absl::Hours(1);
  const SubjectFacts facts = FactsOf({Consent("analytics", kT0), Withdrawal(withdrawn)});
  EXPECT_FALSE(Fires(rules::kConsentWithdrawn, Used("analytics", withdrawn - absl::Microseconds(1)), facts));
  const auto f = Only(rules::kConsentWithdrawn, Used("analytics", withdrawn), facts);
  EXPECT_EQ(f.severity(), pdl::v1::SEVERITY_HIGH);
  EXPECT_THAT(f.explanation(), HasSubstr("'analytics'"));
  // On the basis of consent: withdrawn, not "missing".
  EXPECT_THAT(Rules(ConsentBased("analytics", withdrawn + absl::Hours(1)), facts),
              ElementsAre(rules::kConsentWithdrawn));
  // Another legal basis may carry on (GDPR Art. 17(1)(b)).
  auto contract = ConsentBased("analytics", withdrawn + absl::Hours(1));
  contract.mutable_data_collected()->set_legal_basis(pdl::v1::LEGAL_BASIS_LEGITIMATE_INTERESTS);
  EXPECT_FALSE(Fires(rules::kConsentWithdrawn, contract, facts));
  // A new consent after the withdrawal makes processing lawful again.
  SubjectFacts again = facts;
  UpdateFacts(Consent("analytics", withdrawn + absl::Minutes(5), "c2"), &again);
  EXPECT_FALSE(Fires(rules::kConsentWithdrawn, Used("analytics", withdrawn + absl::Hours(1)), again));
}

TEST_F(PolicyEvaluatorTest, SharingWithAConsentedThirdPartyWithoutConsent) {
  auto e = Shared("consented_third_party");
  e.mutable_data_shared()->set_purposes(0, "marketing");
  e.mutable_data_shared()->set_legal_basis(pdl::v1::LEGAL_BASIS_CONSENT);
  // One finding for the one breach: the sharing rule, not consent.missing as well.
  EXPECT_THAT(Rules(e), ElementsAre(rules::kSharingConsentedThirdPartyWithoutConsent));
  EXPECT_THAT(Rules(e, FactsOf({Consent("marketing", kT0)})), IsEmpty());
  EXPECT_THAT(Rules(e, FactsOf({Consent("marketing", kT0 + absl::Seconds(1))})),
              ElementsAre(rules::kSharingConsentedThirdPartyWithoutConsent));
  // Whatever legal basis the publisher claims.
  e.mutable_data_shared()->set_legal_basis(pdl::v1::LEGAL_BASIS_LEGITIMATE_INTERESTS);
  EXPECT_TRUE(Fires(rules::kSharingConsentedThirdPartyWithoutConsent, e));
}

TEST_F(PolicyEvaluatorTest, ProcessingAfterErasureAtTheEdgeOfCompletion) {
  const absl::Time erased = kT0 + absl::Hours(2);
  const SubjectFacts facts = FactsOf({Collected(kT0), ErasureFulfilled(erased)});
  EXPECT_FALSE(Fires(rules::kProcessingAfterErasure, Used("analytics", erased), facts));
  const auto f = Only(rules::kProcessingAfterErasure, Used("analytics", erased + absl::Microseconds(1)), facts);
  EXPECT_EQ(f.severity(), pdl::v1::SEVERITY_HIGH);
  // Keeping data for a legal obligation (Art. 17(3)(b)) is no breach, nor is deleting it.
  auto legal = Collected(erased + absl::Hours(1));
  legal.mutable_data_collected()->set_legal_basis(pdl::v1::LEGAL_BASIS_LEGAL_OBLIGATION);
  legal.mutable_data_collected()->set_purposes(0, "essential.legal_obligation");
  EXPECT_FALSE(Fires(rules::kProcessingAfterErasure, legal, facts));
  EXPECT_FALSE(
      Fires(rules::kProcessingAfterErasure, Used("essential.legal_obligation", erased + absl::Hours(1)), facts));
  auto deleted = Collected(erased + absl::Hours(1));
  deleted.clear_data_collected();
  deleted.mutable_data_deleted()->set_system("accounts-db");
  deleted.mutable_data_deleted()->set_reason(pdl::v1::DELETION_REASON_SUBJECT_REQUEST);
  EXPECT_THAT(Rules(deleted, facts), IsEmpty());
  // Without a fulfilled erasure there is nothing to breach.
  EXPECT_FALSE(Fires(rules::kProcessingAfterErasure, Used("analytics", erased + absl::Hours(1))));
}

TEST_F(PolicyEvaluatorTest, ExplanationsCarryNoPersonalData) {
  auto e = testing::Shared("evt-1", "subject-secret-4711", kT0);
  e.mutable_subject()->mutable_identity()->set_email("jane@example.com");
  e.mutable_subject()->set_birth_year(2010);
  e.mutable_data_shared()->mutable_recipient()->set_category("professional_advisor");
  e.mutable_data_shared()->mutable_recipient()->set_name("Jane Lawyer");
  e.mutable_data_shared()->mutable_recipient()->set_id("lawyer-jane");
  e.mutable_data_shared()->set_legal_basis(pdl::v1::LEGAL_BASIS_CONSENT);
  const auto findings = Evaluate(e, &policy_, FactsOf({ErasureFulfilled(kT0 - absl::Hours(1))}));
  EXPECT_GE(findings.size(), 4u);
  for (const auto& f : findings) {
    for (const char* secret : {"subject-secret-4711", "jane", "Jane", "2010", "evt-1", "lawyer"}) {
      EXPECT_THAT(f.explanation(), Not(HasSubstr(secret))) << f.rule_id();
    }
  }
}

TEST_F(PolicyEvaluatorTest, EveryFindingComesFromTheCatalogueWithItsSeverity) {
  auto e = ConsentBased("personalize");
  e.mutable_data_collected()->add_categories("user.health");
  e.mutable_subject()->set_minor(true);
  const auto first = Evaluate(e, &policy_, {});
  EXPECT_GE(first.size(), 3u);
  for (const auto& f : first) {
    const RuleInfo* rule = FindRule(f.rule_id());
    ASSERT_NE(rule, nullptr) << f.rule_id();
    EXPECT_EQ(f.severity(), rule->severity);
    EXPECT_FALSE(rule->time_driven);
  }
  const auto second = Evaluate(e, &policy_, {});
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].SerializeAsString(), second[i].SerializeAsString());
}

TEST(PolicyFactsTest, WithdrawalsApplyToEarlierGrantsAndListedPurposes) {
  const absl::Time t = kT0;
  auto given = testing::Consent("g", "s1", t);
  given.mutable_consent_given()->set_consent_id("c1");
  given.mutable_consent_given()->clear_purposes();
  given.mutable_consent_given()->add_purposes("analytics");
  given.mutable_consent_given()->add_purposes("marketing");
  SubjectFacts facts;
  EXPECT_TRUE(UpdateFacts(given, &facts));
  auto partial = testing::Consent("w", "s1", t + absl::Hours(1));
  partial.clear_consent_given();
  partial.mutable_consent_withdrawn()->set_consent_id("c1");
  partial.mutable_consent_withdrawn()->add_purposes("marketing");
  EXPECT_TRUE(UpdateFacts(partial, &facts));
  EXPECT_TRUE(ConsentLive(facts, "analytics", t + absl::Hours(2)));
  EXPECT_FALSE(ConsentLive(facts, "marketing", t + absl::Hours(2)));
  EXPECT_TRUE(ConsentLive(facts, "marketing", t + absl::Minutes(59)));
  EXPECT_TRUE(ConsentWithdrawnBy(facts, "marketing.communications", t + absl::Hours(1)));
  EXPECT_FALSE(UpdateFacts(partial, &facts));  // Nothing left to withdraw.

  // A withdrawal of a consent never seen given is remembered as withdrawn.
  auto unknown = partial;
  unknown.mutable_consent_withdrawn()->set_consent_id("c9");
  unknown.mutable_consent_withdrawn()->set_purposes(0, "functional");
  EXPECT_TRUE(UpdateFacts(unknown, &facts));
  EXPECT_TRUE(ConsentWithdrawnBy(facts, "functional.service", t + absl::Hours(1)));
  EXPECT_FALSE(ConsentLive(facts, "functional", t + absl::Hours(1)));
}

TEST(PolicyFactsTest, TheConsentIndexAnswersLikeTheWholeHistoryAtEveryInstant) {
  // Grants, partial and full withdrawals, a re-grant, a withdrawal of a consent never given, and a late event
  // (occurred before the latest change): at each instant around every change the index and the scan agree.
  auto grant = [](std::string id, std::vector<std::string> purposes, absl::Time at) {
    auto e = testing::Consent("g", "s1", at);
    e.mutable_consent_given()->set_consent_id(std::move(id));
    e.mutable_consent_given()->clear_purposes();
    for (auto& p : purposes) e.mutable_consent_given()->add_purposes(std::move(p));
    return e;
  };
  auto withdraw = [](std::string id, std::vector<std::string> purposes, absl::Time at) {
    auto e = testing::Consent("w", "s1", at);
    e.clear_consent_given();
    e.mutable_consent_withdrawn()->set_consent_id(std::move(id));
    for (auto& p : purposes) e.mutable_consent_withdrawn()->add_purposes(std::move(p));
    return e;
  };
  const absl::Duration h = absl::Hours(1);
  const std::vector<pdl::v1::PrivacyEvent> events = {
      grant("c1", {"analytics", "marketing"}, kT0),     withdraw("c1", {"marketing"}, kT0 + 2 * h),
      grant("c2", {"essential.service"}, kT0 + 3 * h),  withdraw("c2", {}, kT0 + 5 * h),
      grant("c2", {"essential.service"}, kT0 + 7 * h),  withdraw("c9", {"functional"}, kT0 + 8 * h),
      grant("c3", {"marketing.communications"}, kT0 + 6 * h),  // late
  };
  SubjectFacts facts;
  for (const auto& e : events) {
    UpdateFacts(e, &facts);
    ASSERT_TRUE(facts.consent_indexed);
    SubjectFacts scanned = facts;  // the same history without its index
    scanned.consent_indexed = false;
    scanned.consent_index.clear();
    for (const char* purpose : {"analytics", "analytics.reporting", "marketing", "marketing.communications",
                                "essential.service", "essential.service.notifications", "functional", "other"}) {
      for (int i = -1; i <= 20; ++i) {
        const absl::Time t = kT0 + i * absl::Minutes(30);
        EXPECT_EQ(ConsentLive(facts, purpose, t), ConsentLive(scanned, purpose, t)) << purpose << " at " << i;
        EXPECT_EQ(ConsentWithdrawnBy(facts, purpose, t), ConsentWithdrawnBy(scanned, purpose, t))
            << purpose << " at " << i;
      }
    }
  }
  // After the last change the index answers alone: c2 re-granted, c1's marketing withdrawn, c3 live.
  EXPECT_TRUE(ConsentLive(facts, "essential.service.notifications", kT0 + 9 * h));
  EXPECT_TRUE(ConsentLive(facts, "marketing.communications", kT0 + 9 * h));
  EXPECT_FALSE(ConsentLive(facts, "marketing", kT0 + 9 * h));
  EXPECT_TRUE(ConsentWithdrawnBy(facts, "functional.service", kT0 + 9 * h));
  EXPECT_EQ(facts, [&] {
    SubjectFacts copy = facts;
    copy.consent_index.clear();
    copy.consent_indexed = false;
    return copy;
  }());  // the index is not part of the value
}

TEST(PolicyFactsTest, FoldingTheSameEventTwiceChangesNothing) {
  auto given = testing::Consent("g", "s1", kT0);
  auto withdrawn = testing::Consent("w", "s1", kT0 + absl::Hours(1));
  withdrawn.clear_consent_given();
  withdrawn.mutable_consent_withdrawn()->set_consent_id("never-given");
  withdrawn.mutable_consent_withdrawn()->add_purposes("analytics");
  SubjectFacts facts;
  for (const auto* e : {&given, &withdrawn}) {
    EXPECT_TRUE(UpdateFacts(*e, &facts));
    const SubjectFacts once = facts;
    EXPECT_FALSE(UpdateFacts(*e, &facts));
    EXPECT_EQ(facts, once);
  }
  EXPECT_EQ(facts.consents.size(), 2u);
}

TEST(PolicyFactsTest, TheEarliestFulfilledErasureAndMinorFlagsAreKept) {
  SubjectFacts facts;
  auto closed = testing::Consent("rc", "s1", kT0 + absl::Hours(5));
  closed.clear_consent_given();
  closed.mutable_rights_request_closed()->set_request_id("r1");
  closed.mutable_rights_request_closed()->set_right(pdl::v1::SUBJECT_RIGHT_ERASURE);
  closed.mutable_rights_request_closed()->set_outcome(pdl::v1::REQUEST_OUTCOME_REFUSED);
  EXPECT_FALSE(UpdateFacts(closed, &facts));
  closed.mutable_rights_request_closed()->set_outcome(pdl::v1::REQUEST_OUTCOME_FULFILLED);
  EXPECT_TRUE(UpdateFacts(closed, &facts));
  testing::SetTime(closed.mutable_occurred_at(), kT0 + absl::Hours(1));
  EXPECT_TRUE(UpdateFacts(closed, &facts));
  testing::SetTime(closed.mutable_occurred_at(), kT0 + absl::Hours(9));
  EXPECT_FALSE(UpdateFacts(closed, &facts));
  EXPECT_EQ(facts.erasure_completed_at, kT0 + absl::Hours(1));

  auto minor = testing::Collected("m", "s1", kT0);
  minor.mutable_subject()->set_minor(true);
  EXPECT_TRUE(UpdateFacts(minor, &facts));
  EXPECT_TRUE(facts.minor);
  EXPECT_FALSE(UpdateFacts(minor, &facts));
}

TEST(PolicyTimeDrivenTest, RetentionOverdueAfterRetainUntilPlusGrace) {
  const absl::Time until = kT0;
  const pdl::v1::Period grace = Days(30);
  const absl::Time due = until + absl::Hours(24 * 30);
  EXPECT_EQ(RetentionOverdueAt(until, grace), due);
  EXPECT_FALSE(IsRetentionOverdue(until, grace, due));
  EXPECT_TRUE(IsRetentionOverdue(until, grace, due + absl::Microseconds(1)));
  EXPECT_FALSE(IsRetentionOverdue(until, {}, until));
  const auto f = RetentionOverdueFinding("user.device", "analytics-db", due);
  EXPECT_EQ(f.rule_id(), rules::kRetentionOverdue);
  EXPECT_EQ(f.severity(), FindRule(rules::kRetentionOverdue)->severity);
  EXPECT_THAT(f.explanation(), HasSubstr("retention period and grace ended on 2023-07-01"));
  EXPECT_TRUE(FindRule(rules::kRetentionOverdue)->time_driven);
}

TEST(PolicyTimeDrivenTest, RequestOverdueAfterOneCalendarMonth) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time opened = absl::FromCivil(absl::CivilSecond(2023, 1, 31, 9, 30, 0), utc);
  const absl::Time due = absl::FromCivil(absl::CivilSecond(2023, 2, 28, 9, 30, 0), utc);
  EXPECT_EQ(RequestDueAt(nullptr, opened), due);
  pdl::v1::Policy policy;
  *policy.mutable_rights()->mutable_response_deadline() = Days(14);
  EXPECT_EQ(RequestDueAt(&policy, opened), opened + absl::Hours(24 * 14));
  EXPECT_FALSE(IsRequestOverdue(due, due));
  EXPECT_TRUE(IsRequestOverdue(due, due + absl::Microseconds(1)));
  const auto f = RequestOverdueFinding(pdl::v1::SUBJECT_RIGHT_ERASURE, due);
  EXPECT_EQ(f.rule_id(), rules::kRequestOverdue);
  EXPECT_EQ(f.severity(), pdl::v1::SEVERITY_HIGH);
  EXPECT_THAT(f.explanation(), HasSubstr("erasure"));
  EXPECT_THAT(f.explanation(), HasSubstr("2023-02-28"));
}

}  // namespace
}  // namespace pdl::policy
