#ifndef PDL_LEDGER_CHECKPOINT_NOTE_H_
#define PDL_LEDGER_CHECKPOINT_NOTE_H_

// Signed notes (c2sp.org/signed-note, the format of golang.org/x/mod/sumdb/note) with Ed25519 keys.
//
// A signed note is a text ending in a newline, a blank line, and one or more signature lines
//
//   — <key name> base64(key ID (4 bytes, big-endian) || Ed25519 signature of the text (64 bytes))
//
// (em dash U+2014, space). The key ID is the first 4 bytes of SHA-256(name || "\n" || 0x01 || public key). Keys are
// exchanged in the note encodings:
//
//   verifier key  <name>+<key ID, 8 hex digits>+<base64(0x01 || 32-byte public key)>
//   signer key    PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || 32-byte Ed25519 seed)>   (a secret)
//
// OpenNote accepts a note only if at least one signature comes from a known key and every signature from a known
// key verifies; signatures from unknown keys (for instance witness cosignatures) are reported, not trusted.
// Status codes: INVALID_ARGUMENT for malformed keys, texts and notes (the message names the line or byte);
// DATA_LOSS for a signature of a known key that does not verify (the note was altered or forged);
// FAILED_PRECONDITION when no signature comes from a known key (nothing to trust; configure the right verifier).
//
// NoteSigner and NoteVerifier are immutable values, safe to share between threads; the functions are thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pdl::checkpoint {

inline constexpr uint8_t kEd25519SignatureType = 0x01;
inline constexpr size_t kEd25519KeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;
// Notes with more signatures are refused as malformed (the spec requires accepting at least 16).
inline constexpr size_t kMaxNoteSignatures = 100;

using Ed25519PublicKey = std::array<uint8_t, kEd25519KeySize>;

// The recommended key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || public_key)[:4], big-endian.
[[nodiscard]] uint32_t Ed25519KeyId(std::string_view name, const Ed25519PublicKey& public_key);

class NoteVerifier {
 public:
  // Parses a verifier key. INVALID_ARGUMENT for a bad name, a key ID that is not 8 hex digits or does not match the
  // key, a signature type other than Ed25519 (0x01), or a public key that is not 32 bytes of base64.
  [[nodiscard]] static absl::StatusOr<NoteVerifier> FromKey(std::string_view verifier_key);
  // INVALID_ARGUMENT for an invalid key name.
  [[nodiscard]] static absl::StatusOr<NoteVerifier> FromPublicKey(std::string_view name,
                                                                  const Ed25519PublicKey& public_key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const Ed25519PublicKey& public_key() const { return public_key_; }
  // The verifier key encoding; FromKey(Key()) gives this verifier back.
  [[nodiscard]] std::string Key() const;
  // True when `signature` is a valid Ed25519 signature of `message` under this key.
  [[nodiscard]] bool Verify(std::string_view message, std::span<const uint8_t> signature) const;

 private:
  friend class NoteSigner;
  NoteVerifier(std::string name, uint32_t key_id, const Ed25519PublicKey& public_key)
      : name_(std::move(name)), key_id_(key_id), public_key_(public_key) {}

  std::string name_;
  uint32_t key_id_;
  Ed25519PublicKey public_key_;
};

class NoteSigner {
 public:
  // A new random key named `name`. INVALID_ARGUMENT for an invalid key name; INTERNAL if no randomness.
  [[nodiscard]] static absl::StatusOr<NoteSigner> Generate(std::string_view name);
  // Parses a signer key; the key ID must match the public key derived from the seed. INVALID_ARGUMENT otherwise.
  [[nodiscard]] static absl::StatusOr<NoteSigner> FromKey(std::string_view signer_key);

  NoteSigner(const NoteSigner&) = default;
  NoteSigner& operator=(const NoteSigner&) = default;
  // Wipes the seed.
  ~NoteSigner();

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  // The signer key encoding. A secret: store it like a password, never log it.
  [[nodiscard]] std::string Key() const;
  [[nodiscard]] NoteVerifier Verifier() const;
  // The Ed25519 signature of `message`. INTERNAL if OpenSSL fails.
  [[nodiscard]] absl::StatusOr<std::array<uint8_t, kEd25519SignatureSize>> Sign(std::string_view message) const;

 private:
  NoteSigner(std::string name, uint32_t key_id, const std::array<uint8_t, kEd25519KeySize>& seed,
             const Ed25519PublicKey& public_key)
      : name_(std::move(name)), key_id_(key_id), seed_(seed), public_key_(public_key) {}

  std::string name_;
  uint32_t key_id_;
  std::array<uint8_t, kEd25519KeySize> seed_;
  Ed25519PublicKey public_key_;
};

// One signature line of a note.
struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  std::string base64;  // base64(key ID || signature), as in the note.

  friend bool operator==(const NoteSignature&, const NoteSignature&) = default;
};

struct OpenedNote {
  std::string text;                       // Includes its final newline.
  std::vector<NoteSignature> verified;    // From known keys, all verified; never empty. Repeats dropped.
  std::vector<NoteSignature> unverified;  // From unknown keys, not checked. Repeats dropped.
};

// The signed note: `text`, a blank line and one signature line per signer, in order. INVALID_ARGUMENT when the
// text is empty, does not end in a newline, is not valid UTF-8 or holds a control character other than newline,
// when `signers` is empty, or when two signers share name and key ID.
[[nodiscard]] absl::StatusOr<std::string> SignNote(std::string_view text, std::span<const NoteSigner> signers);
[[nodiscard]] absl::StatusOr<std::string> SignNote(std::string_view text, const NoteSigner& signer);

// Parses `note` and checks its signatures against `verifiers` (matched by name and key ID). Outcomes as described
// above; INVALID_ARGUMENT also when two verifiers share the name and key ID of a signature in the note.
[[nodiscard]] absl::StatusOr<OpenedNote> OpenNote(std::string_view note, std::span<const NoteVerifier> verifiers);

}  // namespace pdl::checkpoint

#endif  // PDL_LEDGER_CHECKPOINT_NOTE_H_
