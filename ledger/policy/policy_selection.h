#ifndef PDL_LEDGER_POLICY_POLICY_SELECTION_H_
#define PDL_LEDGER_POLICY_POLICY_SELECTION_H_

// Which published policy judges an event (DESIGN.md §8): among the policies published before the event's
// recorded_at (published_at < recorded_at), the one with the latest effective_from <= occurred_at; a tie on
// effective_from goes to the later publication (published_at, then offset, then version). The answer depends only
// on the arguments, not on their order, so replays select the same policy. Pure and thread-safe.

#include <span>

#include "absl/time/time.h"
#include "pdl/v1/policy.pb.h"

namespace pdl::policy {

// The selected policy (pointing into `policies`), or null when none qualifies.
const pdl::v1::PublishedPolicy* SelectPolicy(std::span<const pdl::v1::PublishedPolicy> policies, absl::Time occurred_at,
                                             absl::Time recorded_at);

// The policy in force at `now` among all of `policies` (published whenever); null when none is in force yet.
const pdl::v1::PublishedPolicy* PolicyInForce(std::span<const pdl::v1::PublishedPolicy> policies, absl::Time now);

// True when `a` was published before `b` (published_at, then offset, then version): the order of
// ListPolicies.
bool PublishedBefore(const pdl::v1::PublishedPolicy& a, const pdl::v1::PublishedPolicy& b);

}  // namespace pdl::policy

#endif  // PDL_LEDGER_POLICY_POLICY_SELECTION_H_
