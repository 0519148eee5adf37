// The batch applier and the history query on a real RocksDB in a temp dir.

#include "projections/applier.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event_codec.h"
#include "projections/history.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/proof.h"
#include "ledger/merkle/verify.h"
#include "projections/keys.h"
#include "projections/node_state.h"
#include "projections/store.h"
#include "projections/tree_store.h"
#include "rocksdb/write_batch.h"
#include "tests/testing/event_builder.h"
#include "tests/testing/temp_dir.h"

namespace pdl {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

InputRecord Record(const pdl::v1::PrivacyEvent& event, uint32_t partition, int64_t offset) {
  InputRecord r;
  r.partition = partition;
  r.offset = offset;
  r.timestamp_ms = absl::ToUnixMillis(kT0 + absl::Hours(1));
  r.key = event.subject().id();
  r.value = event.SerializeAsString();
  r.headers = {{"ce_id", event.event_id()}, {"content-type", "application/protobuf"}};
  return r;
}

class ApplierTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen("cluster-1"); }

  void Reopen(const std::string& cluster) {
    applier_.reset();
    store_.reset();
    auto store = Store::Open({.path = tmp_.path() + "/db"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto applier = Applier::Create(store_.get(), cluster, 3);
    ASSERT_TRUE(applier.ok()) << applier.status();
    applier_ = std::move(*applier);
  }

  void Apply(std::vector<InputRecord> records) {
    auto prepared = applier_->Prepare(std::move(records));
    ASSERT_TRUE(prepared.ok()) << prepared.status();
    ASSERT_TRUE(applier_->Commit(std::move(*prepared)).ok());
  }

  std::vector<std::string> HistoryIds(const std::string& subject) {
    pdl::v1::GetSubjectHistoryRequest request;
    request.set_subject_id(subject);
    request.set_page_size(1000);
    auto response = GetSubjectHistory(*store_, request);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> ids;
    if (response.ok()) {
      for (const auto& e : response->entries()) ids.push_back(e.event().event_id());
    }
    return ids;
  }

  testing::TempDir tmp_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Applier> applier_;
};

TEST_F(ApplierTest, SealsDenseSeqsPerPartitionAndAdvancesOffsets) {
  Apply({Record(testing::Collected("e1", "s1", kT0), 0, 0), Record(testing::Shared("e2", "s1", kT0), 0, 1),
         Record(testing::Collected("e3", "s2", kT0), 1, 7)});
  EXPECT_EQ(applier_->cursor(0).next_seq(), 2u);
  EXPECT_EQ(applier_->cursor(0).next_offset(), 2);
  EXPECT_EQ(applier_->cursor(1).next_seq(), 1u);
  EXPECT_EQ(applier_->cursor(1).next_offset(), 8);
  auto entry = LookupEventId(*store_, "e2");
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ((*entry)->seq(), 1u);
  EXPECT_EQ((*entry)->offset(), 1);
  EXPECT_EQ((*entry)->leaf_hash().size(), 32u);

  Reopen("cluster-1");
  EXPECT_EQ(applier_->StartOffsets().at(0), 2);
  EXPECT_EQ(applier_->StartOffsets().at(1), 8);
  EXPECT_EQ(applier_->StartOffsets().at(2), 0);
}

TEST_F(ApplierTest, APreparedBatchThatIsNeverCommittedLeavesNothing) {
  Apply({Record(testing::Collected("e1", "s1", kT0), 0, 0)});
  auto prepared = applier_->Prepare({Record(testing::Collected("e2", "s1", kT0), 0, 1)});
  ASSERT_TRUE(prepared.ok());
  prepared = absl::InternalError("crash before commit");  // Drops the staged WriteBatch.
  Reopen("cluster-1");
  EXPECT_EQ(applier_->StartOffsets().at(0), 1);
  EXPECT_EQ(HistoryIds("s1"), std::vector<std::string>{"e1"});
  auto entry = LookupEventId(*store_, "e2");
  ASSERT_TRUE(entry.ok());
  EXPECT_FALSE(entry->has_value());
}

TEST_F(ApplierTest, RedeliveredRecordsBelowTheCursorAreNotAppliedAgain) {
  Apply({Record(testing::Collected("e1", "s1", kT0), 0, 0)});
  Apply({Record(testing::Collected("e1", "s1", kT0), 0, 0), Record(testing::Collected("e2", "s1", kT0), 0, 1)});
  EXPECT_EQ(applier_->cursor(0).next_seq(), 2u);
  EXPECT_EQ(applier_->cursor(0).duplicates(), 0u);
  EXPECT_EQ(HistoryIds("s1").size(), 2u);
}

TEST_F(ApplierTest, SameIdSameContentIsADuplicateDifferentContentIsRejected) {
  auto e = testing::Collected("e1", "s1", kT0);
  auto prepared = applier_->Prepare({Record(e, 0, 0), Record(e, 0, 1)});
  ASSERT_TRUE(prepared.ok());
  ASSERT_EQ(prepared->applied().size(), 2u);
  EXPECT_FALSE(prepared->applied()[0].duplicate);
  EXPECT_TRUE(prepared->applied()[1].duplicate);
  EXPECT_EQ(prepared->applied()[1].seq, 0u);
  ASSERT_TRUE(applier_->Commit(std::move(*prepared)).ok());

  auto changed = testing::Collected("e1", "s1", kT0 + absl::Seconds(1));
  prepared = applier_->Prepare({Record(e, 0, 2), Record(changed, 0, 3)});
  ASSERT_TRUE(prepared.ok());
  ASSERT_EQ(prepared->rejections().size(), 1u);
  EXPECT_EQ(prepared->rejections()[0].field, "event_id");
  EXPECT_THAT(prepared->rejections()[0].reason, HasSubstr("different event"));
  EXPECT_EQ(prepared->rejections()[0].record.offset, 3);
  ASSERT_TRUE(applier_->Commit(std::move(*prepared)).ok());
  EXPECT_EQ(applier_->cursor(0).next_seq(), 1u);
  EXPECT_EQ(applier_->cursor(0).duplicates(), 2u);
  EXPECT_EQ(applier_->cursor(0).rejected(), 1u);
  EXPECT_EQ(applier_->cursor(0).next_offset(), 4);
  auto rejected = ReadRejected(*store_, 10);
  ASSERT_TRUE(rejected.ok());
  ASSERT_EQ(rejected->size(), 1u);
  EXPECT_EQ((*rejected)[0].field(), "event_id");
  EXPECT_EQ((*rejected)[0].value(), Record(changed, 0, 3).value);
}

TEST_F(ApplierTest, EnvelopeAndValidationFailuresAreRejectedWithTheirField) {
  auto wrong_key = Record(testing::Collected("e1", "s1", kT0), 0, 0);
  wrong_key.key = "someone-else";
  auto wrong_ce_id = Record(testing::Collected("e2", "s1", kT0), 0, 1);
  wrong_ce_id.headers[0].value = "other";
  auto json = Record(testing::Collected("e3", "s1", kT0), 0, 2);
  json.headers[1].value = "application/json";
  auto oversized = Record(testing::Collected("e4", "s1", kT0), 0, 3);
  oversized.value.append(70 * 1024, 'x');
  auto future = testing::Collected("e5", "s1", kT0 + absl::Hours(2));  // record time is kT0 + 1h
  auto prepared = applier_->Prepare({wrong_key, wrong_ce_id, json, oversized, Record(future, 0, 4),
                                     Record(testing::Collected("e6", "s1", kT0), 0, 5)});
  ASSERT_TRUE(prepared.ok());
  std::vector<std::string> fields;
  for (const auto& r : prepared->rejections()) fields.push_back(r.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"key", "ce_id", "content-type", "event", "occurred_at"}));
  ASSERT_TRUE(applier_->Commit(std::move(*prepared)).ok());
  EXPECT_EQ(HistoryIds("s1"), std::vector<std::string>{"e6"});
  EXPECT_EQ(applier_->cursor(0).next_offset(), 6);
}

