#include "projections/page_token.h"

#include <openssl/sha.h>

#include <array>
#include <cstring>

#include "absl/strings/escaping.h"
#include "ledger/field_error.h"

namespace pdl {
namespace {

constexpr char kVersion = '\x03';
// Versions from 0x01 up to kVersion are recognised; the earlier ones are refused with kEarlierPageTokenReason.
constexpr char kFirstVersion = '\x01';
constexpr size_t kFingerprintBytes = 8;
constexpr size_t kChecksumBytes = 8;
constexpr size_t kMinTokenBytes = 1 + kFingerprintBytes + kChecksumBytes;
constexpr std::string_view kField = "page_token";

std::array<unsigned char, SHA256_DIGEST_LENGTH> Sha256(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return digest;
}

void AppendU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xFF));
}

uint64_t ReadU64(const unsigned char* p) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

absl::Status Malformed() { return InvalidField(kField, "malformed page token"); }

}  // namespace

uint64_t RequestFingerprint(std::string_view canonical_params) { return ReadU64(Sha256(canonical_params).data()); }

std::string EncodePageToken(const PageCursor& cursor) {
  std::string raw;
  raw.reserve(kMinTokenBytes + cursor.resume_after.size());
  raw.push_back(kVersion);
  AppendU64(&raw, cursor.request_fingerprint);
  raw.append(cursor.resume_after);
  const auto digest = Sha256(raw);
  raw.append(reinterpret_cast<const char*>(digest.data()), kChecksumBytes);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<PageCursor> DecodePageToken(std::string_view token, uint64_t expected_fingerprint) {
  if (token.empty() || token.size() > kMaxPageTokenChars) return Malformed();
  const absl::string_view encoded(token.data(), token.size());
  std::string raw;
  if (!absl::WebSafeBase64Unescape(encoded, &raw) || absl::WebSafeBase64Escape(raw) != encoded) return Malformed();
  if (raw.size() < kMinTokenBytes) return Malformed();

  const std::string_view body = std::string_view(raw).substr(0, raw.size() - kChecksumBytes);
  const auto digest = Sha256(body);
  if (std::memcmp(digest.data(), raw.data() + body.size(), kChecksumBytes) != 0) return Malformed();
  if (body[0] >= kFirstVersion && body[0] < kVersion) return InvalidField(kField, kEarlierPageTokenReason);
  if (body[0] != kVersion) return Malformed();

  PageCursor cursor;
  cursor.request_fingerprint = ReadU64(reinterpret_cast<const unsigned char*>(body.data()) + 1);
  if (cursor.request_fingerprint != expected_fingerprint) {
    return InvalidField(kField, "page token was issued for a different request");
  }
  cursor.resume_after = std::string(body.substr(1 + kFingerprintBytes));
  return cursor;
}

}  // namespace pdl
