#include "ledger/merkle/compact_range.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace pdl::merkle {

std::vector<NodeId> RangeNodes(uint64_t begin, uint64_t end) {
  assert(begin <= end);
  std::vector<NodeId> nodes;
  while (begin < end) {
    // The largest subtree that starts at `begin` (alignment) and still fits before `end`.
    uint32_t by_alignment = begin == 0 ? 63u : static_cast<uint32_t>(std::countr_zero(begin));
    uint32_t by_size = static_cast<uint32_t>(std::bit_width(end - begin)) - 1;
    uint32_t level = std::min(by_alignment, by_size);
    nodes.push_back(NodeId{level, begin >> level});
    begin += uint64_t{1} << level;
  }
  return nodes;
}

std::vector<NodeId> FrontierNodes(uint64_t size) { return RangeNodes(0, size); }

Hash FoldRight(std::span<const Hash> hashes) {
  assert(!hashes.empty());
  Hash acc = hashes.back();
  for (size_t i = hashes.size() - 1; i-- > 0;) acc = NodeHash(hashes[i], acc);
  return acc;
}

}  // namespace pdl::merkle
