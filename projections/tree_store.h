#ifndef PDL_PROJECTIONS_TREE_STORE_H_
#define PDL_PROJECTIONS_TREE_STORE_H_

// The Merkle tree of each partition on RocksDB (family `tree`) and its heads (family `heads`).
//
// Node key: u32 BE partition || u8 level || u64 BE index (13 bytes); value: the 32 raw hash bytes. Level 0 holds
// the leaf hashes, so proofs never read the log. Nodes are written only in the applier's WriteBatch, beside the
// leaves they cover, and never overwritten. Thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/merkle/node_source.h"
#include "pdl/v1/store.pb.h"

namespace rocksdb {
class Snapshot;
}

namespace pdl {

class Store;

std::string TreeNodeKey(uint32_t partition, uint32_t level, uint64_t index);

// A partition's stored tree read through one RocksDB snapshot (or the latest state when `snapshot` is null).
class RocksNodeSource final : public merkle::NodeSource {
 public:
  RocksNodeSource(const Store& store, uint32_t partition, const rocksdb::Snapshot* snapshot = nullptr)
      : store_(store), partition_(partition), snapshot_(snapshot) {}

  absl::StatusOr<merkle::Hash> GetNode(uint32_t level, uint64_t index) const override;
  absl::StatusOr<std::vector<merkle::Hash>> GetNodes(std::span<const merkle::NodeId> ids) const override;

 private:
  const Store& store_;
  uint32_t partition_;
  const rocksdb::Snapshot* snapshot_;
};

// The partition's head, std::nullopt before its first sealed event.
[[nodiscard]] absl::StatusOr<std::optional<pdl::v1::TreeHead>> ReadTreeHead(const Store& store, uint32_t partition,
                                                                          const rocksdb::Snapshot* snapshot = nullptr);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_TREE_STORE_H_
