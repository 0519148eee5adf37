#include <bit>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/memory_node_source.h"
#include "ledger/merkle/proof.h"
#include "merkle_reference.h"
#include "merkle_test_vectors.h"

namespace pdl::merkle {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

// Counts what a proof reads, to hold the builder to O(log n) reads in one batch.
class CountingNodeSource final : public NodeSource {
 public:
  explicit CountingNodeSource(const NodeSource& inner) : inner_(inner) {}

  absl::StatusOr<Hash> GetNode(uint32_t level, uint64_t index) const override {
    ++nodes_read_;
    return inner_.GetNode(level, index);
  }
  absl::StatusOr<std::vector<Hash>> GetNodes(std::span<const NodeId> ids) const override {
    ++batches_;
    return NodeSource::GetNodes(ids);
  }

  int nodes_read() const { return nodes_read_; }
  int batches() const { return batches_; }
  void Reset() { nodes_read_ = batches_ = 0; }

 private:
  const NodeSource& inner_;
  mutable int nodes_read_ = 0;
  mutable int batches_ = 0;
};

std::vector<std::string> Hex(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const Hash& hash : hashes) out.push_back(HashToHex(hash));
  return out;
}

class MerkleProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = test_vectors::LoadReferenceTree();
    source_ = MemoryNodeSource::FromLeafHashes(tree_.LeafHashes());
  }

  test_vectors::ReferenceTree tree_;
  MemoryNodeSource source_;
};

TEST_F(MerkleProofTest, RootsMatchReferenceTree) {
  absl::StatusOr<Hash> empty = RootAt(source_, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, EmptyRoot());
  for (uint64_t size = 1; size <= tree_.roots.size(); ++size) {
    absl::StatusOr<Hash> root = RootAt(source_, size);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(HashToHex(*root), HashToHex(tree_.RootOf(size))) << "size " << size;
  }
}

TEST_F(MerkleProofTest, InclusionProofsMatchPublishedVectors) {
  ASSERT_FALSE(tree_.inclusion.empty());
  for (const test_vectors::InclusionVector& v : tree_.inclusion) {
    absl::StatusOr<std::vector<Hash>> proof = InclusionProof(source_, v.index, v.size);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_THAT(Hex(*proof), ElementsAreArray(Hex(v.proof))) << "leaf " << v.index << " of " << v.size;
  }
}

TEST_F(MerkleProofTest, ConsistencyProofsMatchPublishedVectors) {
  ASSERT_FALSE(tree_.consistency.empty());
  for (const test_vectors::ConsistencyVector& v : tree_.consistency) {
    absl::StatusOr<std::vector<Hash>> proof = ConsistencyProof(source_, v.size1, v.size2);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_THAT(Hex(*proof), ElementsAreArray(Hex(v.proof))) << v.size1 << " -> " << v.size2;
  }
}

