#ifndef PDL_LEDGER_VAULT_IDENTITY_CIPHER_H_
#define PDL_LEDGER_VAULT_IDENTITY_CIPHER_H_

// Crypto for the subject key vault (crypto-shredding, DESIGN.md §8). Pure logic over OpenSSL; storage of the
// wrapped keys lives in projections/vault_store.
//
// - A DataKey is 32 random bytes, one (per version) per subject.
// - Data keys are stored wrapped by the key-encryption key (KEK): AES-256-GCM with a random nonce,
//   associated data = "pdl-vault-v1|" + subject id, so a wrapped key cannot be moved to another subject.
// - Identity is sealed with AES-256-GCM under the data key; associated data = "pdl-identity-v1|" + event_id.
//   The nonce is synthetic: the first 12 bytes of HMAC-SHA256(nonce key, event_id || plaintext), where the nonce
//   key is derived from the data key. Sealing the same identity for the same event twice therefore gives the same
//   bytes (a retried publish is recognised as a duplicate), while different plaintexts never share a nonce.
// Thread-safe (no shared state).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pdl/v1/event.pb.h"

namespace pdl::vault {

inline constexpr size_t kKeyBytes = 32;

struct Key {
  std::array<uint8_t, kKeyBytes> bytes{};
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
};

// 32 bytes from the OS CSPRNG (RAND_bytes).
[[nodiscard]] absl::StatusOr<Key> GenerateKey();
// Exactly 32 bytes, else INVALID_ARGUMENT.
[[nodiscard]] absl::StatusOr<Key> KeyFromBytes(std::string_view bytes);

// Wraps `data_key` for `subject_id` under `kek`. Output: nonce(12) || ciphertext(32) || tag(16).
[[nodiscard]] absl::StatusOr<std::string> WrapKey(const Key& kek, std::string_view subject_id, const Key& data_key);
// Inverse of WrapKey; DATA_LOSS when the tag does not verify (wrong KEK, wrong subject, changed bytes).
[[nodiscard]] absl::StatusOr<Key> UnwrapKey(const Key& kek, std::string_view subject_id, std::string_view wrapped);

// Encrypts `identity` for event `event_id` under `data_key` (version `key_version`).
[[nodiscard]] absl::StatusOr<pdl::v1::SealedIdentity> SealIdentity(const Key& data_key, uint32_t key_version,
                                                                   const pdl::v1::Identity& identity,
                                                                   std::string_view event_id);
// Decrypts; DATA_LOSS when authentication fails (wrong key, wrong event id, any flipped bit).
[[nodiscard]] absl::StatusOr<pdl::v1::Identity> OpenIdentity(const Key& data_key,
                                                             const pdl::v1::SealedIdentity& sealed,
                                                             std::string_view event_id);

}  // namespace pdl::vault

#endif  // PDL_LEDGER_VAULT_IDENTITY_CIPHER_H_
