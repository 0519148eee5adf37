// The policy-selection rule of DESIGN.md §8 and its edges.

#include "ledger/policy/policy_selection.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/event_codec.h"

namespace pdl::policy {
namespace {

const absl::Time kT0 = absl::FromCivil(absl::CivilDay(2023, 5, 8), absl::UTCTimeZone());

pdl::v1::PublishedPolicy Published(std::string version, absl::Time effective_from, absl::Time published_at,
                                   int64_t offset) {
  pdl::v1::PublishedPolicy p;
  p.mutable_policy()->set_version(std::move(version));
  SetTimestamp(p.mutable_policy()->mutable_effective_from(), effective_from);
  SetTimestamp(p.mutable_published_at(), published_at);
  p.set_offset(offset);
  return p;
}

std::string Selected(const std::vector<pdl::v1::PublishedPolicy>& policies, absl::Time occurred, absl::Time recorded) {
  const pdl::v1::PublishedPolicy* p = SelectPolicy(policies, occurred, recorded);
  return p == nullptr ? "(none)" : p->policy().version();
}

TEST(PolicySelectionTest, NoPolicyNoSelection) {
  EXPECT_EQ(Selected({}, kT0, kT0), "(none)");
  EXPECT_EQ(PolicyInForce({}, kT0), nullptr);
}

TEST(PolicySelectionTest, EffectiveFromIsInclusive) {
  const std::vector<pdl::v1::PublishedPolicy> policies = {Published("v1", kT0, kT0 - absl::Hours(1), 0)};
  EXPECT_EQ(Selected(policies, kT0, kT0 + absl::Hours(1)), "v1");
  EXPECT_EQ(Selected(policies, kT0 - absl::Microseconds(1), kT0 + absl::Hours(1)), "(none)");
}

TEST(PolicySelectionTest, OnlyPoliciesPublishedBeforeTheEventWasRecordedCount) {
  const absl::Time published = kT0 + absl::Hours(2);
  const std::vector<pdl::v1::PublishedPolicy> policies = {Published("v1", kT0, published, 0)};
  EXPECT_EQ(Selected(policies, kT0 + absl::Hours(1), published + absl::Milliseconds(1)), "v1");
  // Published at the very instant the event was recorded: not before it.
  EXPECT_EQ(Selected(policies, kT0 + absl::Hours(1), published), "(none)");
  EXPECT_EQ(Selected(policies, kT0 + absl::Hours(1), published - absl::Milliseconds(1)), "(none)");
}

TEST(PolicySelectionTest, TheVersionInForceWhenTheEventHappenedWinsEvenIfANewerOneIsPublished) {
  const absl::Time v2_from = kT0 + absl::Hours(24 * 200);
  const std::vector<pdl::v1::PublishedPolicy> policies = {
      Published("v1", kT0, kT0 - absl::Hours(1), 0),
      Published("v2", v2_from, v2_from - absl::Hours(24 * 30), 1),
  };
  const absl::Time recorded_late = v2_from + absl::Hours(24);
  EXPECT_EQ(Selected(policies, v2_from - absl::Seconds(1), recorded_late), "v1");
  EXPECT_EQ(Selected(policies, v2_from, recorded_late), "v2");
  // A policy published in advance is not in force before its effective date.
  EXPECT_EQ(Selected(policies, v2_from - absl::Hours(1), v2_from - absl::Hours(1)), "v1");
}

TEST(PolicySelectionTest, ARepublicationWithTheSameEffectiveDateSupersedesTheEarlierOne) {
  const std::vector<pdl::v1::PublishedPolicy> policies = {
      Published("v1", kT0, kT0 + absl::Hours(1), 0),
      Published("v1.1", kT0, kT0 + absl::Hours(5), 1),
  };
  EXPECT_EQ(Selected(policies, kT0 + absl::Hours(10), kT0 + absl::Hours(10)), "v1.1");
  // Recorded before the correction was published: the first publication still applies.
  EXPECT_EQ(Selected(policies, kT0 + absl::Hours(3), kT0 + absl::Hours(3)), "v1");
}

TEST(PolicySelectionTest, ALaterEffectiveDateWinsOverALaterPublication) {
  // v-new was published first but is effective later; v-fix was published later for an earlier date.
  const std::vector<pdl::v1::PublishedPolicy> policies = {
      Published("v-new", kT0 + absl::Hours(48), kT0, 0),
      Published("v-fix", kT0 + absl::Hours(24), kT0 + absl::Hours(1), 1),
  };
  EXPECT_EQ(Selected(policies, kT0 + absl::Hours(50), kT0 + absl::Hours(60)), "v-new");
  EXPECT_EQ(Selected(policies, kT0 + absl::Hours(30), kT0 + absl::Hours(60)), "v-fix");
}

TEST(PolicySelectionTest, TheAnswerDoesNotDependOnTheOrderOfTheList) {
  std::vector<pdl::v1::PublishedPolicy> policies = {
      Published("a", kT0, kT0, 0),
      Published("b", kT0, kT0, 1),
      Published("c", kT0 + absl::Hours(1), kT0 + absl::Hours(2), 2),
      Published("d", kT0 + absl::Hours(1), kT0 + absl::Hours(2), 2),
  };
  const absl::Time occurred = kT0 + absl::Hours(3);
  const absl::Time recorded = kT0 + absl::Hours(4);
  const std::string expected = Selected(policies, occurred, recorded);
  EXPECT_EQ(expected, "d");
  auto by_version = [](const auto& x, const auto& y) { return x.policy().version() < y.policy().version(); };
  std::sort(policies.begin(), policies.end(), by_version);
  int permutations = 0;
  do {
    EXPECT_EQ(Selected(policies, occurred, recorded), expected);
    ++permutations;
  } while (std::next_permutation(policies.begin(), policies.end(), by_version));
  EXPECT_EQ(permutations, 24);
}

TEST(PolicySelectionTest, InForceNowIgnoresPublicationTimes) {
  const std::vector<pdl::v1::PublishedPolicy> policies = {
      Published("v1", kT0, kT0, 0),
      Published("v2", kT0 + absl::Hours(24), kT0 + absl::Hours(1), 1),
  };
  EXPECT_EQ(PolicyInForce(policies, kT0 + absl::Hours(2))->policy().version(), "v1");
  EXPECT_EQ(PolicyInForce(policies, kT0 + absl::Hours(24))->policy().version(), "v2");
  EXPECT_TRUE(PublishedBefore(policies[0], policies[1]));
  EXPECT_FALSE(PublishedBefore(policies[1], policies[0]));
}

}  // namespace
}  // namespace pdl::policy
