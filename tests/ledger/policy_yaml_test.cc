// Policies as YAML: the seed's policy file (every row of DESIGN.md §2), errors that name line and field, periods,
// the YAML round trip and the diff between versions.

#include "ledger/policy/policy_yaml.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ledger/event_codec.h"
#include "ledger/field_error.h"
#include "ledger/policy/declarations.h"
#include "ledger/policy/period.h"
#include "ledger/policy/policy_diff.h"
#include "ledger/policy/policy_validator.h"
#include "ledger/policy/retention.h"

namespace pdl::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Msg(const absl::Status& status) { return std::string(status.message()); }

std::string ReadExample() {
  const std::filesystem::path path = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() /
                                     "examples" / "policies" / "iqunet-2023-05-08.yaml";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

pdl::v1::Policy Example() {
  auto policy = ParsePolicyYaml(ReadExample());
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : pdl::v1::Policy();
}

const pdl::v1::CollectionDeclaration* CollectionWithScope(const pdl::v1::Policy& p, std::string_view scope) {
  for (const auto& c : p.collections()) {
    if (c.consent_scope() == scope) return &c;
  }
  return nullptr;
}

bool Offers(const pdl::v1::Policy& p, pdl::v1::SubjectRight right) {
  for (int r : p.rights().offered()) {
    if (r == right) return true;
  }
  return false;
}

bool Allows(const pdl::v1::TransferRule* rule, pdl::v1::TransferMechanism m) {
  if (rule == nullptr) return false;
  for (int x : rule->mechanisms()) {
    if (x == m) return true;
  }
  return false;
}

TEST(PolicyYamlTest, TheSeedPolicyLoadsAndValidates) {
  const pdl::v1::Policy p = Example();
  EXPECT_EQ(p.version(), "2023-05-08");
  EXPECT_EQ(ToTime(p.effective_from()), absl::FromCivil(absl::CivilDay(2023, 5, 8), absl::UTCTimeZone()));
  EXPECT_EQ(p.controller().name(), "iQunet bvba");
  EXPECT_THAT(p.controller().address(), HasSubstr("B-9220 Hamme"));
  EXPECT_EQ(p.controller().country(), "BE");
  EXPECT_EQ(p.language(), "nl");
  EXPECT_TRUE(ValidatePolicy(p).ok());
}

// One expectation block per row of DESIGN.md §2.
TEST(PolicyYamlTest, EveryRowOfTheSeedIsDeclared) {
  const pdl::v1::Policy p = Example();
  // Account data at registration: name, e-mail, profile picture; captcha; purpose account management.
  for (const char* c : {"user.name", "user.contact.email", "user.content.self_image", "user.authorization.password",
                        "user.authorization.credentials"}) {
    EXPECT_TRUE(CategoryDeclaredFor(p, pdl::v1::COLLECTION_METHOD_REGISTRATION, c)) << c;
  }
  EXPECT_TRUE(PurposeDeclared(p, "essential.service.authentication"));
  EXPECT_TRUE(PurposeDeclared(p, "essential.service.security"));
  // Google Sheets and Looker Studio permissions, collected with a consent of their scope.
  for (const char* scope : {"google-sheets", "looker-studio"}) {
    const auto* c = CollectionWithScope(p, scope);
    ASSERT_NE(c, nullptr) << scope;
    EXPECT_EQ(c->method(), pdl::v1::COLLECTION_METHOD_INTEGRATION_CONSENT);
    EXPECT_TRUE(AnyCovers(c->categories(), "user.authorization.credentials"));
  }
  EXPECT_TRUE(LegalBasisDeclared(p, pdl::v1::LEGAL_BASIS_CONSENT));
  // Cookies, web beacons and device data, collected automatically: device and usage categories.
  EXPECT_TRUE(CategoryDeclaredFor(p, pdl::v1::COLLECTION_METHOD_AUTOMATIC, "user.device.cookie_id"));
  EXPECT_TRUE(CategoryDeclaredFor(p, pdl::v1::COLLECTION_METHOD_AUTOMATIC, "user.behavior.browsing_history"));
  EXPECT_FALSE(CategoryDeclaredFor(p, pdl::v1::COLLECTION_METHOD_AUTOMATIC, "user.name"));
  // Contact through website, apps, phone, e-mail, for customer support.
  EXPECT_TRUE(CategoryDeclaredFor(p, pdl::v1::COLLECTION_METHOD_CONTACT, "user.contact.phone_number"));
  EXPECT_TRUE(PurposeDeclared(p, "essential.service.operations.support"));
  // The purposes of "Hoe wordt uw informatie gebruikt?".
  for (const char* purpose :
       {"essential.service", "functional.service.improve", "essential.service.authentication",
        "essential.service.operations.support", "essential.service.operations", "essential.fraud_detection",
        "essential.service.security", "essential.service.notifications.email"}) {
    EXPECT_TRUE(PurposeDeclared(p, purpose)) << purpose;
  }
  EXPECT_FALSE(PurposeDeclared(p, "personalize"));
  // Shared with: service providers, business transfers, affiliates, partners, other users (their e-mail only),
  // professional advisors, anyone else with consent; never sold.
  for (const char* r : {"service_provider", "business_transfer", "affiliate", "business_partner", "other_users",
                        "professional_advisor", "consented_third_party"}) {
    EXPECT_NE(FindRecipient(p, r), nullptr) << r;
  }
  ASSERT_NE(FindRecipient(p, "other_users"), nullptr);
  EXPECT_THAT(FindRecipient(p, "other_users")->categories(), ElementsAre("user.contact.email"));
  EXPECT_FALSE(p.sells_personal_data());
  // Google Analytics as a service provider in the US; reached through a transfer with a mechanism.
  const auto* ga = FindProcessor(p, "google-analytics", "");
  ASSERT_NE(ga, nullptr);
  EXPECT_EQ(ga->category(), "service_provider");
  EXPECT_EQ(ga->country(), "US");
  // Transfers only "with adequate controls": every destination outside the EEA has a rule with safeguards.
  EXPECT_TRUE(Allows(FindTransferRule(p, "US"), pdl::v1::TRANSFER_MECHANISM_SCC));
  EXPECT_FALSE(Allows(FindTransferRule(p, "US"), pdl::v1::TRANSFER_MECHANISM_ADEQUACY));
  EXPECT_TRUE(Allows(FindTransferRule(p, "JP"), pdl::v1::TRANSFER_MECHANISM_ADEQUACY));
  // Kept as long as needed; usage data shorter; longer for legal duties and disputes.
  pdl::v1::DataCollected usage;
  usage.add_categories("user.device.cookie_id");
  usage.add_purposes("analytics");
  const auto* usage_rule = RuleForCollection(p, usage, "user.device.cookie_id");
  ASSERT_NE(usage_rule, nullptr);
  EXPECT_EQ(usage_rule->id(), "usage-data");
  const absl::Time t0 = absl::FromCivil(absl::CivilDay(2023, 6, 1), absl::UTCTimeZone());
  pdl::v1::DataCollected security = usage;
  security.set_purposes(0, "essential.service.security");
  const auto* security_rule = RuleForCollection(p, security, "user.device.cookie_id");
  ASSERT_NE(security_rule, nullptr);
  EXPECT_LT(*RetainUntil(*usage_rule, t0), *RetainUntil(*security_rule, t0));
  ASSERT_NE(FindRetentionRule(p, "account"), nullptr);
  EXPECT_EQ(FindRetentionRule(p, "account")->until().event(), pdl::v1::RETENTION_EVENT_ACCOUNT_CLOSURE);
  ASSERT_NE(FindRetentionRule(p, "legal-obligations"), nullptr);
  EXPECT_TRUE(FindRetentionRule(p, "legal-obligations")->has_until());
  // Rights: access and a copy, rectify or complete, erase; one month.
  EXPECT_TRUE(Offers(p, pdl::v1::SUBJECT_RIGHT_ACCESS));
  EXPECT_TRUE(Offers(p, pdl::v1::SUBJECT_RIGHT_RECTIFICATION));
  EXPECT_TRUE(Offers(p, pdl::v1::SUBJECT_RIGHT_ERASURE));
  EXPECT_EQ(FormatPeriod(p.rights().response_deadline()), "1 month");
  // Not aimed at people under 18.
  EXPECT_EQ(p.minimum_age(), 18);
  // Versioned; applies when posted.
  EXPECT_FALSE(p.version().empty());
  EXPECT_TRUE(p.has_effective_from());
}

TEST(PolicyYamlTest, WritingAndReadingBackGivesTheSamePolicy) {
  const pdl::v1::Policy p = Example();
  const std::string yaml = PolicyToYaml(p);
  auto again = ParsePolicyYaml(yaml);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << yaml;
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(p, *again)) << diff;
}

