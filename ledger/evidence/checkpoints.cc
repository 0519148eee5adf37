#include "ledger/evidence/checkpoints.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/merkle/verify.h"
#include "ledger/sv.h"

namespace pdl::evidence {

absl::StatusOr<uint32_t> PartitionOfOrigin(std::string_view origin) {
  const size_t slash = origin.rfind('/');
  const std::string_view digits = slash == std::string_view::npos ? std::string_view() : origin.substr(slash + 1);
  if (digits.empty() || digits.size() > 10 || (digits.size() > 1 && digits[0] == '0')) {
    return absl::InvalidArgumentError(
        absl::StrCat("origin '", Sv(origin), "' does not end in /<partition> (a decimal number)"));
  }
  uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError(
          absl::StrCat("origin '", Sv(origin), "' does not end in /<partition> (a decimal number)"));
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > UINT32_MAX) {
    return absl::InvalidArgumentError(absl::StrCat("origin '", Sv(origin), "': partition out of range"));
  }
  return static_cast<uint32_t>(value);
}

absl::StatusOr<checkpoint::Checkpoint> OpenAnyCheckpoint(std::string_view signed_note,
                                                         const checkpoint::NoteVerifier& verifier) {
  auto opened = checkpoint::OpenNote(signed_note, std::span<const checkpoint::NoteVerifier>(&verifier, 1));
  if (!opened.ok()) return opened.status();
  auto cp = checkpoint::Checkpoint::Parse(opened->text);
  if (!cp.ok()) return cp.status();
  if (auto partition = PartitionOfOrigin(cp->origin); !partition.ok()) return partition.status();
  return cp;
}

absl::StatusOr<checkpoint::Checkpoint> OpenPartitionCheckpoint(std::string_view signed_note, uint32_t partition,
                                                               const checkpoint::NoteVerifier& verifier) {
  auto cp = OpenAnyCheckpoint(signed_note, verifier);
  if (!cp.ok()) return cp.status();
  auto named = PartitionOfOrigin(cp->origin);
  if (!named.ok()) return named.status();
  if (*named != partition) {
    return absl::FailedPreconditionError(absl::StrCat("checkpoint origin '", cp->origin, "' is of partition ", *named,
                                                      ", not of partition ", partition));
  }
  return cp;
}

absl::Status VerifyCheckpointConsistency(std::string_view old_note, std::string_view new_note,
                                         const checkpoint::NoteVerifier& verifier,
                                         std::span<const merkle::Hash> proof) {
  auto old_cp = OpenAnyCheckpoint(old_note, verifier);
  if (!old_cp.ok())
    return absl::Status(old_cp.status().code(), absl::StrCat("old checkpoint: ", old_cp.status().message()));
  auto new_cp = OpenAnyCheckpoint(new_note, verifier);
  if (!new_cp.ok())
    return absl::Status(new_cp.status().code(), absl::StrCat("new checkpoint: ", new_cp.status().message()));
  if (old_cp->origin != new_cp->origin) {
    return absl::FailedPreconditionError(
        absl::StrCat("the checkpoints are of different logs: '", old_cp->origin, "' and '", new_cp->origin, "'"));
  }
  if (new_cp->size < old_cp->size) {
    return absl::DataLossError(absl::StrCat("log ", old_cp->origin, " shrank from ", old_cp->size, " to ", new_cp->size,
                                            " leaves: an append-only log never does"));
  }
  absl::Status consistent =
      merkle::VerifyConsistency(old_cp->size, new_cp->size, old_cp->root_hash, new_cp->root_hash, proof);
  if (!consistent.ok()) {
    return absl::Status(consistent.code(), absl::StrCat("log ", old_cp->origin, ": the tree of size ", new_cp->size,
                                                        " does not extend the trusted tree of size ", old_cp->size,
                                                        ": ", consistent.message()));
  }
  return absl::OkStatus();
}

}  // namespace pdl::evidence
