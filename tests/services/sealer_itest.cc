// The sealer against a real embedded Kafka cluster and a real RocksDB: gaps are detected, recorded and (with a real
// cluster's rule) stop the partition until acknowledged; rejections reach the rejected topic before commit; a failed
// write is consumed again from the durable offsets.

#include "services/node/sealer.h"

#include <atomic>
#include <future>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "projections/history.h"
#include "projections/node_state.h"
#include "projections/store.h"
#include "services/kafka/embedded_cluster.h"
#include "tests/testing/event_builder.h"
#include "tests/testing/store_rows.h"
#include "tests/testing/temp_dir.h"

namespace pdl {
namespace {

constexpr int kFiller = 700;  // 700 x 10 KiB: more than the mock broker keeps per partition.

class SealerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = kafka::EmbeddedCluster::Start(1, {{kafka::kEventsTopic, 1, 1}, {kafka::kRejectedTopic, 1, 1}});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
    config_.bootstrap_servers = cluster_->bootstrap();
    auto producer = kafka::Producer::Create(config_);
    ASSERT_TRUE(producer.ok());
    producer_ = std::move(*producer);
    auto store = Store::Open({.path = tmp_.path() + "/db"});
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }

  // Fills partition 0 with undecodable 10-KiB records so the broker deletes the oldest ones.
  void Overflow() {
    std::vector<std::future<absl::Status>> acks;
    for (int i = 0; i < kFiller; ++i) {
      kafka::OutgoingRecord r{kafka::kEventsTopic, 0, "filler", std::string(10 * 1024, 'x'), {}};
      auto promise = std::make_shared<std::promise<absl::Status>>();
      acks.push_back(promise->get_future());
      ASSERT_TRUE(producer_->Produce(std::move(r), [promise](absl::StatusOr<kafka::Delivery> d) {
                     promise->set_value(d.status());
                   }).ok());
    }
    for (auto& a : acks) ASSERT_TRUE(a.get().ok());
  }

  std::unique_ptr<Sealer> MakeSealer(bool stop_at_gaps) {
    auto consumer = kafka::Consumer::Create(config_, kafka::kEventsTopic);
    EXPECT_TRUE(consumer.ok());
    auto applier = Applier::Create(store_.get(), "test-cluster", 1);
    EXPECT_TRUE(applier.ok());
    return std::make_unique<Sealer>(Sealer::Options{.stop_at_gaps = stop_at_gaps}, std::move(*consumer),
                                    std::move(*applier), producer_.get(), &tracker_);
  }

  pdl::v1::PartitionCursor Cursor() {
    auto cursors = ReadCursors(*store_, 1);
    EXPECT_TRUE(cursors.ok());
    return (*cursors)[0];
  }

  template <typename Pred>
  bool Eventually(Pred pred) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      if (pred()) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  testing::TempDir tmp_;
  std::unique_ptr<kafka::EmbeddedCluster> cluster_;
  kafka::KafkaConfig config_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<Store> store_;
  SealTracker tracker_{1};
};

TEST_F(SealerTest, EmbeddedRuleRecordsTheGapAndContinuesAtTheLogStart) {
  Overflow();
  auto sealer = MakeSealer(/*stop_at_gaps=*/false);
  ASSERT_TRUE(sealer->Start().ok());
  ASSERT_TRUE(Eventually([&] { return Cursor().next_offset() == kFiller; }));
  sealer->Stop();

  auto gaps = ReadGaps(*store_);
  ASSERT_TRUE(gaps.ok());
  ASSERT_EQ(gaps->size(), 1u);
  const auto& gap = (*gaps)[0];
  EXPECT_EQ(gap.partition(), 0u);
  EXPECT_EQ(gap.from_offset(), 0);
  EXPECT_GT(gap.to_offset(), 0);
  EXPECT_LT(gap.to_offset(), kFiller);
  EXPECT_FALSE(gap.acknowledged());
  EXPECT_EQ(sealer->gaps_detected(), 1u);
  // Every record after the gap was judged (all undecodable here) and none was skipped.
  EXPECT_EQ(Cursor().rejected(), static_cast<uint64_t>(kFiller - gap.to_offset()));
  EXPECT_FALSE(Cursor().stopped_at_gap());
}

TEST_F(SealerTest, RealClusterRuleStopsThePartitionUntilAcknowledged) {
  Overflow();
  auto sealer = MakeSealer(/*stop_at_gaps=*/true);
  ASSERT_TRUE(sealer->Start().ok());
  ASSERT_TRUE(Eventually([&] { return Cursor().stopped_at_gap(); }));
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(Cursor().next_offset(), 0) << "a stopped partition consumes nothing";
  EXPECT_EQ(Cursor().rejected(), 0u);

  auto acked = sealer->AcknowledgeGaps(0);
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(*acked, 1);
  ASSERT_TRUE(Eventually([&] { return Cursor().next_offset() == kFiller; }));
  EXPECT_FALSE(Cursor().stopped_at_gap());
  auto gaps = ReadGaps(*store_);
  ASSERT_TRUE(gaps.ok());
  ASSERT_EQ(gaps->size(), 1u);
  EXPECT_TRUE((*gaps)[0].acknowledged());
  sealer->Stop();
}

