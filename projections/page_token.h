#ifndef PDL_PROJECTIONS_PAGE_TOKEN_H_
#define PDL_PROJECTIONS_PAGE_TOKEN_H_

// AIP-158 page tokens: opaque to callers, bound to the request that produced them.
//
// A token carries a fingerprint of the request parameters (everything but page_size and page_token) and the
// key to resume after. It is versioned, checksummed and base64url-encoded. Decoding a token that was issued for
// other parameters, or that is malformed, is INVALID_ARGUMENT naming field "page_token". Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pdl {

struct PageCursor {
  // Fingerprint of the request parameters the token belongs to (see RequestFingerprint).
  uint64_t request_fingerprint = 0;
  // Opaque resume position (an encoded key; the next page starts strictly after it).
  std::string resume_after;
};

// A stable 64-bit fingerprint of a canonical parameter string (e.g. a deterministic serialization of the
// request with page_size and page_token cleared).
uint64_t RequestFingerprint(std::string_view canonical_params);

std::string EncodePageToken(const PageCursor& cursor);

// Decodes `token` and checks it belongs to `expected_fingerprint`.
[[nodiscard]] absl::StatusOr<PageCursor> DecodePageToken(std::string_view token, uint64_t expected_fingerprint);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_PAGE_TOKEN_H_
