#ifndef PDL_LEDGER_MERKLE_NODE_SOURCE_H_
#define PDL_LEDGER_MERKLE_NODE_SOURCE_H_

// Where proofs read the tree from: the hashes of its complete subtrees, addressed by (level, index).
//
// The node at (level, index) is the root of the perfect subtree over leaves [index << level, (index + 1) << level):
// level 0 holds the leaf hashes, level 1 the hashes of leaf pairs, and so on. Such a node becomes complete when its
// last leaf is appended and never changes afterwards, so a store only ever adds nodes, and a source holding a tree
// of size N serves the roots and proofs of every size <= N. Incomplete (right-border) subtrees are never stored;
// proof building folds them from their complete parts (ledger/merkle/compact_range.h).
//
// The storage layer implements NodeSource over its `tree` column family (ideally bound to one snapshot so that a
// proof reads one consistent tree); ledger/merkle/memory_node_source.h is the in-memory implementation.

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/merkle/hasher.h"

namespace pdl::merkle {

struct NodeId {
  uint32_t level = 0;
  uint64_t index = 0;

  friend bool operator==(const NodeId&, const NodeId&) = default;
};

// A complete subtree node and its hash, as the appender produces it and a store keeps it.
struct Node {
  NodeId id;
  Hash hash{};

  friend bool operator==(const Node&, const Node&) = default;
};

// Thread-safety: implementations must allow concurrent calls of the const methods.
class NodeSource {
 public:
  virtual ~NodeSource() = default;

  // The hash of the complete subtree at (level, index). NOT_FOUND when the node is not stored (for instance beyond
  // the stored tree size); implementations may return other codes for their own failures (e.g. DATA_LOSS for a
  // stored value that is not 32 bytes).
  [[nodiscard]] virtual absl::StatusOr<Hash> GetNode(uint32_t level, uint64_t index) const = 0;

  // The hashes of `ids`, in the same order. The default calls GetNode for each; a store overrides it with one
  // batched read (RocksDB MultiGet). Fails with the first failing node's status.
  [[nodiscard]] virtual absl::StatusOr<std::vector<Hash>> GetNodes(std::span<const NodeId> ids) const;
};

}  // namespace pdl::merkle

#endif  // PDL_LEDGER_MERKLE_NODE_SOURCE_H_
