#include "ledger/vault/identity_cipher.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <climits>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "ledger/field_error.h"

namespace pdl::vault {
namespace {

constexpr std::string_view kWrapAadPrefix = "pdl-vault-v1|";
constexpr std::string_view kIdentityAadPrefix = "pdl-identity-v1|";
constexpr std::string_view kNonceKeyLabel = "pdl-identity-nonce-v1";
constexpr size_t kSha256Bytes = 32;

constexpr std::string_view kSubjectIdField = "subject.id";
constexpr std::string_view kWrappedKeyField = "wrapped_key";
constexpr std::string_view kEventIdField = "event_id";
constexpr std::string_view kIdentityField = "subject.identity";
constexpr std::string_view kSealedField = "subject.sealed_identity";
constexpr std::string_view kSealedNonceField = "subject.sealed_identity.nonce";
constexpr std::string_view kSealedCiphertextField = "subject.sealed_identity.ciphertext";

// absl here is built with its own string_view type (ABSL_OPTION_USE_STD_STRING_VIEW 0).
absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

// Overwrites a secret buffer when leaving scope. For a string, the bytes wiped are those it holds at that time.
class WipeOnExit {
 public:
  WipeOnExit(void* data, size_t size) : data_(data), size_(size) {}
  explicit WipeOnExit(std::string* s) : string_(s) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() {
    if (string_ != nullptr) {
      OPENSSL_cleanse(string_->data(), string_->size());
    } else {
      OPENSSL_cleanse(data_, size_);
    }
  }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
  std::string* string_ = nullptr;
};

// Reports a failure of OpenSSL itself (not of the input) and leaves this thread's error queue empty.
absl::Status OpenSslError(std::string_view what) {
  const unsigned long code = ERR_peek_last_error();
  char reason[256] = "no OpenSSL error recorded";
  if (code != 0) ERR_error_string_n(code, reason, sizeof(reason));
  ERR_clear_error();
  return absl::InternalError(absl::StrCat(Absl(what), " failed: ", reason));
}

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
struct MacFree {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// HMAC-SHA256(key, concatenation of `parts`) into `out`.
absl::Status HmacSha256(std::string_view key, std::initializer_list<std::string_view> parts,
                        std::array<uint8_t, kSha256Bytes>* out) {
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (mac == nullptr) return OpenSslError("EVP_MAC_fetch(HMAC)");
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac.get()));
  if (ctx == nullptr) return OpenSslError("EVP_MAC_CTX_new");
  char digest[] = OSSL_DIGEST_NAME_SHA2_256;
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), Bytes(key), key.size(), params) != 1) return OpenSslError("EVP_MAC_init");
  for (std::string_view part : parts) {
    if (EVP_MAC_update(ctx.get(), Bytes(part), part.size()) != 1) return OpenSslError("EVP_MAC_update");
  }
  size_t written = 0;
  if (EVP_MAC_final(ctx.get(), out->data(), &written, out->size()) != 1 || written != out->size()) {
    return OpenSslError("EVP_MAC_final");
  }
  return absl::OkStatus();
}

// AES-256-GCM encryption of `plaintext` with 12-byte `nonce`; writes plaintext.size() + kTagBytes bytes
// (ciphertext || tag) to `out`.
absl::Status GcmSeal(const Key& key, const uint8_t* nonce, std::string_view aad, std::string_view plaintext,
                     uint8_t* out) {
  if (plaintext.size() > static_cast<size_t>(INT_MAX) || aad.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("AES-GCM input larger than INT_MAX bytes");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_CIPHER_CTX_new");
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes.data(), nonce) != 1) {
    return OpenSslError("AES-256-GCM encrypt init");
  }
  int len = 0;
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) {
    return OpenSslError("AES-256-GCM associated data");
  }
  int written = 0;
  if (EVP_EncryptUpdate(ctx.get(), out, &written, Bytes(plaintext), static_cast<int>(plaintext.size())) != 1) {
    return OpenSslError("AES-256-GCM encrypt");
  }
  if (EVP_EncryptFinal_ex(ctx.get(), out + written, &len) != 1) return OpenSslError("AES-256-GCM encrypt final");
  written += len;
  if (static_cast<size_t>(written) != plaintext.size()) return absl::InternalError("AES-256-GCM short output");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), out + written) != 1) {
    return OpenSslError("AES-256-GCM get tag");
  }
  return absl::OkStatus();
}

