// The store self-check on a real RocksDB: 10,000 random single-bit flips over a 1,000-event store (records, tree
// nodes, heads, signatures) are all detected and named; deleting, reordering or rewriting records breaks
// consistency with a saved checkpoint even when the attacker re-hashes and re-signs everything.

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/event_codec.h"
#include "ledger/evidence/checkpoints.h"
#include "ledger/merkle/memory_node_source.h"
#include "ledger/merkle/proof.h"
#include "projections/applier.h"
#include "projections/keys.h"
#include "projections/store.h"
#include "projections/store_check.h"
#include "projections/tree_store.h"
#include "tests/testing/event_builder.h"
#include "tests/testing/temp_dir.h"

namespace pdl {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);
constexpr int kPartitions = 8;
constexpr int kEvents = 1000;
constexpr char kOrigin[] = "pdl.test/scrub";

struct Stored {
  Cf family;
  std::string key;
  std::string value;
  uint32_t partition = 0;
};

// Owns a temp dir with a store of kEvents sealed events over kPartitions partitions, signed checkpoints.
class StoreCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto signer = checkpoint::NoteSigner::Generate(kOrigin);
    ASSERT_TRUE(signer.ok());
    signer_.emplace(*signer);
    verifier_.emplace(signer_->Verifier());
    auto store = Store::Open({.path = tmp_.path() + "/db"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto applier = Applier::Create(store_.get(), "cluster", kPartitions,
                                   ApplierOptions{.signer = &*signer_, .origin_prefix = kOrigin});
    ASSERT_TRUE(applier.ok()) << applier.status();
    applier_ = std::move(*applier);
    std::vector<int64_t> offsets(kPartitions, 0);
    for (int batch = 0; batch < 10; ++batch) {
      std::vector<InputRecord> records;
      for (int i = batch * (kEvents / 10); i < (batch + 1) * (kEvents / 10); ++i) {
        records.push_back(Record(
            testing::Collected(absl::StrCat("evt-", i), absl::StrCat("subject-", i % 37), kT0 + absl::Seconds(i)),
            static_cast<uint32_t>(i % kPartitions), offsets[i % kPartitions]++));
      }
      auto prepared = applier_->Prepare(std::move(records));
      ASSERT_TRUE(prepared.ok()) << prepared.status();
      ASSERT_TRUE(applier_->Commit(std::move(*prepared)).ok());
    }
  }

  static InputRecord Record(const pdl::v1::PrivacyEvent& event, uint32_t partition, int64_t offset) {
    InputRecord r;
    r.partition = partition;
    r.offset = offset;
    r.timestamp_ms = absl::ToUnixMillis(kT0 + absl::Hours(1));
    r.key = event.subject().id();
    r.value = event.SerializeAsString();
    return r;
  }

  StoreCheckOptions Options(std::vector<uint32_t> partitions = {}) const {
    return StoreCheckOptions{.verifier = &*verifier_, .origin_prefix = kOrigin, .partitions = std::move(partitions)};
  }

  StoreCheckReport Check(std::vector<uint32_t> partitions = {}) {
    auto report = CheckStore(*store_, Options(std::move(partitions)));
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : StoreCheckReport{};
  }

  std::vector<Stored> ReadAll(Cf family) {
    std::vector<Stored> out;
    auto it = store_->NewIterator(family);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      Stored s{family, std::string(key), it->value().ToString()};
      EXPECT_TRUE(keys::ConsumeU32(&key, &s.partition));
      out.push_back(std::move(s));
    }
    return out;
  }

  void Put(Cf family, const std::string& key, const std::string& value) {
    rocksdb::WriteBatch batch;
    batch.Put(store_->cf(family), key, value);
    ASSERT_TRUE(store_->Write(&batch).ok());
  }

  void Delete(Cf family, const std::string& key) {
    rocksdb::WriteBatch batch;
    batch.Delete(store_->cf(family), key);
    ASSERT_TRUE(store_->Write(&batch).ok());
  }

  std::vector<std::string> PartitionRecords(uint32_t partition) {
    std::vector<std::string> out;
    for (const Stored& s : ReadAll(Cf::kLog)) {
      if (s.partition == partition) out.push_back(s.value);
    }
    return out;
  }

  pdl::v1::TreeHead Head(uint32_t partition) {
    auto head = ReadTreeHead(*store_, partition);
    EXPECT_TRUE(head.ok() && head->has_value());
    return head.ok() && head->has_value() ? **head : pdl::v1::TreeHead{};
  }

  testing::TempDir tmp_;
  std::optional<checkpoint::NoteSigner> signer_;
  std::optional<checkpoint::NoteVerifier> verifier_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Applier> applier_;
};