TEST_F(SealerTest, SealsValidRecordsAndPublishesRejectionsWithReasonHeaders) {
  auto sealer = MakeSealer(/*stop_at_gaps=*/true);
  ASSERT_TRUE(sealer->Start().ok());
  auto good = testing::Collected("evt-s-1", "subj", absl::Now() - absl::Minutes(1));
  auto bad = testing::Collected("evt-s-2", "subj", absl::Now() - absl::Minutes(1));
  bad.mutable_data_collected()->set_categories(0, "user.not_a_category");
  ASSERT_TRUE(producer_->ProduceSync({kafka::kEventsTopic, 0, "subj", bad.SerializeAsString(), {}}, absl::Seconds(10)).ok());
  ASSERT_TRUE(producer_->ProduceSync({kafka::kEventsTopic, 0, "subj", good.SerializeAsString(), {}}, absl::Seconds(10)).ok());
  ASSERT_TRUE(tracker_.WaitSealed(0, 1, absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(Cursor().next_seq(), 1u);
  EXPECT_EQ(Cursor().rejected(), 1u);
  sealer->Stop();

  auto consumer = kafka::Consumer::Create(config_, kafka::kRejectedTopic);
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE((*consumer)->Assign({{0, 0}}).ok());
  std::vector<kafka::ConsumedRecord> got;
  for (int i = 0; i < 50 && got.empty(); ++i) {
    auto polled = (*consumer)->Poll(10, absl::Milliseconds(200));
    ASSERT_TRUE(polled.ok());
    got = polled->records;
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, bad.SerializeAsString());
  std::map<std::string, std::string> headers;
  for (const auto& h : got[0].headers) headers[h.key] = h.value;
  EXPECT_EQ(headers["pdl_reject_field"], "data_collected.categories[0]");
  EXPECT_NE(headers["pdl_reject_reason"].find("user.not_a_category"), std::string::npos);
  EXPECT_EQ(headers["pdl_source_offset"], "0");
}

TEST_F(SealerTest, AFailedWriteIsConsumedAgainFromTheDurableOffsetsAndEveryEventSealsOnce) {
  constexpr int kEvents = 40;
  for (int i = 0; i < kEvents; ++i) {
    auto e = testing::Collected(absl::StrCat("evt-w-", i), "subj", absl::Now() - absl::Minutes(1));
    ASSERT_TRUE(
        producer_->ProduceSync({kafka::kEventsTopic, 0, "subj", e.SerializeAsString(), {}}, absl::Seconds(10)).ok());
  }
  // Batches of at most 10 records; the second write fails once (a full disk, say) while the third batch is being
  // prepared over it.
  std::atomic<int> writes{0};
  Store* store = store_.get();
  auto applier = Applier::Create(store, "test-cluster", 1,
                                 {.write_for_testing = [&writes, store](rocksdb::WriteBatch* batch) -> absl::Status {
                                   if (++writes == 2) return absl::ResourceExhaustedError("no space left on device");
                                   return store->Write(batch);
                                 }});
  ASSERT_TRUE(applier.ok());
  auto consumer = kafka::Consumer::Create(config_, kafka::kEventsTopic);
  ASSERT_TRUE(consumer.ok());
  Sealer sealer(Sealer::Options{.batch_max_records = 10}, std::move(*consumer), std::move(*applier), producer_.get(),
                &tracker_);
  ASSERT_TRUE(sealer.Start().ok());
  ASSERT_TRUE(tracker_.WaitSealed(0, kEvents - 1, absl::Now() + absl::Seconds(30)));
  ASSERT_TRUE(Eventually([&] { return sealer.health().ok(); }));
  sealer.Stop();

  EXPECT_GE(writes.load(), 5);  // the failed one, and at least four that sealed 40 records in batches of 10
  const pdl::v1::PartitionCursor cursor = Cursor();
  EXPECT_EQ(cursor.next_offset(), kEvents);
  EXPECT_EQ(cursor.next_seq(), static_cast<uint64_t>(kEvents));
  EXPECT_EQ(cursor.duplicates(), 0u);
  EXPECT_EQ(cursor.rejected(), 0u);
  EXPECT_EQ(testing::RowCount(*store_, Cf::kLog), static_cast<size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) {
    auto entry = LookupEventId(*store_, absl::StrCat("evt-w-", i));
    ASSERT_TRUE(entry.ok());
    ASSERT_TRUE(entry->has_value()) << i;
    EXPECT_EQ((*entry)->offset(), i);
    EXPECT_EQ((*entry)->seq(), static_cast<uint64_t>(i));
  }
}

}  // namespace
}  // namespace pdl
