#include "ledger/taxonomy.h"

#include <set>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace pdl::taxonomy {
namespace {

// Keys of Fideslang's default taxonomy that the ledger must know; the seed policy (DESIGN.md §2) uses several.
constexpr std::string_view kKnownCategories[] = {
    "system",
    "system.authentication",
    "system.operations",
    "user",
    "user.account",
    "user.account.settings",
    "user.account.username",
    "user.authorization",
    "user.authorization.credentials",
    "user.authorization.password",
    "user.authorization.biometric",
    "user.behavior",
    "user.behavior.browsing_history",
    "user.behavior.media_consumption",
    "user.behavior.purchase_history",
    "user.behavior.search_history",
    "user.biometric",
    "user.biometric.fingerprint",
    "user.biometric.retinal",
    "user.biometric.voice",
    "user.biometric.health",
    "user.childrens",
    "user.contact",
    "user.contact.address",
    "user.contact.address.city",
    "user.contact.address.country",
    "user.contact.address.postal_code",
    "user.contact.address.state",
    "user.contact.address.street",
    "user.contact.email",
    "user.contact.fax_number",
    "user.contact.phone_number",
    "user.contact.url",
    "user.content",
    "user.content.private",
    "user.content.public",
    "user.content.self_image",
    "user.criminal_history",
    "user.demographic",
    "user.demographic.age_range",
    "user.demographic.date_of_birth",
    "user.demographic.gender",
    "user.demographic.language",
    "user.demographic.marital_status",
    "user.demographic.political_opinion",
    "user.demographic.profile",
    "user.demographic.race_ethnicity",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
    "user.device",
    "user.device.cookie",
    "user.device.cookie_id",
    "user.device.device_id",
    "user.device.ip_address",
    "user.device.telemetry",
    "user.financial",
    "user.financial.bank_account",
    "user.financial.credit_card",
    "user.government_id",
    "user.government_id.passport_number",
    "user.government_id.national_identification_number",
    "user.health_and_medical",
    "user.location",
    "user.location.imprecise",
    "user.location.precise",
    "user.name",
    "user.name.first",
    "user.name.last",
    "user.payment",
    "user.privacy_preferences",
    "user.sensor",
    "user.social",
    "user.telemetry",
    "user.unique_id",
    "user.unique_id.pseudonymous",
    "user.workplace",
    "user.job_title",
    // Added by Fideslang 3.2 as successors of deprecated v2 keys.
    "user.children",
    "user.health",
    "user.biometrics",
    "user.location.coarse",
    "user.contact.social_url",
};

constexpr std::string_view kUnknownCategories[] = {
    "",
    "data_category",         // the root of Fideslang's tree is not a category itself
    "user.contact.fax",      // the key is user.contact.fax_number
    "user.profile_picture",  // not in Fideslang: a picture is user.content.self_image
    "user.name.middle",
    "user.contact.",
    ".user",
    "user..name",
    "User.name",
    "user.contact.email ",
    " user.contact.email",
    "user/contact/email",
    "user.contact.emails",
    "user.contac",
    "essential.service",  // a purpose, not a category
};

constexpr std::string_view kKnownPurposes[] = {
    "analytics",
    "analytics.reporting",
    "analytics.reporting.ad_performance",
    "analytics.reporting.campaign_insights",
    "analytics.reporting.content_performance",
    "analytics.reporting.system",
    "analytics.reporting.system.performance",
    "collect",
    "employment",
    "employment.recruitment",
    "essential",
    "essential.fraud_detection",
    "essential.legal_obligation",
    "essential.service",
    "essential.service.authentication",
    "essential.service.notifications",
    "essential.service.notifications.email",
    "essential.service.notifications.sms",
    "essential.service.operations",
    "essential.service.operations.support",
    "essential.service.operations.improve",
    "essential.service.payment_processing",
    "essential.service.security",
    "essential.service.upgrades",
    "finance",
    "functional",
    "functional.service",
    "functional.service.improve",
    "functional.storage",
    "functional.storage.privacy_preferences",
    "marketing",
    "marketing.advertising",
    "marketing.advertising.first_party",
    "marketing.advertising.first_party.contextual",
    "marketing.advertising.first_party.targeted",
    "marketing.advertising.frequency_capping",
    "marketing.advertising.negative_targeting",
    "marketing.advertising.profiling",
    "marketing.advertising.serving",
    "marketing.advertising.third_party",
    "marketing.advertising.third_party.targeted",
    "marketing.communications",
    "marketing.communications.email",
    "marketing.communications.sms",
    "operations",
    "personalize",
    "personalize.content",
    "personalize.content.limited",
    "personalize.content.profiled",
    "personalize.content.profiling",
    "personalize.profiling",
    "personalize.system",
    "sales",
    "third_party_sharing",
    "third_party_sharing.legal_obligation",
    "train_ai_system",
};

constexpr std::string_view kUnknownPurposes[] = {
    "",
    "data_use",
    "account_management",
    "essential.services",
    "essential.service.",
    "Essential",
    "marketing.communications.push",
    "analytics.reporting.system.load",
    "user.contact.email",
    "third-party-sharing",
};

constexpr std::string_view kRecipientCategories[] = {
    "service_provider",     "processor",        "affiliate",
    "business_transfer",    "business_partner", "other_users",
    "professional_advisor", "public_authority", "consented_third_party",
};

// The 27 EU member states and the three other EEA members, written independently of the implementation's table.
const std::set<std::string> kEeaOracle = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR",
                                          "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
                                          "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"};

