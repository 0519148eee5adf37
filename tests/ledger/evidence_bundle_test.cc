// Evidence bundles and checkpoint consistency, offline: a bundle verifies; a bundle with any byte changed does not;
// specific alterations fail with the specific code and path.

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/event_codec.h"
#include "ledger/evidence/bundle.h"
#include "ledger/evidence/checkpoints.h"
#include "ledger/merkle/memory_node_source.h"
#include "ledger/merkle/proof.h"
#include "nlohmann/json.hpp"
#include "tests/testing/event_builder.h"

namespace pdl::evidence {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);
constexpr char kPrefix[] = "pdl.test/ledger";

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// Two partitions of a small ledger, subject "s1" has records in both.
class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto signer = checkpoint::NoteSigner::Generate(kPrefix);
    ASSERT_TRUE(signer.ok());
    signer_.emplace(*signer);
    AddRecords(1, {"other", "s1", "other", "other", "other"});
    AddRecords(4, {"other", "other", "s1"});
  }

  void AddRecords(uint32_t partition, const std::vector<std::string>& subjects) {
    for (const std::string& subject : subjects) {
      const uint64_t seq = trees_[partition].size();
      auto event =
          seq % 2 == 0
              ? testing::Collected(absl::StrCat("e-", partition, "-", seq), subject, kT0 + absl::Seconds(seq))
              : testing::Transferred(absl::StrCat("e-", partition, "-", seq), subject, kT0 + absl::Seconds(seq));
      const std::string event_bytes = event.SerializeAsString();
      pdl::v1::SealedEvent extra;
      auto* finding = extra.add_findings();
      finding->set_rule_id("transfer.mechanism");
      finding->set_severity(pdl::v1::SEVERITY_LOW);
      const std::string sealed = SealRecord(SealInput{.partition = partition,
                                                      .seq = seq,
                                                      .kafka_offset = static_cast<int64_t>(seq * 3),
                                                      .recorded_at = kT0 + absl::Minutes(1),
                                                      .event_bytes = event_bytes,
                                                      .policy_version = "2023-05-08"},
                                            seq == 1 ? &extra : nullptr);
      records_[partition].push_back(sealed);
      subjects_[partition].push_back(subject);
      ASSERT_TRUE(trees_[partition].AppendLeaf(merkle::LeafHash(sealed)).ok());
    }
  }

  std::string Note(uint32_t partition, uint64_t size) {
    auto root = merkle::RootAt(trees_[partition], size);
    EXPECT_TRUE(root.ok());
    checkpoint::Checkpoint cp{.origin = absl::StrCat(kPrefix, "/", partition), .size = size, .root_hash = *root};
    auto note = checkpoint::SignCheckpoint(cp, *signer_);
    EXPECT_TRUE(note.ok()) << note.status();
    return *note;
  }

  Bundle MakeBundle(const std::string& subject) {
    Bundle bundle;
    bundle.subject_id = subject;
    bundle.verifier_key = signer_->Verifier().Key();
    for (auto& [partition, tree] : trees_) {
      bool used = false;
      for (uint64_t seq = 0; seq < tree.size(); ++seq) {
        if (subjects_[partition][seq] != subject) continue;
        used = true;
        auto proof = merkle::InclusionProof(tree, seq, tree.size());
        EXPECT_TRUE(proof.ok());
        bundle.entries.push_back(BundleEntry{partition, seq, records_[partition][seq], *proof});
      }
      if (used) bundle.checkpoints.push_back(BundleCheckpoint{partition, Note(partition, tree.size())});
    }
    return bundle;
  }

  std::string Text(const Bundle& bundle) {
    auto text = WriteBundle(bundle);
    EXPECT_TRUE(text.ok()) << text.status();
    return text.ok() ? *text : "";
  }

  // Re-renders `text` after `edit` changed its parsed JSON (a consistent, canonical alteration).
  static std::string Edited(const std::string& text, const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json doc = nlohmann::json::parse(text);
    edit(doc);
    return doc.dump(2, ' ', false) + "\n";
  }

  checkpoint::NoteVerifier verifier() const { return signer_->Verifier(); }

  std::optional<checkpoint::NoteSigner> signer_;
  std::map<uint32_t, merkle::MemoryNodeSource> trees_;
  std::map<uint32_t, std::vector<std::string>> records_;
  std::map<uint32_t, std::vector<std::string>> subjects_;
};

