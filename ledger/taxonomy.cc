#include "ledger/taxonomy.h"

#include <algorithm>
#include <array>
#include <functional>
#include <string_view>

namespace pdl::taxonomy {
namespace {

// Each table is sorted and free of duplicates (checked at compile time below), so lookups are binary searches over
// static storage: nothing is built at run time.

// The default data categories of Fideslang v2 (fideslang 2.x, including the keys that fideslang 3.2 deprecated
// but still accepts) plus the keys fideslang 3.2 added as their replacements, so that publishers on either
// release validate. Keys are verbatim, including upstream spellings such as "user.health.symptons".
constexpr auto kDataCategories = std::to_array<std::string_view>({
    "system",
    "system.authentication",
    "system.operations",
    "user",
    "user.account",
    "user.account.settings",
    "user.account.username",
    "user.authorization",
    "user.authorization.biometric",
    "user.authorization.biometrics",
    "user.authorization.credentials",
    "user.authorization.password",
    "user.behavior",
    "user.behavior.browsing_history",
    "user.behavior.media_consumption",
    "user.behavior.purchase_history",
    "user.behavior.search_history",
    "user.biometric",
    "user.biometric.fingerprint",
    "user.biometric.health",
    "user.biometric.retinal",
    "user.biometric.voice",
    "user.biometrics",
    "user.biometrics.fingerprint",
    "user.biometrics.retinal",
    "user.biometrics.voice",
    "user.children",
    "user.children.children_under_thirteen",
    "user.children.thirteen_to_sixteen",
    "user.childrens",
    "user.contact",
    "user.contact.address",
    "user.contact.address.city",
    "user.contact.address.country",
    "user.contact.address.mailing_address",
    "user.contact.address.postal_code",
    "user.contact.address.state",
    "user.contact.address.street",
    "user.contact.email",
    "user.contact.fax_number",
    "user.contact.organization",
    "user.contact.phone_number",
    "user.contact.social_url",
    "user.contact.url",
    "user.content",
    "user.content.private",
    "user.content.public",
    "user.content.self_image",
    "user.criminal_history",
    "user.demographic",
    "user.demographic.age_range",
    "user.demographic.citizenship_or_immigration_status",
    "user.demographic.date_of_birth",
    "user.demographic.gender",
    "user.demographic.language",
    "user.demographic.marital_status",
    "user.demographic.philosophical_belief",
    "user.demographic.political_opinion",
    "user.demographic.profile",
    "user.demographic.protected_classifications",
    "user.demographic.race_ethnicity",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
    "user.demographic.union_membership",
    "user.device",
    "user.device.cookie",
    "user.device.cookie_id",
    "user.device.device_id",
    "user.device.ip_address",
    "user.device.sensor",
    "user.device.telemetry",
    "user.financial",
    "user.financial.bank_account",
    "user.financial.credit_card",
    "user.government_id",
    "user.government_id.birth_certificate",
    "user.government_id.drivers_license_number",
    "user.government_id.immigration",
    "user.government_id.national_identification_number",
    "user.government_id.passport_number",
    "user.government_id.vehicle_registration",
    "user.health",
    "user.health.baby_formula",
    "user.health.condition",
    "user.health.genetic",
    "user.health.insurance_beneficiary_id",
    "user.health.maternity_clothing",
    "user.health.medical_diagnosis",
    "user.health.medications",
    "user.health.prescriptions",
    "user.health.record_id",
    "user.health.reproductive_or_sexual",
    "user.health.social_psychological_behavioral",
    "user.health.symptons",
    "user.health.treatment",
    "user.health_and_medical",
    "user.health_and_medical.genetic",
    "user.health_and_medical.insurance_beneficiary_id",
    "user.health_and_medical.record_id",
    "user.job_title",
    "user.location",
    "user.location.coarse",
    "user.location.imprecise",
    "user.location.precise",
    "user.name",
    "user.name.first",
    "user.name.last",
    "user.payment",
    "user.privacy_preferences",
    "user.professional_information",
    "user.professional_information.job_title",
    "user.professional_information.workplace",
    "user.sensor",
    "user.settings",
    "user.social",
    "user.social_activity",
    "user.telemetry",
    "user.unique_id",
    "user.unique_id.deterministic",
    "user.unique_id.probablistic",
    "user.unique_id.pseudonymous",
    "user.user_sensor",
    "user.workplace",
});

// The default data uses of Fideslang v2 (fideslang 2.0 and 2.1), used as purposes.
constexpr auto kDataUses = std::to_array<std::string_view>({
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
    "essential.service.operations.improve",
    "essential.service.operations.support",
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
});

// The recipient categories of DESIGN.md §2 (who a privacy policy says it shares with).
constexpr auto kRecipientCategories = std::to_array<std::string_view>({
    "affiliate",
    "business_partner",
    "business_transfer",
    "consented_third_party",
    "other_users",
    "processor",
    "professional_advisor",
    "public_authority",
    "service_provider",
});

// ISO 3166-1 alpha-2: the 249 officially assigned codes. Exceptionally or transitionally reserved codes (UK, EU,
// EL, ...) and user-assigned ones (XK, XX, AA, QM-QZ, ZZ) are deliberately absent.
constexpr auto kIsoCountries = std::to_array<std::string_view>({
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB",
    "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY",
    "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX",
    "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK",
    "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
    "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR",
    "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA",
    "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE",
    "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG",
    "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF",
    "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY",
    "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
});

// The European Economic Area: the 27 EU member states plus Iceland, Liechtenstein and Norway. Greece is GR
// (ISO), not EL (the EU's own abbreviation).
constexpr auto kEea = std::to_array<std::string_view>({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
});

template <size_t N>
constexpr bool Contains(const std::array<std::string_view, N>& table, std::string_view key) {
  return std::binary_search(table.begin(), table.end(), key);
}

template <size_t N>
constexpr bool SortedAndUnique(const std::array<std::string_view, N>& table) {
  return std::adjacent_find(table.begin(), table.end(), std::greater_equal<>()) == table.end();
}

constexpr bool IsKeyChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

constexpr bool WellFormedKey(std::string_view key) {
  if (key.empty() || key.front() == '.' || key.back() == '.') return false;
  char previous = '\0';
  for (char c : key) {
    if (c == '.' ? previous == '.' : !IsKeyChar(c)) return false;
    previous = c;
  }
  return true;
}

// Every key is well formed and its parent (the key without its last segment) is in the same table, so the
// taxonomy is a forest.
template <size_t N>
constexpr bool IsClosedForest(const std::array<std::string_view, N>& table) {
  for (std::string_view key : table) {
    if (!WellFormedKey(key)) return false;
    const size_t dot = key.rfind('.');
    if (dot != std::string_view::npos && !Contains(table, key.substr(0, dot))) return false;
  }
  return true;
}

constexpr bool IsCountryCode(std::string_view code) {
  return code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

template <size_t N>
constexpr bool AllCountryCodes(const std::array<std::string_view, N>& table) {
  return std::all_of(table.begin(), table.end(), IsCountryCode);
}

constexpr bool EeaIsIso() {
  return std::all_of(kEea.begin(), kEea.end(), [](std::string_view code) { return Contains(kIsoCountries, code); });
}

static_assert(SortedAndUnique(kDataCategories) && IsClosedForest(kDataCategories));
static_assert(SortedAndUnique(kDataUses) && IsClosedForest(kDataUses));
static_assert(SortedAndUnique(kRecipientCategories) && IsClosedForest(kRecipientCategories));
static_assert(kIsoCountries.size() == 249 && SortedAndUnique(kIsoCountries) && AllCountryCodes(kIsoCountries));
static_assert(kEea.size() == 30 && SortedAndUnique(kEea) && EeaIsIso());

}  // namespace

bool IsKnownCategory(std::string_view key) { return Contains(kDataCategories, key); }

bool IsKnownPurpose(std::string_view key) { return Contains(kDataUses, key); }

bool IsKnownRecipientCategory(std::string_view key) { return Contains(kRecipientCategories, key); }

bool IsIsoCountry(std::string_view code) { return Contains(kIsoCountries, code); }

bool IsEea(std::string_view code) { return Contains(kEea, code); }

bool IsWellFormedKey(std::string_view key) { return WellFormedKey(key); }

}  // namespace pdl::taxonomy
