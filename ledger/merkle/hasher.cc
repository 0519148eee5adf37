#include "ledger/merkle/hasher.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pdl::merkle {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

const EVP_MD* Sha256() {
  // Fetched once: implicit fetching on every digest is measurably slower with OpenSSL 3.
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? static_cast<const EVP_MD*>(fetched) : EVP_sha256();
  }();
  return md;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// SHA-256 over the concatenation of `parts`. A digest failure means OpenSSL itself is broken (or out of memory);
// there is no meaningful hash to return, so the process stops rather than committing a wrong one.
Hash Digest(std::initializer_list<std::span<const uint8_t>> parts) {
  // One context per thread, re-initialised for every digest: allocating one per hash doubles the cost of appending.
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx.get(), Sha256(), nullptr) == 1;
  for (std::span<const uint8_t> part : parts) {
    ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
  }
  Hash out;
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1 && len == kHashSize;
  if (!ok) std::abort();
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Hash LeafHash(std::string_view leaf_data) {
  return LeafHash(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(leaf_data.data()), leaf_data.size()));
}

Hash LeafHash(std::span<const uint8_t> leaf_data) {
  const uint8_t prefix[1] = {kLeafPrefix};
  return Digest({prefix, leaf_data});
}

Hash NodeHash(const Hash& left, const Hash& right) {
  const uint8_t prefix[1] = {kNodePrefix};
  return Digest({prefix, left, right});
}

Hash EmptyRoot() {
  static const Hash empty = Digest({});
  return empty;
}

std::string HashToHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * kHashSize);
  for (uint8_t b : hash) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

absl::StatusOr<Hash> HashFromHex(std::string_view hex) {
  if (hex.size() != 2 * kHashSize) {
    return absl::InvalidArgumentError(absl::StrCat("hex hash has ", hex.size(), " characters, want ", 2 * kHashSize));
  }
  Hash out;
  for (size_t i = 0; i < kHashSize; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("hex hash has a non-hexadecimal character at offset ", hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

absl::StatusOr<Hash> HashFromBytes(std::string_view bytes) {
  if (bytes.size() != kHashSize) {
    return absl::InvalidArgumentError(absl::StrCat("hash has ", bytes.size(), " bytes, want ", kHashSize));
  }
  Hash out;
  for (size_t i = 0; i < kHashSize; ++i) out[i] = static_cast<uint8_t>(bytes[i]);
  return out;
}

}  // namespace pdl::merkle