TEST_F(BundleTest, AnHonestBundleVerifiesAndShowsTheEvents) {
  const std::string text = Text(MakeBundle("s1"));
  auto verified = VerifyBundle(text, verifier());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject_id, "s1");
  ASSERT_EQ(verified->checkpoints.size(), 2u);
  EXPECT_EQ(verified->checkpoints[0].origin, "pdl.test/ledger/1");
  EXPECT_EQ(verified->checkpoints[1].size, 3u);
  ASSERT_EQ(verified->entries.size(), 2u);
  EXPECT_EQ(verified->entries[0].event.event_id(), "e-1-1");
  EXPECT_EQ(verified->entries[0].seq, 1u);
  EXPECT_EQ(verified->entries[0].sealed.findings_size(), 1);
  EXPECT_EQ(verified->entries[1].partition, 4u);
  EXPECT_EQ(verified->entries[1].seq, 2u);
  EXPECT_EQ(verified->entries[1].event.subject().id(), "s1");
  // The documented shape.
  const nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["format"], "pdl.evidence-bundle.v1");
  EXPECT_EQ(doc["entries"][0]["record"]["event"]["event_id"], "e-1-1");
  EXPECT_EQ(doc["entries"][0]["record"]["policy_version"], "2023-05-08");
  EXPECT_EQ(doc["entries"][0]["leaf_index"], 1);
  EXPECT_EQ(doc["checkpoints"][0]["size"], 5);
  EXPECT_EQ(text.back(), '\n');
}

TEST_F(BundleTest, EveryChangedByteIsDetected) {
  const std::string text = Text(MakeBundle("s1"));
  ASSERT_TRUE(VerifyBundle(text, verifier()).ok());
  std::mt19937 rng(4);
  size_t undetected = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    std::string flipped = text;
    flipped[i] = static_cast<char>(flipped[i] ^ (1 << (i % 8)));
    if (VerifyBundle(flipped, verifier()).ok()) {
      ++undetected;
      ADD_FAILURE() << "bit flip at byte " << i << " ('" << text[i] << "') not detected";
    }
    if (text[i] == ' ' || text[i] == '\n') {
      // Whitespace for whitespace: the same JSON value, other bytes.
      std::string respaced = text;
      respaced[i] = text[i] == ' ' ? '\t' : ' ';
      if (VerifyBundle(respaced, verifier()).ok()) {
        ++undetected;
        ADD_FAILURE() << "whitespace change at byte " << i << " not detected";
      }
    }
    if (i % 3 != 0) continue;
    std::string replaced = text;
    char other;
    do {
      other = static_cast<char>(std::uniform_int_distribution<int>(0x20, 0x7e)(rng));
    } while (other == text[i]);
    replaced[i] = other;
    if (VerifyBundle(replaced, verifier()).ok()) {
      ++undetected;
      ADD_FAILURE() << "replacement at byte " << i << " ('" << text[i] << "' -> '" << other << "') not detected";
    }
    if (undetected > 10) break;
  }
  EXPECT_EQ(undetected, 0u) << "of " << text.size() << " bytes";
}

