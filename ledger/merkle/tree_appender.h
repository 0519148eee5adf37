#ifndef PDL_LEDGER_MERKLE_TREE_APPENDER_H_
#define PDL_LEDGER_MERKLE_TREE_APPENDER_H_

// Appending leaves to an RFC 9162 Merkle tree, one partition's log, in O(log n) time and memory.
//
// The appender keeps only the frontier: the hashes of FrontierNodes(size) (compact_range.h), one per set bit of
// the size. Appending a leaf yields exactly the complete-subtree nodes that now exist and did not before: the leaf
// node (0, size) and, while the new node is a right child, its parent (1 + the number of trailing one bits of the
// old size nodes in all). The storage layer writes those nodes into the same RocksDB WriteBatch as the log entry,
// so the stored nodes always describe the stored leaves; Root() is the tree head of the new size.
//
// The sealer loads the appender once per partition (Load with the stored tree size), then for each batch calls
// Append(LeafHash(record), &nodes) per record, puts `nodes` into the WriteBatch beside the records, and takes
// Root() and size() for the partition's checkpoint.
//
// If the batch fails to commit, the appender is ahead of the store: discard it (or keep a copy taken before the
// batch) and Load again. Thread-compatible: concurrent const calls are safe, Append needs exclusive access.

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/node_source.h"

namespace pdl::merkle {

class TreeAppender {
 public:
  // The empty tree.
  TreeAppender() = default;

  // Resumes a tree of `size` leaves from the hashes of FrontierNodes(size), left to right.
  // INVALID_ARGUMENT when frontier.size() != popcount(size).
  [[nodiscard]] static absl::StatusOr<TreeAppender> FromFrontier(uint64_t size, std::vector<Hash> frontier);

  // Resumes a tree of `size` leaves by reading its frontier from `source` (popcount(size) nodes, one GetNodes
  // call). Fails with the source's status when a frontier node is missing.
  [[nodiscard]] static absl::StatusOr<TreeAppender> Load(const NodeSource& source, uint64_t size);

  uint64_t size() const { return size_; }

  // The hashes of FrontierNodes(size()), highest level first.
  const std::vector<Hash>& frontier() const { return frontier_; }

  // Appends the leaf with hash `leaf_hash` (LeafHash of the record) as leaf number size(). When `new_nodes` is not
  // null, appends to it the nodes that became complete, lowest level first: (0, size()) and its completed
  // ancestors. OUT_OF_RANGE when the tree already holds 2^64 - 1 leaves.
  [[nodiscard]] absl::Status Append(const Hash& leaf_hash, std::vector<Node>* new_nodes);

  // The root hash of the current tree; EmptyRoot() for the empty tree.
  [[nodiscard]] Hash Root() const;

 private:
  TreeAppender(uint64_t size, std::vector<Hash> frontier) : size_(size), frontier_(std::move(frontier)) {}

  uint64_t size_ = 0;
  std::vector<Hash> frontier_;
};

}  // namespace pdl::merkle

#endif  // PDL_LEDGER_MERKLE_TREE_APPENDER_H_