TEST(PolicyYamlTest, JsonWithFullEnumNamesIsAcceptedToo) {
  auto p = ParsePolicyYaml(R"({
    "version": "j1", "effectiveFrom": "2023-05-08T00:00:00Z", "controller": {"name": "C"},
    "legalBases": ["LEGAL_BASIS_CONTRACT"], "purposes": [{"key": "essential.service"}],
    "collections": [{"method": "COLLECTION_METHOD_REGISTRATION", "categories": ["user.name"]}]})");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->collections(0).method(), pdl::v1::COLLECTION_METHOD_REGISTRATION);
}

// A minimal valid document; each error test breaks one line of it.
constexpr char kBase[] = R"(version: v1
effective_from: 2023-05-08
controller:
  name: Example
legal_bases: [contract]
purposes:
  - key: essential.service
collections:
  - method: registration
    categories: [user.contact.email, user.name]
    purposes: [essential.service]
)";

std::string With(std::string_view extra) { return std::string(kBase) + std::string(extra); }

TEST(PolicyYamlTest, TheMinimalDocumentIsValid) { EXPECT_TRUE(ParsePolicyYaml(kBase).ok()); }

TEST(PolicyYamlTest, SyntaxErrorsNameTheLine) {
  auto p = ParsePolicyYaml("version: v1\ncontroller: [unclosed\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(p.status()), StartsWith("line "));
  EXPECT_THAT(Msg(p.status()), HasSubstr("not valid YAML"));
}

TEST(PolicyYamlTest, AnUnknownFieldNamesLineAndField) {
  std::string doc = kBase;
  doc.replace(doc.find("  name: Example"), 15, "  nmae: Example");
  auto p = ParsePolicyYaml(doc);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(ErrorField(p.status()), "controller.nmae");
  EXPECT_THAT(Msg(p.status()), StartsWith("line 4, column 3: controller.nmae: unknown field of Controller"));
}

TEST(PolicyYamlTest, AnUnknownEnumValueListsTheChoices) {
  std::string doc = kBase;
  doc.replace(doc.find("[contract]"), 10, "[contract, vibes]");
  auto p = ParsePolicyYaml(doc);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(ErrorField(p.status()), "legal_bases[1]");
  EXPECT_THAT(Msg(p.status()), StartsWith("line 5, column 25: legal_bases[1]: 'vibes' is not one of: consent"));
  EXPECT_THAT(Msg(p.status()), HasSubstr("legitimate_interests"));
}

TEST(PolicyYamlTest, ValidationErrorsPointAtTheOffendingLine) {
  std::string doc = kBase;
  doc.replace(doc.find("user.name]"), 10, "user.nmae]");
  auto p = ParsePolicyYaml(doc);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(ErrorField(p.status()), "collections[0].categories[1]");
  EXPECT_EQ(Msg(p.status()),
            "line 10, column 38: collections[0].categories[1]: 'user.nmae' is not a known data category");
}

TEST(PolicyYamlTest, AMissingRequiredFieldIsNamed) {
  std::string doc = kBase;
  doc.erase(0, doc.find('\n') + 1);
  auto p = ParsePolicyYaml(doc);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(ErrorField(p.status()), "version");
  EXPECT_THAT(Msg(p.status()), HasSubstr("version: is required"));
}

TEST(PolicyYamlTest, ABadPeriodNamesTheRule) {
  auto p = ParsePolicyYaml(With("retention_rules:\n  - id: r\n    categories: [user.name]\n    period: 14 moons\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(ErrorField(p.status()), "retention_rules[0].period");
  EXPECT_THAT(Msg(p.status()), StartsWith("line 15, column 13: retention_rules[0].period: '14 moons' is not "
                                          "a period"));
}

TEST(PolicyYamlTest, RetentionRuleIdsMustBeUnique) {
  auto p =
      ParsePolicyYaml(With("retention_rules:\n"
                           "  - {id: r, categories: [user.name], period: 1 year}\n"
                           "  - {id: r, categories: [user.contact], period: 2 years}\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(ErrorField(p.status()), "retention_rules[1].id");
  EXPECT_THAT(Msg(p.status()), StartsWith("line 14, column"));
  EXPECT_THAT(Msg(p.status()), HasSubstr("'r' is used by two rules"));
}

TEST(PolicyYamlTest, ARetentionRuleHasPeriodOrUntilNotBoth) {
  auto both =
      ParsePolicyYaml(With("retention_rules:\n  - id: r\n    categories: [user.name]\n    period: 1 year\n"
                           "    until: {event: account_closure}\n"));
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(ErrorField(both.status()), "retention_rules[0].until");
  auto neither = ParsePolicyYaml(With("retention_rules:\n  - id: r\n    categories: [user.name]\n"));
  ASSERT_FALSE(neither.ok());
  EXPECT_EQ(ErrorField(neither.status()), "retention_rules[0]");
  EXPECT_THAT(Msg(neither.status()), StartsWith("line 13, column 5:"));
}

TEST(PolicyYamlTest, CountriesMustBeIsoAndTransfersLeaveTheEea) {
  auto processor =
      ParsePolicyYaml(With("recipients: [{category: processor}]\n"
                           "processors: [{id: p, name: P, category: processor, country: UK}]\n"));
  ASSERT_FALSE(processor.ok());
  EXPECT_EQ(ErrorField(processor.status()), "processors[0].country");
  EXPECT_THAT(Msg(processor.status()), HasSubstr("'UK' is not an ISO 3166-1 alpha-2 code"));

  auto eea = ParsePolicyYaml(With("transfer_rules:\n  - destinations: [NO]\n    mechanisms: [scc]\n"));
  ASSERT_FALSE(eea.ok());
  EXPECT_EQ(ErrorField(eea.status()), "transfer_rules[0].destinations[0]");
  EXPECT_THAT(Msg(eea.status()), StartsWith("line 13, column 20:"));
  EXPECT_THAT(Msg(eea.status()), HasSubstr("in the EEA"));
}

TEST(PolicyYamlTest, AKeyGivenTwiceIsAnError) {
  auto p = ParsePolicyYaml(With("minimum_age: 18\nminimum_age: 16\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(ErrorField(p.status()), "minimum_age");
  EXPECT_THAT(Msg(p.status()), StartsWith("line 13, column 1: minimum_age: is given twice"));
}

TEST(PolicyYamlTest, TextMustBeUtf8) {
  auto p = ParsePolicyYaml(With("title: \"caf\xe9\"\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(ErrorField(p.status()), "title");
  EXPECT_THAT(Msg(p.status()), HasSubstr("not valid UTF-8"));
  EXPECT_TRUE(ParsePolicyYaml(With("title: \"caf\xc3\xa9\"\n")).ok());
}

TEST(PolicyYamlTest, PurposesOfDeclarationsMustBeDeclared) {
  auto p = ParsePolicyYaml(With("recipients: [{category: business_partner, purposes: [marketing]}]\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(ErrorField(p.status()), "recipients[0].purposes[0]");
  EXPECT_THAT(Msg(p.status()), HasSubstr("not covered by a purpose the policy declares"));
}

TEST(PolicyPeriodTest, ParsesWordsAndIso) {
  EXPECT_EQ(FormatPeriod(*ParsePeriod("1 month")), "1 month");
  EXPECT_EQ(FormatPeriod(*ParsePeriod("2 years, 6 months and 3 days")), "2 years 6 months 3 days");
  EXPECT_EQ(FormatPeriod(*ParsePeriod("30d")), "30 days");
  EXPECT_EQ(FormatPeriod(*ParsePeriod("2 weeks")), "14 days");
  EXPECT_EQ(FormatPeriod(*ParsePeriod("P1Y2M3D")), "1 year 2 months 3 days");
  EXPECT_EQ(FormatPeriod(*ParsePeriod("P2W")), "14 days");
  EXPECT_TRUE(IsZero(*ParsePeriod("0")));
  EXPECT_FALSE(ParsePeriod("14 moons").ok());
  EXPECT_FALSE(ParsePeriod("-1 days").ok());
  EXPECT_FALSE(ParsePeriod("P1D2M").ok());
  EXPECT_THAT(Msg(ParsePeriod("3 m").status()), HasSubstr("ambiguous"));
}

TEST(PolicyPeriodTest, MonthsClampToTheEndOfAShorterMonth) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time jan31 = absl::FromCivil(absl::CivilSecond(2023, 1, 31, 10, 0, 0), utc) + absl::Milliseconds(5);
  EXPECT_EQ(AddPeriod(jan31, Months(1)),
            absl::FromCivil(absl::CivilSecond(2023, 2, 28, 10, 0, 0), utc) + absl::Milliseconds(5));
  const absl::Time leap = absl::FromCivil(absl::CivilSecond(2024, 1, 31, 0, 0, 0), utc);
  EXPECT_EQ(AddPeriod(leap, Months(1)), absl::FromCivil(absl::CivilSecond(2024, 2, 29, 0, 0, 0), utc));
  pdl::v1::Period p = *ParsePeriod("1 year 1 month 1 day");
  EXPECT_EQ(AddPeriod(absl::FromCivil(absl::CivilSecond(2023, 12, 31, 0, 0, 0), utc), p),
            absl::FromCivil(absl::CivilSecond(2025, 2, 1, 0, 0, 0), utc));
  EXPECT_EQ(AddPeriod(absl::InfiniteFuture(), Months(1)), absl::InfiniteFuture());
}

TEST(PolicyDiffTest, NoDifferencesForTheSamePolicyInAnotherOrder) {
  pdl::v1::Policy a = Example();
  pdl::v1::Policy b = a;
  b.mutable_purposes()->SwapElements(0, 1);
  b.mutable_recipients()->SwapElements(0, 2);
  EXPECT_TRUE(DiffPolicies(a, b).empty());
  EXPECT_THAT(FormatDiff(a, b, {}), HasSubstr("no differences"));
}

TEST(PolicyDiffTest, NamesEveryChangedDeclaration) {
  pdl::v1::Policy a = Example();
  pdl::v1::Policy b = a;
  b.set_version("2024-01-01");
  b.mutable_collections(0)->add_categories("user.contact.phone_number");
  b.mutable_purposes()->RemoveLast();
  b.mutable_retention_rules(2)->mutable_period()->set_months(26);
  b.set_minimum_age(16);
  b.mutable_transfer_rules(1)->add_mechanisms(pdl::v1::TRANSFER_MECHANISM_DEROGATION_CONTRACT);
  const auto lines = DiffPolicies(a, b);
  EXPECT_THAT(lines,
              ::testing::Contains(DiffLine{'+', "collections[registration].categories", "user.contact.phone_number"}));
  EXPECT_THAT(lines, ::testing::Contains(::testing::Field(&DiffLine::where, "purposes[third_party_sharing]")));
  EXPECT_THAT(lines, ::testing::Contains(
                         DiffLine{'~', "retention_rules[usage-data].limit", "period 14 months -> period 26 months"}));
  EXPECT_THAT(lines, ::testing::Contains(DiffLine{'~', "minimum_age", "18 -> 16"}));
  EXPECT_THAT(lines, ::testing::Contains(DiffLine{'+', "transfer_rules[*].mechanisms", "derogation_contract"}));
  EXPECT_THAT(FormatDiff(a, b, lines), HasSubstr("+++ policy 2024-01-01"));
}

}  // namespace
}  // namespace pdl::policy