TEST(TaxonomyCategoryTest, KnowsFideslangCategories) {
  for (std::string_view key : kKnownCategories) EXPECT_TRUE(IsKnownCategory(key)) << key;
}

TEST(TaxonomyCategoryTest, RejectsEverythingElse) {
  for (std::string_view key : kUnknownCategories) EXPECT_FALSE(IsKnownCategory(key)) << "'" << key << "'";
}

TEST(TaxonomyCategoryTest, ParentOfEveryKnownCategoryIsKnown) {
  for (std::string_view key : kKnownCategories) {
    const size_t dot = key.rfind('.');
    if (dot != std::string_view::npos) {
      EXPECT_TRUE(IsKnownCategory(key.substr(0, dot))) << key;
    }
  }
}

TEST(TaxonomyPurposeTest, KnowsFideslangDataUses) {
  for (std::string_view key : kKnownPurposes) EXPECT_TRUE(IsKnownPurpose(key)) << key;
}

TEST(TaxonomyPurposeTest, RejectsEverythingElse) {
  for (std::string_view key : kUnknownPurposes) EXPECT_FALSE(IsKnownPurpose(key)) << "'" << key << "'";
}

TEST(TaxonomyPurposeTest, CategoriesAndPurposesAreSeparateTaxonomies) {
  EXPECT_FALSE(IsKnownPurpose("user.contact.email"));
  EXPECT_FALSE(IsKnownCategory("analytics"));
  EXPECT_FALSE(IsKnownPurpose("service_provider"));
  EXPECT_FALSE(IsKnownRecipientCategory("essential.service"));
}

TEST(TaxonomyRecipientTest, KnowsTheNineRecipientCategories) {
  for (std::string_view key : kRecipientCategories) EXPECT_TRUE(IsKnownRecipientCategory(key)) << key;
}

TEST(TaxonomyRecipientTest, RejectsOthers) {
  for (std::string_view key : {"", "vendor", "Processor", "processors", "service-provider", "google", "user"}) {
    EXPECT_FALSE(IsKnownRecipientCategory(key)) << "'" << key << "'";
  }
}

TEST(TaxonomyCountryTest, ExactlyTheOfficiallyAssignedCodes) {
  int assigned = 0;
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      const std::string code = {a, b};
      if (IsIsoCountry(code)) ++assigned;
      // User-assigned ranges of ISO 3166-1 are never officially assigned.
      if (code == "AA" || code == "ZZ" || a == 'X' || (a == 'Q' && b >= 'M')) {
        EXPECT_FALSE(IsIsoCountry(code)) << code;
      }
    }
  }
  EXPECT_EQ(assigned, 249);
}

TEST(TaxonomyCountryTest, AcceptsAssignedCodes) {
  for (std::string_view code : {"BE", "GB", "US", "DE", "GR", "IE", "CH", "NO", "AX", "BQ", "CW", "SX", "SS",
                                "AQ", "BV", "HM", "UM", "PS", "TW", "EH", "ME", "RS", "TL", "ZW", "AD"}) {
    EXPECT_TRUE(IsIsoCountry(code)) << code;
  }
}

TEST(TaxonomyCountryTest, RejectsReservedUserAssignedDeletedAndMalformedCodes) {
  for (std::string_view code : {"UK", "EL", "EU", "UN", "XK", "XX", "ZZ", "AA",  "QZ",  "AN", "YU",  "CS",
                                "TP", "FX", "be", "Be", "bE", "",   "B",  "BEL", "USA", "B1", " BE", "BE "}) {
    EXPECT_FALSE(IsIsoCountry(code)) << "'" << code << "'";
  }
  EXPECT_FALSE(IsIsoCountry(std::string_view("BE\0", 3)));
}

TEST(TaxonomyEeaTest, ExactlyEu27PlusIcelandLiechtensteinNorway) {
  std::set<std::string> eea;
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      const std::string code = {a, b};
      if (IsEea(code)) eea.insert(code);
    }
  }
  EXPECT_EQ(eea, kEeaOracle);
  for (const std::string& code : kEeaOracle) EXPECT_TRUE(IsIsoCountry(code)) << code;
}

TEST(TaxonomyEeaTest, OutsideTheEea) {
  for (std::string_view code : {"CH", "GB", "US", "TR", "AD", "MC", "SM", "VA", "EL", "EU", "be", ""}) {
    EXPECT_FALSE(IsEea(code)) << "'" << code << "'";
  }
}

TEST(TaxonomyKeySyntaxTest, WellFormedKeys) {
  for (std::string_view key : {"user", "user.contact.email", "train_ai_system", "a1.b_2.c", "x"}) {
    EXPECT_TRUE(IsWellFormedKey(key)) << key;
  }
  for (std::string_view key : kKnownCategories) EXPECT_TRUE(IsWellFormedKey(key)) << key;
  for (std::string_view key : kKnownPurposes) EXPECT_TRUE(IsWellFormedKey(key)) << key;
  for (std::string_view key : kRecipientCategories) EXPECT_TRUE(IsWellFormedKey(key)) << key;
}

TEST(TaxonomyKeySyntaxTest, MalformedKeys) {
  for (std::string_view key : {"", ".", ".user", "user.", "user..email", "User", "user.Email", "user-name", "user name",
                               "user.contact.email ", "user/contact", "user.\xc3\xa9"}) {
    EXPECT_FALSE(IsWellFormedKey(key)) << "'" << key << "'";
  }
  EXPECT_FALSE(IsWellFormedKey(std::string_view("user\0", 5)));
}

}  // namespace
}  // namespace pdl::taxonomy
