#ifndef PDL_LEDGER_EVIDENCE_BUNDLE_H_
#define PDL_LEDGER_EVIDENCE_BUNDLE_H_

// Evidence bundles: a self-contained JSON document with a data subject's sealed records, their inclusion proofs
// and the signed checkpoints they are proven against, which anyone holding the ledger's verifier key can check
// without the server (`ledgerctl export` writes one, `ledgerctl verify` checks one).
//
// Format "pdl.evidence-bundle.v1" (README.md, "Evidence bundle format"): one JSON object, keys sorted, two-space
// indentation, UTF-8, final newline; binary values in standard padded base64:
//
//   checkpoints[]   {origin, partition, root_hash, signed_note, size}   one per partition, ascending
//   entries[]       {inclusion_proof[], leaf_index, partition, record, sealed_record}
//   format          "pdl.evidence-bundle.v1"
//   subject_id      the data subject every record is about
//   verifier_key    the C2SP note verifier key that signed the checkpoints
//
// `sealed_record` is the exact SealedEvent byte string that was hashed (leaf = SHA-256(0x00 || bytes)),
// `leaf_index` its seq, `record` the human-readable view of it: the SealedEvent in protobuf JSON (proto field
// names) with `event` replaced by the decoded PrivacyEvent.
//
// Verification binds every byte of the document: the text must be exactly the canonical rendering of its own
// content (so no byte can change without changing a value), every key must be known and present, and every value
// is either checked cryptographically (signed notes, inclusion proofs) or must equal what is derived from checked
// data (origin/size/root from the note, partition/seq/record view/subject from the sealed record, verifier_key
// from the trusted key). Hence a bundle with any byte changed does not verify. Pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/note.h"
#include "ledger/merkle/hasher.h"
#include "pdl/v1/event.pb.h"
#include "pdl/v1/sealed.pb.h"

namespace pdl::evidence {

inline constexpr std::string_view kBundleFormat = "pdl.evidence-bundle.v1";

struct BundleCheckpoint {
  uint32_t partition = 0;
  std::string signed_note;
};

struct BundleEntry {
  uint32_t partition = 0;
  uint64_t leaf_index = 0;
  std::string sealed_record;
  std::vector<merkle::Hash> inclusion_proof;
};

struct Bundle {
  std::string subject_id;
  std::string verifier_key;
  std::vector<BundleCheckpoint> checkpoints;
  std::vector<BundleEntry> entries;
};

// The canonical JSON text of `bundle` (checkpoints sorted by partition; entries in the given order).
// INVALID_ARGUMENT when a sealed record or its event does not decode or a signed note is not a checkpoint
// (the readable values are derived from them). Writing does not verify: callers verify the result.
[[nodiscard]] absl::StatusOr<std::string> WriteBundle(const Bundle& bundle);

struct VerifiedEntry {
  uint32_t partition = 0;
  uint64_t seq = 0;
  merkle::Hash leaf_hash{};
  pdl::v1::SealedEvent sealed;
  pdl::v1::PrivacyEvent event;
};

struct VerifiedBundle {
  std::string subject_id;
  std::vector<checkpoint::Checkpoint> checkpoints;
  std::vector<VerifiedEntry> entries;
};

// Checks `text` with the trusted key `verifier`. OK only when everything holds. Otherwise:
//  - INVALID_ARGUMENT: not a canonical, well-formed bundle of this format (the message names the JSON path),
//    or no entries (nothing to prove);
//  - FAILED_PRECONDITION: the checkpoints are not signed by `verifier`, or the bundle names another verifier key;
//  - DATA_LOSS: a signature, an inclusion proof or a derived value does not match: the evidence was altered.
[[nodiscard]] absl::StatusOr<VerifiedBundle> VerifyBundle(std::string_view text,
                                                          const checkpoint::NoteVerifier& verifier);

}  // namespace pdl::evidence

#endif  // PDL_LEDGER_EVIDENCE_BUNDLE_H_
