#include <bit>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/merkle/compact_range.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/memory_node_source.h"
#include "ledger/merkle/tree_appender.h"
#include "merkle_reference.h"
#include "merkle_test_vectors.h"

namespace pdl::merkle {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

MATCHER_P2(IsNode, level, index, "") { return arg.level == level && arg.index == index; }

// The hash of the complete node `id`, computed by the oracle from the leaves it covers.
Hash OracleNode(const std::vector<Hash>& leaves, const NodeId& id) {
  return reference::Mth(std::span<const Hash>(leaves).subspan(id.index << id.level, uint64_t{1} << id.level));
}

TEST(MerkleCompactRangeTest, RangeNodesCoverExactlyWithCompleteSubtrees) {
  EXPECT_THAT(RangeNodes(0, 0), ElementsAre());
  EXPECT_THAT(RangeNodes(0, 7), ElementsAre(IsNode(2u, 0u), IsNode(1u, 2u), IsNode(0u, 6u)));
  EXPECT_THAT(RangeNodes(3, 9), ElementsAre(IsNode(0u, 3u), IsNode(2u, 1u), IsNode(0u, 8u)));
  EXPECT_THAT(RangeNodes(8, 16), ElementsAre(IsNode(3u, 1u)));
  const uint64_t max = ~uint64_t{0};
  EXPECT_EQ(FrontierNodes(max).size(), 64u);
  EXPECT_THAT(RangeNodes(0, uint64_t{1} << 63), ElementsAre(IsNode(63u, 0u)));

  for (uint64_t begin = 0; begin < 40; ++begin) {
    for (uint64_t end = begin; end < 80; ++end) {
      uint64_t next = begin;
      for (const NodeId& id : RangeNodes(begin, end)) {
        EXPECT_EQ(id.index << id.level, next) << "[" << begin << ", " << end << ")";
        next = (id.index + 1) << id.level;
      }
      EXPECT_EQ(next, end);
    }
  }
}

TEST(MerkleCompactRangeTest, FrontierHasOneNodePerSetBitHighestFirst) {
  for (uint64_t size = 0; size < 300; ++size) {
    const std::vector<NodeId> frontier = FrontierNodes(size);
    ASSERT_EQ(frontier.size(), static_cast<size_t>(std::popcount(size)));
    for (size_t i = 1; i < frontier.size(); ++i) EXPECT_GT(frontier[i - 1].level, frontier[i].level);
  }
}

TEST(MerkleTreeAppenderTest, RootsMatchReferenceTree) {
  const test_vectors::ReferenceTree tree = test_vectors::LoadReferenceTree();
  TreeAppender appender;
  EXPECT_EQ(appender.Root(), EmptyRoot());
  for (size_t i = 0; i < tree.leaves.size(); ++i) {
    ASSERT_TRUE(appender.Append(LeafHash(tree.leaves[i]), nullptr).ok());
    EXPECT_EQ(appender.size(), i + 1);
    EXPECT_EQ(HashToHex(appender.Root()), HashToHex(tree.RootOf(i + 1))) << "size " << i + 1;
  }
}

TEST(MerkleTreeAppenderTest, EachAppendEmitsExactlyTheNewlyCompleteNodes) {
  const std::vector<Hash> leaves = test_vectors::SyntheticLeafHashes(300);
  TreeAppender appender;
  for (uint64_t size = 0; size < leaves.size(); ++size) {
    std::vector<Node> nodes;
    ASSERT_TRUE(appender.Append(leaves[size], &nodes).ok());
    // The complete subtrees whose last leaf is the new one: one per trailing one bit of the old size, plus the leaf.
    ASSERT_EQ(nodes.size(), 1u + static_cast<size_t>(std::countr_one(size))) << "old size " << size;
    for (uint32_t level = 0; level < nodes.size(); ++level) {
      const NodeId want{level, size >> level};
      EXPECT_EQ(nodes[level].id, want);
      EXPECT_EQ(((nodes[level].id.index + 1) << level), size + 1);
      EXPECT_EQ(nodes[level].hash, OracleNode(leaves, nodes[level].id));
    }
    EXPECT_EQ(appender.Root(), reference::Mth(std::span<const Hash>(leaves).first(size + 1)));
  }
}

TEST(MerkleTreeAppenderTest, EveryCompleteNodeIsEmittedOnce) {
  const uint64_t n = 1000;
  TreeAppender appender;
  std::vector<Node> nodes;
  for (const Hash& leaf : test_vectors::SyntheticLeafHashes(n)) ASSERT_TRUE(appender.Append(leaf, &nodes).ok());
  std::set<std::pair<uint32_t, uint64_t>> emitted;
  for (const Node& node : nodes) EXPECT_TRUE(emitted.emplace(node.id.level, node.id.index).second);
  size_t complete = 0;
  for (uint32_t level = 0; (uint64_t{1} << level) <= n; ++level) complete += n >> level;
  EXPECT_EQ(emitted.size(), complete);
}

TEST(MerkleTreeAppenderTest, LoadResumesWhereTheStoreLeftOff) {
  const std::vector<Hash> leaves = test_vectors::SyntheticLeafHashes(200);
  const MemoryNodeSource full = MemoryNodeSource::FromLeafHashes(leaves);
  for (uint64_t k : {0u, 1u, 2u, 3u, 64u, 127u, 128u, 129u, 199u, 200u}) {
    const MemoryNodeSource prefix = MemoryNodeSource::FromLeafHashes(std::span<const Hash>(leaves).first(k));
    absl::StatusOr<TreeAppender> resumed = TreeAppender::Load(prefix, k);
    ASSERT_TRUE(resumed.ok()) << resumed.status();
    EXPECT_EQ(resumed->size(), k);
    for (uint64_t i = k; i < leaves.size(); ++i) {
      std::vector<Node> nodes;
      ASSERT_TRUE(resumed->Append(leaves[i], &nodes).ok());
      for (const Node& node : nodes) {
        absl::StatusOr<Hash> stored = full.GetNode(node.id.level, node.id.index);
        ASSERT_TRUE(stored.ok()) << stored.status();
        EXPECT_EQ(node.hash, *stored);
      }
    }
    EXPECT_EQ(resumed->Root(), full.Root()) << "resumed at " << k;
  }
}

TEST(MerkleTreeAppenderTest, FromFrontierChecksTheHashCount) {
  absl::StatusOr<TreeAppender> appender = TreeAppender::FromFrontier(5, {EmptyRoot()});
  EXPECT_EQ(appender.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(appender.status().message()), "frontier of tree size 5 has 1 hashes, want 2");

  TreeAppender original;
  for (const Hash& leaf : test_vectors::SyntheticLeafHashes(5)) ASSERT_TRUE(original.Append(leaf, nullptr).ok());
  absl::StatusOr<TreeAppender> copy = TreeAppender::FromFrontier(5, original.frontier());
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(copy->Root(), original.Root());
}

TEST(MerkleTreeAppenderTest, LoadReportsTheMissingNode) {
  const MemoryNodeSource empty;
  absl::StatusOr<TreeAppender> appender = TreeAppender::Load(empty, 3);
  EXPECT_EQ(appender.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(appender.status().message()), HasSubstr("node (level 1, index 0) is not stored"));
}

TEST(MerkleTreeAppenderTest, RefusesToGrowPastTheLargestSize) {
  std::vector<Hash> frontier(64, EmptyRoot());
  absl::StatusOr<TreeAppender> full = TreeAppender::FromFrontier(~uint64_t{0}, frontier);
  ASSERT_TRUE(full.ok()) << full.status();
  const absl::Status status = full->Append(EmptyRoot(), nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(full->size(), ~uint64_t{0});
}

TEST(MerkleMemoryNodeSourceTest, NodesAreImmutableAndDense) {
  MemoryNodeSource source;
  const Hash a = LeafHash("a");
  ASSERT_TRUE(source.Put(Node{{0, 0}, a}).ok());
  EXPECT_TRUE(source.Put(Node{{0, 0}, a}).ok()) << "storing the same node again is idempotent";

  const absl::Status changed = source.Put(Node{{0, 0}, LeafHash("b")});
  EXPECT_EQ(changed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(changed.message()), HasSubstr("already stored with a different hash"));

  const absl::Status gap = source.Put(Node{{0, 2}, a});
  EXPECT_EQ(gap.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(gap.message()), HasSubstr("would leave a gap"));

  absl::StatusOr<Hash> got = source.GetNode(0, 0);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, a);
  EXPECT_EQ(source.GetNode(0, 1).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(source.GetNode(5, 0).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace pdl::merkle