TEST_F(StoreCheckTest, AnIntactStorePasses) {
  StoreCheckReport report = Check();
  EXPECT_TRUE(report.ok()) << report.damages().front().ToString();
  EXPECT_EQ(report.partitions.size(), static_cast<size_t>(kPartitions));
  EXPECT_EQ(report.records, static_cast<uint64_t>(kEvents));
  // 125 leaves per partition: 2n - popcount(n) = 250 - 6 nodes each.
  EXPECT_EQ(report.nodes, static_cast<uint64_t>(kPartitions * (250 - 6)));
}

TEST_F(StoreCheckTest, TenThousandRandomBitFlipsAreAllDetectedAndNamed) {
  const std::vector<Stored> records = ReadAll(Cf::kLog);
  const std::vector<Stored> nodes = ReadAll(Cf::kTree);
  const std::vector<Stored> heads = ReadAll(Cf::kHeads);
  ASSERT_EQ(records.size(), static_cast<size_t>(kEvents));
  ASSERT_EQ(heads.size(), static_cast<size_t>(kPartitions));
  // Byte range of the signature line inside each stored head.
  std::vector<std::pair<size_t, size_t>> signature_range;
  for (const Stored& h : heads) {
    pdl::v1::TreeHead head;
    ASSERT_TRUE(head.ParseFromString(h.value));
    const size_t note_at = h.value.find(head.signed_checkpoint());
    ASSERT_NE(note_at, std::string::npos);
    const size_t sig_at = note_at + head.signed_checkpoint().find("\n\n") + 2;
    signature_range.emplace_back(sig_at, note_at + head.signed_checkpoint().size());
  }

  std::mt19937_64 rng(20240504);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  std::map<std::string, int> detected_by_kind;
  int undetected = 0;
  constexpr int kFlips = 10000;
  for (int flip = 0; flip < kFlips; ++flip) {
    const int kind = static_cast<int>(pick(4));
    const Stored* target = nullptr;
    size_t byte = 0;
    std::string name;
    switch (kind) {
      case 0:
        target = &records[pick(records.size())];
        byte = pick(target->value.size());
        name = "record";
        break;
      case 1:
        target = &nodes[pick(nodes.size())];
        byte = pick(target->value.size());
        name = "node";
        break;
      case 2: {
        const size_t h = pick(heads.size());
        target = &heads[h];
        // Head bytes outside the signature line.
        do byte = pick(target->value.size());
        while (byte >= signature_range[h].first && byte < signature_range[h].second);
        name = "head";
        break;
      }
      default: {
        const size_t h = pick(heads.size());
        target = &heads[h];
        byte = signature_range[h].first + pick(signature_range[h].second - signature_range[h].first);
        name = "signature";
        break;
      }
    }
    std::string flipped = target->value;
    flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << pick(8)));
    Put(target->family, target->key, flipped);
    // Every 1000th flip is caught by the full check too; the others by the check of the flipped partition.
    StoreCheckReport report = flip % 1000 == 0 ? Check() : Check({target->partition});
    Put(target->family, target->key, target->value);

    const auto damages = report.damages();
    if (damages.empty()) {
      ++undetected;
      ADD_FAILURE() << name << " flip at byte " << byte << " of partition " << target->partition << " not detected";
      continue;
    }
    ++detected_by_kind[name];
    ASSERT_EQ(damages.size(), 1u);
    EXPECT_EQ(damages[0].partition, target->partition);
    if (kind == 0) {
      std::string_view key(target->key);
      uint32_t partition;
      uint64_t seq;
      ASSERT_TRUE(keys::ConsumeU32(&key, &partition) && keys::ConsumeU64(&key, &seq));
      EXPECT_EQ(damages[0].seq, seq) << damages[0].ToString();
    } else if (kind == 1) {
      const uint32_t level = static_cast<uint8_t>(target->key[4]);
      std::string_view index_bytes = std::string_view(target->key).substr(5);
      uint64_t index;
      ASSERT_TRUE(keys::ConsumeU64(&index_bytes, &index));
      EXPECT_EQ(damages[0].seq, index << level) << damages[0].ToString();
    } else if (kind == 3) {
      EXPECT_FALSE(damages[0].seq.has_value()) << damages[0].ToString();
    }  // A flipped head size is reported as records missing or beyond the head: which side lies is unknowable.
  }
  EXPECT_EQ(undetected, 0);
  EXPECT_GT(detected_by_kind["record"], 2000);
  EXPECT_GT(detected_by_kind["node"], 2000);
  EXPECT_GT(detected_by_kind["head"], 2000);
  EXPECT_GT(detected_by_kind["signature"], 2000);
  EXPECT_TRUE(Check().ok()) << "every flip was undone";
}