// AES-256-GCM decryption of `sealed` (ciphertext || tag, at least kTagBytes long) into `out`
// (sealed.size() - kTagBytes bytes). Returns false, with `out` wiped, when the tag does not verify.
absl::StatusOr<bool> GcmOpen(const Key& key, const uint8_t* nonce, std::string_view aad, std::string_view sealed,
                             uint8_t* out) {
  if (sealed.size() < kTagBytes) return false;
  if (sealed.size() > static_cast<size_t>(INT_MAX) || aad.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("AES-GCM input larger than INT_MAX bytes");
  }
  const size_t ciphertext_size = sealed.size() - kTagBytes;
  std::array<uint8_t, kTagBytes> tag;
  std::memcpy(tag.data(), sealed.data() + ciphertext_size, kTagBytes);

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_CIPHER_CTX_new");
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes), nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes.data(), nonce) != 1) {
    return OpenSslError("AES-256-GCM decrypt init");
  }
  int len = 0;
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) {
    return OpenSslError("AES-256-GCM associated data");
  }
  int written = 0;
  if (EVP_DecryptUpdate(ctx.get(), out, &written, Bytes(sealed), static_cast<int>(ciphertext_size)) != 1) {
    OPENSSL_cleanse(out, ciphertext_size);
    return OpenSslError("AES-256-GCM decrypt");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) != 1) {
    OPENSSL_cleanse(out, ciphertext_size);
    return OpenSslError("AES-256-GCM set tag");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out + written, &len) != 1) {
    OPENSSL_cleanse(out, ciphertext_size);
    ERR_clear_error();
    return false;
  }
  return true;
}

std::string WrapAad(std::string_view subject_id) { return absl::StrCat(Absl(kWrapAadPrefix), Absl(subject_id)); }
std::string IdentityAad(std::string_view event_id) { return absl::StrCat(Absl(kIdentityAadPrefix), Absl(event_id)); }

// The deterministic wire form of `identity` (map entries sorted), written into a buffer sized up front so that
// no copy of the plaintext is left behind by a reallocation.
absl::Status SerializeDeterministic(const v1::Identity& identity, std::string* out) {
  const size_t size = identity.ByteSizeLong();
  if (size > static_cast<size_t>(INT_MAX)) {
    return InvalidField(kIdentityField, absl::StrCat("serializes to ", size, " bytes, more than the 2 GiB limit"));
  }
  out->resize(size);
  google::protobuf::io::ArrayOutputStream stream(out->data(), static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  identity.SerializeWithCachedSizes(&coded);
  if (coded.HadError() || static_cast<size_t>(coded.ByteCount()) != size) {
    return absl::InternalError("deterministic serialization of pdl.v1.Identity did not fill its buffer");
  }
  return absl::OkStatus();
}

absl::Status SyntheticNonce(const Key& data_key, std::string_view event_id, std::string_view plaintext,
                            std::array<uint8_t, kNonceBytes>* nonce) {
  std::array<uint8_t, kSha256Bytes> nonce_key;
  WipeOnExit wipe_nonce_key(nonce_key.data(), nonce_key.size());
  if (absl::Status s = HmacSha256(data_key.view(), {kNonceKeyLabel}, &nonce_key); !s.ok()) return s;

  std::array<char, 8> length_prefix;
  uint64_t length = event_id.size();
  for (int i = 7; i >= 0; --i, length >>= 8) length_prefix[i] = static_cast<char>(length & 0xFF);

  std::array<uint8_t, kSha256Bytes> mac;
  WipeOnExit wipe_mac(mac.data(), mac.size());
  const std::string_view nonce_key_view(reinterpret_cast<const char*>(nonce_key.data()), nonce_key.size());
  if (absl::Status s = HmacSha256(
          nonce_key_view, {std::string_view(length_prefix.data(), length_prefix.size()), event_id, plaintext}, &mac);
      !s.ok()) {
    return s;
  }
  std::memcpy(nonce->data(), mac.data(), kNonceBytes);
  return absl::OkStatus();
}

}  // namespace

Key::~Key() { OPENSSL_cleanse(bytes.data(), bytes.size()); }

absl::StatusOr<Key> GenerateKey() {
  Key key;
  if (RAND_bytes(key.bytes.data(), static_cast<int>(key.bytes.size())) != 1) return OpenSslError("RAND_bytes");
  return key;
}

absl::StatusOr<Key> KeyFromBytes(std::string_view bytes) {
  if (bytes.size() != kKeyBytes) {
    return InvalidField("key", absl::StrCat("is ", bytes.size(), " bytes, want ", kKeyBytes));
  }
  Key key;
  std::memcpy(key.bytes.data(), bytes.data(), kKeyBytes);
  return key;
}

