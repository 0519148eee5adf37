#include "ledger/checkpoint/note.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pdl::checkpoint {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Vectors of golang.org/x/mod/sumdb/note (note_test.go). Ed25519 signatures are deterministic, so signing the text
// with the published signer key must reproduce the published note byte for byte.
constexpr char kPeterSignerKey[] = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kPeterVerifierKey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kEnochVerifierKey[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr char kText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kPeterSig[] =
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr char kEnochSig[] =
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

// The example of the C2SP signed-note specification ("Verifier keys").
constexpr char kSpecVerifierKey[] = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr char kSpecNote[] =
    "This is an example message.\n"
    "\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

std::string Message(const absl::Status& status) { return std::string(status.message()); }

NoteVerifier MustVerifier(const std::string& key) {
  absl::StatusOr<NoteVerifier> verifier = NoteVerifier::FromKey(key);
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return *verifier;
}

NoteSigner MustSigner(const std::string& key) {
  absl::StatusOr<NoteSigner> signer = NoteSigner::FromKey(key);
  EXPECT_TRUE(signer.ok()) << signer.status();
  return *signer;
}

std::string Peter() { return std::string(kText) + "\n" + kPeterSig; }

TEST(NoteTest, SigningReproducesTheGoVector) {
  const NoteSigner signer = MustSigner(kPeterSignerKey);
  EXPECT_EQ(signer.name(), "PeterNeumann");
  EXPECT_EQ(signer.key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer.Key(), kPeterSignerKey);
  EXPECT_EQ(signer.Verifier().Key(), kPeterVerifierKey);

  absl::StatusOr<std::string> note = SignNote(kText, signer);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(*note, Peter());
}

TEST(NoteTest, OpensTheSpecExample) {
  const NoteVerifier verifier = MustVerifier(kSpecVerifierKey);
  EXPECT_EQ(verifier.name(), "example.com/foo");
  EXPECT_EQ(verifier.key_id(), 0x530d903au);
  EXPECT_EQ(verifier.Key(), kSpecVerifierKey);
  absl::StatusOr<OpenedNote> opened = OpenNote(kSpecNote, {&verifier, 1});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, "This is an example message.\n");
  ASSERT_EQ(opened->verified.size(), 1u);
  EXPECT_EQ(opened->verified[0].name, "example.com/foo");
  EXPECT_EQ(opened->verified[0].key_id, 0x530d903au);
}

TEST(NoteTest, OpenSortsSignaturesIntoVerifiedAndUnknown) {
  const NoteVerifier peter = MustVerifier(kPeterVerifierKey);
  const NoteVerifier enoch = MustVerifier(kEnochVerifierKey);
  const std::string note = std::string(kText) + "\n" + kPeterSig + kEnochSig;

  const std::vector<NoteVerifier> only_peter = {peter};
  absl::StatusOr<OpenedNote> opened = OpenNote(note, only_peter);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, kText);
  ASSERT_EQ(opened->verified.size(), 1u);
  EXPECT_EQ(opened->verified[0].name, "PeterNeumann");
  EXPECT_EQ(opened->verified[0].key_id, 0xc74f20a3u);
  ASSERT_EQ(opened->unverified.size(), 1u);
  EXPECT_EQ(opened->unverified[0].name, "EnochRoot");
  EXPECT_EQ(opened->unverified[0].key_id, 0xaf0cfe78u);

  const std::vector<NoteVerifier> both = {peter, enoch};
  opened = OpenNote(note, both);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->verified.size(), 2u);
  EXPECT_TRUE(opened->unverified.empty());
}

TEST(NoteTest, UnknownSignersOnlyIsFailedPrecondition) {
  const std::string note = std::string(kText) + "\n" + kPeterSig + kEnochSig;
  const absl::Status status = OpenNote(note, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Message(status),
            "note: no signature from a known key (signed by PeterNeumann+c74f20a3, EnochRoot+af0cfe78)");

  absl::StatusOr<NoteSigner> other = NoteSigner::Generate("PeterNeumann");
  ASSERT_TRUE(other.ok());
  const std::vector<NoteVerifier> wrong_key = {other->Verifier()};
  EXPECT_EQ(OpenNote(Peter(), wrong_key).status().code(), absl::StatusCode::kFailedPrecondition)
      << "same name, different key";
}

TEST(NoteTest, BadSignatureOfKnownKeyIsDataLoss) {
  const std::vector<NoteVerifier> peter = {MustVerifier(kPeterVerifierKey)};
  const std::string sig(kPeterSig);
  // Four more base64 characters: still canonical base64, now a 67-byte signature.
  const std::string longer = std::string(kText) + "\n" + sig.substr(0, 60) + "ABCD" + sig.substr(60);
  absl::Status status = OpenNote(longer, peter).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Message(status), "note: invalid signature for key PeterNeumann+c74f20a3");

  std::string altered = Peter();
  altered.replace(altered.find("cryptography"), 12, "cryptographY");
  status = OpenNote(altered, peter).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);

  // A valid signature does not excuse a bad one from the same key.
  status =
      OpenNote(std::string(kText) + "\n" + kPeterSig + sig.substr(0, 60) + "ABCD" + sig.substr(60), peter).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
}

