// Policy documents come from operators' files and policy records from any Kafka client: reading arbitrary bytes as
// YAML or as a pdl.v1.Policy must never crash, fails only with INVALID_ARGUMENT, and a document that reads writes
// back to one that reads the same.

#include <cstdlib>
#include <string>
#include <vector>

#include "ledger/policy/policy_validator.h"
#include "ledger/policy/policy_yaml.h"
#include "tests/fuzz/fuzz_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = pdl::policy::ParsePolicyYaml(text);
  if (!policy.ok() && policy.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
  if (policy.ok()) {
    if (!pdl::policy::ValidatePolicy(*policy).ok()) std::abort();
    auto again = pdl::policy::ParsePolicyYaml(pdl::policy::PolicyToYaml(*policy));
    if (!again.ok() || again->SerializeAsString() != policy->SerializeAsString()) std::abort();
  }
  pdl::v1::Policy record;
  if (record.ParseFromArray(data, static_cast<int>(size))) {
    const absl::Status valid = pdl::policy::ValidatePolicy(record);
    if (!valid.ok() && valid.code() != absl::StatusCode::kInvalidArgument) std::abort();
  }
  return 0;
}

std::vector<std::string> PdlFuzzSeeds() {
  return {
      "version: v1\neffective_from: 2023-05-08\ncontroller: {name: C}\nlegal_bases: [contract]\n"
      "purposes: [{key: essential.service}]\n"
      "collections: [{method: registration, categories: [user.name], purposes: [essential.service]}]\n"
      "retention_rules: [{id: r, categories: [user], period: 1 month}]\n"
      "transfer_rules: [{destinations: [\"*\"], mechanisms: [scc]}]\nrights: {offered: [access], "
      "response_deadline: P1M}\n",
      "{\"version\": \"j\", \"legalBases\": [\"LEGAL_BASIS_CONSENT\"]}",
      "a: [b, {c: d}]\n- e\n",
      "&a [*a]",
  };
}
