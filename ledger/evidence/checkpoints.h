#ifndef PDL_LEDGER_EVIDENCE_CHECKPOINTS_H_
#define PDL_LEDGER_EVIDENCE_CHECKPOINTS_H_

// Checking the signed checkpoints of a partitioned ledger offline: each partition p of a ledger is its own log
// with origin "<prefix>/<p>", signed by the ledger's one Ed25519 note key. Pure functions, thread-safe.
//
// Status codes follow ledger/checkpoint/note.h and ledger/merkle/verify.h: INVALID_ARGUMENT for malformed notes or
// questions, FAILED_PRECONDITION when no signature comes from the trusted key or the note is of another log,
// DATA_LOSS when a signature or a proof does not verify (altered or forged evidence, or a log that did not only
// grow).

#include <cstdint>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/note.h"
#include "ledger/merkle/hasher.h"

namespace pdl::evidence {

// The partition an origin names: the decimal number after its last '/'. INVALID_ARGUMENT when there is none.
[[nodiscard]] absl::StatusOr<uint32_t> PartitionOfOrigin(std::string_view origin);

// Opens a signed checkpoint with `verifier` and checks that its origin names `partition`.
[[nodiscard]] absl::StatusOr<checkpoint::Checkpoint> OpenPartitionCheckpoint(std::string_view signed_note,
                                                                             uint32_t partition,
                                                                             const checkpoint::NoteVerifier& verifier);

// Opens a signed checkpoint of any partition with `verifier`.
[[nodiscard]] absl::StatusOr<checkpoint::Checkpoint> OpenAnyCheckpoint(std::string_view signed_note,
                                                                       const checkpoint::NoteVerifier& verifier);

// OK when both notes are signed by `verifier`, are of the same log (origin) and `proof` shows that the tree of
// `old_note` is a prefix of the tree of `new_note`. DATA_LOSS when the log shrank, forked (same size, other root)
// or the proof does not verify; FAILED_PRECONDITION for notes of different logs.
[[nodiscard]] absl::Status VerifyCheckpointConsistency(std::string_view old_note, std::string_view new_note,
                                                       const checkpoint::NoteVerifier& verifier,
                                                       std::span<const merkle::Hash> proof);

}  // namespace pdl::evidence

#endif  // PDL_LEDGER_EVIDENCE_CHECKPOINTS_H_
