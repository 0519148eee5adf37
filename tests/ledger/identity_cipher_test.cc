#include "ledger/vault/identity_cipher.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"
#include "ledger/field_error.h"

namespace pdl::vault {
namespace {

using ::google::protobuf::util::MessageDifferencer;

constexpr std::string_view kEventId = "evt-2023-05-08-0001";
constexpr std::string_view kSubject = "acct-42";

Key PatternKey(uint8_t first) {
  Key key;
  for (size_t i = 0; i < key.bytes.size(); ++i) key.bytes[i] = static_cast<uint8_t>(first + i);
  return key;
}

v1::Identity Alice() {
  v1::Identity identity;
  identity.set_email("alice@example.com");
  identity.set_name("Alice Example");
  identity.set_phone("+32 52 00 00 00");
  identity.set_profile_picture_url("https://example.com/alice.png");
  (*identity.mutable_other())["employee_number"] = "E-1001";
  (*identity.mutable_other())["badge"] = "B-7";
  return identity;
}

::testing::AssertionResult IsFieldError(const absl::Status& status, absl::StatusCode code, std::string_view field) {
  if (status.code() != code || ErrorField(status) != field) {
    return ::testing::AssertionFailure() << "got " << status << " (field '" << ErrorField(status) << "'), want code "
                                         << absl::StatusCodeToString(code) << " field '" << field << "'";
  }
  return ::testing::AssertionSuccess();
}

std::string FlipBit(std::string_view bytes, size_t bit) {
  std::string out(bytes);
  out[bit / 8] = static_cast<char>(out[bit / 8] ^ (1 << (bit % 8)));
  return out;
}

std::string DeterministicBytes(const v1::Identity& identity) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    EXPECT_TRUE(identity.SerializeToCodedStream(&coded));
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac;
  unsigned int size = 0;
  EXPECT_NE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &size),
            nullptr);
  return std::string(reinterpret_cast<const char*>(mac.data()), size);
}

// --- keys ---------------------------------------------------------------------------------------------------

TEST(KeyTest, GenerateKeyGivesDistinctNonZeroKeys) {
  absl::StatusOr<Key> a = GenerateKey();
  absl::StatusOr<Key> b = GenerateKey();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(a->bytes, b->bytes);
  EXPECT_NE(a->bytes, Key().bytes);
}

TEST(KeyTest, KeyFromBytesAcceptsExactly32Bytes) {
  const std::string raw(PatternKey(7).view());
  absl::StatusOr<Key> key = KeyFromBytes(raw);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->view(), raw);
}

TEST(KeyTest, KeyFromBytesRejectsOtherLengths) {
  for (size_t size : {0, 1, 16, 31, 33, 64}) {
    SCOPED_TRACE(size);
    absl::StatusOr<Key> key = KeyFromBytes(std::string(size, 'k'));
    EXPECT_TRUE(IsFieldError(key.status(), absl::StatusCode::kInvalidArgument, "key"));
    EXPECT_EQ(ErrorReason(key.status()), "is " + std::to_string(size) + " bytes, want 32");
  }
}

// --- key wrapping ---------------------------------------------------------------------------------------------

TEST(WrapKeyTest, UnwrapRecoversTheDataKey) {
  const Key kek = PatternKey(1);
  const Key data_key = PatternKey(100);
  absl::StatusOr<std::string> wrapped = WrapKey(kek, kSubject, data_key);
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(wrapped->size(), kWrappedKeyBytes);
  EXPECT_EQ(wrapped->find(data_key.view()), std::string::npos);

  absl::StatusOr<Key> unwrapped = UnwrapKey(kek, kSubject, *wrapped);
  ASSERT_TRUE(unwrapped.ok()) << unwrapped.status();
  EXPECT_EQ(unwrapped->bytes, data_key.bytes);
}

TEST(WrapKeyTest, EveryWrapUsesAFreshNonce) {
  const Key kek = PatternKey(1);
  const Key data_key = PatternKey(100);
  absl::StatusOr<std::string> first = WrapKey(kek, kSubject, data_key);
  absl::StatusOr<std::string> second = WrapKey(kek, kSubject, data_key);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(first->substr(0, kNonceBytes), second->substr(0, kNonceBytes));
  EXPECT_NE(*first, *second);
  absl::StatusOr<Key> unwrapped = UnwrapKey(kek, kSubject, *second);
  ASSERT_TRUE(unwrapped.ok()) << unwrapped.status();
  EXPECT_EQ(unwrapped->bytes, data_key.bytes);
}

