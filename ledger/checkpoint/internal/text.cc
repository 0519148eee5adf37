#include "ledger/checkpoint/internal/text.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace pdl::checkpoint::internal {
namespace {

// Decodes one UTF-8 sequence at the start of `s` (non-empty). Returns its length and sets `rune`, or returns 0 for
// an invalid sequence: truncated, overlong, a surrogate or beyond U+10FFFF.
size_t DecodeRune(std::string_view s, char32_t& rune) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t b0 = byte(0);
  if (b0 < 0x80) {
    rune = b0;
    return 1;
  }
  size_t len;
  char32_t min;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    min = 0x80;
    rune = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    min = 0x800;
    rune = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    min = 0x10000;
    rune = b0 & 0x07;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((byte(i) & 0xc0) != 0x80) return 0;
    rune = (rune << 6) | (byte(i) & 0x3f);
  }
  if (rune < min || rune > 0x10ffff || (rune >= 0xd800 && rune <= 0xdfff)) return 0;
  return len;
}

// Unicode White_Space (the set Go's unicode.IsSpace reports).
bool IsUnicodeSpace(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200a;
  }
}

}  // namespace

std::string Base64Encode(std::string_view bytes) { return absl::Base64Escape(ToAbsl(bytes)); }

std::optional<std::string> Base64DecodeCanonical(std::string_view text) {
  std::string bytes;
  if (!absl::Base64Unescape(ToAbsl(text), &bytes)) return std::nullopt;
  if (absl::Base64Escape(bytes) != ToAbsl(text)) return std::nullopt;
  return bytes;
}

absl::Status CheckNoteCharacters(std::string_view text, std::string_view what) {
  size_t i = 0;
  while (i < text.size()) {
    char32_t rune = 0;
    const size_t len = DecodeRune(text.substr(i), rune);
    if (len == 0) return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), ": invalid UTF-8 at byte ", i));
    if (rune < 0x20 && rune != '\n') {
      return absl::InvalidArgumentError(absl::StrFormat("%s: control character 0x%02x at byte %d", std::string(what),
                                                        static_cast<uint32_t>(rune), i));
    }
    i += len;
  }
  return absl::OkStatus();
}

absl::Status CheckKeyName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("key name is empty");
  size_t i = 0;
  while (i < name.size()) {
    char32_t rune = 0;
    const size_t len = DecodeRune(name.substr(i), rune);
    if (len == 0) return absl::InvalidArgumentError(absl::StrCat("key name has invalid UTF-8 at byte ", i));
    if (rune == '+') return absl::InvalidArgumentError(absl::StrCat("key name contains '+' at byte ", i));
    if (IsUnicodeSpace(rune)) {
      return absl::InvalidArgumentError(absl::StrCat("key name contains white space at byte ", i));
    }
    if (rune < 0x20) {
      return absl::InvalidArgumentError(absl::StrCat("key name contains a control character at byte ", i));
    }
    i += len;
  }
  return absl::OkStatus();
}

}  // namespace pdl::checkpoint::internal
