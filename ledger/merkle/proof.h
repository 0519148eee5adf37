#ifndef PDL_LEDGER_MERKLE_PROOF_H_
#define PDL_LEDGER_MERKLE_PROOF_H_

// Building tree heads and proofs (RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1) from stored complete-subtree nodes.
//
// Each function plans the subtrees it needs, reads all their nodes with one NodeSource::GetNodes call and folds
// the incomplete right-border subtree (at most one per proof) from its complete parts, so it reads O(log size)
// nodes. The output is exactly RFC 9162's MTH, PATH and PROOF; ledger/merkle/verify.h checks it.
//
// A NodeSource holding a tree of size N serves every size <= N; asking for a larger size fails with the source's
// status for the first missing node (NOT_FOUND from MemoryNodeSource). Thread-safe if the source is.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/node_source.h"

namespace pdl::merkle {

// MTH of the first `size` leaves; EmptyRoot() for size 0 (no reads). Reads popcount(size) nodes.
[[nodiscard]] absl::StatusOr<Hash> RootAt(const NodeSource& source, uint64_t size);

// The audit path of leaf `index` in the tree of `size` leaves, leaf-side sibling first.
// Requires index < size (INVALID_ARGUMENT otherwise).
[[nodiscard]] absl::StatusOr<std::vector<Hash>> InclusionProof(const NodeSource& source, uint64_t index, uint64_t size);

// The consistency proof from the tree of `size1` leaves to the tree of `size2` leaves; empty when
// size1 == 0 or size1 == size2 (no reads). Requires size1 <= size2 (INVALID_ARGUMENT otherwise).
[[nodiscard]] absl::StatusOr<std::vector<Hash>> ConsistencyProof(const NodeSource& source, uint64_t size1,
                                                                 uint64_t size2);

}  // namespace pdl::merkle

#endif  // PDL_LEDGER_MERKLE_PROOF_H_