TEST_F(BundleTest, RemovedOrInsertedBytesAreDetected) {
  const std::string text = Text(MakeBundle("s1"));
  for (size_t i = 0; i < text.size(); i += 19) {
    std::string removed = text;
    removed.erase(i, 1);
    EXPECT_FALSE(VerifyBundle(removed, verifier()).ok()) << "removed byte " << i;
    std::string inserted = text;
    inserted.insert(i, 1, ' ');
    EXPECT_FALSE(VerifyBundle(inserted, verifier()).ok()) << "inserted at " << i;
  }
  EXPECT_FALSE(VerifyBundle(text.substr(0, text.size() - 1), verifier()).ok());
  EXPECT_FALSE(VerifyBundle(text + "\n", verifier()).ok());
}

TEST_F(BundleTest, AnotherKeyIsAPreconditionFailure) {
  const std::string text = Text(MakeBundle("s1"));
  auto other = checkpoint::NoteSigner::Generate(kPrefix);
  ASSERT_TRUE(other.ok());
  auto verified = VerifyBundle(text, other->Verifier());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(verified.status()), HasSubstr("verifier_key"));

  // Claiming the other key in the bundle does not help: the notes carry no signature of it.
  const std::string claimed = Edited(text, [&](nlohmann::json& doc) { doc["verifier_key"] = other->Verifier().Key(); });
  verified = VerifyBundle(claimed, other->Verifier());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(verified.status()), HasSubstr("checkpoints[0].signed_note"));
}

TEST_F(BundleTest, AShownEventThatDiffersFromTheSealedRecordIsDataLoss) {
  const std::string text = Edited(Text(MakeBundle("s1")), [](nlohmann::json& doc) {
    doc["entries"][0]["record"]["event"]["data_transferred"]["destination_country"] = "CH";
  });
  auto verified = VerifyBundle(text, verifier());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Message(verified.status()), HasSubstr("entries[0].record"));
  EXPECT_THAT(Message(verified.status()), HasSubstr("destination_country"));
}

TEST_F(BundleTest, ARewrittenRecordFailsItsInclusionProof) {
  Bundle bundle = MakeBundle("s1");
  auto event = testing::Collected("e-1-1", "s1", kT0 + absl::Hours(5));
  bundle.entries[0].sealed_record = SealRecord(SealInput{.partition = 1,
                                                         .seq = 1,
                                                         .kafka_offset = 3,
                                                         .recorded_at = kT0 + absl::Minutes(1),
                                                         .event_bytes = event.SerializeAsString(),
                                                         .policy_version = "2023-05-08"});
  auto verified = VerifyBundle(Text(bundle), verifier());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Message(verified.status()), HasSubstr("entries[0]: sealed_record is not leaf 1"));
}

TEST_F(BundleTest, ARecordOfAnotherSubjectIsDataLoss) {
  Bundle bundle = MakeBundle("s1");
  Bundle other = MakeBundle("other");
  bundle.entries.push_back(other.entries[0]);  // Partition 1, seq 0: proven, but not about s1.
  auto verified = VerifyBundle(Text(bundle), verifier());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Message(verified.status()), HasSubstr("entries[2].sealed_record: is about another subject"));
}

TEST_F(BundleTest, ProofsAgainstAnOlderCheckpointDoNotVerifyAgainstTheNewOne) {
  Bundle bundle = MakeBundle("s1");
  AddRecords(4, {"other"});
  bundle.checkpoints[1].signed_note = Note(4, 4);
  auto verified = VerifyBundle(Text(bundle), verifier());
  EXPECT_FALSE(verified.ok());
  EXPECT_THAT(Message(verified.status()), HasSubstr("entries[1]"));
}

