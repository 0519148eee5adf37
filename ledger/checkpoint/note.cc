#include "ledger/checkpoint/note.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/checkpoint/internal/text.h"

namespace pdl::checkpoint {
namespace {

using internal::Base64DecodeCanonical;
using internal::Base64Encode;
using internal::CheckKeyName;
using internal::CheckNoteCharacters;
using internal::ToAbsl;

constexpr std::string_view kSignerKeyPrefix = "PRIVATE+KEY+";
constexpr std::string_view kSignaturePrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space.

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

std::string KeyIdHex(uint32_t key_id) { return absl::StrFormat("%08x", key_id); }

std::string KeyLabel(std::string_view name, uint32_t key_id) {
  return absl::StrCat(ToAbsl(name), "+", KeyIdHex(key_id));
}

// Parses exactly 8 hex digits.
std::optional<uint32_t> ParseKeyId(std::string_view hex) {
  if (hex.size() != 8) return std::nullopt;
  uint32_t value = 0;
  for (char c : hex) {
    uint32_t digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    value = value << 4 | digit;
  }
  return value;
}

// Splits "<name>+<key id>+<base64 key>" (the base64 part may itself contain '+') and checks the name, the key ID
// syntax and that the key is 0x01 followed by 32 bytes. `what` names the key kind in messages.
struct EncodedKey {
  std::string name;
  uint32_t key_id;
  std::array<uint8_t, kEd25519KeySize> key;
};

absl::StatusOr<EncodedKey> ParseEncodedKey(std::string_view text, std::string_view what) {
  const size_t plus1 = text.find('+');
  const size_t plus2 = plus1 == std::string_view::npos ? plus1 : text.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": want <name>+<key ID>+<base64 key>, found fewer than 3 '+'-separated fields"));
  }
  EncodedKey out;
  out.name = std::string(text.substr(0, plus1));
  if (absl::Status status = CheckKeyName(out.name); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), ": ", status.message()));
  }
  std::optional<uint32_t> key_id = ParseKeyId(text.substr(plus1 + 1, plus2 - plus1 - 1));
  if (!key_id) return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), ": key ID is not 8 hex digits"));
  out.key_id = *key_id;
  std::optional<std::string> key = Base64DecodeCanonical(text.substr(plus2 + 1));
  if (!key) return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), ": key is not canonical base64"));
  if (key->empty() || static_cast<uint8_t>((*key)[0]) != kEd25519SignatureType) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: unsupported signature type 0x%02x, want 0x01 (Ed25519)",
                                                      std::string(what),
                                                      key->empty() ? 0u : static_cast<uint8_t>((*key)[0])));
  }
  if (key->size() != 1 + kEd25519KeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": Ed25519 key has ", key->size() - 1, " bytes, want ", kEd25519KeySize));
  }
  for (size_t i = 0; i < kEd25519KeySize; ++i) out.key[i] = static_cast<uint8_t>((*key)[1 + i]);
  return out;
}

absl::StatusOr<Ed25519PublicKey> PublicKeyFromSeed(const std::array<uint8_t, kEd25519KeySize>& seed) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  Ed25519PublicKey public_key;
  size_t len = public_key.size();
  if (key == nullptr || EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &len) != 1 ||
      len != public_key.size()) {
    return absl::InternalError("OpenSSL could not derive the Ed25519 public key");
  }
  return public_key;
}

std::string EncodeKey(uint8_t type, std::span<const uint8_t> key) {
  std::string raw(1, static_cast<char>(type));
  raw.append(reinterpret_cast<const char*>(key.data()), key.size());
  std::string out = Base64Encode(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  return out;
}

}  // namespace

uint32_t Ed25519KeyId(std::string_view name, const Ed25519PublicKey& public_key) {
  std::string input(name);
  input.push_back('\n');
  input.push_back(static_cast<char>(kEd25519SignatureType));
  input.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(input.data()), input.size(), digest);
  return uint32_t{digest[0]} << 24 | uint32_t{digest[1]} << 16 | uint32_t{digest[2]} << 8 | uint32_t{digest[3]};
}

// --- NoteVerifier ---

absl::StatusOr<NoteVerifier> NoteVerifier::FromKey(std::string_view verifier_key) {
  absl::StatusOr<EncodedKey> parsed = ParseEncodedKey(verifier_key, "verifier key");
  if (!parsed.ok()) return parsed.status();
  const uint32_t want = Ed25519KeyId(parsed->name, parsed->key);
  if (parsed->key_id != want) {
    return absl::InvalidArgumentError(absl::StrCat("verifier key: key ID ", KeyIdHex(parsed->key_id),
                                                   " does not match the key (want ", KeyIdHex(want), ")"));
  }
  return NoteVerifier(std::move(parsed->name), want, parsed->key);
}

