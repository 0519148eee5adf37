#ifndef PDL_PROJECTIONS_STORE_CHECK_H_
#define PDL_PROJECTIONS_STORE_CHECK_H_

// The store self-check behind `ledgerd --verify-store` and the background scrub: for every partition it re-hashes
// each stored record (family `log`) in seq order, rebuilds the RFC 9162 tree from those leaves and compares every
// complete-subtree node with the stored one (family `tree`), then compares the recomputed root and size with the
// stored head (family `heads`), the head with its cursor (family `offsets`), and checks the head's signed
// checkpoint with the verifier key. Anything that differs is damage: a changed, missing, extra or reordered
// record, node or head, or a signature that does not verify.
//
// Each partition is read through one RocksDB snapshot, so the check can run while the sealer writes (every batch
// commits records, nodes, head and cursor atomically). Reports name the first difference per partition.
// Thread-safe; the cost is one pass over the partition's log and tree.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/checkpoint/note.h"

namespace pdl {

class Store;

struct StoreCheckOptions {
  // Verifies each head's signed checkpoint; with a verifier, a head without one is damage. Null: signatures are
  // not checked. Not owned.
  const checkpoint::NoteVerifier* verifier = nullptr;
  // When set, partition p's checkpoint origin must be "<origin_prefix>/<p>"; otherwise any origin naming p.
  std::string origin_prefix;
  // Only these partitions; empty: every partition that has a head, a cursor, a record or a node.
  std::vector<uint32_t> partitions;
};

struct StoreDamage {
  uint32_t partition = 0;
  // The first seq whose evidence is affected (a record's seq, or the first leaf under a damaged node);
  // std::nullopt when the head or its signature is damaged while every record and node matched.
  std::optional<uint64_t> seq;
  // What differs, e.g. "record seq 17 does not hash to the stored leaf node (0, 17)". No record contents.
  std::string what;

  // "partition=3 seq=17: <what>" (or "partition=3 head: <what>").
  std::string ToString() const;
};

struct PartitionCheck {
  uint32_t partition = 0;
  uint64_t records = 0;
  uint64_t nodes = 0;
  std::optional<StoreDamage> damage;
};

struct StoreCheckReport {
  std::vector<PartitionCheck> partitions;  // ascending
  uint64_t records = 0;
  uint64_t nodes = 0;

  bool ok() const;
  // The first damage of each damaged partition, ascending by partition.
  std::vector<StoreDamage> damages() const;
};

// Checks the store. The status is not OK only when the store cannot be read (I/O); damage is in the report.
[[nodiscard]] absl::StatusOr<StoreCheckReport> CheckStore(const Store& store, const StoreCheckOptions& options);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_STORE_CHECK_H_