TEST(WrapKeyTest, UnwrapForAnotherSubjectIsDataLoss) {
  const Key kek = PatternKey(1);
  absl::StatusOr<std::string> wrapped = WrapKey(kek, kSubject, PatternKey(100));
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  for (std::string_view other : {"acct-43", "acct-4", "acct-42 ", "ACCT-42"}) {
    SCOPED_TRACE(other);
    EXPECT_TRUE(IsFieldError(UnwrapKey(kek, other, *wrapped).status(), absl::StatusCode::kDataLoss, "wrapped_key"));
  }
}

TEST(WrapKeyTest, UnwrapUnderAnotherKekIsDataLoss) {
  absl::StatusOr<std::string> wrapped = WrapKey(PatternKey(1), kSubject, PatternKey(100));
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_TRUE(
      IsFieldError(UnwrapKey(PatternKey(2), kSubject, *wrapped).status(), absl::StatusCode::kDataLoss, "wrapped_key"));
}

TEST(WrapKeyTest, EveryFlippedBitIsDataLoss) {
  const Key kek = PatternKey(1);
  absl::StatusOr<std::string> wrapped = WrapKey(kek, kSubject, PatternKey(100));
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  for (size_t bit = 0; bit < wrapped->size() * 8; ++bit) {
    SCOPED_TRACE(bit);
    absl::StatusOr<Key> unwrapped = UnwrapKey(kek, kSubject, FlipBit(*wrapped, bit));
    EXPECT_TRUE(IsFieldError(unwrapped.status(), absl::StatusCode::kDataLoss, "wrapped_key"));
    EXPECT_EQ(ErrorReason(unwrapped.status()),
              "does not authenticate (wrong key-encryption key, wrong subject or altered bytes)");
  }
}

TEST(WrapKeyTest, WrongLengthIsDataLoss) {
  const Key kek = PatternKey(1);
  absl::StatusOr<std::string> wrapped = WrapKey(kek, kSubject, PatternKey(100));
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  struct Case {
    std::string name;
    std::string bytes;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"nonce only", wrapped->substr(0, kNonceBytes)},
      {"tag dropped", wrapped->substr(0, kWrappedKeyBytes - kTagBytes)},
      {"last byte dropped", wrapped->substr(0, kWrappedKeyBytes - 1)},
      {"byte appended", *wrapped + "x"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Key> unwrapped = UnwrapKey(kek, kSubject, c.bytes);
    EXPECT_TRUE(IsFieldError(unwrapped.status(), absl::StatusCode::kDataLoss, "wrapped_key"));
    EXPECT_EQ(ErrorReason(unwrapped.status()), "is " + std::to_string(c.bytes.size()) + " bytes, want 60");
  }
}

TEST(WrapKeyTest, EmptySubjectIsInvalidArgument) {
  const Key kek = PatternKey(1);
  EXPECT_TRUE(
      IsFieldError(WrapKey(kek, "", PatternKey(100)).status(), absl::StatusCode::kInvalidArgument, "subject.id"));
  EXPECT_TRUE(IsFieldError(UnwrapKey(kek, "", std::string(kWrappedKeyBytes, '\0')).status(),
                           absl::StatusCode::kInvalidArgument, "subject.id"));
}

// --- identity sealing -------------------------------------------------------------------------------------------

TEST(SealIdentityTest, OpenRecoversTheIdentity) {
  const Key key = PatternKey(9);
  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(key, 3, Alice(), kEventId);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(sealed->key_version(), 3u);
  EXPECT_EQ(sealed->nonce().size(), kNonceBytes);
  EXPECT_EQ(sealed->ciphertext().size(), DeterministicBytes(Alice()).size() + kTagBytes);

  absl::StatusOr<v1::Identity> opened = OpenIdentity(key, *sealed, kEventId);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*opened, Alice())) << opened->DebugString();
}

TEST(SealIdentityTest, EmptyIdentityRoundTrips) {
  const Key key = PatternKey(9);
  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(key, 1, v1::Identity(), kEventId);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(sealed->ciphertext().size(), kTagBytes);
  absl::StatusOr<v1::Identity> opened = OpenIdentity(key, *sealed, kEventId);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*opened, v1::Identity()));
}

TEST(SealIdentityTest, SameInputsGiveIdenticalBytes) {
  const Key key = PatternKey(9);
  absl::StatusOr<v1::SealedIdentity> first = SealIdentity(key, 1, Alice(), kEventId);
  absl::StatusOr<v1::SealedIdentity> second = SealIdentity(key, 1, Alice(), kEventId);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->nonce(), second->nonce());
  EXPECT_EQ(first->ciphertext(), second->ciphertext());
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
}