TEST_F(StoreCheckTest, MissingExtraAndSwappedEntriesAreNamed) {
  const uint32_t p = 3;
  // A deleted record.
  const std::string key10 = keys::LogKey(p, 10);
  auto value10 = store_->Get(Cf::kLog, key10);
  ASSERT_TRUE(value10.ok() && value10->has_value());
  Delete(Cf::kLog, key10);
  auto damages = Check().damages();
  ASSERT_EQ(damages.size(), 1u);
  EXPECT_EQ(damages[0].ToString(), "partition=3 seq=10: record seq 10 is missing (next stored record is seq 11)");
  Put(Cf::kLog, key10, **value10);

  // Two records swapped.
  auto value11 = store_->Get(Cf::kLog, keys::LogKey(p, 11));
  Put(Cf::kLog, key10, **value11);
  Put(Cf::kLog, keys::LogKey(p, 11), **value10);
  damages = Check().damages();
  ASSERT_EQ(damages.size(), 1u);
  EXPECT_EQ(damages[0].seq, 10u);
  Put(Cf::kLog, key10, **value10);
  Put(Cf::kLog, keys::LogKey(p, 11), **value11);

  // An extra record past the head, and an extra tree node.
  Put(Cf::kLog, keys::LogKey(p, 125), **value10);
  damages = Check().damages();
  ASSERT_EQ(damages.size(), 1u);
  EXPECT_THAT(damages[0].what, HasSubstr("beyond the tree head size 125"));
  Delete(Cf::kLog, keys::LogKey(p, 125));
  Put(Cf::kTree, TreeNodeKey(p, 0, 125), std::string(32, 'x'));
  damages = Check().damages();
  ASSERT_EQ(damages.size(), 1u);
  EXPECT_THAT(damages[0].what, HasSubstr("beyond the tree of size 125"));
  Delete(Cf::kTree, TreeNodeKey(p, 0, 125));

  // A head without its signature.
  pdl::v1::TreeHead head = Head(p);
  pdl::v1::TreeHead unsigned_head = head;
  unsigned_head.clear_signed_checkpoint();
  Put(Cf::kHeads, keys::PartitionKey(p), unsigned_head.SerializeAsString());
  damages = Check().damages();
  ASSERT_EQ(damages.size(), 1u);
  EXPECT_EQ(damages[0].ToString(), "partition=3 head: tree head has no signed checkpoint");
  // A head validly signed by another key.
  auto other = checkpoint::NoteSigner::Generate(kOrigin);
  ASSERT_TRUE(other.ok());
  auto cp =
      checkpoint::Checkpoint::Parse(head.signed_checkpoint().substr(0, head.signed_checkpoint().find("\n\n") + 1));
  ASSERT_TRUE(cp.ok());
  pdl::v1::TreeHead foreign = head;
  foreign.set_signed_checkpoint(*checkpoint::SignCheckpoint(*cp, *other));
  Put(Cf::kHeads, keys::PartitionKey(p), foreign.SerializeAsString());
  damages = Check().damages();
  ASSERT_EQ(damages.size(), 1u);
  EXPECT_THAT(damages[0].what, HasSubstr("signed checkpoint does not verify"));
  Put(Cf::kHeads, keys::PartitionKey(p), head.SerializeAsString());
  EXPECT_TRUE(Check().ok());
}

