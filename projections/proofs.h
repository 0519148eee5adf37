#ifndef PDL_PROJECTIONS_PROOFS_H_
#define PDL_PROJECTIONS_PROOFS_H_

// Proof queries over the stored Merkle trees (families `tree` and `heads`, projections/tree_store.h): a
// partition's signed checkpoint, RFC 9162 inclusion proofs (leaf index = seq) and consistency proofs. Proofs are
// built from stored complete-subtree nodes in O(log n) reads (ledger/merkle/proof.h).
//
// Every query reads the head and the nodes through one RocksDB snapshot, so a proof always matches a tree head
// that was committed; proofs for any size up to the current head can be served because stored nodes never change.
//
// Errors name the request field: INVALID_ARGUMENT for a partition that is not served or an impossible question
// (seq >= tree_size, first_size > second_size); OUT_OF_RANGE for a size beyond the current head (the log may grow
// to it: retry later); NOT_FOUND for a partition without sealed records; DATA_LOSS when a node the head implies is
// missing (a damaged store; `ledgerd --verify-store` names the place).
//
// Thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/merkle/hasher.h"
#include "pdl/v1/proof_service.pb.h"
#include "pdl/v1/store.pb.h"

namespace rocksdb {
class Snapshot;
}

namespace pdl {

class Store;

struct ProofConfig {
  // Partitions [0, partitions) are served.
  int partitions = 0;
  // The note verifier key of the checkpoint signer, returned by GetCheckpoint.
  std::string verifier_key;
};

// A RocksDB snapshot of `store`, released on destruction. Not copyable.
class ScopedSnapshot {
 public:
  explicit ScopedSnapshot(const Store& store);
  ~ScopedSnapshot();
  ScopedSnapshot(const ScopedSnapshot&) = delete;
  ScopedSnapshot& operator=(const ScopedSnapshot&) = delete;
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  const Store& store_;
  const rocksdb::Snapshot* snapshot_;
};

[[nodiscard]] absl::StatusOr<pdl::v1::GetCheckpointResponse> GetCheckpoint(
    const Store& store, const ProofConfig& config, const pdl::v1::GetCheckpointRequest& request);

[[nodiscard]] absl::StatusOr<pdl::v1::GetInclusionProofResponse> GetInclusionProof(
    const Store& store, const ProofConfig& config, const pdl::v1::GetInclusionProofRequest& request);

[[nodiscard]] absl::StatusOr<pdl::v1::GetConsistencyProofResponse> GetConsistencyProof(
    const Store& store, const ProofConfig& config, const pdl::v1::GetConsistencyProofRequest& request);

// The checkpoint message of a stored head (origin = first line of the signed note; "" when the head is unsigned).
pdl::v1::PartitionCheckpoint CheckpointOf(uint32_t partition, const pdl::v1::TreeHead& head);

// The inclusion proof of leaf `seq` in the partition's tree of `tree_size` leaves as of `snapshot`.
// Requires seq < tree_size <= the head size in that snapshot; DATA_LOSS when a node is missing.
[[nodiscard]] absl::StatusOr<std::vector<merkle::Hash>> InclusionProofAt(const Store& store,
                                                                         const rocksdb::Snapshot* snapshot,
                                                                         uint32_t partition, uint64_t seq,
                                                                         uint64_t tree_size);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_PROOFS_H_
