#include "ledger/event_validator.h"
#include "ledger/policy/policy_validator.h"

#include <set>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "ledger/field_error.h"
#include "ledger/policy/declarations.h"
#include "ledger/policy/period.h"
#include "ledger/sv.h"
#include "ledger/taxonomy.h"

namespace pdl::policy {
namespace {

using pdl::v1::Policy;

std::string At(std::string_view base, int index) { return absl::StrCat(Sv(base), "[", index, "]"); }
std::string Dot(std::string_view base, std::string_view field) { return absl::StrCat(Sv(base), ".", Sv(field)); }

// 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, as google.protobuf.Timestamp requires.
bool ValidTimestamp(const google::protobuf::Timestamp& ts) { return CheckTimestamp("", ts).ok(); }

bool VersionChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool RuleIdChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

// Validates a repeated enum: defined values, not UNSPECIFIED, no repeats.
template <typename IsValid>
absl::Status CheckEnums(const google::protobuf::RepeatedField<int>& values, std::string_view field, IsValid is_valid,
                        const google::protobuf::EnumDescriptor* type) {
  std::set<int> seen;
  for (int i = 0; i < values.size(); ++i) {
    const int v = values[i];
    if (!is_valid(v)) return InvalidField(At(field, i), absl::StrCat(v, " is not a defined ", type->name(), " value"));
    if (v == 0) return InvalidField(At(field, i), absl::StrCat("must not be ", type->value(0)->name()));
    if (!seen.insert(v).second) {
      return InvalidField(At(field, i), absl::StrCat("'", EnumName(type, v), "' is listed twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPeriod(const pdl::v1::Period& p, std::string_view field) {
  if (p.years() < 0 || p.months() < 0 || p.days() < 0) {
    return InvalidField(field, "years, months and days must not be negative");
  }
  return absl::OkStatus();
}

// True when `key` covers, or is covered by, a category some collection declares.
bool OverlapsCollected(const Policy& policy, std::string_view key) {
  for (const auto& c : policy.collections()) {
    for (const auto& declared : c.categories()) {
      if (KeyCovers(declared, key) || KeyCovers(key, declared)) return true;
    }
  }
  return false;
}

// Each entry a known category key, no repeats; with `must_be_collected`, overlapping a collected category.
absl::Status CheckCategories(const Policy& policy, const google::protobuf::RepeatedPtrField<std::string>& keys,
                             std::string_view field, bool must_be_collected) {
  std::set<std::string> seen;
  for (int i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[i];
    if (!taxonomy::IsKnownCategory(key)) {
      return InvalidField(At(field, i), absl::StrCat("'", key, "' is not a known data category"));
    }
    if (!seen.insert(key).second) return InvalidField(At(field, i), absl::StrCat("'", key, "' is listed twice"));
    if (must_be_collected && !OverlapsCollected(policy, key)) {
      return InvalidField(At(field, i), absl::StrCat("'", key,
                                                     "' neither covers nor is covered by a category the "
                                                     "collections declare"));
    }
  }
  return absl::OkStatus();
}

// Each entry a known purpose key covered by a declared purpose, no repeats.
absl::Status CheckDeclaredPurposes(const Policy& policy, const google::protobuf::RepeatedPtrField<std::string>& keys,
                                   std::string_view field) {
  std::set<std::string> seen;
  for (int i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[i];
    if (!taxonomy::IsKnownPurpose(key)) {
      return InvalidField(At(field, i), absl::StrCat("'", key, "' is not a known purpose"));
    }
    if (!seen.insert(key).second) return InvalidField(At(field, i), absl::StrCat("'", key, "' is listed twice"));
    if (!PurposeDeclared(policy, key)) {
      return InvalidField(At(field, i), absl::StrCat("'", key, "' is not covered by a purpose the policy declares"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckHeader(const Policy& policy) {
  if (policy.version().empty()) return InvalidField("version", "is required");
  if (policy.version().size() > static_cast<size_t>(kMaxVersionLength)) {
    return InvalidField("version", absl::StrCat("is ", policy.version().size(), " characters; at most ",
                                                kMaxVersionLength, " are allowed"));
  }
  for (char c : policy.version()) {
    if (!VersionChar(c)) {
      return InvalidField("version", "may contain only letters, digits, '.', '_' and '-'");
    }
  }
  if (!policy.has_effective_from()) return InvalidField("effective_from", "is required");
  if (!ValidTimestamp(policy.effective_from())) {
    return InvalidField("effective_from", "is not a valid timestamp (years 0001 to 9999)");
  }
  if (policy.controller().name().empty()) return InvalidField("controller.name", "is required");
  if (!policy.controller().country().empty() && !taxonomy::IsIsoCountry(policy.controller().country())) {
    return InvalidField("controller.country",
                        absl::StrCat("'", policy.controller().country(), "' is not an ISO 3166-1 alpha-2 code"));
  }
  return absl::OkStatus();
}

absl::Status CheckPurposes(const Policy& policy) {
  if (policy.legal_bases().empty()) {
    return InvalidField("legal_bases", "at least one lawful basis (GDPR Art. 6(1)) is required");
  }
  if (absl::Status s = CheckEnums(policy.legal_bases(), "legal_bases", pdl::v1::LegalBasis_IsValid,
                                  pdl::v1::LegalBasis_descriptor());
      !s.ok()) {
    return s;
  }
  if (policy.purposes().empty()) return InvalidField("purposes", "at least one purpose is required");
  std::set<std::string> keys;
  for (int i = 0; i < policy.purposes_size(); ++i) {
    const auto& p = policy.purposes(i);
    const std::string base = At("purposes", i);
    if (!taxonomy::IsKnownPurpose(p.key())) {
      return InvalidField(Dot(base, "key"), absl::StrCat("'", p.key(), "' is not a known purpose"));
    }
    if (!keys.insert(p.key()).second) {
      return InvalidField(Dot(base, "key"), absl::StrCat("'", p.key(), "' is declared twice"));
    }
    const std::string bases = Dot(base, "legal_bases");
    if (absl::Status s =
            CheckEnums(p.legal_bases(), bases, pdl::v1::LegalBasis_IsValid, pdl::v1::LegalBasis_descriptor());
        !s.ok()) {
      return s;
    }
    for (int j = 0; j < p.legal_bases_size(); ++j) {
      const auto basis = static_cast<pdl::v1::LegalBasis>(p.legal_bases(j));
      if (!LegalBasisDeclared(policy, basis)) {
        return InvalidField(At(bases, j),
                            absl::StrCat("'", LegalBasisName(basis), "' is not among the policy's legal_bases"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCollections(const Policy& policy) {
  if (policy.collections().empty()) return InvalidField("collections", "at least one collection is required");
  for (int i = 0; i < policy.collections_size(); ++i) {
    const auto& c = policy.collections(i);
    const std::string base = At("collections", i);
    if (!pdl::v1::CollectionMethod_IsValid(c.method())) {
      return InvalidField(Dot(base, "method"), absl::StrCat(c.method(), " is not a defined collection method"));
    }
    if (c.method() == pdl::v1::COLLECTION_METHOD_UNSPECIFIED) return InvalidField(Dot(base, "method"), "is required");
    if (c.categories().empty()) return InvalidField(Dot(base, "categories"), "at least one category is required");
    if (absl::Status s = CheckCategories(policy, c.categories(), Dot(base, "categories"), false); !s.ok()) return s;
    if (absl::Status s = CheckDeclaredPurposes(policy, c.purposes(), Dot(base, "purposes")); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CheckRecipients(const Policy& policy) {
  std::set<std::string> seen;
  for (int i = 0; i < policy.recipients_size(); ++i) {
    const auto& r = policy.recipients(i);
    const std::string base = At("recipients", i);
    if (!taxonomy::IsKnownRecipientCategory(r.category())) {
      return InvalidField(Dot(base, "category"),
                          absl::StrCat("'", r.category(),
                                       "' is not a recipient category (service_provider, processor, affiliate, "
                                       "business_transfer, business_partner, other_users, professional_advisor, "
                                       "consented_third_party, public_authority)"));
    }
    if (!seen.insert(r.category()).second) {
      return InvalidField(Dot(base, "category"), absl::StrCat("'", r.category(), "' is declared twice"));
    }
    if (absl::Status s = CheckCategories(policy, r.categories(), Dot(base, "categories"), true); !s.ok()) return s;
    if (absl::Status s = CheckDeclaredPurposes(policy, r.purposes(), Dot(base, "purposes")); !s.ok()) return s;
  }
  std::set<std::string> ids;
  for (int i = 0; i < policy.processors_size(); ++i) {
    const auto& p = policy.processors(i);
    const std::string base = At("processors", i);
    if (p.id().empty()) return InvalidField(Dot(base, "id"), "is required");
    if (!ids.insert(p.id()).second) return InvalidField(Dot(base, "id"), absl::StrCat("'", p.id(), "' is used twice"));
    if (p.name().empty()) return InvalidField(Dot(base, "name"), "is required");
    if (FindRecipient(policy, p.category()) == nullptr) {
      return InvalidField(Dot(base, "category"),
                          absl::StrCat("'", p.category(), "' is not a recipient category the policy declares"));
    }
    if (p.country().empty()) return InvalidField(Dot(base, "country"), "is required");
    if (!taxonomy::IsIsoCountry(p.country())) {
      return InvalidField(Dot(base, "country"), absl::StrCat("'", p.country(), "' is not an ISO 3166-1 alpha-2 code"));
    }
    if (absl::Status s = CheckDeclaredPurposes(policy, p.purposes(), Dot(base, "purposes")); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CheckTransfers(const Policy& policy) {
  std::set<std::string> named;
  for (int i = 0; i < policy.transfer_rules_size(); ++i) {
    const auto& rule = policy.transfer_rules(i);
    const std::string base = At("transfer_rules", i);
    const std::string destinations = Dot(base, "destinations");
    if (rule.destinations().empty()) return InvalidField(destinations, "at least one destination is required");
    for (int j = 0; j < rule.destinations_size(); ++j) {
      const std::string& d = rule.destinations(j);
      if (d != "*" && !taxonomy::IsIsoCountry(d)) {
        return InvalidField(At(destinations, j),
                            absl::StrCat("'", d, "' is not an ISO 3166-1 alpha-2 code (or \"*\" for any other)"));
      }
      if (taxonomy::IsEea(d)) {
        return InvalidField(At(destinations, j),
                            absl::StrCat("'", d, "' is in the EEA; transfers within the EEA need no mechanism"));
      }
      if (!named.insert(d).second) {
        return InvalidField(At(destinations, j), absl::StrCat("'", d, "' is governed by more than one rule"));
      }
    }
    const std::string mechanisms = Dot(base, "mechanisms");
    if (rule.mechanisms().empty()) return InvalidField(mechanisms, "at least one mechanism is required");
    if (absl::Status s = CheckEnums(rule.mechanisms(), mechanisms, pdl::v1::TransferMechanism_IsValid,
                                    pdl::v1::TransferMechanism_descriptor());
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRetention(const Policy& policy) {
  std::set<std::string> ids;
  for (int i = 0; i < policy.retention_rules_size(); ++i) {
    const auto& r = policy.retention_rules(i);
    const std::string base = At("retention_rules", i);
    if (r.id().empty()) return InvalidField(Dot(base, "id"), "is required");
    if (r.id().size() > 64) return InvalidField(Dot(base, "id"), "is longer than 64 characters");
    for (char c : r.id()) {
      if (!RuleIdChar(c)) {
        return InvalidField(Dot(base, "id"), "may contain only lowercase letters, digits, '_' and '-'");
      }
    }
    if (!ids.insert(r.id()).second) {
      return InvalidField(Dot(base, "id"), absl::StrCat("'", r.id(), "' is used by two rules"));
    }
    if (r.categories().empty()) return InvalidField(Dot(base, "categories"), "at least one category is required");
    if (absl::Status s = CheckCategories(policy, r.categories(), Dot(base, "categories"), true); !s.ok()) return s;
    if (absl::Status s = CheckDeclaredPurposes(policy, r.purposes(), Dot(base, "purposes")); !s.ok()) return s;
    switch (r.limit_case()) {
      case pdl::v1::RetentionRule::kPeriod:
        if (absl::Status s = CheckPeriod(r.period(), Dot(base, "period")); !s.ok()) return s;
        if (IsZero(r.period())) return InvalidField(Dot(base, "period"), "must be longer than 0 days");
        break;
      case pdl::v1::RetentionRule::kUntil: {
        const std::string until = Dot(base, "until");
        if (!pdl::v1::RetentionEvent_IsValid(r.until().event()) ||
            r.until().event() == pdl::v1::RETENTION_EVENT_UNSPECIFIED) {
          return InvalidField(Dot(until, "event"), "is required (account_closure or consent_withdrawal)");
        }
        if (absl::Status s = CheckPeriod(r.until().plus(), Dot(until, "plus")); !s.ok()) return s;
        break;
      }
      case pdl::v1::RetentionRule::LIMIT_NOT_SET:
        return InvalidField(base, "needs a period (e.g. '14 months') or until (an event plus a period)");
    }
    if (absl::Status s = CheckPeriod(r.grace(), Dot(base, "grace")); !s.ok()) return s;
  }
  if (absl::Status s = CheckPeriod(policy.retention_grace(), "retention_grace"); !s.ok()) return s;
  return absl::OkStatus();
}

absl::Status CheckRights(const Policy& policy) {
  if (policy.minimum_age() < 0 || policy.minimum_age() > 120) {
    return InvalidField("minimum_age", absl::StrCat(policy.minimum_age(), " is not an age in [0, 120]"));
  }
  const auto& rights = policy.rights();
  if (absl::Status s = CheckEnums(rights.offered(), "rights.offered", pdl::v1::SubjectRight_IsValid,
                                  pdl::v1::SubjectRight_descriptor());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckPeriod(rights.response_deadline(), "rights.response_deadline"); !s.ok()) return s;
  if (!rights.offered().empty() && IsZero(rights.response_deadline())) {
    return InvalidField("rights.response_deadline", "is required when rights are offered (GDPR Art. 12(3): one month)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePolicy(const Policy& policy) {
  for (auto check :
       {CheckHeader, CheckPurposes, CheckCollections, CheckRecipients, CheckTransfers, CheckRetention, CheckRights}) {
    if (absl::Status s = check(policy); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace pdl::policy
