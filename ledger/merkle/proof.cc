#include "ledger/merkle/proof.h"

#include <algorithm>
#include <bit>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/merkle/compact_range.h"

namespace pdl::merkle {
namespace {

// A subtree over leaves [begin, end) that is complete or on the right border of the tree.
struct Subtree {
  uint64_t begin;
  uint64_t end;
};

// RFC 9162's k for a subtree of n >= 2 leaves: the largest power of two smaller than n.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// Reads the nodes of all `subtrees` in one batch and returns their hashes in the same order.
absl::StatusOr<std::vector<Hash>> HashSubtrees(const NodeSource& source, const std::vector<Subtree>& subtrees) {
  std::vector<NodeId> ids;
  std::vector<size_t> first_id;  // subtree i owns ids [first_id[i], first_id[i + 1]).
  first_id.reserve(subtrees.size() + 1);
  for (const Subtree& subtree : subtrees) {
    first_id.push_back(ids.size());
    std::vector<NodeId> parts = RangeNodes(subtree.begin, subtree.end);
    ids.insert(ids.end(), parts.begin(), parts.end());
  }
  first_id.push_back(ids.size());

  absl::StatusOr<std::vector<Hash>> nodes = source.GetNodes(ids);
  if (!nodes.ok()) return nodes.status();
  if (nodes->size() != ids.size()) {
    return absl::InternalError(
        absl::StrCat("node source returned ", nodes->size(), " hashes for ", ids.size(), " nodes"));
  }
  std::vector<Hash> hashes;
  hashes.reserve(subtrees.size());
  for (size_t i = 0; i < subtrees.size(); ++i) {
    hashes.push_back(FoldRight(std::span<const Hash>(nodes->data() + first_id[i], first_id[i + 1] - first_id[i])));
  }
  return hashes;
}

}  // namespace

absl::StatusOr<Hash> RootAt(const NodeSource& source, uint64_t size) {
  if (size == 0) return EmptyRoot();
  absl::StatusOr<std::vector<Hash>> hashes = HashSubtrees(source, {Subtree{0, size}});
  if (!hashes.ok()) return hashes.status();
  return hashes->front();
}

absl::StatusOr<std::vector<Hash>> InclusionProof(const NodeSource& source, uint64_t index, uint64_t size) {
  if (index >= size) {
    return absl::InvalidArgumentError(absl::StrCat("leaf index ", index, " is out of range for tree size ", size));
  }
  // PATH(m, D[n]), walked from the root down; the proof lists the siblings from the leaf up.
  std::vector<Subtree> siblings;
  uint64_t begin = 0;
  uint64_t end = size;
  while (end - begin > 1) {
    const uint64_t split = begin + SplitPoint(end - begin);
    if (index < split) {
      siblings.push_back({split, end});
      end = split;
    } else {
      siblings.push_back({begin, split});
      begin = split;
    }
  }
  std::reverse(siblings.begin(), siblings.end());
  return HashSubtrees(source, siblings);
}

absl::StatusOr<std::vector<Hash>> ConsistencyProof(const NodeSource& source, uint64_t size1, uint64_t size2) {
  if (size1 > size2) {
    return absl::InvalidArgumentError(
        absl::StrCat("first tree size ", size1, " is larger than second tree size ", size2));
  }
  if (size1 == 0 || size1 == size2) return std::vector<Hash>{};
  // SUBPROOF(m, D[n], true), walked from the root down. `old_root_is_node` is the flag b: it stays true while the
  // old tree is a left-aligned subtree of the current one, in which case the verifier already knows its hash.
  std::vector<Subtree> subtrees;
  bool old_root_is_node = true;
  uint64_t begin = 0;
  uint64_t end = size2;
  while (end != size1) {
    const uint64_t split = begin + SplitPoint(end - begin);
    if (size1 <= split) {
      subtrees.push_back({split, end});
      end = split;
    } else {
      subtrees.push_back({begin, split});
      begin = split;
      old_root_is_node = false;
    }
  }
  if (!old_root_is_node) subtrees.push_back({begin, end});
  std::reverse(subtrees.begin(), subtrees.end());
  return HashSubtrees(source, subtrees);
}

}  // namespace pdl::merkle
