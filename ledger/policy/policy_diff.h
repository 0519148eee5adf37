#ifndef PDL_LEDGER_POLICY_POLICY_DIFF_H_
#define PDL_LEDGER_POLICY_POLICY_DIFF_H_

// What changed between two policy versions, declaration by declaration, for `ledgerctl policy diff`. Lists are
// compared as sets keyed by what identifies an entry (a purpose by its key, a collection by method and consent
// scope, a recipient by category, a processor by id, a transfer rule by destination, a retention rule by id), so
// reordering a document is no change. Pure and thread-safe.

#include <string>
#include <vector>

#include "pdl/v1/policy.pb.h"

namespace pdl::policy {

struct DiffLine {
  // '+' declared only in the newer policy, '-' only in the older, '~' changed.
  char op = '~';
  // Where in the policy, e.g. "collections[registration].categories" or "retention_rules[usage-data].limit".
  std::string where;
  // The value added or removed, or "old -> new".
  std::string text;

  bool operator==(const DiffLine&) const = default;
};

// The differences from `from` to `to`, in the order of the policy's fields.
std::vector<DiffLine> DiffPolicies(const pdl::v1::Policy& from, const pdl::v1::Policy& to);

// A readable listing: a "--- from" / "+++ to" header and one line per difference ("no differences" when none).
std::string FormatDiff(const pdl::v1::Policy& from, const pdl::v1::Policy& to, const std::vector<DiffLine>& lines);

}  // namespace pdl::policy

#endif  // PDL_LEDGER_POLICY_POLICY_DIFF_H_
