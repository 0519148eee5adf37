// Page tokens come from callers: decoding arbitrary strings must never crash, and only INVALID_ARGUMENT naming
// page_token may come back.

#include <cstdlib>

#include "ledger/field_error.h"
#include "projections/page_token.h"
#include "tests/fuzz/fuzz_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  auto cursor = pdl::DecodePageToken(token, 42);
  if (!cursor.ok() && (cursor.status().code() != absl::StatusCode::kInvalidArgument ||
                       pdl::ErrorField(cursor.status()) != "page_token")) {
    std::abort();
  }
  if (cursor.ok() && pdl::EncodePageToken(*cursor) != token) std::abort();  // Only canonical tokens decode.
  return 0;
}

std::vector<std::string> PdlFuzzSeeds() {
  return {pdl::EncodePageToken({42, "resume-key"}), pdl::EncodePageToken({42, std::string("\0\1\2", 3)}),
          pdl::EncodePageToken({7, "other"})};
}
