#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/memory_node_source.h"
#include "ledger/merkle/proof.h"
#include "ledger/merkle/verify.h"
#include "merkle_reference.h"
#include "merkle_test_vectors.h"

namespace pdl::merkle {
namespace {

using test_vectors::FlipBit;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
constexpr auto kDataLoss = absl::StatusCode::kDataLoss;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

std::vector<Hash> Without(std::vector<Hash> proof, size_t i) {
  proof.erase(proof.begin() + static_cast<std::ptrdiff_t>(i));
  return proof;
}

std::vector<Hash> With(std::vector<Hash> proof, size_t i, const Hash& extra) {
  proof.insert(proof.begin() + static_cast<std::ptrdiff_t>(i), extra);
  return proof;
}

// Every way of damaging a valid inclusion proof that must be refused. `root_of(size)` gives the honest root of
// every tree size: a size change is tested against the root of that size, as a signed checkpoint would pair them
// (the root of a tree does not encode its size, so the original root with a neighbouring size can legitimately
// verify when the audit path has the same shape).
template <typename RootOf>
void ExpectInclusionMutationsFail(const Hash& leaf, uint64_t index, uint64_t size, const std::vector<Hash>& proof,
                                  RootOf root_of, uint64_t max_known_size) {
  SCOPED_TRACE(testing::Message() << "leaf " << index << " of " << size);
  const Hash root = root_of(size);
  ASSERT_TRUE(VerifyInclusion(leaf, index, size, proof, root).ok());

  if (index > 0) {
    EXPECT_FALSE(VerifyInclusion(leaf, index - 1, size, proof, root).ok()) << "index - 1";
  }
  EXPECT_FALSE(VerifyInclusion(leaf, index + 1, size, proof, root).ok()) << "index + 1";
  if (size - 1 > index) {
    EXPECT_FALSE(VerifyInclusion(leaf, index, size - 1, proof, root_of(size - 1)).ok()) << "size - 1";
  }
  if (size + 1 <= max_known_size) {
    EXPECT_FALSE(VerifyInclusion(leaf, index, size + 1, proof, root_of(size + 1)).ok()) << "size + 1";
  }
  EXPECT_FALSE(VerifyInclusion(leaf, index, size * 2, proof, root).ok()) << "size * 2";

  const std::string want_size = "want " + std::to_string(proof.size());
  for (size_t i = 0; i < proof.size(); ++i) {
    const absl::Status truncated = VerifyInclusion(leaf, index, size, Without(proof, i), root);
    EXPECT_EQ(truncated.code(), kInvalid) << "without proof[" << i << "]";
    EXPECT_THAT(Message(truncated), HasSubstr(want_size));
  }
  for (const Hash& extra : {root, leaf, Hash{}}) {
    EXPECT_EQ(VerifyInclusion(leaf, index, size, With(proof, proof.size(), extra), root).code(), kInvalid);
    EXPECT_EQ(VerifyInclusion(leaf, index, size, With(proof, 0, extra), root).code(), kInvalid);
  }
  for (size_t i = 0; i + 1 < proof.size(); ++i) {
    std::vector<Hash> swapped = proof;
    std::swap(swapped[i], swapped[i + 1]);
    if (swapped != proof) {
      EXPECT_EQ(VerifyInclusion(leaf, index, size, swapped, root).code(), kDataLoss);
    }
  }
  for (size_t bit = 0; bit < 8 * kHashSize; ++bit) {
    for (size_t i = 0; i < proof.size(); ++i) {
      std::vector<Hash> flipped = proof;
      flipped[i] = FlipBit(flipped[i], bit);
      ASSERT_EQ(VerifyInclusion(leaf, index, size, flipped, root).code(), kDataLoss)
          << "proof[" << i << "] bit " << bit;
    }
    ASSERT_EQ(VerifyInclusion(leaf, index, size, proof, FlipBit(root, bit)).code(), kDataLoss) << "root bit " << bit;
    ASSERT_EQ(VerifyInclusion(FlipBit(leaf, bit), index, size, proof, root).code(), kDataLoss) << "leaf bit " << bit;
  }
}

template <typename RootOf>
void ExpectConsistencyMutationsFail(uint64_t size1, uint64_t size2, const std::vector<Hash>& proof, RootOf root_of,
                                    uint64_t max_known_size) {
  SCOPED_TRACE(testing::Message() << size1 << " -> " << size2);
  const Hash root1 = root_of(size1);
  const Hash root2 = root_of(size2);
  ASSERT_TRUE(VerifyConsistency(size1, size2, root1, root2, proof).ok());
  ASSERT_FALSE(proof.empty());

  EXPECT_FALSE(VerifyConsistency(size1 - 1, size2, root_of(size1 - 1), root2, proof).ok()) << "size1 - 1";
  if (size1 + 1 < size2) {
    EXPECT_FALSE(VerifyConsistency(size1 + 1, size2, root_of(size1 + 1), root2, proof).ok());
  }
  if (size2 - 1 > size1) {
    EXPECT_FALSE(VerifyConsistency(size1, size2 - 1, root1, root_of(size2 - 1), proof).ok());
  }
  if (size2 + 1 <= max_known_size) {
    EXPECT_FALSE(VerifyConsistency(size1, size2 + 1, root1, root_of(size2 + 1), proof).ok()) << "size2 + 1";
  }
  EXPECT_EQ(VerifyConsistency(size1, size2, root2, root1, proof).code(), kDataLoss) << "swapped roots";

  for (size_t i = 0; i < proof.size(); ++i) {
    EXPECT_EQ(VerifyConsistency(size1, size2, root1, root2, Without(proof, i)).code(), kInvalid);
  }
  for (const Hash& extra : {root1, root2, Hash{}}) {
    EXPECT_EQ(VerifyConsistency(size1, size2, root1, root2, With(proof, proof.size(), extra)).code(), kInvalid);
    EXPECT_EQ(VerifyConsistency(size1, size2, root1, root2, With(proof, 0, extra)).code(), kInvalid);
  }
  for (size_t i = 0; i + 1 < proof.size(); ++i) {
    std::vector<Hash> swapped = proof;
    std::swap(swapped[i], swapped[i + 1]);
    if (swapped != proof) {
      EXPECT_EQ(VerifyConsistency(size1, size2, root1, root2, swapped).code(), kDataLoss);
    }
  }
  for (size_t bit = 0; bit < 8 * kHashSize; ++bit) {
    for (size_t i = 0; i < proof.size(); ++i) {
      std::vector<Hash> flipped = proof;
      flipped[i] = FlipBit(flipped[i], bit);
      ASSERT_EQ(VerifyConsistency(size1, size2, root1, root2, flipped).code(), kDataLoss)
          << "proof[" << i << "] bit " << bit;
    }
    ASSERT_EQ(VerifyConsistency(size1, size2, FlipBit(root1, bit), root2, proof).code(), kDataLoss)
        << "root1 bit " << bit;
    ASSERT_EQ(VerifyConsistency(size1, size2, root1, FlipBit(root2, bit), proof).code(), kDataLoss)
        << "root2 bit " << bit;
  }
}

class MerkleVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override { tree_ = test_vectors::LoadReferenceTree(); }

