#ifndef PDL_LEDGER_POLICY_POLICY_VALIDATOR_H_
#define PDL_LEDGER_POLICY_POLICY_VALIDATOR_H_

// Validation of a policy document before it is published (ledgerctl, AdminService.PublishPolicy) and when it is
// read back from pdl.policies.v1. Pure and thread-safe.

#include "absl/status/status.h"
#include "pdl/v1/policy.pb.h"

namespace pdl::policy {

inline constexpr int kMaxVersionLength = 64;

// OK, or INVALID_ARGUMENT naming the first offending field (ledger/field_error.h; proto field names joined by
// dots, repeated fields indexed: "retention_rules[2].categories[0]"), checked in this order:
//  - version: required, [A-Za-z0-9._-]{1,64}
//  - effective_from: required, a valid Timestamp
//  - controller.name required; controller.country, if set, ISO 3166-1 alpha-2
//  - legal_bases: at least one, each a defined value other than UNSPECIFIED, no repeats
//  - purposes: at least one; key a known purpose, no repeats; legal_bases among the policy's legal_bases
//  - collections: at least one; method set; categories non-empty, known, no repeats; purposes declared
//  - recipients: category a known recipient category, no repeats; categories overlapping (covering or covered by) a
//    collected category; purposes declared
//  - processors: id and name required, ids unique; category declared in recipients; country required, ISO
//  - transfer_rules: destinations non-empty, each ISO or "*", outside the EEA, named by one rule only;
//    mechanisms non-empty, defined, not UNSPECIFIED, no repeats
//  - retention_rules: id [a-z0-9_-]{1,64}, unique; categories non-empty, each overlapping a collected category;
//    purposes declared; exactly one of period (non-zero) and until (event set); periods >= 0
//  - retention_grace >= 0; minimum_age in [0, 120]
//  - rights: offered defined, not UNSPECIFIED, no repeats; response_deadline non-zero when any right is offered
// Reasons quote the offending keys and codes.
[[nodiscard]] absl::Status ValidatePolicy(const pdl::v1::Policy& policy);

}  // namespace pdl::policy

#endif  // PDL_LEDGER_POLICY_POLICY_VALIDATOR_H_
