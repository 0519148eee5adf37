#include "ledger/checkpoint/checkpoint.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/checkpoint/note.h"
#include "ledger/merkle/hasher.h"

namespace pdl::checkpoint {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// The example body of the C2SP tlog-checkpoint specification.
constexpr char kSpecBody[] =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

Checkpoint Sample() { return Checkpoint{"pdl.example/ledger/partition/3", 42, merkle::LeafHash("head"), {}}; }

TEST(CheckpointTest, ParsesAndFormatsTheSpecExample) {
  absl::StatusOr<Checkpoint> checkpoint = Checkpoint::Parse(kSpecBody);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(checkpoint->size, 20852163u);
  EXPECT_EQ(merkle::HashToHex(checkpoint->root_hash),
            "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62");
  EXPECT_TRUE(checkpoint->extensions.empty());
  absl::StatusOr<std::string> text = checkpoint->Format();
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, kSpecBody);
}

TEST(CheckpointTest, RoundTripsWithExtensionsAndExtremeSizes) {
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, ~uint64_t{0}}) {
    Checkpoint checkpoint = Sample();
    checkpoint.size = size;
    checkpoint.root_hash = size == 0 ? merkle::EmptyRoot() : checkpoint.root_hash;
    checkpoint.extensions = {"ext one", "ünïcode — too"};
    absl::StatusOr<std::string> text = checkpoint.Format();
    ASSERT_TRUE(text.ok()) << text.status();
    absl::StatusOr<Checkpoint> parsed = Checkpoint::Parse(*text);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, checkpoint);
  }
  absl::StatusOr<Checkpoint> zero = Checkpoint::Parse("log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(zero->root_hash, merkle::EmptyRoot());
}

TEST(CheckpointTest, ParseErrorsNameTheLine) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      {"", "checkpoint does not end in a newline"},
      {"log\n1\n" + root, "checkpoint does not end in a newline"},
      {"log\n1\n", "checkpoint has 2 lines, want at least 3 (origin, tree size, root hash)"},
      {"\n1\n" + root + "\n", "checkpoint origin (line 1) is empty"},
      {"log\n007\n" + root + "\n", "checkpoint tree size (line 2) '007' is not a decimal number"},
      {"log\n-1\n" + root + "\n", "tree size (line 2) '-1'"},
      {"log\n+1\n" + root + "\n", "tree size (line 2) '+1'"},
      {"log\n\n" + root + "\n", "tree size (line 2) ''"},
      {"log\n1 \n" + root + "\n", "tree size (line 2) '1 '"},
      {"log\n18446744073709551616\n" + root + "\n", "tree size (line 2) '18446744073709551616'"},
      {"log\n1\nnot base64!\n", "checkpoint root hash (line 3) is not canonical base64"},
      {"log\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "root hash (line 3) is not canonical base64"},
      {"log\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", "root hash (line 3) is not canonical base64"},
      {"log\n1\nAAAA\n", "checkpoint root hash (line 3): hash has 3 bytes, want 32"},
      {"log\n1\n" + root + "\n\n", "checkpoint line 4 is empty"},
      {"log\n1\n" + root + "\next\n\nmore\n", "checkpoint line 5 is empty"},
      {"lo\tg\n1\n" + root + "\n", "checkpoint: control character 0x09 at byte 2"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Checkpoint> parsed = Checkpoint::Parse(c.text);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(Message(parsed.status()), HasSubstr(c.message)) << c.text;
  }
}

TEST(CheckpointTest, FormatRefusesLinesThatWouldNotParseBack) {
  Checkpoint checkpoint = Sample();
  checkpoint.origin = "";
  EXPECT_EQ(Message(checkpoint.Format().status()), "checkpoint origin is empty");
  checkpoint.origin = "two\nlines";
  EXPECT_EQ(Message(checkpoint.Format().status()), "checkpoint origin contains a newline");
  checkpoint.origin = "tab\there";
  EXPECT_EQ(checkpoint.Format().status().code(), absl::StatusCode::kInvalidArgument);
  checkpoint = Sample();
  checkpoint.extensions = {"fine", ""};
  EXPECT_EQ(Message(checkpoint.Format().status()), "checkpoint extension line 2 is empty");
}

class SignedCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<NoteSigner> signer = NoteSigner::Generate("pdl.example/ledger");
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_.push_back(*signer);
    verifiers_.push_back(signer->Verifier());
  }

  std::vector<NoteSigner> signer_;
  std::vector<NoteVerifier> verifiers_;
};

TEST_F(SignedCheckpointTest, SignedCheckpointOpens) {
  const Checkpoint checkpoint = Sample();
  absl::StatusOr<std::string> note = SignCheckpoint(checkpoint, signer_[0]);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_THAT(*note, HasSubstr("\n\n— pdl.example/ledger "));
  absl::StatusOr<Checkpoint> opened = OpenCheckpoint(*note, checkpoint.origin, verifiers_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, checkpoint);
}

TEST_F(SignedCheckpointTest, AnyFlippedByteIsRejected) {
  const Checkpoint checkpoint = Sample();
  absl::StatusOr<std::string> note = SignCheckpoint(checkpoint, signer_[0]);
  ASSERT_TRUE(note.ok()) << note.status();
  for (size_t i = 0; i < note->size(); ++i) {
    for (int mask : {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff}) {
      std::string flipped = *note;
      flipped[i] = static_cast<char>(flipped[i] ^ mask);
      const absl::Status status = OpenCheckpoint(flipped, checkpoint.origin, verifiers_).status();
      ASSERT_FALSE(status.ok()) << "byte " << i << " mask " << mask;
      ASSERT_TRUE(status.code() == absl::StatusCode::kInvalidArgument || status.code() == absl::StatusCode::kDataLoss ||
                  status.code() == absl::StatusCode::kFailedPrecondition)
          << status;
    }
  }
}

TEST_F(SignedCheckpointTest, WrongKeyIsRejected) {
  absl::StatusOr<NoteSigner> impostor = NoteSigner::Generate("pdl.example/ledger");
  ASSERT_TRUE(impostor.ok());
  absl::StatusOr<std::string> forged = SignCheckpoint(Sample(), *impostor);
  ASSERT_TRUE(forged.ok());
  const absl::Status status = OpenCheckpoint(*forged, Sample().origin, verifiers_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(status), HasSubstr("no signature from a known key"));
}

TEST_F(SignedCheckpointTest, CheckpointOfAnotherOriginIsRejected) {
  Checkpoint other = Sample();
  other.origin = "pdl.example/ledger/partition/4";
  absl::StatusOr<std::string> note = SignCheckpoint(other, signer_[0]);
  ASSERT_TRUE(note.ok());
  const absl::Status status = OpenCheckpoint(*note, Sample().origin, verifiers_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Message(status),
            "checkpoint origin 'pdl.example/ledger/partition/4' is not 'pdl.example/ledger/partition/3'");
}

TEST_F(SignedCheckpointTest, SignedNoteWithMalformedBodyIsRejected) {
  absl::StatusOr<std::string> note = SignNote("pdl.example/ledger/partition/3\n0042\nAAAA\n", signer_[0]);
  ASSERT_TRUE(note.ok());
  const absl::Status status = OpenCheckpoint(*note, Sample().origin, verifiers_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("tree size (line 2) '0042'"));
}

}  // namespace
}  // namespace pdl::checkpoint
