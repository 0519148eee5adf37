#ifndef PDL_LEDGER_MERKLE_VERIFY_H_
#define PDL_LEDGER_MERKLE_VERIFY_H_

// Checking inclusion and consistency proofs (RFC 9162 §2.1.3.2 and §2.1.4.2) against tree heads, offline: this
// file depends on the hasher only, so `ledgerctl verify` and third parties can use it without any store.
//
// Outcomes, by status code:
//  - OK: the proof is valid.
//  - INVALID_ARGUMENT: the question or the proof is malformed, whatever the hashes: an index outside the tree,
//    size1 > size2, or a proof of the wrong length ("wrong proof size 7, want 8"). The proof length is fully
//    determined by (index, size) or (size1, size2), so a truncated or padded proof is caught here.
//  - DATA_LOSS: the proof is well formed but the hashes do not add up: the leaf, the proof or a root hash is not
//    what the tree committed to. The evidence is corrupt or forged; retrying cannot help. (DATA_LOSS rather than
//    FAILED_PRECONDITION because the failure is about the integrity of the data presented, not about the state
//    of the verifier; FAILED_PRECONDITION stays free for "no trusted key" in ledger/checkpoint/note.h.)
// Messages name the sizes and hashes involved. Pure functions, thread-safe.

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/merkle/hasher.h"

namespace pdl::merkle {

// The number of hashes in the inclusion proof of leaf `index` in a tree of `size` leaves. Requires index < size.
[[nodiscard]] uint64_t InclusionProofSize(uint64_t index, uint64_t size);

// The number of hashes in the consistency proof from size1 to size2. Requires size1 <= size2; 0 when size1 == 0
// or size1 == size2.
[[nodiscard]] uint64_t ConsistencyProofSize(uint64_t size1, uint64_t size2);

// The root hash implied by `proof` for the leaf with hash `leaf_hash` at `index` in a tree of `size` leaves.
// INVALID_ARGUMENT when index >= size or the proof has the wrong length.
[[nodiscard]] absl::StatusOr<Hash> RootFromInclusionProof(const Hash& leaf_hash, uint64_t index, uint64_t size,
                                                          std::span<const Hash> proof);

// OK when `proof` shows that the leaf with hash `leaf_hash` is leaf `index` of the tree of `size` leaves whose root
// is `root`. INVALID_ARGUMENT or DATA_LOSS as above.
[[nodiscard]] absl::Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                                           std::span<const Hash> proof, const Hash& root);

// OK when `proof` shows that the tree of `size1` leaves with root `root1` is a prefix of the tree of `size2`
// leaves with root `root2`. Special cases: size1 == size2 needs an empty proof and root1 == root2; size1 == 0
// needs an empty proof and root1 == EmptyRoot() (the empty tree is a prefix of every tree).
[[nodiscard]] absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                                             std::span<const Hash> proof);

}  // namespace pdl::merkle

#endif  // PDL_LEDGER_MERKLE_VERIFY_H_