absl::StatusOr<NoteVerifier> NoteVerifier::FromPublicKey(std::string_view name, const Ed25519PublicKey& public_key) {
  if (absl::Status status = CheckKeyName(name); !status.ok()) return status;
  return NoteVerifier(std::string(name), Ed25519KeyId(name, public_key), public_key);
}

std::string NoteVerifier::Key() const {
  return absl::StrCat(name_, "+", KeyIdHex(key_id_), "+", EncodeKey(kEd25519SignatureType, public_key_));
}

bool NoteVerifier::Verify(std::string_view message, std::span<const uint8_t> signature) const {
  if (signature.size() != kEd25519SignatureSize) return false;
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key_.data(), public_key_.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (key == nullptr || ctx == nullptr) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                          reinterpret_cast<const uint8_t*>(message.data()), message.size()) == 1;
}

// --- NoteSigner ---

absl::StatusOr<NoteSigner> NoteSigner::Generate(std::string_view name) {
  if (absl::Status status = CheckKeyName(name); !status.ok()) return status;
  std::array<uint8_t, kEd25519KeySize> seed;
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return absl::InternalError("OpenSSL could not generate random bytes for a key");
  }
  absl::StatusOr<Ed25519PublicKey> public_key = PublicKeyFromSeed(seed);
  if (!public_key.ok()) {
    OPENSSL_cleanse(seed.data(), seed.size());
    return public_key.status();
  }
  NoteSigner signer(std::string(name), Ed25519KeyId(name, *public_key), seed, *public_key);
  OPENSSL_cleanse(seed.data(), seed.size());
  return signer;
}

absl::StatusOr<NoteSigner> NoteSigner::FromKey(std::string_view signer_key) {
  if (signer_key.substr(0, kSignerKeyPrefix.size()) != kSignerKeyPrefix) {
    return absl::InvalidArgumentError("signer key: does not start with PRIVATE+KEY+");
  }
  absl::StatusOr<EncodedKey> parsed = ParseEncodedKey(signer_key.substr(kSignerKeyPrefix.size()), "signer key");
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<Ed25519PublicKey> public_key = PublicKeyFromSeed(parsed->key);
  if (!public_key.ok()) {
    OPENSSL_cleanse(parsed->key.data(), parsed->key.size());
    return public_key.status();
  }
  const uint32_t want = Ed25519KeyId(parsed->name, *public_key);
  if (parsed->key_id != want) {
    OPENSSL_cleanse(parsed->key.data(), parsed->key.size());
    return absl::InvalidArgumentError(absl::StrCat("signer key: key ID ", KeyIdHex(parsed->key_id),
                                                   " does not match the key (want ", KeyIdHex(want), ")"));
  }
  NoteSigner signer(std::move(parsed->name), want, parsed->key, *public_key);
  OPENSSL_cleanse(parsed->key.data(), parsed->key.size());
  return signer;
}

NoteSigner::~NoteSigner() { OPENSSL_cleanse(seed_.data(), seed_.size()); }

std::string NoteSigner::Key() const {
  return absl::StrCat(ToAbsl(kSignerKeyPrefix), name_, "+", KeyIdHex(key_id_), "+",
                      EncodeKey(kEd25519SignatureType, seed_));
}

NoteVerifier NoteSigner::Verifier() const { return NoteVerifier(name_, key_id_, public_key_); }

absl::StatusOr<std::array<uint8_t, kEd25519SignatureSize>> NoteSigner::Sign(std::string_view message) const {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(), seed_.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  std::array<uint8_t, kEd25519SignatureSize> signature;
  size_t len = signature.size();
  if (key == nullptr || ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &len, reinterpret_cast<const uint8_t*>(message.data()),
                     message.size()) != 1 ||
      len != signature.size()) {
    return absl::InternalError("OpenSSL could not create an Ed25519 signature");
  }
  return signature;
}

// --- Notes ---

