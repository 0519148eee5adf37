#include "ledger/policy/declarations.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "ledger/sv.h"

namespace pdl::policy {

bool KeyCovers(std::string_view declared, std::string_view key) {
  if (declared.empty()) return false;
  if (key.size() == declared.size()) return key == declared;
  return key.size() > declared.size() && key[declared.size()] == '.' && key.substr(0, declared.size()) == declared;
}

bool CategoryDeclared(const pdl::v1::Policy& policy, std::string_view category) {
  for (const auto& c : policy.collections()) {
    if (AnyCovers(c.categories(), category)) return true;
  }
  return false;
}

bool CategoryDeclaredFor(const pdl::v1::Policy& policy, pdl::v1::CollectionMethod method, std::string_view category) {
  for (const auto& c : policy.collections()) {
    if (c.method() == method && AnyCovers(c.categories(), category)) return true;
  }
  return false;
}

bool PurposeDeclared(const pdl::v1::Policy& policy, std::string_view purpose) {
  return FindPurpose(policy, purpose) != nullptr;
}

const pdl::v1::PurposeDeclaration* FindPurpose(const pdl::v1::Policy& policy, std::string_view purpose) {
  const pdl::v1::PurposeDeclaration* best = nullptr;
  for (const auto& p : policy.purposes()) {
    if (KeyCovers(p.key(), purpose) && (best == nullptr || p.key().size() > best->key().size())) best = &p;
  }
  return best;
}

bool LegalBasisDeclared(const pdl::v1::Policy& policy, pdl::v1::LegalBasis basis) {
  for (int b : policy.legal_bases()) {
    if (b == basis) return true;
  }
  return false;
}

const pdl::v1::RecipientDeclaration* FindRecipient(const pdl::v1::Policy& policy, std::string_view category) {
  for (const auto& r : policy.recipients()) {
    if (r.category() == category) return &r;
  }
  return nullptr;
}

const pdl::v1::Processor* FindProcessor(const pdl::v1::Policy& policy, std::string_view id, std::string_view name) {
  if (!id.empty()) {
    for (const auto& p : policy.processors()) {
      if (p.id() == id) return &p;
    }
  }
  if (!name.empty()) {
    for (const auto& p : policy.processors()) {
      if (p.name() == name) return &p;
    }
  }
  return nullptr;
}

const pdl::v1::TransferRule* FindTransferRule(const pdl::v1::Policy& policy, std::string_view country) {
  const pdl::v1::TransferRule* wildcard = nullptr;
  for (const auto& rule : policy.transfer_rules()) {
    for (const auto& d : rule.destinations()) {
      if (d == country) return &rule;
      if (d == "*" && wildcard == nullptr) wildcard = &rule;
    }
  }
  return wildcard;
}

const pdl::v1::RetentionRule* FindRetentionRule(const pdl::v1::Policy& policy, std::string_view id) {
  for (const auto& r : policy.retention_rules()) {
    if (r.id() == id) return &r;
  }
  return nullptr;
}

namespace {

template <typename Purposes>
const pdl::v1::RetentionRule* Match(const pdl::v1::Policy& policy, std::string_view category,
                                    const Purposes& purposes) {
  for (const auto& r : policy.retention_rules()) {
    if (!AnyCovers(r.categories(), category)) continue;
    if (r.purposes().empty()) return &r;
    for (const auto& p : purposes) {
      if (AnyCovers(r.purposes(), p)) return &r;
    }
  }
  return nullptr;
}

}  // namespace

const pdl::v1::RetentionRule* MatchRetentionRule(const pdl::v1::Policy& policy, std::string_view category,
                                                 std::span<const std::string> purposes) {
  return Match(policy, category, purposes);
}

const pdl::v1::RetentionRule* MatchRetentionRule(const pdl::v1::Policy& policy, std::string_view category,
                                                 const google::protobuf::RepeatedPtrField<std::string>& purposes) {
  return Match(policy, category, purposes);
}

std::string EnumName(const google::protobuf::EnumDescriptor* type, int value) {
  const google::protobuf::EnumValueDescriptor* v = type->FindValueByNumber(value);
  if (v == nullptr) return absl::StrCat(value);
  std::string prefix = type->value(0)->name();
  if (absl::EndsWith(prefix, "UNSPECIFIED")) prefix.resize(prefix.size() - std::string_view("UNSPECIFIED").size());
  absl::string_view name = v->name();
  absl::ConsumePrefix(&name, prefix);
  return absl::AsciiStrToLower(name);
}

std::string LegalBasisName(pdl::v1::LegalBasis basis) { return EnumName(pdl::v1::LegalBasis_descriptor(), basis); }

std::string MechanismName(pdl::v1::TransferMechanism mechanism) {
  return EnumName(pdl::v1::TransferMechanism_descriptor(), mechanism);
}

std::string MethodName(pdl::v1::CollectionMethod method) {
  return EnumName(pdl::v1::CollectionMethod_descriptor(), method);
}

std::string RightName(pdl::v1::SubjectRight right) { return EnumName(pdl::v1::SubjectRight_descriptor(), right); }

}  // namespace pdl::policy