// One source of 70 leaves serves every smaller tree: complete nodes never change.
TEST(MerkleProofOracleTest, EveryProofOfSmallTreesMatchesTheReference) {
  const std::vector<Hash> leaves = test_vectors::SyntheticLeafHashes(70);
  const MemoryNodeSource source = MemoryNodeSource::FromLeafHashes(leaves);
  for (uint64_t size = 0; size <= leaves.size(); ++size) {
    const std::span<const Hash> d = std::span<const Hash>(leaves).first(size);
    absl::StatusOr<Hash> root = RootAt(source, size);
    ASSERT_TRUE(root.ok()) << root.status();
    ASSERT_EQ(*root, reference::Mth(d)) << "size " << size;
    for (uint64_t index = 0; index < size; ++index) {
      absl::StatusOr<std::vector<Hash>> proof = InclusionProof(source, index, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ASSERT_EQ(*proof, reference::Path(index, d)) << "leaf " << index << " of " << size;
    }
    for (uint64_t size1 = 0; size1 <= size; ++size1) {
      absl::StatusOr<std::vector<Hash>> proof = ConsistencyProof(source, size1, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ASSERT_EQ(*proof, reference::Proof(size1, d)) << size1 << " -> " << size;
    }
  }
}

TEST(MerkleProofOracleTest, SampledProofsOfLargeTreesMatchTheReference) {
  constexpr uint64_t kLeaves = 100'000;
  const std::vector<Hash> leaves = test_vectors::SyntheticLeafHashes(kLeaves);
  const MemoryNodeSource source = MemoryNodeSource::FromLeafHashes(leaves);
  std::mt19937_64 rng(6962);
  // Each oracle proof hashes the whole prefix, so the sample stays small: the power-of-two boundary, the full
  // tree and a few random sizes.
  std::vector<uint64_t> sizes = {65'535, 65'536, 65'537, kLeaves};
  for (int i = 0; i < 3; ++i) sizes.push_back(1 + rng() % kLeaves);

  for (uint64_t size : sizes) {
    const std::span<const Hash> d = std::span<const Hash>(leaves).first(size);
    const uint64_t index = rng() % size;
    absl::StatusOr<std::vector<Hash>> inclusion = InclusionProof(source, index, size);
    ASSERT_TRUE(inclusion.ok()) << inclusion.status();
    EXPECT_EQ(*inclusion, reference::Path(index, d)) << "leaf " << index << " of " << size;

    const uint64_t size1 = 1 + rng() % size;
    absl::StatusOr<std::vector<Hash>> consistency = ConsistencyProof(source, size1, size);
    ASSERT_TRUE(consistency.ok()) << consistency.status();
    EXPECT_EQ(*consistency, reference::Proof(size1, d)) << size1 << " -> " << size;
  }
  absl::StatusOr<Hash> root = RootAt(source, kLeaves);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(*root, reference::Mth(leaves));
}

TEST(MerkleProofOracleTest, ReadsAreLogarithmicAndBatched) {
  const std::vector<Hash> leaves = test_vectors::SyntheticLeafHashes(5'000);
  const MemoryNodeSource source = MemoryNodeSource::FromLeafHashes(leaves);
  CountingNodeSource counting(source);
  std::mt19937_64 rng(9162);
  for (int i = 0; i < 200; ++i) {
    const uint64_t size = 1 + rng() % leaves.size();
    const int log = std::bit_width(size);

    counting.Reset();
    ASSERT_TRUE(RootAt(counting, size).ok());
    EXPECT_EQ(counting.nodes_read(), std::popcount(size));
    EXPECT_EQ(counting.batches(), 1);

    counting.Reset();
    ASSERT_TRUE(InclusionProof(counting, rng() % size, size).ok());
    EXPECT_LE(counting.nodes_read(), 2 * log) << "size " << size;
    EXPECT_EQ(counting.batches(), 1);

    counting.Reset();
    ASSERT_TRUE(ConsistencyProof(counting, 1 + rng() % size, size).ok());
    EXPECT_LE(counting.nodes_read(), 2 * log + 1) << "size " << size;
    EXPECT_LE(counting.batches(), 1);
  }
}

TEST_F(MerkleProofTest, RejectsQuestionsWithoutAnswer) {
  absl::StatusOr<std::vector<Hash>> past_end = InclusionProof(source_, 8, 8);
  EXPECT_EQ(past_end.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(past_end.status().message()), "leaf index 8 is out of range for tree size 8");

  absl::StatusOr<std::vector<Hash>> backwards = ConsistencyProof(source_, 6, 5);
  EXPECT_EQ(backwards.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(backwards.status().message()), "first tree size 6 is larger than second tree size 5");
}

TEST_F(MerkleProofTest, TrivialConsistencyProofsAreEmptyAndReadNothing) {
  CountingNodeSource counting(source_);
  for (auto [size1, size2] : {std::pair<uint64_t, uint64_t>{0, 0}, {0, 8}, {5, 5}, {0, 1000}}) {
    absl::StatusOr<std::vector<Hash>> proof = ConsistencyProof(counting, size1, size2);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_TRUE(proof->empty());
  }
  EXPECT_EQ(counting.nodes_read(), 0);
}

TEST_F(MerkleProofTest, SizesBeyondTheStoreFailWithTheSourceStatus) {
  absl::StatusOr<Hash> root = RootAt(source_, 9);
  EXPECT_EQ(root.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(root.status().message()), HasSubstr("node (level 0, index 8) is not stored"));
  EXPECT_EQ(InclusionProof(source_, 0, 12).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ConsistencyProof(source_, 3, 10).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace pdl::merkle