TEST_F(ApplierTest, AFreshClusterResumesAtOffsetZeroKeepingSeqsAndDedupe) {
  Apply({Record(testing::Collected("e1", "s1", kT0), 0, 0), Record(testing::Collected("e2", "s1", kT0), 0, 1)});
  Reopen("cluster-2");
  EXPECT_EQ(applier_->partitions_from_other_cluster(), std::vector<uint32_t>{0});
  EXPECT_EQ(applier_->StartOffsets().at(0), 0);
  Apply({Record(testing::Collected("e2", "s1", kT0), 0, 0), Record(testing::Collected("e3", "s1", kT0), 0, 1)});
  EXPECT_EQ(applier_->cursor(0).next_seq(), 3u);
  EXPECT_EQ(applier_->cursor(0).duplicates(), 1u);
  EXPECT_EQ(HistoryIds("s1").size(), 3u);
}

// The applier reuses the WriteBatch of a written batch for a later one: each write holds only its own batch's rows.
TEST_F(ApplierTest, EachWriteHoldsOnlyItsOwnBatchsRowsWhenTheBufferIsReused) {
  struct LogPuts : rocksdb::WriteBatch::Handler {
    uint32_t log_cf = 0;
    std::vector<std::string> keys;
    rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice&) override {
      if (cf == log_cf) keys.push_back(key.ToString());
      return rocksdb::Status::OK();
    }
  };
  Store* store = store_.get();
  std::vector<std::vector<std::string>> written;  // the log keys of each write
  auto applier = Applier::Create(store, "cluster-1", 3,
                                 ApplierOptions{.write_for_testing = [&](rocksdb::WriteBatch* batch) -> absl::Status {
                                   LogPuts puts;
                                   puts.log_cf = store->cf(Cf::kLog)->GetID();
                                   if (!batch->Iterate(&puts).ok()) return absl::InternalError("unreadable batch");
                                   written.push_back(std::move(puts.keys));
                                   return store->Write(batch);
                                 }});
  ASSERT_TRUE(applier.ok()) << applier.status();
  // Four batches of 3, 2, 4 and 1 events in partition 0; the first two written before the next is prepared, the
  // last two behind.
  const std::vector<int> sizes = {3, 2, 4, 1};
  int offset = 0;
  for (size_t b = 0; b < sizes.size(); ++b) {
    std::vector<InputRecord> records;
    for (int i = 0; i < sizes[b]; ++i, ++offset) {
      records.push_back(Record(testing::Collected(absl::StrCat("e", offset), "s1", kT0), 0, offset));
    }
    auto prepared = (*applier)->Prepare(std::move(records));
    ASSERT_TRUE(prepared.ok()) << prepared.status();
    absl::Status committed =
        b < 2 ? (*applier)->Commit(std::move(*prepared)) : (*applier)->CommitBehind(std::move(*prepared), nullptr);
    ASSERT_TRUE(committed.ok()) << committed;
  }
  ASSERT_TRUE((*applier)->Drain().ok());
  ASSERT_EQ(written.size(), sizes.size());
  uint64_t seq = 0;
  for (size_t b = 0; b < sizes.size(); ++b) {
    std::vector<std::string> expected;
    for (int i = 0; i < sizes[b]; ++i) expected.push_back(keys::LogKey(0, seq++));
    EXPECT_EQ(written[b], expected) << "write " << b;
  }
  EXPECT_EQ(HistoryIds("s1").size(), 10u);
}