  Hash RootOf(uint64_t size) const { return size == 0 ? EmptyRoot() : tree_.RootOf(size); }

  test_vectors::ReferenceTree tree_;
};

TEST_F(MerkleVerifyTest, PublishedInclusionProofsVerify) {
  for (const test_vectors::InclusionVector& v : tree_.inclusion) {
    const Hash leaf = LeafHash(tree_.leaves[v.index]);
    absl::StatusOr<Hash> root = RootFromInclusionProof(leaf, v.index, v.size, v.proof);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(*root, tree_.RootOf(v.size));
    EXPECT_TRUE(VerifyInclusion(leaf, v.index, v.size, v.proof, tree_.RootOf(v.size)).ok());
  }
}

TEST_F(MerkleVerifyTest, PublishedConsistencyProofsVerify) {
  for (const test_vectors::ConsistencyVector& v : tree_.consistency) {
    EXPECT_TRUE(VerifyConsistency(v.size1, v.size2, RootOf(v.size1), RootOf(v.size2), v.proof).ok())
        << v.size1 << " -> " << v.size2;
  }
}

TEST_F(MerkleVerifyTest, DamagedPublishedInclusionProofsFail) {
  const auto root_of = [this](uint64_t size) { return RootOf(size); };
  for (const test_vectors::InclusionVector& v : tree_.inclusion) {
    ExpectInclusionMutationsFail(LeafHash(tree_.leaves[v.index]), v.index, v.size, v.proof, root_of,
                                 tree_.roots.size());
  }
}

TEST_F(MerkleVerifyTest, DamagedPublishedConsistencyProofsFail) {
  const auto root_of = [this](uint64_t size) { return RootOf(size); };
  for (const test_vectors::ConsistencyVector& v : tree_.consistency) {
    if (v.size1 == v.size2) continue;
    ExpectConsistencyMutationsFail(v.size1, v.size2, v.proof, root_of, tree_.roots.size());
  }
}

TEST(MerkleVerifyGeneratedTest, DamagedProofsOfEveryShapeFail) {
  const std::vector<Hash> leaves = test_vectors::SyntheticLeafHashes(40);
  const MemoryNodeSource source = MemoryNodeSource::FromLeafHashes(leaves);
  const auto root_of = [&](uint64_t size) { return reference::Mth(std::span<const Hash>(leaves).first(size)); };
  // A spread of shapes: powers of two, their neighbours, odd sizes; first, middle and last leaves.
  for (uint64_t size : {1u, 2u, 3u, 5u, 7u, 8u, 9u, 16u, 17u, 31u, 33u}) {
    for (uint64_t index : {uint64_t{0}, size / 2, size - 1}) {
      absl::StatusOr<std::vector<Hash>> proof = InclusionProof(source, index, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ExpectInclusionMutationsFail(leaves[index], index, size, *proof, root_of, leaves.size());
    }
    for (uint64_t size1 : {uint64_t{1}, size / 2, size - 1}) {
      if (size1 == 0 || size1 >= size) continue;
      absl::StatusOr<std::vector<Hash>> proof = ConsistencyProof(source, size1, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ExpectConsistencyMutationsFail(size1, size, *proof, root_of, leaves.size());
    }
  }
}

TEST_F(MerkleVerifyTest, ProofSizeFormulasMatchTheReference) {
  const std::vector<Hash> leaves = test_vectors::SyntheticLeafHashes(64);
  for (uint64_t size = 1; size <= leaves.size(); ++size) {
    const std::span<const Hash> d = std::span<const Hash>(leaves).first(size);
    for (uint64_t index = 0; index < size; ++index) {
      ASSERT_EQ(InclusionProofSize(index, size), reference::Path(index, d).size()) << index << " of " << size;
    }
    for (uint64_t size1 = 0; size1 <= size; ++size1) {
      ASSERT_EQ(ConsistencyProofSize(size1, size), reference::Proof(size1, d).size()) << size1 << " -> " << size;
    }
  }
  EXPECT_EQ(InclusionProofSize(0, ~uint64_t{0}), 64u);
  EXPECT_EQ(InclusionProofSize(~uint64_t{0} - 1, ~uint64_t{0}), 63u);
}

TEST_F(MerkleVerifyTest, ErrorsSayWhatIsWrong) {
  const test_vectors::InclusionVector& v = tree_.inclusion[1];  // Leaf 0 of 8, three hashes.
  ASSERT_EQ(v.proof.size(), 3u);
  const Hash leaf = LeafHash(tree_.leaves[v.index]);

  const absl::Status truncated = VerifyInclusion(leaf, v.index, v.size, Without(v.proof, 2), tree_.RootOf(8));
  EXPECT_EQ(truncated.code(), kInvalid);
  EXPECT_EQ(Message(truncated), "wrong proof size 2, want 3");

  const absl::Status out_of_range = VerifyInclusion(leaf, 8, 8, v.proof, tree_.RootOf(8));
  EXPECT_EQ(out_of_range.code(), kInvalid);
  EXPECT_EQ(Message(out_of_range), "leaf index 8 is out of range for tree size 8");
  EXPECT_EQ(VerifyInclusion(leaf, 0, 0, {}, EmptyRoot()).code(), kInvalid);

  const absl::Status mismatch = VerifyInclusion(leaf, v.index, v.size, v.proof, tree_.RootOf(7));
  EXPECT_EQ(mismatch.code(), kDataLoss);
  EXPECT_EQ(Message(mismatch), "calculated root " + HashToHex(tree_.RootOf(8)) + " does not match the expected " +
                                   HashToHex(tree_.RootOf(7)));

  const absl::Status backwards = VerifyConsistency(6, 5, tree_.RootOf(6), tree_.RootOf(5), {});
  EXPECT_EQ(backwards.code(), kInvalid);
  EXPECT_EQ(Message(backwards), "first tree size 6 is larger than second tree size 5");

  const test_vectors::ConsistencyVector& c = tree_.consistency[2];  // 6 -> 8.
  const absl::Status bad_root1 = VerifyConsistency(6, 8, tree_.RootOf(5), tree_.RootOf(8), c.proof);
  EXPECT_EQ(bad_root1.code(), kDataLoss);
  EXPECT_THAT(Message(bad_root1), StartsWith("calculated root1 "));
  const absl::Status bad_root2 = VerifyConsistency(6, 8, tree_.RootOf(6), tree_.RootOf(7), c.proof);
  EXPECT_EQ(bad_root2.code(), kDataLoss);
  EXPECT_THAT(Message(bad_root2), StartsWith("calculated root2 "));
}

TEST_F(MerkleVerifyTest, TrivialConsistencyCases) {
  const Hash r8 = tree_.RootOf(8);
  EXPECT_TRUE(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), {}).ok());
  EXPECT_TRUE(VerifyConsistency(0, 8, EmptyRoot(), r8, {}).ok());
  EXPECT_TRUE(VerifyConsistency(8, 8, r8, r8, {}).ok());

  const absl::Status equal_sizes = VerifyConsistency(8, 8, r8, tree_.RootOf(7), {});
  EXPECT_EQ(equal_sizes.code(), kDataLoss);
  EXPECT_THAT(Message(equal_sizes), HasSubstr("roots differ for equal tree sizes 8"));

  const absl::Status not_empty = VerifyConsistency(0, 8, r8, r8, {});
  EXPECT_EQ(not_empty.code(), kDataLoss);
  EXPECT_THAT(Message(not_empty), HasSubstr("is not the empty tree root"));

  EXPECT_EQ(Message(VerifyConsistency(8, 8, r8, r8, std::vector<Hash>{r8})), "wrong proof size 1, want 0");
  EXPECT_EQ(Message(VerifyConsistency(0, 8, EmptyRoot(), r8, std::vector<Hash>{r8})), "wrong proof size 1, want 0");
  EXPECT_EQ(VerifyConsistency(1, 2, tree_.RootOf(1), tree_.RootOf(2), {}).code(), kInvalid);
}

TEST_F(MerkleVerifyTest, SingleLeafTreeHasEmptyProofAndLeafAsRoot) {
  const Hash leaf = LeafHash("data");
  EXPECT_TRUE(VerifyInclusion(leaf, 0, 1, {}, leaf).ok());
  EXPECT_EQ(VerifyInclusion(leaf, 0, 1, {}, EmptyRoot()).code(), kDataLoss);
  EXPECT_EQ(VerifyInclusion(leaf, 1, 1, {}, leaf).code(), kInvalid);
}

}  // namespace
}  // namespace pdl::merkle
