// PublishPolicy / GetPolicy and the pdl.policies.v1 follower, against the embedded Kafka cluster and real RocksDB:
// a policy published on one node reaches another through the topic with the same offset and timestamp.

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event_codec.h"
#include "ledger/field_error.h"
#include "ledger/policy/policy_yaml.h"
#include "projections/store.h"
#include "services/kafka/embedded_cluster.h"
#include "services/node/policy_admin.h"
#include "tests/testing/temp_dir.h"

namespace pdl::policy_admin {
namespace {

pdl::v1::Policy SeedPolicy() {
  const auto path = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "examples" /
                    "policies" / "iqunet-2023-05-08.yaml";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto policy = policy::ParsePolicyYaml(text.str());
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : pdl::v1::Policy();
}

struct NodeState {
  std::unique_ptr<Store> store;
  std::unique_ptr<PolicyRegistry> registry;
};

class PolicyAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = kafka::EmbeddedCluster::Start(1, {{.name = kafka::kPoliciesTopic, .partitions = 1}});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
    config_.bootstrap_servers = cluster_->bootstrap();
    auto producer = kafka::Producer::Create(config_);
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = std::move(*producer);
  }

  NodeState NewNode(const std::string& name) {
    NodeState node;
    auto store = Store::Open({.path = tmp_.path() + "/" + name});
    EXPECT_TRUE(store.ok()) << store.status();
    node.store = std::move(*store);
    auto registry = PolicyRegistry::Open(node.store.get());
    EXPECT_TRUE(registry.ok()) << registry.status();
    node.registry = std::move(*registry);
    return node;
  }

  absl::StatusOr<pdl::v1::PublishPolicyResponse> Publish(PolicyRegistry& registry, const pdl::v1::Policy& policy) {
    pdl::v1::PublishPolicyRequest request;
    *request.mutable_policy() = policy;
    return PublishPolicy(request, registry, *producer_, absl::Seconds(20));
  }

  testing::TempDir tmp_;
  std::unique_ptr<kafka::EmbeddedCluster> cluster_;
  kafka::KafkaConfig config_;
  std::unique_ptr<kafka::Producer> producer_;
};

TEST_F(PolicyAdminTest, APublishedPolicyReachesAnotherNodeThroughTheTopic) {
  NodeState a = NewNode("a");
  auto published = Publish(*a.registry, SeedPolicy());
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_FALSE(published->duplicate());
  EXPECT_EQ(published->published().offset(), 0);

  // Read-your-writes on the publishing node.
  pdl::v1::GetPolicyRequest by_version;
  by_version.set_version("2023-05-08");
  auto got = GetPolicy(*a.registry, by_version, absl::Now());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->policy().SerializeAsString(), published->published().SerializeAsString());
  ASSERT_EQ(got->versions_size(), 1);
  EXPECT_EQ(got->versions(0).version(), "2023-05-08");

  // Another node follows the topic and stores the same record.
  NodeState b = NewNode("b");
  auto follower = PolicyFollower::Create(config_, b.registry.get());
  ASSERT_TRUE(follower.ok()) << follower.status();
  auto caught_up = (*follower)->CatchUp(absl::Seconds(20));
  ASSERT_TRUE(caught_up.ok()) << caught_up.status();
  EXPECT_EQ(*caught_up, 1);
  auto on_b = b.registry->Find("2023-05-08");
  ASSERT_TRUE(on_b.has_value());
  EXPECT_EQ(on_b->SerializeAsString(), published->published().SerializeAsString());

  // The publishing node's own follower finds nothing new.
  auto follower_a = PolicyFollower::Create(config_, a.registry.get());
  ASSERT_TRUE(follower_a.ok());
  auto again = (*follower_a)->CatchUp(absl::Seconds(20));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, 0);
}

TEST_F(PolicyAdminTest, RepublishingAndChangingAVersionAndInvalidPolicies) {
  NodeState a = NewNode("a");
  const pdl::v1::Policy seed = SeedPolicy();
  ASSERT_TRUE(Publish(*a.registry, seed).ok());
  auto duplicate = Publish(*a.registry, seed);
  ASSERT_TRUE(duplicate.ok()) << duplicate.status();
  EXPECT_TRUE(duplicate->duplicate());

  pdl::v1::Policy changed = seed;
  changed.set_minimum_age(16);
  auto conflict = Publish(*a.registry, changed);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorField(conflict.status()), "policy.version");

  pdl::v1::Policy invalid = seed;
  invalid.set_version("2024-01-01");
  invalid.mutable_retention_rules(1)->set_id("account");
  auto rejected = Publish(*a.registry, invalid);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(rejected.status()), "policy.retention_rules[1].id");

  // A policy too large for one record of the topic is refused before it is produced, naming its size.
  pdl::v1::Policy huge = seed;
  huge.set_version("2024-02-01");
  huge.set_title(std::string(600 * 1024, 't'));
  auto too_large = Publish(*a.registry, huge);
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(too_large.status()), "policy");
  EXPECT_THAT(too_large.status().message(), ::testing::HasSubstr("at most 524288"));

  // Only the first publication reached the topic; a foreign record that is no policy is skipped by followers.
  kafka::OutgoingRecord garbage{.topic = kafka::kPoliciesTopic, .partition = 0, .key = "x", .value = "\xff\x01"};
  ASSERT_TRUE(producer_->ProduceSync(std::move(garbage), absl::Seconds(20)).ok());
  NodeState b = NewNode("b");
  auto follower = PolicyFollower::Create(config_, b.registry.get());
  ASSERT_TRUE(follower.ok());
  auto caught_up = (*follower)->CatchUp(absl::Seconds(20));
  ASSERT_TRUE(caught_up.ok()) << caught_up.status();
  EXPECT_EQ(*caught_up, 1);
  EXPECT_EQ((*follower)->skipped(), 1u);
  EXPECT_EQ(b.registry->policies()->size(), 1u);
}

TEST_F(PolicyAdminTest, GetPolicyWithoutVersionAnswersThePolicyInForce) {
  NodeState a = NewNode("a");
  pdl::v1::GetPolicyRequest latest;
  auto none = GetPolicy(*a.registry, latest, absl::Now());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);

  pdl::v1::Policy seed = SeedPolicy();
  ASSERT_TRUE(Publish(*a.registry, seed).ok());
  pdl::v1::Policy next = seed;
  next.set_version("2030-01-01");
  SetTimestamp(next.mutable_effective_from(), absl::FromCivil(absl::CivilDay(2030, 1, 1), absl::UTCTimeZone()));
  ASSERT_TRUE(Publish(*a.registry, next).ok());

  auto now = GetPolicy(*a.registry, latest, absl::FromCivil(absl::CivilDay(2025, 1, 1), absl::UTCTimeZone()));
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->policy().policy().version(), "2023-05-08");
  EXPECT_EQ(now->versions_size(), 2);
  auto later = GetPolicy(*a.registry, latest, absl::FromCivil(absl::CivilDay(2030, 1, 2), absl::UTCTimeZone()));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->policy().policy().version(), "2030-01-01");

  pdl::v1::GetPolicyRequest unknown;
  unknown.set_version("1999");
  auto missing = GetPolicy(*a.registry, unknown, absl::Now());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorField(missing.status()), "version");
}

}  // namespace
}  // namespace pdl::policy_admin
