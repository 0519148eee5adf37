#ifndef PDL_LEDGER_MERKLE_COMPACT_RANGE_H_
#define PDL_LEDGER_MERKLE_COMPACT_RANGE_H_

// Compact ranges: the minimal list of complete subtrees that exactly covers a range of leaves.
//
// Every subtree an RFC 9162 proof mentions is either complete (one stored node) or lies on the right border of the
// tree: [begin, size) where begin is a multiple of a power of two larger than size - begin. The hash of such a
// border subtree is its compact range folded from the right; FoldRight does that. The compact range of [0, size)
// is the frontier that TreeAppender keeps: one node per set bit of size. Pure functions, thread-safe.

#include <cstdint>
#include <span>
#include <vector>

#include "ledger/merkle/hasher.h"
#include "ledger/merkle/node_source.h"

namespace pdl::merkle {

// The complete subtrees covering [begin, end), left to right; empty when begin == end. Requires begin <= end.
[[nodiscard]] std::vector<NodeId> RangeNodes(uint64_t begin, uint64_t end);

// RangeNodes(0, size): the right border of a tree of `size` leaves, highest level first.
[[nodiscard]] std::vector<NodeId> FrontierNodes(uint64_t size);

// The RFC 9162 hash of a border subtree from the hashes of its compact range (left to right):
// NodeHash(h[0], NodeHash(h[1], ... NodeHash(h[n-2], h[n-1]))). Requires !hashes.empty() and that the range is
// border-shaped as described above (true for every frontier and every right part of an RFC 9162 split).
[[nodiscard]] Hash FoldRight(std::span<const Hash> hashes);

}  // namespace pdl::merkle

#endif  // PDL_LEDGER_MERKLE_COMPACT_RANGE_H_