absl::StatusOr<std::string> WrapKey(const Key& kek, std::string_view subject_id, const Key& data_key) {
  if (subject_id.empty()) return InvalidField(kSubjectIdField, "must not be empty");
  std::string wrapped(kWrappedKeyBytes, '\0');
  auto* out = reinterpret_cast<uint8_t*>(wrapped.data());
  if (RAND_bytes(out, static_cast<int>(kNonceBytes)) != 1) return OpenSslError("RAND_bytes");
  if (absl::Status s = GcmSeal(kek, out, WrapAad(subject_id), data_key.view(), out + kNonceBytes); !s.ok()) {
    return s;
  }
  return wrapped;
}

absl::StatusOr<Key> UnwrapKey(const Key& kek, std::string_view subject_id, std::string_view wrapped) {
  if (subject_id.empty()) return InvalidField(kSubjectIdField, "must not be empty");
  if (wrapped.size() != kWrappedKeyBytes) {
    return FieldError(absl::StatusCode::kDataLoss, kWrappedKeyField,
                      absl::StrCat("is ", wrapped.size(), " bytes, want ", kWrappedKeyBytes));
  }
  Key key;
  absl::StatusOr<bool> authentic = GcmOpen(kek, reinterpret_cast<const uint8_t*>(wrapped.data()), WrapAad(subject_id),
                                           wrapped.substr(kNonceBytes), key.bytes.data());
  if (!authentic.ok()) return authentic.status();
  if (!*authentic) {
    return FieldError(absl::StatusCode::kDataLoss, kWrappedKeyField,
                      "does not authenticate (wrong key-encryption key, wrong subject or altered bytes)");
  }
  return key;
}

absl::StatusOr<v1::SealedIdentity> SealIdentity(const Key& data_key, uint32_t key_version, const v1::Identity& identity,
                                                std::string_view event_id) {
  if (event_id.empty()) return InvalidField(kEventIdField, "must not be empty");
  std::string plaintext;
  WipeOnExit wipe_plaintext(&plaintext);
  if (absl::Status s = SerializeDeterministic(identity, &plaintext); !s.ok()) return s;

  std::array<uint8_t, kNonceBytes> nonce;
  if (absl::Status s = SyntheticNonce(data_key, event_id, plaintext, &nonce); !s.ok()) return s;

  std::string ciphertext(plaintext.size() + kTagBytes, '\0');
  if (absl::Status s = GcmSeal(data_key, nonce.data(), IdentityAad(event_id), plaintext,
                               reinterpret_cast<uint8_t*>(ciphertext.data()));
      !s.ok()) {
    return s;
  }
  v1::SealedIdentity sealed;
  sealed.set_key_version(key_version);
  sealed.set_nonce(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  sealed.set_ciphertext(std::move(ciphertext));
  return sealed;
}

absl::StatusOr<v1::Identity> OpenIdentity(const Key& data_key, const v1::SealedIdentity& sealed,
                                          std::string_view event_id) {
  if (event_id.empty()) return InvalidField(kEventIdField, "must not be empty");
  if (sealed.nonce().size() != kNonceBytes) {
    return FieldError(absl::StatusCode::kDataLoss, kSealedNonceField,
                      absl::StrCat("is ", sealed.nonce().size(), " bytes, want ", kNonceBytes));
  }
  if (sealed.ciphertext().size() < kTagBytes) {
    return FieldError(
        absl::StatusCode::kDataLoss, kSealedCiphertextField,
        absl::StrCat("is ", sealed.ciphertext().size(), " bytes, shorter than the ", kTagBytes, "-byte tag"));
  }
  std::string plaintext(sealed.ciphertext().size() - kTagBytes, '\0');
  WipeOnExit wipe_plaintext(&plaintext);
  absl::StatusOr<bool> authentic =
      GcmOpen(data_key, reinterpret_cast<const uint8_t*>(sealed.nonce().data()), IdentityAad(event_id),
              sealed.ciphertext(), reinterpret_cast<uint8_t*>(plaintext.data()));
  if (!authentic.ok()) return authentic.status();
  if (!*authentic) {
    return FieldError(absl::StatusCode::kDataLoss, kSealedField,
                      "does not authenticate (wrong data key, wrong event id or altered bytes)");
  }
  v1::Identity identity;
  if (!identity.ParseFromString(plaintext)) {
    return FieldError(absl::StatusCode::kDataLoss, kSealedField, "decrypted bytes are not a pdl.v1.Identity");
  }
  return identity;
}

}  // namespace pdl::vault
