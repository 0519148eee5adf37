#ifndef PDL_LEDGER_VAULT_IDENTITY_CIPHER_H_
#define PDL_LEDGER_VAULT_IDENTITY_CIPHER_H_

// Crypto for the subject key vault (crypto-shredding, DESIGN.md §8). Pure logic over OpenSSL; storage of the
// wrapped keys lives in projections/vault_store.
//
// - A DataKey is 32 random bytes, one (per version) per subject.
// - Data keys are stored wrapped by the key-encryption key (KEK): AES-256-GCM with a random 12-byte nonce,
//   associated data = "pdl-vault-v1|" + subject id, so a wrapped key cannot be moved to another subject.
//   Wrapped form: nonce(12) || ciphertext(32) || tag(16), kWrappedKeyBytes in all.
// - Identity is sealed with AES-256-GCM under the data key; associated data = "pdl-identity-v1|" + event_id;
//   plaintext = the deterministic protobuf serialization of pdl.v1.Identity (map entries sorted by key).
//   The nonce is synthetic:
//     nonce_key = HMAC-SHA256(data_key, "pdl-identity-nonce-v1")
//     nonce     = HMAC-SHA256(nonce_key, u64be(len(event_id)) || event_id || plaintext)[0..12)
//   Sealing the same identity for the same event twice therefore gives the same bytes (a retried publish is
//   recognised as a duplicate), while different plaintexts or event ids never share a nonce (up to a 2^-96
//   collision per pair). Equal sealed bytes reveal equal (event_id, identity) pairs, which is the intent.
//   SealedIdentity.ciphertext = ciphertext || tag(16).
//
// Outcomes: INVALID_ARGUMENT names the input field at fault (pdl::ErrorField); DATA_LOSS means stored or
// received ciphertext does not authenticate or has an impossible shape (wrong key, wrong subject or event id,
// altered or truncated bytes) and also names the field; INTERNAL means OpenSSL itself failed.
// Secrets held in temporaries (derived keys, serialized plaintext) are wiped with OPENSSL_cleanse before their
// memory is released, and a Key wipes its bytes when destroyed.
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
inline constexpr size_t kNonceBytes = 12;
inline constexpr size_t kTagBytes = 16;
inline constexpr size_t kWrappedKeyBytes = kNonceBytes + kKeyBytes + kTagBytes;

// A 256-bit AES key (KEK or data key). Copyable; every copy wipes its bytes when destroyed.
struct Key {
  std::array<uint8_t, kKeyBytes> bytes{};
  ~Key();
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
};

// 32 bytes from the OS CSPRNG (RAND_bytes); INTERNAL when it is not available.
[[nodiscard]] absl::StatusOr<Key> GenerateKey();
// Exactly 32 bytes, else INVALID_ARGUMENT (field "key").
[[nodiscard]] absl::StatusOr<Key> KeyFromBytes(std::string_view bytes);

// Wraps `data_key` for `subject_id` under `kek` with a fresh random nonce (so two wraps of one key differ).
// Output: nonce(12) || ciphertext(32) || tag(16). INVALID_ARGUMENT (field "subject.id") when `subject_id` is empty.
[[nodiscard]] absl::StatusOr<std::string> WrapKey(const Key& kek, std::string_view subject_id, const Key& data_key);
// Inverse of WrapKey. INVALID_ARGUMENT (field "subject.id") when `subject_id` is empty; DATA_LOSS (field
// "wrapped_key") when `wrapped` is not kWrappedKeyBytes long or its tag does not verify (wrong KEK, wrong subject,
// changed bytes).
[[nodiscard]] absl::StatusOr<Key> UnwrapKey(const Key& kek, std::string_view subject_id, std::string_view wrapped);

// Encrypts `identity` for event `event_id` under `data_key`; `key_version` is copied into the result so that a
// reader knows which data key to fetch. INVALID_ARGUMENT (field "event_id") when `event_id` is empty.
[[nodiscard]] absl::StatusOr<pdl::v1::SealedIdentity> SealIdentity(const Key& data_key, uint32_t key_version,
                                                                   const pdl::v1::Identity& identity,
                                                                   std::string_view event_id);
// Decrypts. INVALID_ARGUMENT (field "event_id") when `event_id` is empty. DATA_LOSS when the nonce is not 12 bytes
// (field "subject.sealed_identity.nonce"), the ciphertext is shorter than the tag
// (field "subject.sealed_identity.ciphertext"), or authentication fails — wrong key, wrong event id, any flipped
// bit — (field "subject.sealed_identity"). `sealed.key_version` is not checked: the caller picks the key by it.
[[nodiscard]] absl::StatusOr<pdl::v1::Identity> OpenIdentity(const Key& data_key, const pdl::v1::SealedIdentity& sealed,
                                                             std::string_view event_id);

}  // namespace pdl::vault

#endif  // PDL_LEDGER_VAULT_IDENTITY_CIPHER_H_