TEST(NoteTest, RepeatedSignaturesAreReportedOnce) {
  const std::vector<NoteVerifier> peter = {MustVerifier(kPeterVerifierKey)};
  const std::string enoch(kEnochSig);
  const std::string enoch_abcd = enoch.substr(0, 60) + "ABCD" + enoch.substr(60);
  absl::StatusOr<OpenedNote> opened =
      OpenNote(std::string(kText) + "\n" + kPeterSig + kPeterSig + kEnochSig + kEnochSig + enoch_abcd, peter);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->verified.size(), 1u);
  ASSERT_EQ(opened->unverified.size(), 2u);
  EXPECT_EQ(opened->unverified[1].base64,
            enoch_abcd.substr(std::string("— EnochRoot ").size(),
                              enoch_abcd.size() - std::string("— EnochRoot ").size() - 1));
}

TEST(NoteTest, MalformedNotesAreInvalidArgument) {
  const std::vector<NoteVerifier> peter = {MustVerifier(kPeterVerifierKey)};
  const std::string text(kText);
  const std::string sig(kPeterSig);
  const struct {
    std::string note;
    std::string message;
  } cases[] = {
      {text, "note: no blank line between text and signatures"},
      {text + "\n", "note: no signature lines after the blank line"},
      {text + "\n" + sig.substr(0, sig.size() - 1), "note: last signature line does not end in a newline"},
      {"\x01" + text + "\n" + sig, "note: control character 0x01 at byte 0"},
      {"\xff" + text + "\n" + sig, "note: invalid UTF-8 at byte 0"},
      {text + "\n" +
           "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
       "note: signature line 1: signature is not canonical base64"},
      {text + "\n" + sig + "Unexpected line.\n", "note: signature line 2 does not start with an em dash and a space"},
      {text + "\n" + "— PeterNeumann\n", "note: signature line 1 has no space between key name and signature"},
      {text + "\n" +
           "— a+b x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
       "note: signature line 1: key name contains '+' at byte 1"},
      {text + "\n" + "— PeterNeumann AAAA\n",
       "note: signature line 1: signature has 3 bytes, want a 4-byte key ID and a signature"},
      {text + "\r\n" + sig, "note: control character 0x0d"},
  };
  for (const auto& c : cases) {
    const absl::Status status = OpenNote(c.note, peter).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.note;
    EXPECT_THAT(Message(status), HasSubstr(c.message)) << c.note;
  }
}

TEST(NoteTest, TooManySignaturesAreRefused) {
  const std::vector<NoteVerifier> peter = {MustVerifier(kPeterVerifierKey)};
  std::string note = std::string(kText) + "\n";
  for (int i = 0; i < 100; ++i) note += kPeterSig;
  EXPECT_TRUE(OpenNote(note, peter).ok());
  note += kPeterSig;
  const absl::Status status = OpenNote(note, peter).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), "note: more than 100 signatures");
}

TEST(NoteTest, AmbiguousVerifiersAreRefusedWhenUsed) {
  const NoteVerifier peter = MustVerifier(kPeterVerifierKey);
  const NoteVerifier enoch = MustVerifier(kEnochVerifierKey);
  const std::vector<NoteVerifier> list = {enoch, peter, enoch};
  const absl::Status status = OpenNote(std::string(kText) + "\n" + kEnochSig, list).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), "note: verifier key EnochRoot+af0cfe78 is given more than once");
  EXPECT_TRUE(OpenNote(Peter(), list).ok());
}