TEST_F(BundleTest, MalformedBundlesNameThePath) {
  const std::string text = Text(MakeBundle("s1"));
  const struct {
    std::function<void(nlohmann::json&)> edit;
    std::string message;
  } cases[] = {
      {[](nlohmann::json& d) { d["format"] = "pdl.evidence-bundle.v0"; }, "format"},
      {[](nlohmann::json& d) { d["extra"] = 1; }, "unexpected key 'extra'"},
      {[](nlohmann::json& d) { d["entries"][0].erase("leaf_index"); }, "entries[0]: missing key 'leaf_index'"},
      {[](nlohmann::json& d) { d["entries"] = nlohmann::json::array(); }, "a bundle without records proves nothing"},
      {[](nlohmann::json& d) { d["entries"][0]["partition"] = -1; }, "entries[0].partition"},
      {[](nlohmann::json& d) { d["entries"][0]["inclusion_proof"][0] = "AAAA"; }, "entries[0].inclusion_proof[0]"},
      {[](nlohmann::json& d) { d["entries"][0]["sealed_record"] = "not base64!"; }, "entries[0].sealed_record"},
      {[](nlohmann::json& d) { d["entries"][0]["inclusion_proof"].erase(0); }, "wrong proof size"},
      {[](nlohmann::json& d) { std::swap(d["checkpoints"][0], d["checkpoints"][1]); }, "ascending partition"},
      {[](nlohmann::json& d) { d["entries"].push_back(d["entries"][0]); }, "appears twice"},
  };
  for (const auto& c : cases) {
    auto verified = VerifyBundle(Edited(text, c.edit), verifier());
    EXPECT_EQ(verified.status().code(), absl::StatusCode::kInvalidArgument) << c.message << ": " << verified.status();
    EXPECT_THAT(Message(verified.status()), HasSubstr(c.message));
  }
  auto reformatted = VerifyBundle(nlohmann::json::parse(text).dump(4) + "\n", verifier());
  EXPECT_EQ(reformatted.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(reformatted.status()), HasSubstr("canonical form"));
}

TEST_F(BundleTest, ConsistencyOfTwoCheckpoints) {
  const std::string old_note = Note(1, 3);
  const std::string new_note = Note(1, 5);
  auto proof = merkle::ConsistencyProof(trees_[1], 3, 5);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(VerifyCheckpointConsistency(old_note, new_note, verifier(), *proof).ok());
  EXPECT_TRUE(VerifyCheckpointConsistency(new_note, new_note, verifier(), {}).ok());

  absl::Status shrank = VerifyCheckpointConsistency(new_note, old_note, verifier(), *proof);
  EXPECT_EQ(shrank.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Message(shrank), HasSubstr("shrank from 5 to 3"));

  std::vector<merkle::Hash> bad = *proof;
  bad[0][5] ^= 0x10;
  EXPECT_EQ(VerifyCheckpointConsistency(old_note, new_note, verifier(), bad).code(), absl::StatusCode::kDataLoss);

  EXPECT_EQ(VerifyCheckpointConsistency(Note(4, 3), new_note, verifier(), *proof).code(),
            absl::StatusCode::kFailedPrecondition);

  // A fork: the same size with another root, validly signed.
  checkpoint::Checkpoint forked{.origin = "pdl.test/ledger/1", .size = 5, .root_hash = merkle::LeafHash("fork")};
  auto forked_note = checkpoint::SignCheckpoint(forked, *signer_);
  ASSERT_TRUE(forked_note.ok());
  EXPECT_EQ(VerifyCheckpointConsistency(new_note, *forked_note, verifier(), {}).code(), absl::StatusCode::kDataLoss);

  auto other = checkpoint::NoteSigner::Generate(kPrefix);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(VerifyCheckpointConsistency(old_note, new_note, other->Verifier(), *proof).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(PartitionOfOriginTest, ParsesTheLastPathComponent) {
  EXPECT_EQ(PartitionOfOrigin("pdl.local/abc/17").value_or(99), 17u);
  EXPECT_EQ(PartitionOfOrigin("x/0").value_or(99), 0u);
  EXPECT_FALSE(PartitionOfOrigin("x/01").ok());
  EXPECT_FALSE(PartitionOfOrigin("x/").ok());
  EXPECT_FALSE(PartitionOfOrigin("x/1a").ok());
  EXPECT_FALSE(PartitionOfOrigin("17").ok());
  EXPECT_FALSE(PartitionOfOrigin("x/99999999999").ok());
}

}  // namespace
}  // namespace pdl::evidence
