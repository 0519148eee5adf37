#include "ledger/policy/policy_selection.h"

#include "ledger/event_codec.h"

namespace pdl::policy {
namespace {

const pdl::v1::PublishedPolicy* Select(std::span<const pdl::v1::PublishedPolicy> policies, absl::Time occurred_at,
                                       absl::Time recorded_at, bool any_publication) {
  const pdl::v1::PublishedPolicy* best = nullptr;
  absl::Time best_effective;
  for (const auto& candidate : policies) {
    if (!any_publication && !(ToTime(candidate.published_at()) < recorded_at)) continue;
    const absl::Time effective = ToTime(candidate.policy().effective_from());
    if (effective > occurred_at) continue;
    if (best == nullptr || effective > best_effective ||
        (effective == best_effective && PublishedBefore(*best, candidate))) {
      best = &candidate;
      best_effective = effective;
    }
  }
  return best;
}

}  // namespace

bool PublishedBefore(const pdl::v1::PublishedPolicy& a, const pdl::v1::PublishedPolicy& b) {
  const absl::Time ta = ToTime(a.published_at());
  const absl::Time tb = ToTime(b.published_at());
  if (ta != tb) return ta < tb;
  if (a.offset() != b.offset()) return a.offset() < b.offset();
  return a.policy().version() < b.policy().version();
}

const pdl::v1::PublishedPolicy* SelectPolicy(std::span<const pdl::v1::PublishedPolicy> policies, absl::Time occurred_at,
                                             absl::Time recorded_at) {
  return Select(policies, occurred_at, recorded_at, /*any_publication=*/false);
}

const pdl::v1::PublishedPolicy* PolicyInForce(std::span<const pdl::v1::PublishedPolicy> policies, absl::Time now) {
  return Select(policies, now, absl::InfiniteFuture(), /*any_publication=*/true);
}

}  // namespace pdl::policy