// An attacker who may change anything, recompute every hash and even sign with the ledger's key still cannot make
// a rewritten history consistent with a checkpoint someone saved before.
TEST_F(StoreCheckTest, DeletingReorderingOrRewritingAnyRecordBreaksConsistencyWithASavedCheckpoint) {
  for (uint32_t p : {0u, 5u}) {
    const pdl::v1::TreeHead saved_head = Head(p);
    const std::string saved = saved_head.signed_checkpoint();
    const std::vector<std::string> records = PartitionRecords(p);
    ASSERT_EQ(records.size(), saved_head.size());

    // The honest continuation is consistent (the test can tell the difference).
    auto appended = [&](std::vector<std::string> log) {
      for (int i = 0; i < 3; ++i) {
        auto event = testing::Consent(absl::StrCat("later-", i), "subject-x", kT0 + absl::Hours(2));
        log.push_back(SealRecord(SealInput{.partition = p,
                                           .seq = log.size(),
                                           .kafka_offset = 100000 + i,
                                           .recorded_at = kT0 + absl::Hours(3),
                                           .event_bytes = event.SerializeAsString()}));
      }
      return log;
    };
    auto consistent_with_saved = [&](const std::vector<std::string>& log) {
      std::vector<merkle::Hash> leaves;
      for (const std::string& r : log) leaves.push_back(merkle::LeafHash(r));
      merkle::MemoryNodeSource tree = merkle::MemoryNodeSource::FromLeafHashes(leaves);
      checkpoint::Checkpoint cp{.origin = absl::StrCat(kOrigin, "/", p), .size = tree.size(), .root_hash = tree.Root()};
      auto note = checkpoint::SignCheckpoint(cp, *signer_);
      EXPECT_TRUE(note.ok());
      std::vector<merkle::Hash> proof;
      if (tree.size() >= saved_head.size()) {
        auto built = merkle::ConsistencyProof(tree, saved_head.size(), tree.size());
        EXPECT_TRUE(built.ok()) << built.status();
        proof = *built;
      }
      return evidence::VerifyCheckpointConsistency(saved, *note, *verifier_, proof);
    };
    ASSERT_TRUE(consistent_with_saved(appended(records)).ok());

    for (size_t k = 0; k < records.size(); ++k) {
      std::vector<std::string> deleted = records;
      deleted.erase(deleted.begin() + static_cast<long>(k));
      EXPECT_FALSE(consistent_with_saved(appended(deleted)).ok()) << "deleted seq " << k;
      EXPECT_FALSE(consistent_with_saved(deleted).ok()) << "deleted seq " << k << ", not extended";

      if (k + 1 < records.size()) {
        std::vector<std::string> swapped = records;
        std::swap(swapped[k], swapped[k + 1]);
        EXPECT_FALSE(consistent_with_saved(appended(swapped)).ok()) << "swapped seqs " << k << " and " << k + 1;
      }

      std::vector<std::string> rewritten = records;
      pdl::v1::SealedEvent sealed;
      ASSERT_TRUE(sealed.ParseFromString(rewritten[k]));
      sealed.set_policy_version("rewritten");
      rewritten[k] = sealed.SerializeAsString();
      const absl::Status s = consistent_with_saved(appended(rewritten));
      EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << "rewritten seq " << k << ": " << s;
    }
  }
}

}  // namespace
}  // namespace pdl
