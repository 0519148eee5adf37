#include <cctype>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/merkle/hasher.h"
#include "merkle_test_vectors.h"

namespace pdl::merkle {
namespace {

using test_vectors::MustHash;
using ::testing::HasSubstr;

// Vectors of transparency-dev/merkle rfc6962/rfc6962_test.go.
TEST(MerkleHasherTest, EmptyRootIsSha256OfNothing) {
  EXPECT_EQ(HashToHex(EmptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(MerkleHasherTest, LeafHashPrefixesZeroByte) {
  EXPECT_EQ(HashToHex(LeafHash("")), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_EQ(HashToHex(LeafHash("L123456")), "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
}

TEST(MerkleHasherTest, NodeHashOfReferenceLeavesIsReferenceRoot) {
  const test_vectors::ReferenceTree tree = test_vectors::LoadReferenceTree();
  ASSERT_GE(tree.leaves.size(), 2u);
  EXPECT_EQ(NodeHash(LeafHash(tree.leaves[0]), LeafHash(tree.leaves[1])), tree.RootOf(2));
}

TEST(MerkleHasherTest, SpanAndStringOverloadsAgree) {
  const std::string data("\x00\x01\xff payload", 11);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  EXPECT_EQ(LeafHash(data), LeafHash(bytes));
}

TEST(MerkleHasherTest, DomainsAreSeparated) {
  const Hash a = LeafHash("a");
  const Hash b = LeafHash("b");
  const std::string concatenated = std::string(HashBytes(a)) + std::string(HashBytes(b));
  EXPECT_NE(NodeHash(a, b), LeafHash(concatenated));
  EXPECT_NE(NodeHash(a, b), NodeHash(b, a));
  EXPECT_NE(EmptyRoot(), LeafHash(""));
}

TEST(MerkleHasherTest, HexRoundTrip) {
  const Hash hash = LeafHash("round trip");
  absl::StatusOr<Hash> parsed = HashFromHex(HashToHex(hash));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, hash);
  std::string upper = HashToHex(hash);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(MustHash(upper), hash);
}

TEST(MerkleHasherTest, HexAndBytesErrorsNameTheProblem) {
  absl::StatusOr<Hash> short_hex = HashFromHex(std::string(63, 'a'));
  EXPECT_EQ(short_hex.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(short_hex.status().message()), HasSubstr("63 characters, want 64"));

  absl::StatusOr<Hash> bad_digit = HashFromHex(std::string(10, 'a') + "g" + std::string(53, 'a'));
  EXPECT_EQ(bad_digit.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_digit.status().message()), HasSubstr("offset 10"));

  absl::StatusOr<Hash> short_bytes = HashFromBytes(std::string(31, '\0'));
  EXPECT_EQ(short_bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(short_bytes.status().message()), "hash has 31 bytes, want 32");

  absl::StatusOr<Hash> exact = HashFromBytes(HashBytes(EmptyRoot()));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(*exact, EmptyRoot());
}

}  // namespace
}  // namespace pdl::merkle
