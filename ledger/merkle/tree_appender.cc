#include "ledger/merkle/tree_appender.h"

#include <bit>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/merkle/compact_range.h"

namespace pdl::merkle {

absl::StatusOr<TreeAppender> TreeAppender::FromFrontier(uint64_t size, std::vector<Hash> frontier) {
  const size_t want = static_cast<size_t>(std::popcount(size));
  if (frontier.size() != want) {
    return absl::InvalidArgumentError(
        absl::StrCat("frontier of tree size ", size, " has ", frontier.size(), " hashes, want ", want));
  }
  return TreeAppender(size, std::move(frontier));
}

absl::StatusOr<TreeAppender> TreeAppender::Load(const NodeSource& source, uint64_t size) {
  const std::vector<NodeId> ids = FrontierNodes(size);
  absl::StatusOr<std::vector<Hash>> hashes = source.GetNodes(ids);
  if (!hashes.ok()) return hashes.status();
  return FromFrontier(size, *std::move(hashes));
}

absl::Status TreeAppender::Append(const Hash& leaf_hash, std::vector<Node>* new_nodes) {
  if (size_ == std::numeric_limits<uint64_t>::max()) {
    return absl::OutOfRangeError(absl::StrCat("tree is full at size ", size_));
  }
  Hash hash = leaf_hash;
  uint32_t level = 0;
  if (new_nodes != nullptr) new_nodes->push_back(Node{NodeId{0, size_}, hash});
  // Each set low bit of the old size is a complete left sibling in the frontier waiting for this right child.
  while ((size_ >> level) & 1) {
    hash = NodeHash(frontier_.back(), hash);
    frontier_.pop_back();
    ++level;
    if (new_nodes != nullptr) new_nodes->push_back(Node{NodeId{level, size_ >> level}, hash});
  }
  frontier_.push_back(hash);
  ++size_;
  return absl::OkStatus();
}

Hash TreeAppender::Root() const {
  if (frontier_.empty()) return EmptyRoot();
  return FoldRight(frontier_);
}

}  // namespace pdl::merkle