TEST(SealIdentityTest, MapInsertionOrderDoesNotChangeTheBytes) {
  v1::Identity forward;
  v1::Identity backward;
  constexpr int kEntries = 64;
  for (int i = 0; i < kEntries; ++i) {
    (*forward.mutable_other())["k" + std::to_string(i)] = "v" + std::to_string(i);
    (*backward.mutable_other())["k" + std::to_string(kEntries - 1 - i)] = "v" + std::to_string(kEntries - 1 - i);
  }
  const Key key = PatternKey(9);
  absl::StatusOr<v1::SealedIdentity> a = SealIdentity(key, 1, forward, kEventId);
  absl::StatusOr<v1::SealedIdentity> b = SealIdentity(key, 1, backward, kEventId);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->nonce(), b->nonce());
  EXPECT_EQ(a->ciphertext(), b->ciphertext());
}

TEST(SealIdentityTest, NonceFollowsTheDocumentedDerivation) {
  const Key key = PatternKey(9);
  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(key, 1, Alice(), kEventId);
  ASSERT_TRUE(sealed.ok()) << sealed.status();

  const std::string nonce_key = Hmac(key.view(), "pdl-identity-nonce-v1");
  std::string input(7, '\0');
  input.push_back(static_cast<char>(kEventId.size()));
  input.append(kEventId);
  input.append(DeterministicBytes(Alice()));
  EXPECT_EQ(sealed->nonce(), Hmac(nonce_key, input).substr(0, kNonceBytes));
}

// Pins the sealed format: these bytes are stored in the immutable log and must open in every later version.
// Key = bytes 0..31, plaintext = 0a 05 "a@b.c" 12 01 "A"; the values agree with Python's hmac and
// cryptography.AESGCM.
TEST(SealIdentityTest, GoldenVector) {
  v1::Identity identity;
  identity.set_email("a@b.c");
  identity.set_name("A");
  constexpr std::string_view kNonceHex = "ee19a675e9c9b03f4f3aec7c";
  constexpr std::string_view kCiphertextHex = "fe25413a5d681fae9bc6a86e1c8ddfc7145bf21a2d07ece7d1a6";

  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(PatternKey(0), 5, identity, "e1");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(sealed->key_version(), 5u);
  EXPECT_EQ(absl::BytesToHexString(sealed->nonce()), kNonceHex);
  EXPECT_EQ(absl::BytesToHexString(sealed->ciphertext()), kCiphertextHex);

  v1::SealedIdentity stored;
  stored.set_key_version(5);
  stored.set_nonce(absl::HexStringToBytes(std::string(kNonceHex)));
  stored.set_ciphertext(absl::HexStringToBytes(std::string(kCiphertextHex)));
  absl::StatusOr<v1::Identity> opened = OpenIdentity(PatternKey(0), stored, "e1");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*opened, identity));
}

TEST(SealIdentityTest, DifferentPlaintextGivesDifferentNonce) {
  const Key key = PatternKey(9);
  v1::Identity changed = Alice();
  changed.set_email("alicf@example.com");
  absl::StatusOr<v1::SealedIdentity> a = SealIdentity(key, 1, Alice(), kEventId);
  absl::StatusOr<v1::SealedIdentity> b = SealIdentity(key, 1, changed, kEventId);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(a->nonce(), b->nonce());
}

TEST(SealIdentityTest, DifferentEventIdGivesDifferentNonce) {
  const Key key = PatternKey(9);
  absl::StatusOr<v1::SealedIdentity> a = SealIdentity(key, 1, Alice(), "evt-1");
  absl::StatusOr<v1::SealedIdentity> b = SealIdentity(key, 1, Alice(), "evt-2");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(a->nonce(), b->nonce());
}

TEST(SealIdentityTest, PlaintextNeverAppearsInTheSealedBytes) {
  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(PatternKey(9), 1, Alice(), kEventId);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  const std::string bytes = sealed->SerializeAsString();
  for (std::string_view secret : {"alice@example.com", "alice", "Alice Example", "+32 52", "alice.png", "E-1001"}) {
    SCOPED_TRACE(secret);
    EXPECT_EQ(bytes.find(secret), std::string::npos);
  }
}

TEST(OpenIdentityTest, WrongEventIdIsDataLoss) {
  const Key key = PatternKey(9);
  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(key, 1, Alice(), kEventId);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  for (std::string_view other : {"evt-2023-05-08-0002", "evt-2023-05-08-000", "x"}) {
    SCOPED_TRACE(other);
    absl::StatusOr<v1::Identity> opened = OpenIdentity(key, *sealed, other);
    EXPECT_TRUE(IsFieldError(opened.status(), absl::StatusCode::kDataLoss, "subject.sealed_identity"));
    EXPECT_EQ(ErrorReason(opened.status()), "does not authenticate (wrong data key, wrong event id or altered bytes)");
  }
}

