#include "ledger/merkle/memory_node_source.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace pdl::merkle {

MemoryNodeSource MemoryNodeSource::FromLeafHashes(std::span<const Hash> leaf_hashes) {
  MemoryNodeSource source;
  for (const Hash& leaf_hash : leaf_hashes) {
    // Cannot fail: the appender emits every node once, in index order per level, and the size stays far below 2^64.
    source.AppendLeaf(leaf_hash).IgnoreError();
  }
  return source;
}

absl::Status MemoryNodeSource::Put(const Node& node) {
  if (node.id.level >= 64) {
    return absl::InvalidArgumentError(absl::StrCat("node level ", node.id.level, " is not below 64"));
  }
  if (levels_.size() <= node.id.level) levels_.resize(node.id.level + 1);
  std::vector<Hash>& level = levels_[node.id.level];
  if (node.id.index < level.size()) {
    if (level[node.id.index] != node.hash) {
      return absl::FailedPreconditionError(absl::StrCat("node (level ", node.id.level, ", index ", node.id.index,
                                                        ") is already stored with a different hash"));
    }
    return absl::OkStatus();
  }
  if (node.id.index > level.size()) {
    return absl::FailedPreconditionError(absl::StrCat("node (level ", node.id.level, ", index ", node.id.index,
                                                      ") would leave a gap: level holds ", level.size(), " nodes"));
  }
  level.push_back(node.hash);
  return absl::OkStatus();
}

absl::Status MemoryNodeSource::AppendLeaf(const Hash& leaf_hash) {
  TreeAppender next = appender_;
  std::vector<Node> nodes;
  if (absl::Status status = next.Append(leaf_hash, &nodes); !status.ok()) return status;
  for (const Node& node : nodes) {
    if (absl::Status status = Put(node); !status.ok()) return status;
  }
  appender_ = std::move(next);
  return absl::OkStatus();
}

absl::StatusOr<Hash> MemoryNodeSource::GetNode(uint32_t level, uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return absl::NotFoundError(absl::StrCat("node (level ", level, ", index ", index, ") is not stored"));
  }
  return levels_[level][index];
}

}  // namespace pdl::merkle
