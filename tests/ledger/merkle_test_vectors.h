#ifndef PDL_TESTS_LEDGER_MERKLE_TEST_VECTORS_H_
#define PDL_TESTS_LEDGER_MERKLE_TEST_VECTORS_H_

// Loads tests/ledger/testdata/merkle/rfc6962_tree.txt (the published RFC 6962 reference tree) and shared helpers for
// the Merkle tests. The data file is found next to this header through __FILE__, so the tests run from any
// directory.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/merkle/hasher.h"

namespace pdl::merkle::test_vectors {

struct InclusionVector {
  uint64_t index = 0;
  uint64_t size = 0;
  std::vector<Hash> proof;
};

struct ConsistencyVector {
  uint64_t size1 = 0;
  uint64_t size2 = 0;
  std::vector<Hash> proof;
};

struct ReferenceTree {
  std::vector<std::string> leaves;  // Leaf inputs (bytes).
  std::vector<Hash> roots;          // roots[i] is the root of the first i + 1 leaves.
  std::vector<InclusionVector> inclusion;
  std::vector<ConsistencyVector> consistency;

  std::vector<Hash> LeafHashes() const {
    std::vector<Hash> hashes;
    for (const std::string& leaf : leaves) hashes.push_back(LeafHash(leaf));
    return hashes;
  }
  const Hash& RootOf(uint64_t size) const { return roots.at(size - 1); }
};

inline std::filesystem::path TestdataDir() {
  return std::filesystem::path(__FILE__).parent_path() / "testdata" / "merkle";
}

inline std::string BytesFromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

inline Hash MustHash(const std::string& hex) {
  absl::StatusOr<Hash> hash = HashFromHex(hex);
  EXPECT_TRUE(hash.ok()) << hash.status();
  return hash.ok() ? *hash : Hash{};
}

// Parses the data file; records a test failure (and returns what it could read) on malformed lines.
inline ReferenceTree LoadReferenceTree() {
  ReferenceTree tree;
  const std::filesystem::path path = TestdataDir() / "rfc6962_tree.txt";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind;
    if (!(fields >> kind) || kind[0] == '#') continue;
    std::vector<std::string> rest;
    for (std::string field; fields >> field;) rest.push_back(field);
    if (kind == "leaf" && !rest.empty()) {
      EXPECT_EQ(std::stoull(rest[0]), tree.leaves.size()) << line;
      tree.leaves.push_back(rest.size() > 1 ? BytesFromHex(rest[1]) : std::string());
    } else if (kind == "root" && rest.size() == 2) {
      EXPECT_EQ(std::stoull(rest[0]), tree.roots.size() + 1) << line;
      tree.roots.push_back(MustHash(rest[1]));
    } else if (kind == "inclusion" && rest.size() >= 2) {
      InclusionVector v{std::stoull(rest[0]), std::stoull(rest[1]), {}};
      for (size_t i = 2; i < rest.size(); ++i) v.proof.push_back(MustHash(rest[i]));
      tree.inclusion.push_back(std::move(v));
    } else if (kind == "consistency" && rest.size() >= 2) {
      ConsistencyVector v{std::stoull(rest[0]), std::stoull(rest[1]), {}};
      for (size_t i = 2; i < rest.size(); ++i) v.proof.push_back(MustHash(rest[i]));
      tree.consistency.push_back(std::move(v));
    } else {
      ADD_FAILURE() << "malformed line in " << path << ": " << line;
    }
  }
  return tree;
}

// Leaf hashes of `n` distinct deterministic leaves ("leaf 0", "leaf 1", ...).
inline std::vector<Hash> SyntheticLeafHashes(uint64_t n) {
  std::vector<Hash> hashes;
  hashes.reserve(n);
  for (uint64_t i = 0; i < n; ++i) hashes.push_back(LeafHash("leaf " + std::to_string(i)));
  return hashes;
}

inline Hash FlipBit(Hash hash, size_t bit) {
  hash[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return hash;
}

}  // namespace pdl::merkle::test_vectors

#endif  // PDL_TESTS_LEDGER_MERKLE_TEST_VECTORS_H_