absl::StatusOr<std::string> SignNote(std::string_view text, std::span<const NoteSigner> signers) {
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("note text: does not end in a newline");
  }
  if (absl::Status status = CheckNoteCharacters(text, "note text"); !status.ok()) return status;
  if (signers.empty()) return absl::InvalidArgumentError("note: no signers");

  std::string note(text);
  note.push_back('\n');
  std::set<std::pair<std::string, uint32_t>> seen;
  for (const NoteSigner& signer : signers) {
    if (!seen.emplace(signer.name(), signer.key_id()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("note: signer ", KeyLabel(signer.name(), signer.key_id()), " is given twice"));
    }
    absl::StatusOr<std::array<uint8_t, kEd25519SignatureSize>> signature = signer.Sign(text);
    if (!signature.ok()) return signature.status();
    std::string blob;
    const uint32_t id = signer.key_id();
    blob.push_back(static_cast<char>(id >> 24));
    blob.push_back(static_cast<char>(id >> 16));
    blob.push_back(static_cast<char>(id >> 8));
    blob.push_back(static_cast<char>(id));
    blob.append(reinterpret_cast<const char*>(signature->data()), signature->size());
    absl::StrAppend(&note, ToAbsl(kSignaturePrefix), signer.name(), " ", Base64Encode(blob), "\n");
  }
  return note;
}

absl::StatusOr<std::string> SignNote(std::string_view text, const NoteSigner& signer) {
  return SignNote(text, std::span<const NoteSigner>(&signer, 1));
}

absl::StatusOr<OpenedNote> OpenNote(std::string_view note, std::span<const NoteVerifier> verifiers) {
  if (absl::Status status = CheckNoteCharacters(note, "note"); !status.ok()) return status;
  // The text ends at the last blank line; the signature block follows it.
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return absl::InvalidArgumentError("note: no blank line between text and signatures");
  }
  OpenedNote opened;
  opened.text = std::string(note.substr(0, split + 1));
  std::string_view block = note.substr(split + 2);
  if (block.empty()) return absl::InvalidArgumentError("note: no signature lines after the blank line");
  if (block.back() != '\n') return absl::InvalidArgumentError("note: last signature line does not end in a newline");

  std::multimap<std::pair<std::string_view, uint32_t>, const NoteVerifier*> known;
  for (const NoteVerifier& verifier : verifiers) {
    known.emplace(std::pair{std::string_view(verifier.name()), verifier.key_id()}, &verifier);
  }

  std::set<std::pair<std::string, uint32_t>> seen_verified;
  std::set<std::string_view> seen_unverified;
  size_t line_number = 0;
  while (!block.empty()) {
    ++line_number;
    const size_t eol = block.find('\n');
    const std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol + 1);
    if (line_number > kMaxNoteSignatures) {
      return absl::InvalidArgumentError(absl::StrCat("note: more than ", kMaxNoteSignatures, " signatures"));
    }
    const std::string where = absl::StrCat("note: signature line ", line_number);
    if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
      return absl::InvalidArgumentError(absl::StrCat(where, " does not start with an em dash and a space"));
    }
    const std::string_view rest = line.substr(kSignaturePrefix.size());
    const size_t space = rest.find(' ');
    if (space == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(where, " has no space between key name and signature"));
    }
    const std::string_view name = rest.substr(0, space);
    const std::string_view base64 = rest.substr(space + 1);
    if (absl::Status status = CheckKeyName(name); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", status.message()));
    }
    std::optional<std::string> blob = Base64DecodeCanonical(base64);
    if (!blob) return absl::InvalidArgumentError(absl::StrCat(where, ": signature is not canonical base64"));
    if (blob->size() < 5) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": signature has ", blob->size(), " bytes, want a 4-byte key ID and a signature"));
    }
    const auto byte = [&](size_t i) { return uint32_t{static_cast<uint8_t>((*blob)[i])}; };
    const uint32_t key_id = byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
    NoteSignature signature{std::string(name), key_id, std::string(base64)};

    const auto [first, last] = known.equal_range({name, key_id});
    if (first == last) {
      if (seen_unverified.insert(line).second) opened.unverified.push_back(std::move(signature));
      continue;
    }
    if (std::next(first) != last) {
      return absl::InvalidArgumentError(
          absl::StrCat("note: verifier key ", KeyLabel(name, key_id), " is given more than once"));
    }
    // Every signature line of a known key is checked, repeats included: a note carrying a bad one is rejected.
    const std::span<const uint8_t> raw(reinterpret_cast<const uint8_t*>(blob->data()) + 4, blob->size() - 4);
    if (!first->second->Verify(opened.text, raw)) {
      return absl::DataLossError(absl::StrCat("note: invalid signature for key ", KeyLabel(name, key_id)));
    }
    if (seen_verified.emplace(std::string(name), key_id).second) opened.verified.push_back(std::move(signature));
  }
  if (opened.verified.empty()) {
    std::string unknown;
    for (const NoteSignature& signature : opened.unverified) {
      absl::StrAppend(&unknown, unknown.empty() ? "" : ", ", KeyLabel(signature.name, signature.key_id));
    }
    return absl::FailedPreconditionError(absl::StrCat("note: no signature from a known key (signed by ", unknown, ")"));
  }
  return opened;
}

}  // namespace pdl::checkpoint
