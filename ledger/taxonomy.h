#ifndef PDL_LEDGER_TAXONOMY_H_
#define PDL_LEDGER_TAXONOMY_H_

// The built-in taxonomies events are validated against: Fideslang-style data categories ("user.contact.email")
// and data uses / purposes ("essential.service"), the recipient categories of DESIGN.md §2, and the ISO 3166-1
// alpha-2 country codes (officially assigned ones) and the EEA. Immutable tables; thread-safe.

#include <string_view>

namespace pdl::taxonomy {

// True when `key` is a known data-category key.
bool IsKnownCategory(std::string_view key);
// True when `key` is a known purpose (data use) key.
bool IsKnownPurpose(std::string_view key);
// service_provider, processor, affiliate, business_transfer, business_partner, other_users,
// professional_advisor, consented_third_party, public_authority.
bool IsKnownRecipientCategory(std::string_view key);
// Officially assigned ISO 3166-1 alpha-2 code, upper case ("BE", "US"); "XX", "be", "UK" are not.
bool IsIsoCountry(std::string_view code);
// EU27 + IS, LI, NO.
bool IsEea(std::string_view code);
// Syntax of a taxonomy key: lowercase [a-z0-9_] segments separated by single dots.
bool IsWellFormedKey(std::string_view key);

}  // namespace pdl::taxonomy

#endif  // PDL_LEDGER_TAXONOMY_H_
