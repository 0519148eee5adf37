#ifndef PDL_LEDGER_POLICY_POLICY_YAML_H_
#define PDL_LEDGER_POLICY_POLICY_YAML_H_

// Policies as human-editable YAML (JSON, being YAML, works too), mapped onto pdl.v1.Policy.
//
// The document mirrors the proto: mapping keys are the proto field names (lowerCamel JSON names are accepted too),
// enum values are written as their short lowercase names ("legitimate_interests", "scc", "registration"; the full
// names such as LEGAL_BASIS_CONSENT are accepted), timestamps as RFC 3339 or a plain date (midnight UTC), periods as
// words or ISO 8601 ("1 month", "30 days", "P14M"; see ledger/policy/period.h), repeated fields as sequences.
// Unknown keys, keys given twice, wrong shapes and unknown enum values are errors; so is anything ValidatePolicy
// rejects.
//
// Errors are INVALID_ARGUMENT field errors (ledger/field_error.h: the field path is the payload) whose message
// starts with the position in the document: "line 41, column 13: retention_rules[2].period: '14 moons' is not a
// period; ...". Pure and thread-safe.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "pdl/v1/policy.pb.h"

namespace pdl::policy {

// Parses and validates a policy document.
[[nodiscard]] absl::StatusOr<pdl::v1::Policy> ParsePolicyYaml(std::string_view text);

// The policy as a YAML document that ParsePolicyYaml reads back to an equal message (default values omitted).
std::string PolicyToYaml(const pdl::v1::Policy& policy);

}  // namespace pdl::policy

#endif  // PDL_LEDGER_POLICY_POLICY_YAML_H_
