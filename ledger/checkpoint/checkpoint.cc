#include "ledger/checkpoint/checkpoint.h"

#include <limits>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/checkpoint/internal/text.h"

namespace pdl::checkpoint {
namespace {

using internal::ToAbsl;

// Checks one line that Format writes verbatim: non-empty, no newline, note characters only.
absl::Status CheckLine(std::string_view line, std::string_view what) {
  if (line.empty()) return absl::InvalidArgumentError(absl::StrCat("checkpoint ", ToAbsl(what), " is empty"));
  if (line.find('\n') != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint ", ToAbsl(what), " contains a newline"));
  }
  return internal::CheckNoteCharacters(line, absl::StrCat("checkpoint ", ToAbsl(what)));
}

std::optional<uint64_t> ParseSize(std::string_view digits) {
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

absl::StatusOr<std::string> Checkpoint::Format() const {
  if (absl::Status status = CheckLine(origin, "origin"); !status.ok()) return status;
  for (size_t i = 0; i < extensions.size(); ++i) {
    if (absl::Status status = CheckLine(extensions[i], absl::StrCat("extension line ", i + 1)); !status.ok()) {
      return status;
    }
  }
  std::string text = absl::StrCat(origin, "\n", size, "\n", internal::Base64Encode(merkle::HashBytes(root_hash)), "\n");
  for (const std::string& extension : extensions) absl::StrAppend(&text, extension, "\n");
  return text;
}

absl::StatusOr<Checkpoint> Checkpoint::Parse(std::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("checkpoint does not end in a newline");
  }
  if (absl::Status status = internal::CheckNoteCharacters(text, "checkpoint"); !status.ok()) return status;
  std::vector<std::string_view> lines;
  for (std::string_view rest = text.substr(0, text.size() - 1);;) {
    const size_t eol = rest.find('\n');
    lines.push_back(rest.substr(0, eol));
    if (eol == std::string_view::npos) break;
    rest.remove_prefix(eol + 1);
  }
  if (lines.size() < 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint has ", lines.size(), " lines, want at least 3 (origin, tree size, root hash)"));
  }

  Checkpoint checkpoint;
  if (lines[0].empty()) return absl::InvalidArgumentError("checkpoint origin (line 1) is empty");
  checkpoint.origin = std::string(lines[0]);

  std::optional<uint64_t> size = ParseSize(lines[1]);
  if (!size) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint tree size (line 2) '", ToAbsl(lines[1]),
                                                   "' is not a decimal number without leading zeros below 2^64"));
  }
  checkpoint.size = *size;

  std::optional<std::string> root = internal::Base64DecodeCanonical(lines[2]);
  if (!root) return absl::InvalidArgumentError("checkpoint root hash (line 3) is not canonical base64");
  absl::StatusOr<merkle::Hash> root_hash = merkle::HashFromBytes(*root);
  if (!root_hash.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint root hash (line 3): ", root_hash.status().message()));
  }
  checkpoint.root_hash = *root_hash;

  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return absl::InvalidArgumentError(absl::StrCat("checkpoint line ", i + 1, " is empty"));
    checkpoint.extensions.emplace_back(lines[i]);
  }
  return checkpoint;
}

absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteSigner& signer) {
  absl::StatusOr<std::string> text = checkpoint.Format();
  if (!text.ok()) return text.status();
  return SignNote(*text, signer);
}

absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view signed_note, std::string_view origin,
                                          std::span<const NoteVerifier> verifiers) {
  absl::StatusOr<OpenedNote> note = OpenNote(signed_note, verifiers);
  if (!note.ok()) return note.status();
  absl::StatusOr<Checkpoint> checkpoint = Checkpoint::Parse(note->text);
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->origin != origin) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint origin '", checkpoint->origin, "' is not '", ToAbsl(origin), "'"));
  }
  return checkpoint;
}

}  // namespace pdl::checkpoint