TEST_F(ApplierTest, GapsAreRecordedAndStopThePartitionUntilAcknowledged) {
  ASSERT_TRUE(applier_->RecordGap(2, 10, 50, /*stop=*/true, kT0).ok());
  EXPECT_TRUE(applier_->cursor(2).stopped_at_gap());
  EXPECT_EQ(applier_->cursor(2).next_offset(), 0);
  auto gaps = ReadGaps(*store_);
  ASSERT_TRUE(gaps.ok());
  ASSERT_EQ(gaps->size(), 1u);
  EXPECT_EQ((*gaps)[0].from_offset(), 10);
  EXPECT_EQ((*gaps)[0].to_offset(), 50);
  EXPECT_FALSE((*gaps)[0].acknowledged());

  auto acked = applier_->AcknowledgeGaps(2);
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(acked->first, 1);
  EXPECT_EQ(acked->second, 50);
  EXPECT_FALSE(applier_->cursor(2).stopped_at_gap());
  gaps = ReadGaps(*store_);
  ASSERT_TRUE(gaps.ok());
  EXPECT_TRUE((*gaps)[0].acknowledged());

  ASSERT_TRUE(applier_->RecordGap(1, 0, 5, /*stop=*/false, kT0).ok());
  EXPECT_EQ(applier_->cursor(1).next_offset(), 5);
}

