#ifndef PDL_PROJECTIONS_PAGE_TOKEN_H_
#define PDL_PROJECTIONS_PAGE_TOKEN_H_

// AIP-158 page tokens: opaque to callers, bound to the request that produced them.
//
// A token carries a fingerprint of the request parameters (everything but page_size and page_token) and the
// key to resume after. Layout before encoding:
//   version (1 byte, 0x03) || request fingerprint (8 bytes, big-endian) || resume key (any length)
//   || checksum (first 8 bytes of SHA-256 over everything before it)
// encoded as base64url without padding (RFC 4648 §5). Tokens are stable across processes and versions of ledgerd
// that share the version byte, so a token from one replica works on another. The version changes whenever what
// a resume key means changes: 0x02 came with the lists that resume inside a row (a row key and an item index,
// queries/internal/paging.h), 0x03 with one findings row per event (read-model layout 8); a token of an earlier
// version is refused rather than resumed at the wrong place.
//
// The checksum detects corruption, not forgery: a caller can build a token for its own request. Queries must
// therefore bound their scan by the request's own range and treat resume_after only as a position inside it.
//
// An empty page_token means "first page" (AIP-158); callers check for it and do not decode it.
// Thread-safe (pure functions).

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pdl {

inline constexpr std::string_view kEarlierPageTokenReason =
    "page token was issued by an earlier version of the ledger; list again from the first page";

// Longest token DecodePageToken accepts, in characters; resume keys up to 6000 bytes stay below it.
inline constexpr size_t kMaxPageTokenChars = 8192;

struct PageCursor {
  // Fingerprint of the request parameters the token belongs to (see RequestFingerprint).
  uint64_t request_fingerprint = 0;
  // Opaque resume position (an encoded key; the next page starts strictly after it).
  std::string resume_after;
};

// A stable 64-bit fingerprint of a canonical parameter string (e.g. a deterministic serialization of the
// request with page_size and page_token cleared): the first 8 bytes of SHA-256(canonical_params), big-endian.
// Equal inputs give equal fingerprints in every process and build.
uint64_t RequestFingerprint(std::string_view canonical_params);

// The token for `cursor`; never empty.
std::string EncodePageToken(const PageCursor& cursor);

// Decodes `token` and checks it belongs to `expected_fingerprint`. INVALID_ARGUMENT naming field "page_token" with
// reason "malformed page token" when the token is empty, longer than kMaxPageTokenChars, not canonical unpadded
// base64url, too short, of an unknown version or fails its checksum; with reason kEarlierPageTokenReason when it
// is intact but of an earlier version (its position cannot be resumed); with reason "page token was issued for a
// different request" when it is intact but its fingerprint differs.
[[nodiscard]] absl::StatusOr<PageCursor> DecodePageToken(std::string_view token, uint64_t expected_fingerprint);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_PAGE_TOKEN_H_
