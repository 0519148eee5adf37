#ifndef PDL_LEDGER_CHECKPOINT_CHECKPOINT_H_
#define PDL_LEDGER_CHECKPOINT_CHECKPOINT_H_

// Tree heads in the C2SP tlog-checkpoint format (c2sp.org/tlog-checkpoint), the note text that a log signs:
//
//   <origin>\n                      non-empty; identifies the log (one origin per partition)
//   <tree size>\n                   ASCII decimal, no leading zeros (the empty tree is "0")
//   <base64(root hash)>\n           RFC 9162 root of the first <tree size> leaves, 32 bytes
//   <extension line>\n ...          optional, opaque, each non-empty
//
// Format and Parse are inverse: Parse(*cp.Format()) == cp for every checkpoint Format accepts, and Parse accepts
// only texts Format produces, so a checkpoint has exactly one text and one signature. Errors are INVALID_ARGUMENT
// with a message naming the line. SignCheckpoint / OpenCheckpoint wrap the text in a signed note (note.h).
// Pure, thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/checkpoint/note.h"
#include "ledger/merkle/hasher.h"

namespace pdl::checkpoint {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  merkle::Hash root_hash{};
  std::vector<std::string> extensions;

  // The note text. INVALID_ARGUMENT when the origin or an extension line is empty, contains a newline or a
  // character a signed note may not hold (invalid UTF-8, ASCII control characters).
  [[nodiscard]] absl::StatusOr<std::string> Format() const;

  // Parses a note text (with its final newline, as OpenNote returns it).
  [[nodiscard]] static absl::StatusOr<Checkpoint> Parse(std::string_view text);

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// The checkpoint as a note signed by `signer`. The spec recommends signer.name() == checkpoint.origin.
[[nodiscard]] absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteSigner& signer);

// Opens the signed note (OpenNote) and parses its text. FAILED_PRECONDITION when the checkpoint's origin is not
// `origin`: a validly signed checkpoint of another log (or partition) is not a checkpoint of this one.
[[nodiscard]] absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view signed_note, std::string_view origin,
                                                        std::span<const NoteVerifier> verifiers);

}  // namespace pdl::checkpoint

#endif  // PDL_LEDGER_CHECKPOINT_CHECKPOINT_H_
