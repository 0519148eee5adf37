#ifndef PDL_LEDGER_MERKLE_MEMORY_NODE_SOURCE_H_
#define PDL_LEDGER_MERKLE_MEMORY_NODE_SOURCE_H_

// An in-memory NodeSource for tests and tools (e.g. re-hashing an exported log and proving from it).
//
// Nodes are kept per level in index order and follow the same rules a durable store must follow: a node is stored
// once and never changes (Put of a different hash at a stored position is refused), and each level grows without
// gaps, which is the order TreeAppender emits nodes in. Thread-compatible: concurrent const calls are safe; Put and
// AppendLeaf need exclusive access.

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/node_source.h"
#include "ledger/merkle/tree_appender.h"

namespace pdl::merkle {

class MemoryNodeSource final : public NodeSource {
 public:
  MemoryNodeSource() = default;

  // A source holding the complete nodes of the tree with these leaf hashes.
  [[nodiscard]] static MemoryNodeSource FromLeafHashes(std::span<const Hash> leaf_hashes);

  // Stores `node`. OK when it is new and next in its level, or already stored with the same hash;
  // FAILED_PRECONDITION when it would leave a gap in its level or change a stored hash.
  [[nodiscard]] absl::Status Put(const Node& node);

  // Appends a leaf to the tree this source holds and stores the nodes that became complete.
  [[nodiscard]] absl::Status AppendLeaf(const Hash& leaf_hash);

  // The number of leaves appended through AppendLeaf / FromLeafHashes.
  uint64_t size() const { return appender_.size(); }
  Hash Root() const { return appender_.Root(); }

  // NOT_FOUND "node (level 3, index 5) is not stored" for a missing node.
  [[nodiscard]] absl::StatusOr<Hash> GetNode(uint32_t level, uint64_t index) const override;

 private:
  std::vector<std::vector<Hash>> levels_;
  TreeAppender appender_;
};

}  // namespace pdl::merkle

#endif  // PDL_LEDGER_MERKLE_MEMORY_NODE_SOURCE_H_
