#include "ledger/merkle/verify.h"

#include <bit>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace pdl::merkle {
namespace {

bool IsPowerOfTwo(uint64_t n) { return std::has_single_bit(n); }

absl::Status WrongProofSize(size_t got, uint64_t want) {
  return absl::InvalidArgumentError(absl::StrCat("wrong proof size ", got, ", want ", want));
}

absl::Status RootMismatch(std::string_view what, const Hash& calculated, const Hash& expected) {
  return absl::DataLossError(absl::StrCat("calculated ", absl::string_view(what.data(), what.size()), " ",
                                          HashToHex(calculated), " does not match the expected ", HashToHex(expected)));
}

// The number of levels, counted from the bottom, at which the path from leaf `index` to the root has a sibling
// inside the subtree shared with the last leaf `last` (both sides present), and the number of levels above that at
// which it has a left sibling (the right border, where a level without one is simply skipped).
struct PathShape {
  uint64_t inner;
  uint64_t border;
};

PathShape ShapeOf(uint64_t index, uint64_t last) {
  const uint64_t inner = static_cast<uint64_t>(std::bit_width(index ^ last));
  const uint64_t border = inner >= 64 ? 0 : static_cast<uint64_t>(std::popcount(index >> inner));
  return {inner, border};
}

}  // namespace

uint64_t InclusionProofSize(uint64_t index, uint64_t size) {
  const PathShape shape = ShapeOf(index, size - 1);
  return shape.inner + shape.border;
}

uint64_t ConsistencyProofSize(uint64_t size1, uint64_t size2) {
  if (size1 == 0 || size1 >= size2) return 0;
  // The proof is the path of the largest complete subtree ending at size1 (at level `shift`) within the new tree,
  // preceded by that subtree's own hash unless it is the whole old tree.
  const int shift = std::countr_zero(size1);
  const PathShape shape = ShapeOf((size1 - 1) >> shift, (size2 - 1) >> shift);
  return shape.inner + shape.border + (IsPowerOfTwo(size1) ? 0 : 1);
}

absl::StatusOr<Hash> RootFromInclusionProof(const Hash& leaf_hash, uint64_t index, uint64_t size,
                                            std::span<const Hash> proof) {
  if (index >= size) {
    return absl::InvalidArgumentError(absl::StrCat("leaf index ", index, " is out of range for tree size ", size));
  }
  if (const uint64_t want = InclusionProofSize(index, size); proof.size() != want) {
    return WrongProofSize(proof.size(), want);
  }
  // RFC 9162 §2.1.3.2, steps 2-5.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return absl::InternalError("inclusion proof walked past the root");
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::InternalError("inclusion proof ended below the root");
  return r;
}

absl::Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size, std::span<const Hash> proof,
                             const Hash& root) {
  absl::StatusOr<Hash> calculated = RootFromInclusionProof(leaf_hash, index, size, proof);
  if (!calculated.ok()) return calculated.status();
  if (*calculated != root) return RootMismatch("root", *calculated, root);
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                               std::span<const Hash> proof) {
  if (size1 > size2) {
    return absl::InvalidArgumentError(
        absl::StrCat("first tree size ", size1, " is larger than second tree size ", size2));
  }
  if (const uint64_t want = ConsistencyProofSize(size1, size2); proof.size() != want) {
    return WrongProofSize(proof.size(), want);
  }
  if (size1 == size2) {
    if (root1 != root2) {
      return absl::DataLossError(
          absl::StrCat("roots differ for equal tree sizes ", size1, ": ", HashToHex(root1), " and ", HashToHex(root2)));
    }
    return absl::OkStatus();
  }
  if (size1 == 0) {
    if (root1 != EmptyRoot()) {
      return absl::DataLossError(absl::StrCat("root1 ", HashToHex(root1), " of tree size 0 is not the empty tree root ",
                                              HashToHex(EmptyRoot())));
    }
    return absl::OkStatus();
  }

  // RFC 9162 §2.1.4.2, steps 2-7. When size1 is a power of two the old root is itself a node of the new tree and
  // the proof omits it, so it seeds the walk.
  std::span<const Hash> path = proof;
  Hash seed = root1;
  if (!IsPowerOfTwo(size1)) {
    seed = path.front();
    path = path.subspan(1);
  }
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = seed;
  Hash sr = seed;
  for (const Hash& c : path) {
    if (sn == 0) return absl::InternalError("consistency proof walked past the root");
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::InternalError("consistency proof ended below the root");
  if (fr != root1) return RootMismatch("root1", fr, root1);
  if (sr != root2) return RootMismatch("root2", sr, root2);
  return absl::OkStatus();
}

}  // namespace pdl::merkle
