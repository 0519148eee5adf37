#ifndef PDL_LEDGER_MERKLE_HASHER_H_
#define PDL_LEDGER_MERKLE_HASHER_H_

// The hashing of RFC 9162 §2.1 (identical to RFC 6962 §2.1) with SHA-256:
//
//   LeafHash(d)    = SHA-256(0x00 || d)
//   NodeHash(l, r) = SHA-256(0x01 || l || r)
//   EmptyRoot()    = SHA-256("")            (the root of the tree with no leaves)
//
// The one-byte prefixes separate the leaf and interior domains, so no leaf can be passed off as an interior node
// (second-preimage resistance of the tree). Everything here is a pure function and thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pdl::merkle {

inline constexpr size_t kHashSize = 32;
using Hash = std::array<uint8_t, kHashSize>;

[[nodiscard]] Hash LeafHash(std::string_view leaf_data);
[[nodiscard]] Hash LeafHash(std::span<const uint8_t> leaf_data);
[[nodiscard]] Hash NodeHash(const Hash& left, const Hash& right);
[[nodiscard]] Hash EmptyRoot();

// Lowercase hexadecimal, 64 characters.
[[nodiscard]] std::string HashToHex(const Hash& hash);
// INVALID_ARGUMENT unless `hex` is exactly 64 hexadecimal digits (either case).
[[nodiscard]] absl::StatusOr<Hash> HashFromHex(std::string_view hex);
// INVALID_ARGUMENT unless `bytes` holds exactly 32 bytes ("hash has 31 bytes, want 32").
[[nodiscard]] absl::StatusOr<Hash> HashFromBytes(std::string_view bytes);
[[nodiscard]] inline std::string_view HashBytes(const Hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

}  // namespace pdl::merkle

#endif  // PDL_LEDGER_MERKLE_HASHER_H_