TEST(NoteTest, EveryFlippedBitIsRejected) {
  const std::vector<NoteVerifier> peter = {MustVerifier(kPeterVerifierKey)};
  const std::string note = Peter();
  ASSERT_TRUE(OpenNote(note, peter).ok());
  for (size_t i = 0; i < note.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = note;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      const absl::Status status = OpenNote(flipped, peter).status();
      ASSERT_FALSE(status.ok()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(NoteTest, VerifierKeyManglingsAreRefused) {
  const std::string key = kPeterVerifierKey;
  for (size_t i = 0; i <= key.size(); ++i) {
    for (size_t j = i + 1; j <= key.size(); ++j) {
      if (i == 0 && j == key.size()) continue;
      EXPECT_FALSE(NoteVerifier::FromKey(key.substr(i, j - i)).ok()) << key.substr(i, j - i);
    }
  }
  for (size_t i = 0; i < key.size(); ++i) {
    std::string changed = key;
    ++changed[i];
    EXPECT_FALSE(NoteVerifier::FromKey(changed).ok()) << changed;
  }
  const absl::Status bad_id =
      NoteVerifier::FromKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").status();
  EXPECT_EQ(bad_id.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(bad_id), "verifier key: key ID c74f20a4 does not match the key (want c74f20a3)");
  // Go's wrong-length key: its padding bits are not zero, which this decoder refuses before looking at the length.
  const absl::Status go_wrong_length =
      NoteVerifier::FromKey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==").status();
  EXPECT_EQ(go_wrong_length.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(go_wrong_length), HasSubstr("not canonical base64"));
  const absl::Status wrong_length =
      NoteVerifier::FromKey("PeterNeumann+334b3cac+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").status();
  EXPECT_EQ(wrong_length.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(wrong_length), HasSubstr("Ed25519 key has 31 bytes, want 32"));
  const absl::Status unknown_type =
      NoteVerifier::FromKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").status();
  EXPECT_EQ(unknown_type.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(unknown_type), HasSubstr("unsupported signature type 0x65"));
}

TEST(NoteTest, SignerKeyManglingsAreRefused) {
  const std::string key = kPeterSignerKey;
  for (size_t i = 0; i <= key.size(); ++i) {
    for (size_t j = i + 1; j <= key.size(); ++j) {
      if (i == 0 && j == key.size()) continue;
      EXPECT_FALSE(NoteSigner::FromKey(key.substr(i, j - i)).ok()) << key.substr(i, j - i);
    }
  }
  for (size_t i = 0; i < key.size(); ++i) {
    std::string changed = key;
    ++changed[i];
    EXPECT_FALSE(NoteSigner::FromKey(changed).ok()) << changed;
  }
}

TEST(NoteTest, GeneratedKeysRoundTripAndSign) {
  absl::StatusOr<NoteSigner> signer = NoteSigner::Generate("pdl.example/ledger");
  ASSERT_TRUE(signer.ok()) << signer.status();
  absl::StatusOr<NoteSigner> reloaded = NoteSigner::FromKey(signer->Key());
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ(reloaded->key_id(), signer->key_id());
  const NoteVerifier verifier = MustVerifier(signer->Verifier().Key());
  EXPECT_EQ(verifier.key_id(), Ed25519KeyId("pdl.example/ledger", verifier.public_key()));

  absl::StatusOr<std::string> note = SignNote("hello\n\n", *reloaded);
  ASSERT_TRUE(note.ok()) << note.status();
  absl::StatusOr<OpenedNote> opened = OpenNote(*note, {&verifier, 1});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->text, "hello\n\n") << "a text ending in a blank line keeps it";
}

TEST(NoteTest, SeveralSignersAndEachVerifierAlone) {
  absl::StatusOr<NoteSigner> a = NoteSigner::Generate("a.example/log");
  absl::StatusOr<NoteSigner> b = NoteSigner::Generate("b.example/witness");
  ASSERT_TRUE(a.ok() && b.ok());
  const std::vector<NoteSigner> signers = {*a, *b};
  absl::StatusOr<std::string> note = SignNote("body\n", signers);
  ASSERT_TRUE(note.ok()) << note.status();
  for (const NoteSigner& signer : signers) {
    const std::vector<NoteVerifier> one = {signer.Verifier()};
    absl::StatusOr<OpenedNote> opened = OpenNote(*note, one);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(opened->verified.size(), 1u);
    EXPECT_EQ(opened->unverified.size(), 1u);
  }
  const std::vector<NoteSigner> twice = {*a, *a};
  EXPECT_EQ(SignNote("body\n", twice).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NoteTest, SignRefusesTextsThatCannotBeOpened) {
  const NoteSigner signer = MustSigner(kPeterSignerKey);
  EXPECT_EQ(Message(SignNote("abc", signer).status()), "note text: does not end in a newline");
  EXPECT_EQ(Message(SignNote("", signer).status()), "note text: does not end in a newline");
  EXPECT_EQ(Message(SignNote("tab\there\n", signer).status()), "note text: control character 0x09 at byte 3");
  EXPECT_EQ(Message(SignNote("bad \xc3\x28\n", signer).status()), "note text: invalid UTF-8 at byte 4");
  EXPECT_EQ(Message(SignNote("ok\n", std::span<const NoteSigner>()).status()), "note: no signers");
}

TEST(NoteTest, KeyNamesFollowTheSpec) {
  for (const char* bad : {"", "a+b", "a b", "a\tb",
                          "a\xe2\x80\x83"
                          "b",
                          "a\xc2\xa0"
                          "b",
                          "\xff"}) {
    absl::StatusOr<NoteSigner> signer = NoteSigner::Generate(bad);
    EXPECT_EQ(signer.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  for (const char* good : {"example.com/log", "PeterNeumann", "ünïcode.example/é"}) {
    EXPECT_TRUE(NoteSigner::Generate(good).ok()) << good;
  }
}

}  // namespace
}  // namespace pdl::checkpoint
