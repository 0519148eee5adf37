#ifndef PDL_LEDGER_POLICY_DECLARATIONS_H_
#define PDL_LEDGER_POLICY_DECLARATIONS_H_

// Questions about what a policy declares, shared by the evaluator, the validator, the retention helpers and the
// read models. Taxonomy keys are hierarchical: a declared key covers itself and its descendants. Pure and
// thread-safe; returned pointers point into the policy passed in.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pdl/v1/policy.pb.h"

namespace pdl::policy {

// True when `declared` is `key` or one of its ancestors ("user.contact" covers "user.contact.email", not
// "user.contactless").
bool KeyCovers(std::string_view declared, std::string_view key);

// True when some key of `declared` covers `key`.
template <typename Keys>
bool AnyCovers(const Keys& declared, std::string_view key) {
  for (const auto& d : declared) {
    if (KeyCovers(d, key)) return true;
  }
  return false;
}

// Declared by any collection declaration.
bool CategoryDeclared(const pdl::v1::Policy& policy, std::string_view category);
// Declared by a collection declaration of `method`.
bool CategoryDeclaredFor(const pdl::v1::Policy& policy, pdl::v1::CollectionMethod method, std::string_view category);
bool PurposeDeclared(const pdl::v1::Policy& policy, std::string_view purpose);
// The purpose declaration that covers `purpose` most specifically (the longest key), or null.
const pdl::v1::PurposeDeclaration* FindPurpose(const pdl::v1::Policy& policy, std::string_view purpose);
bool LegalBasisDeclared(const pdl::v1::Policy& policy, pdl::v1::LegalBasis basis);
const pdl::v1::RecipientDeclaration* FindRecipient(const pdl::v1::Policy& policy, std::string_view category);
// The named processor with this id, or else with this name (ids and names compare exactly); null when none.
const pdl::v1::Processor* FindProcessor(const pdl::v1::Policy& policy, std::string_view id, std::string_view name);

// The transfer rule that governs `country` (outside the EEA): the rule naming it, else the "*" rule; null when
// none does.
const pdl::v1::TransferRule* FindTransferRule(const pdl::v1::Policy& policy, std::string_view country);

const pdl::v1::RetentionRule* FindRetentionRule(const pdl::v1::Policy& policy, std::string_view id);
// The first rule (in policy order) whose categories cover `category` and whose purposes are empty or cover one of
// `purposes`; null when none.
const pdl::v1::RetentionRule* MatchRetentionRule(const pdl::v1::Policy& policy, std::string_view category,
                                                 std::span<const std::string> purposes);
const pdl::v1::RetentionRule* MatchRetentionRule(const pdl::v1::Policy& policy, std::string_view category,
                                                 const google::protobuf::RepeatedPtrField<std::string>& purposes);

// Short lowercase name of an enum value as written in policies and findings: LEGAL_BASIS_CONSENT -> "consent".
std::string EnumName(const google::protobuf::EnumDescriptor* type, int value);
std::string LegalBasisName(pdl::v1::LegalBasis basis);
std::string MechanismName(pdl::v1::TransferMechanism mechanism);
std::string MethodName(pdl::v1::CollectionMethod method);
std::string RightName(pdl::v1::SubjectRight right);

}  // namespace pdl::policy

#endif  // PDL_LEDGER_POLICY_DECLARATIONS_H_
