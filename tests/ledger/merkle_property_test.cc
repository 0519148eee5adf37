// A fuzz-style property test with a fixed seed: for random trees, indices and sizes, the prover agrees with the
// oracle, the verifier accepts what the prover builds, and the verifier refuses a randomly damaged variant.

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/memory_node_source.h"
#include "ledger/merkle/proof.h"
#include "ledger/merkle/tree_appender.h"
#include "ledger/merkle/verify.h"
#include "merkle_reference.h"
#include "merkle_test_vectors.h"

namespace pdl::merkle {
namespace {

constexpr uint64_t kMaxLeaves = 1024;
constexpr int kIterations = 250;

class MerklePropertyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 leaf_rng(1);
    for (uint64_t i = 0; i < kMaxLeaves; ++i) {
      std::string data(leaf_rng() % 40, '\0');
      for (char& c : data) c = static_cast<char>(leaf_rng());
      leaves_.push_back(LeafHash(data));
    }
    source_ = MemoryNodeSource::FromLeafHashes(leaves_);
  }

  // Sizes near powers of two are where the tree shape changes, so they are drawn often.
  uint64_t RandomSize() {
    if (rng_() % 3 == 0) {
      const uint64_t power = uint64_t{1} << (rng_() % 10);
      const uint64_t size = power + (rng_() % 3) - 1;
      if (size >= 1 && size <= kMaxLeaves) return size;
    }
    return 1 + rng_() % kMaxLeaves;
  }

  std::span<const Hash> Prefix(uint64_t size) const { return std::span<const Hash>(leaves_).first(size); }

  // Damages exactly one thing about a proof, picked at random.
  void Damage(std::vector<Hash>& proof, Hash& root, uint64_t& index, uint64_t& size) {
    const size_t bit = rng_() % (8 * kHashSize);
    switch (rng_() % 6) {
      case 0:
        if (!proof.empty()) {
          const size_t i = rng_() % proof.size();
          proof[i] = test_vectors::FlipBit(proof[i], bit);
          return;
        }
        [[fallthrough]];
      case 1:
        root = test_vectors::FlipBit(root, bit);
        return;
      case 2:
        if (!proof.empty()) {
          proof.erase(proof.begin() + static_cast<std::ptrdiff_t>(rng_() % proof.size()));
          return;
        }
        [[fallthrough]];
      case 3:
        proof.insert(proof.begin() + static_cast<std::ptrdiff_t>(rng_() % (proof.size() + 1)), LeafHash("extra"));
        return;
      case 4:
        index = index == 0 ? 1 : index - 1;
        return;
      default:
        // A different size with that size's honest root.
        size = size == kMaxLeaves ? size - 1 : size + 1;
        root = reference::Mth(Prefix(size));
        return;
    }
  }

  std::mt19937_64 rng_{20240601};
  std::vector<Hash> leaves_;
  MemoryNodeSource source_;
};

TEST_F(MerklePropertyTest, InclusionProverVerifierAndOracleAgree) {
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    const uint64_t size = RandomSize();
    const uint64_t index = rng_() % size;
    SCOPED_TRACE(testing::Message() << "iteration " << iteration << ": leaf " << index << " of " << size);

    absl::StatusOr<std::vector<Hash>> proof = InclusionProof(source_, index, size);
    ASSERT_TRUE(proof.ok()) << proof.status();
    ASSERT_EQ(*proof, reference::Path(index, Prefix(size)));
    const Hash root = reference::Mth(Prefix(size));
    ASSERT_TRUE(VerifyInclusion(leaves_[index], index, size, *proof, root).ok());

    std::vector<Hash> damaged = *proof;
    Hash damaged_root = root;
    uint64_t damaged_index = index;
    uint64_t damaged_size = size;
    Damage(damaged, damaged_root, damaged_index, damaged_size);
    const absl::Status status = VerifyInclusion(leaves_[index], damaged_index, damaged_size, damaged, damaged_root);
    ASSERT_FALSE(status.ok());
    ASSERT_TRUE(status.code() == absl::StatusCode::kInvalidArgument || status.code() == absl::StatusCode::kDataLoss)
        << status;
  }
}

TEST_F(MerklePropertyTest, ConsistencyProverVerifierAndOracleAgree) {
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    const uint64_t size2 = RandomSize();
    const uint64_t size1 = 1 + rng_() % size2;
    SCOPED_TRACE(testing::Message() << "iteration " << iteration << ": " << size1 << " -> " << size2);

    absl::StatusOr<std::vector<Hash>> proof = ConsistencyProof(source_, size1, size2);
    ASSERT_TRUE(proof.ok()) << proof.status();
    ASSERT_EQ(*proof, reference::Proof(size1, Prefix(size2)));
    const Hash root1 = reference::Mth(Prefix(size1));
    const Hash root2 = reference::Mth(Prefix(size2));
    ASSERT_TRUE(VerifyConsistency(size1, size2, root1, root2, *proof).ok());
    if (size1 == size2) continue;

    std::vector<Hash> damaged = *proof;
    Hash damaged_root2 = root2;
    uint64_t damaged_size1 = size1;
    uint64_t damaged_size2 = size2;
    Damage(damaged, damaged_root2, damaged_size1, damaged_size2);
    const Hash damaged_root1 = damaged_size1 == size1 ? root1 : reference::Mth(Prefix(damaged_size1));
    const absl::Status status = VerifyConsistency(damaged_size1, damaged_size2, damaged_root1, damaged_root2, damaged);
    ASSERT_FALSE(status.ok());
    ASSERT_TRUE(status.code() == absl::StatusCode::kInvalidArgument || status.code() == absl::StatusCode::kDataLoss)
        << status;
  }
}

// Appending in random batches (as the sealer does, resuming from the store between batches) gives the same nodes
// and roots as appending one by one.
TEST_F(MerklePropertyTest, BatchedAppendsResumedFromTheStoreMatchTheOracle) {
  MemoryNodeSource store;
  uint64_t size = 0;
  while (size < kMaxLeaves) {
    absl::StatusOr<TreeAppender> appender = TreeAppender::Load(store, size);
    ASSERT_TRUE(appender.ok()) << appender.status();
    const uint64_t batch = std::min<uint64_t>(1 + rng_() % 50, kMaxLeaves - size);
    std::vector<Node> nodes;
    for (uint64_t i = 0; i < batch; ++i) ASSERT_TRUE(appender->Append(leaves_[size + i], &nodes).ok());
    for (const Node& node : nodes) ASSERT_TRUE(store.Put(node).ok());
    size += batch;
    ASSERT_EQ(appender->Root(), reference::Mth(Prefix(size))) << "size " << size;
    absl::StatusOr<Hash> root = RootAt(store, size);
    ASSERT_TRUE(root.ok()) << root.status();
    ASSERT_EQ(*root, appender->Root());
  }
}

}  // namespace
}  // namespace pdl::merkle
