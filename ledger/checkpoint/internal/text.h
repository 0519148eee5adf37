#ifndef PDL_LEDGER_CHECKPOINT_INTERNAL_TEXT_H_
#define PDL_LEDGER_CHECKPOINT_INTERNAL_TEXT_H_

// Text rules shared by notes and checkpoints: standard base64 in its one canonical form, and the character rules
// of c2sp.org/signed-note (valid UTF-8, no ASCII control character but newline, key names without Unicode spaces
// or '+'). Pure functions, thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace pdl::checkpoint::internal {

// RFC 4648 §4 base64 with padding.
std::string Base64Encode(std::string_view bytes);

// The bytes `text` encodes, or nullopt unless `text` is exactly Base64Encode of them: no whitespace, padding
// present, unused bits zero. A canonical-only decoder gives every value one spelling, so changing any character of
// an encoded hash or signature changes the decoded bytes or is refused.
std::optional<std::string> Base64DecodeCanonical(std::string_view text);

// OK when `text` is valid UTF-8 without ASCII control characters other than newline; otherwise INVALID_ARGUMENT
// "<what>: invalid UTF-8 at byte 12" or "<what>: control character 0x09 at byte 3".
absl::Status CheckNoteCharacters(std::string_view text, std::string_view what);

// OK when `name` is a valid key name: non-empty, valid UTF-8, no control characters, no Unicode white space and
// no '+'. INVALID_ARGUMENT naming the problem otherwise.
absl::Status CheckKeyName(std::string_view name);

// absl in this build does not alias std::string_view.
inline absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace pdl::checkpoint::internal

#endif  // PDL_LEDGER_CHECKPOINT_INTERNAL_TEXT_H_