TEST_F(ApplierTest, HistoryFiltersByTimeAndActionAndPages) {
  std::vector<InputRecord> records;
  for (int i = 0; i < 30; ++i) {
    auto e = i % 3 == 0 ? testing::Shared(absl::StrCat("e", i), "s1", kT0 + absl::Minutes(i))
                        : testing::Collected(absl::StrCat("e", i), "s1", kT0 + absl::Minutes(i));
    records.push_back(Record(e, 0, i));
  }
  records.push_back(Record(testing::Collected("other", "s10", kT0), 0, 30));  // "s1" is a prefix of "s10"
  Apply(std::move(records));

  pdl::v1::GetSubjectHistoryRequest request;
  request.set_subject_id("s1");
  request.set_page_size(4);
  request.add_actions(pdl::v1::EVENT_ACTION_DATA_SHARED);
  SetTimestamp(request.mutable_time_range()->mutable_start_time(), kT0 + absl::Minutes(3));
  SetTimestamp(request.mutable_time_range()->mutable_end_time(), kT0 + absl::Minutes(27));
  std::vector<std::string> ids;
  int pages = 0;
  do {
    auto response = GetSubjectHistory(*store_, request);
    ASSERT_TRUE(response.ok()) << response.status();
    ++pages;
    for (const auto& e : response->entries()) ids.push_back(e.event().event_id());
    request.set_page_token(response->next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(ids, (std::vector<std::string>{"e3", "e6", "e9", "e12", "e15", "e18", "e21", "e24"}));
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(HistoryIds("s1").size(), 30u);
  EXPECT_EQ(HistoryIds("s10"), std::vector<std::string>{"other"});
}

TEST(ApplierTreeTest, EveryBatchExtendsThePartitionTreeAndSignsItsCheckpoint) {
  testing::TempDir tmp;
  auto store = Store::Open({.path = tmp.path() + "/db"});
  ASSERT_TRUE(store.ok());
  auto signer = checkpoint::NoteSigner::Generate("pdl.local/test");
  ASSERT_TRUE(signer.ok());
  auto applier = Applier::Create(store->get(), "c", 2, {.signer = &*signer, .origin_prefix = "pdl.local/test"});
  ASSERT_TRUE(applier.ok());
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<InputRecord> records;
    for (int i = 0; i < 7; ++i) {
      const int n = batch * 7 + i;
      records.push_back(Record(testing::Collected(absl::StrCat("t", n), "s1", kT0), 1, n));
    }
    auto prepared = (*applier)->Prepare(std::move(records));
    ASSERT_TRUE(prepared.ok());
    ASSERT_TRUE((*applier)->Commit(std::move(*prepared)).ok());
  }
  auto head = ReadTreeHead(**store, 1);
  ASSERT_TRUE(head.ok() && head->has_value());
  EXPECT_EQ((*head)->size(), 21u);
  auto none = ReadTreeHead(**store, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  RocksNodeSource source(**store, 1);
  auto root = merkle::RootAt(source, 21);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(std::string(merkle::HashBytes(*root)), (*head)->root_hash());
  std::vector<checkpoint::NoteVerifier> verifiers = {signer->Verifier()};
  auto cp = checkpoint::OpenCheckpoint((*head)->signed_checkpoint(), "pdl.local/test/1", verifiers);
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(cp->size, 21u);
  EXPECT_EQ(cp->root_hash, *root);

  // Leaf 13 is the hash of the stored record bytes, and its inclusion proof verifies against the checkpoint.
  auto record = (*store)->Get(Cf::kLog, keys::LogKey(1, 13));
  ASSERT_TRUE(record.ok() && record->has_value());
  auto proof = merkle::InclusionProof(source, 13, 21);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(merkle::VerifyInclusion(merkle::LeafHash(**record), 13, 21, *proof, cp->root_hash).ok());
  auto entry = LookupEventId(**store, "t13");
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ((*entry)->leaf_hash(), std::string(merkle::HashBytes(merkle::LeafHash(**record))));

  // A restarted applier resumes the tree where it stood.
  applier->reset();
  applier = Applier::Create(store->get(), "c", 2, {.signer = &*signer, .origin_prefix = "pdl.local/test"});
  ASSERT_TRUE(applier.ok());
  auto prepared = (*applier)->Prepare({Record(testing::Collected("t21", "s1", kT0), 1, 21)});
  ASSERT_TRUE(prepared.ok());
  ASSERT_TRUE((*applier)->Commit(std::move(*prepared)).ok());
  auto root22 = merkle::RootAt(source, 22);
  auto consistency = merkle::ConsistencyProof(source, 21, 22);
  ASSERT_TRUE(root22.ok() && consistency.ok());
  EXPECT_TRUE(merkle::VerifyConsistency(21, 22, *root, *root22, *consistency).ok());
}

TEST_F(ApplierTest, HistoryRejectsBadRequestsNamingTheField) {
  pdl::v1::GetSubjectHistoryRequest request;
  auto r = GetSubjectHistory(*store_, request);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("subject_id"));
  request.set_subject_id("s1");
  request.set_page_size(-1);
  r = GetSubjectHistory(*store_, request);
  EXPECT_THAT(r.status().message(), HasSubstr("page_size"));
  request.set_page_size(10);
  request.add_actions(static_cast<pdl::v1::EventAction>(99));
  r = GetSubjectHistory(*store_, request);
  EXPECT_THAT(r.status().message(), HasSubstr("actions[0]"));
  request.clear_actions();
  request.set_page_token("not-a-token");
  r = GetSubjectHistory(*store_, request);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("page_token"));
  request.clear_page_token();
  SetTimestamp(request.mutable_time_range()->mutable_start_time(), kT0 + absl::Hours(1));
  SetTimestamp(request.mutable_time_range()->mutable_end_time(), kT0);
  r = GetSubjectHistory(*store_, request);
  EXPECT_THAT(r.status().message(), HasSubstr("time_range"));
}

}  // namespace
}  // namespace pdl