TEST(OpenIdentityTest, WrongKeyIsDataLoss) {
  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(PatternKey(9), 1, Alice(), kEventId);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_TRUE(IsFieldError(OpenIdentity(PatternKey(10), *sealed, kEventId).status(), absl::StatusCode::kDataLoss,
                           "subject.sealed_identity"));
}

TEST(OpenIdentityTest, EveryFlippedCiphertextBitIsDataLoss) {
  const Key key = PatternKey(9);
  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(key, 1, Alice(), kEventId);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  for (size_t bit = 0; bit < sealed->ciphertext().size() * 8; ++bit) {
    SCOPED_TRACE(bit);
    v1::SealedIdentity tampered = *sealed;
    tampered.set_ciphertext(FlipBit(sealed->ciphertext(), bit));
    EXPECT_TRUE(IsFieldError(OpenIdentity(key, tampered, kEventId).status(), absl::StatusCode::kDataLoss,
                             "subject.sealed_identity"));
  }
}

TEST(OpenIdentityTest, EveryFlippedNonceBitIsDataLoss) {
  const Key key = PatternKey(9);
  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(key, 1, Alice(), kEventId);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  for (size_t bit = 0; bit < kNonceBytes * 8; ++bit) {
    SCOPED_TRACE(bit);
    v1::SealedIdentity tampered = *sealed;
    tampered.set_nonce(FlipBit(sealed->nonce(), bit));
    EXPECT_TRUE(IsFieldError(OpenIdentity(key, tampered, kEventId).status(), absl::StatusCode::kDataLoss,
                             "subject.sealed_identity"));
  }
}

TEST(OpenIdentityTest, MisshapenSealedIdentityIsDataLoss) {
  const Key key = PatternKey(9);
  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(key, 1, Alice(), kEventId);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  const std::string& nonce = sealed->nonce();
  const std::string& ciphertext = sealed->ciphertext();
  struct Case {
    std::string name;
    std::string nonce;
    std::string ciphertext;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"no nonce", "", ciphertext, "subject.sealed_identity.nonce"},
      {"short nonce", nonce.substr(0, 11), ciphertext, "subject.sealed_identity.nonce"},
      {"long nonce", nonce + "x", ciphertext, "subject.sealed_identity.nonce"},
      {"no ciphertext", nonce, "", "subject.sealed_identity.ciphertext"},
      {"shorter than tag", nonce, ciphertext.substr(0, kTagBytes - 1), "subject.sealed_identity.ciphertext"},
      {"tag only", nonce, ciphertext.substr(ciphertext.size() - kTagBytes), "subject.sealed_identity"},
      {"last byte dropped", nonce, ciphertext.substr(0, ciphertext.size() - 1), "subject.sealed_identity"},
      {"first byte dropped", nonce, ciphertext.substr(1), "subject.sealed_identity"},
      {"byte appended", nonce, ciphertext + "x", "subject.sealed_identity"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::SealedIdentity tampered = *sealed;
    tampered.set_nonce(c.nonce);
    tampered.set_ciphertext(c.ciphertext);
    EXPECT_TRUE(IsFieldError(OpenIdentity(key, tampered, kEventId).status(), absl::StatusCode::kDataLoss, c.field));
  }
}

TEST(OpenIdentityTest, KeyVersionIsOutsideTheAuthenticatedData) {
  const Key key = PatternKey(9);
  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(key, 1, Alice(), kEventId);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  v1::SealedIdentity relabelled = *sealed;
  relabelled.set_key_version(2);
  absl::StatusOr<v1::Identity> opened = OpenIdentity(key, relabelled, kEventId);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*opened, Alice()));
}

TEST(SealIdentityTest, EmptyEventIdIsInvalidArgument) {
  const Key key = PatternKey(9);
  EXPECT_TRUE(IsFieldError(SealIdentity(key, 1, Alice(), "").status(), absl::StatusCode::kInvalidArgument, "event_id"));
  absl::StatusOr<v1::SealedIdentity> sealed = SealIdentity(key, 1, Alice(), kEventId);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_TRUE(IsFieldError(OpenIdentity(key, *sealed, "").status(), absl::StatusCode::kInvalidArgument, "event_id"));
}

}  // namespace
}  // namespace pdl::vault
