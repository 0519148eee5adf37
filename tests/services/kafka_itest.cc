// The Kafka edge against librdkafka's mock cluster on loopback: the real Kafka protocol, real clients.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/kafka/consumer.h"
#include "services/kafka/embedded_cluster.h"
#include "services/kafka/kafka_config.h"
#include "services/kafka/producer.h"

namespace pdl::kafka {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;

// Kafka protocol error code the mock broker answers with when told to fail a Produce request.
constexpr int16_t kNotEnoughReplicas = 19;
// Nothing listens on port 1 of the loopback interface.
constexpr char kUnreachable[] = "127.0.0.1:1";

// Independent oracle: Java's Utils.murmur2 (seed 0x9747b28c) and its default partitioner
// (toPositive(murmur2(key)) % partitions).
int32_t JavaMurmur2(std::string_view data) {
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  const size_t length = data.size();
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(data[i])); };
  uint32_t h = kSeed ^ static_cast<uint32_t>(length);
  for (size_t i = 0; i + 4 <= length; i += 4) {
    uint32_t k = byte(i) | (byte(i + 1) << 8) | (byte(i + 2) << 16) | (byte(i + 3) << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const size_t tail = length & ~size_t{3};
  switch (length % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t JavaPartition(std::string_view key, int32_t partitions) {
  return static_cast<int32_t>((static_cast<uint32_t>(JavaMurmur2(key)) & 0x7fffffffu) %
                              static_cast<uint32_t>(partitions));
}

KafkaConfig ConfigFor(std::string bootstrap, std::map<std::string, std::string> properties = {}) {
  KafkaConfig config;
  config.bootstrap_servers = std::move(bootstrap);
  config.properties = std::move(properties);
  config.client_id = "kafka-itest";
  return config;
}

std::unique_ptr<EmbeddedCluster> StartCluster(const std::vector<TopicSpec>& topics, int brokers = 1) {
  absl::StatusOr<std::unique_ptr<EmbeddedCluster>> cluster = EmbeddedCluster::Start(brokers, topics);
  EXPECT_TRUE(cluster.ok()) << cluster.status();
  return cluster.ok() ? *std::move(cluster) : nullptr;
}

std::unique_ptr<Producer> MakeProducer(const std::string& bootstrap, std::map<std::string, std::string> props = {}) {
  absl::StatusOr<std::unique_ptr<Producer>> producer = Producer::Create(ConfigFor(bootstrap, std::move(props)));
  EXPECT_TRUE(producer.ok()) << producer.status();
  return producer.ok() ? *std::move(producer) : nullptr;
}

std::unique_ptr<Consumer> MakeConsumer(const std::string& bootstrap, const std::string& topic) {
  absl::StatusOr<std::unique_ptr<Consumer>> consumer = Consumer::Create(ConfigFor(bootstrap), topic);
  EXPECT_TRUE(consumer.ok()) << consumer.status();
  return consumer.ok() ? *std::move(consumer) : nullptr;
}

// Polls until `want` records arrived or `budget` passed; out-of-range reports are collected too.
PollResult PollFor(Consumer& consumer, size_t want, absl::Duration budget = absl::Seconds(15)) {
  PollResult all;
  const absl::Time deadline = absl::Now() + budget;
  while (all.records.size() < want && absl::Now() < deadline) {
    absl::StatusOr<PollResult> batch = consumer.Poll(1000, absl::Milliseconds(200));
    EXPECT_TRUE(batch.ok()) << batch.status();
    if (!batch.ok()) break;
    for (ConsumedRecord& r : batch->records) all.records.push_back(std::move(r));
    for (const OutOfRange& o : batch->out_of_range) all.out_of_range.push_back(o);
  }
  return all;
}

std::vector<int64_t> Offsets(const std::vector<ConsumedRecord>& records) {
  std::vector<int64_t> out;
  for (const ConsumedRecord& r : records) out.push_back(r.offset);
  return out;
}

// Collects delivery reports by record index; counts how often each callback ran.
class Deliveries {
 public:
  DeliveryCallback For(int index) {
    return [this, index](absl::StatusOr<Delivery> result) {
      absl::MutexLock lock(&mu_);
      ++calls_[index];
      results_.insert_or_assign(index, std::move(result));
    };
  }
  std::map<int, int> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  absl::StatusOr<Delivery> result(int index) {
    absl::MutexLock lock(&mu_);
    auto it = results_.find(index);
    if (it == results_.end()) return absl::NotFoundError("no delivery report");
    return it->second;
  }

 private:
  absl::Mutex mu_;
  std::map<int, int> calls_ ABSL_GUARDED_BY(mu_);
  std::map<int, absl::StatusOr<Delivery>> results_ ABSL_GUARDED_BY(mu_);
};

TEST(JavaMurmur2Oracle, MatchesKafkaUtilsVectors) {
  EXPECT_EQ(JavaMurmur2("21"), -973932308);
  EXPECT_EQ(JavaMurmur2("foobar"), -790332482);
  EXPECT_EQ(JavaMurmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(JavaMurmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(JavaMurmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(JavaMurmur2("abc"), 479470107);
}

TEST(EmbeddedClusterTest, StartsBrokersWithTopicsAndAFreshInstanceId) {
  auto cluster = StartCluster({{.name = "a", .partitions = 4}, {.name = "b", .partitions = 1}}, /*brokers=*/3);
  ASSERT_NE(cluster, nullptr);
  const std::vector<std::string> brokers = absl::StrSplit(cluster->bootstrap(), ',');
  ASSERT_EQ(brokers.size(), 3u);
  for (const std::string& b : brokers) EXPECT_THAT(b, MatchesRegex("127\\.0\\.0\\.1:[0-9]+"));
  EXPECT_THAT(cluster->instance_id(), MatchesRegex("[0-9a-f]{32}"));
  auto other = StartCluster({});
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other->instance_id(), cluster->instance_id());

  auto producer = MakeProducer(cluster->bootstrap());
  ASSERT_NE(producer, nullptr);
  EXPECT_EQ(producer->PartitionCount("a", absl::Seconds(10)).value_or(-1), 4);
  EXPECT_EQ(producer->PartitionCount("b", absl::Seconds(10)).value_or(-1), 1);
  EXPECT_THAT(producer->ClusterId(absl::Seconds(10)), Not(IsEmpty()));
  EXPECT_TRUE(producer->Health().ok()) << producer->Health();
}

TEST(EmbeddedClusterTest, MissingTopicIsNotFoundAndNotAutoCreated) {
  auto cluster = StartCluster({{.name = "present", .partitions = 2}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap());
  ASSERT_NE(producer, nullptr);
  absl::StatusOr<int32_t> missing = producer->PartitionCount("absent", absl::Seconds(5));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  EXPECT_THAT(missing.status().message(), HasSubstr("'absent'"));
  EXPECT_EQ(producer->PartitionFor("absent", "k").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(producer->PartitionCount("absent", absl::Seconds(5)).status().code(), absl::StatusCode::kNotFound);
}

TEST(EmbeddedClusterTest, RejectsInvalidSpecs) {
  EXPECT_EQ(EmbeddedCluster::Start(0, {}).status().code(), absl::StatusCode::kInvalidArgument);
  absl::Status zero = EmbeddedCluster::Start(1, {{.name = "t", .partitions = 0}}).status();
  EXPECT_EQ(zero.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(zero.message(), HasSubstr("'t': partitions is 0"));
  absl::Status twice = EmbeddedCluster::Start(1, {{.name = "t"}, {.name = "t"}}).status();
  EXPECT_EQ(twice.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(twice.message(), HasSubstr("listed twice"));
}

TEST(KafkaConfigTest, RejectsABadPropertyByName) {
  absl::Status bad = Producer::Create(ConfigFor(kUnreachable, {{"linger.ms", "soon"}})).status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("'linger.ms'"));
  absl::Status unknown = Consumer::Create(ConfigFor(kUnreachable, {{"no.such.property", "1"}}), "t").status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.message(), HasSubstr("'no.such.property'"));
  absl::Status secret = Producer::Create(ConfigFor(kUnreachable, {{"sasl.oauthbearer.method", "hunter2"}})).status();
  EXPECT_EQ(secret.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(secret.message(), Not(HasSubstr("hunter2")));
}

TEST(KafkaRoundTripTest, RecordKeepsKeyValueHeadersAndTimestamp) {
  auto cluster = StartCluster({{.name = kEventsTopic, .partitions = 3}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap());
  ASSERT_NE(producer, nullptr);

  const std::string value("\x0a\x03\x00\xff payload", 12);
  const std::vector<Header> headers = {
      {"ce_specversion", "1.0"},
      {"ce_id", "evt-1"},
      {"ce_type", "pdl.v1.DataShared"},
      {"content-type", "application/protobuf"},
      {"ce_empty", ""},
      {"ce_id", "second-with-same-key"},
  };
  const int64_t before_ms = absl::ToUnixMillis(absl::Now());
  absl::StatusOr<Delivery> delivery = producer->ProduceSync(
      {.topic = kEventsTopic, .key = "subject-42", .value = value, .headers = headers}, absl::Seconds(10));
  const int64_t after_ms = absl::ToUnixMillis(absl::Now());
  ASSERT_TRUE(delivery.ok()) << delivery.status();
  EXPECT_EQ(delivery->partition, producer->PartitionFor(kEventsTopic, "subject-42").value_or(-1));
  EXPECT_EQ(delivery->offset, 0);
  EXPECT_GE(delivery->timestamp_ms, before_ms);
  EXPECT_LE(delivery->timestamp_ms, after_ms);

  auto consumer = MakeConsumer(cluster->bootstrap(), kEventsTopic);
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->Assign({{delivery->partition, 0}}).ok());
  PollResult got = PollFor(*consumer, 1);
  ASSERT_EQ(got.records.size(), 1u);
  const ConsumedRecord& r = got.records[0];
  EXPECT_EQ(r.topic, kEventsTopic);
  EXPECT_EQ(r.partition, delivery->partition);
  EXPECT_EQ(r.offset, 0);
  EXPECT_EQ(r.timestamp_ms, delivery->timestamp_ms);
  EXPECT_EQ(r.key, "subject-42");
  EXPECT_EQ(r.value, value);
  ASSERT_EQ(r.headers.size(), headers.size());
  for (size_t i = 0; i < headers.size(); ++i) {
    EXPECT_EQ(r.headers[i].key, headers[i].key) << i;
    EXPECT_EQ(r.headers[i].value, headers[i].value) << i;
  }
  EXPECT_THAT(got.out_of_range, IsEmpty());
}

TEST(KafkaRoundTripTest, PartitionForIsJavaMurmur2AndMatchesWhereRecordsLand) {
  constexpr int32_t kPartitions = 8;
  constexpr int kKeys = 300;
  auto cluster = StartCluster({{.name = "keyed", .partitions = kPartitions}}, /*brokers=*/3);
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap());
  ASSERT_NE(producer, nullptr);

  Deliveries deliveries;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(producer
                    ->Produce({.topic = "keyed", .key = absl::StrCat("subject-", i), .value = absl::StrCat(i)},
                              deliveries.For(i))
                    .ok());
  }
  ASSERT_TRUE(producer->Flush(absl::Seconds(20)).ok());
  std::set<int32_t> used;
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = absl::StrCat("subject-", i);
    absl::StatusOr<Delivery> d = deliveries.result(i);
    ASSERT_TRUE(d.ok()) << d.status();
    absl::StatusOr<int32_t> predicted = producer->PartitionFor("keyed", key);
    ASSERT_TRUE(predicted.ok()) << predicted.status();
    EXPECT_EQ(*predicted, JavaPartition(key, kPartitions)) << key;
    EXPECT_EQ(d->partition, *predicted) << key;
    used.insert(d->partition);
  }
  EXPECT_EQ(used.size(), static_cast<size_t>(kPartitions));

  auto consumer = MakeConsumer(cluster->bootstrap(), "keyed");
  ASSERT_NE(consumer, nullptr);
  std::map<int32_t, int64_t> from_start;
  for (int32_t p = 0; p < kPartitions; ++p) from_start[p] = 0;
  ASSERT_TRUE(consumer->Assign(from_start).ok());
  PollResult got = PollFor(*consumer, kKeys);
  ASSERT_EQ(got.records.size(), static_cast<size_t>(kKeys));
  for (const ConsumedRecord& r : got.records) EXPECT_EQ(r.partition, JavaPartition(r.key, kPartitions)) << r.key;

  EXPECT_EQ(producer->PartitionFor("keyed", "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KafkaProducerTest, IdempotenceSurvivesFailedProduceRequestsExactlyOnceInOrder) {
  constexpr int kRecords = 200;
  auto cluster = StartCluster({{.name = "idem", .partitions = 1}});
  ASSERT_NE(cluster, nullptr);
  // The caller's attempt to weaken the guarantees must lose; small batches put several requests in flight.
  auto producer = MakeProducer(
      cluster->bootstrap(),
      {{"enable.idempotence", "false"}, {"acks", "1"}, {"batch.num.messages", "5"}, {"max.in.flight", "5"}});
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(producer->ProduceSync({.topic = "idem", .key = "k", .value = "warm-up"}, absl::Seconds(10)).ok());

  cluster->FailNextProduceRequests({0, kNotEnoughReplicas, 0, kNotEnoughReplicas, 0, kNotEnoughReplicas});
  Deliveries deliveries;
  for (int i = 0; i < kRecords; ++i) {
    ASSERT_TRUE(producer->Produce({.topic = "idem", .key = "k", .value = absl::StrCat(i)}, deliveries.For(i)).ok());
  }
  ASSERT_TRUE(producer->Flush(absl::Seconds(20)).ok());
  const std::map<int, int> calls = deliveries.calls();
  ASSERT_EQ(calls.size(), static_cast<size_t>(kRecords));
  for (const auto& [index, count] : calls) EXPECT_EQ(count, 1) << index;
  for (int i = 0; i < kRecords; ++i) {
    absl::StatusOr<Delivery> d = deliveries.result(i);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->offset, 1 + i);
  }

  auto consumer = MakeConsumer(cluster->bootstrap(), "idem");
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->Assign({{0, 1}}).ok());
  PollResult got = PollFor(*consumer, kRecords);
  ASSERT_EQ(got.records.size(), static_cast<size_t>(kRecords));
  for (int i = 0; i < kRecords; ++i) {
    EXPECT_EQ(got.records[i].offset, 1 + i);
    EXPECT_EQ(got.records[i].value, absl::StrCat(i));
  }
  absl::StatusOr<Watermarks> marks = consumer->QueryWatermarks(0, absl::Seconds(10));
  ASSERT_TRUE(marks.ok()) << marks.status();
  EXPECT_EQ(marks->high, 1 + kRecords);
}

TEST(KafkaProducerTest, ProduceSyncReturnsTheOffsetTheConsumerSees) {
  auto cluster = StartCluster({{.name = "sync", .partitions = 2}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap());
  ASSERT_NE(producer, nullptr);
  std::vector<Delivery> deliveries;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<Delivery> d = producer->ProduceSync(
        {.topic = "sync", .partition = 1, .key = "k", .value = absl::StrCat("v", i)}, absl::Seconds(10));
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->partition, 1);
    deliveries.push_back(*d);
  }
  EXPECT_EQ(deliveries[0].offset, 0);
  EXPECT_EQ(deliveries[1].offset, 1);
  EXPECT_EQ(deliveries[2].offset, 2);

  auto consumer = MakeConsumer(cluster->bootstrap(), "sync");
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->Assign({{1, deliveries[1].offset}}).ok());
  PollResult got = PollFor(*consumer, 2);
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[0].offset, deliveries[1].offset);
  EXPECT_EQ(got.records[0].value, "v1");
  EXPECT_EQ(got.records[1].value, "v2");
}

class KafkaConsumerTest : public ::testing::Test {
 protected:
  // Owns a one-broker cluster with topic "log" (2 partitions) holding kRecords records in partition 0.
  static constexpr int kRecords = 50;

  void SetUp() override {
    cluster_ = StartCluster({{.name = "log", .partitions = 2}});
    ASSERT_NE(cluster_, nullptr);
    producer_ = MakeProducer(cluster_->bootstrap());
    ASSERT_NE(producer_, nullptr);
    ProduceToZero(kRecords);
    consumer_ = MakeConsumer(cluster_->bootstrap(), "log");
    ASSERT_NE(consumer_, nullptr);
  }

  void ProduceToZero(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(producer_
                      ->Produce({.topic = "log", .partition = 0, .key = "k", .value = absl::StrCat(next_++)},
                                [](absl::StatusOr<Delivery> d) { EXPECT_TRUE(d.ok()) << d.status(); })
                      .ok());
    }
    ASSERT_TRUE(producer_->Flush(absl::Seconds(10)).ok());
  }

  std::unique_ptr<EmbeddedCluster> cluster_;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<Consumer> consumer_;
  int next_ = 0;
};

TEST_F(KafkaConsumerTest, AssignAtAStoredOffsetStartsExactlyThere) {
  ASSERT_TRUE(consumer_->Assign({{0, 37}, {1, 0}}).ok());
  PollResult got = PollFor(*consumer_, kRecords - 37);
  ASSERT_EQ(got.records.size(), static_cast<size_t>(kRecords - 37));
  for (size_t i = 0; i < got.records.size(); ++i) {
    EXPECT_EQ(got.records[i].offset, 37 + static_cast<int64_t>(i));
    EXPECT_EQ(got.records[i].value, absl::StrCat(37 + i));
  }
  absl::StatusOr<PollResult> idle = consumer_->Poll(100, absl::Milliseconds(300));
  ASSERT_TRUE(idle.ok()) << idle.status();
  EXPECT_THAT(idle->records, IsEmpty());
  EXPECT_THAT(idle->out_of_range, IsEmpty());
}

TEST_F(KafkaConsumerTest, SeekRewindsAnActivePartition) {
  ASSERT_TRUE(consumer_->Assign({{0, 0}}).ok());
  ASSERT_EQ(PollFor(*consumer_, kRecords).records.size(), static_cast<size_t>(kRecords));
  ASSERT_TRUE(consumer_->Seek(0, 45).ok());
  PollResult again = PollFor(*consumer_, 5);
  EXPECT_THAT(Offsets(again.records), ElementsAre(45, 46, 47, 48, 49));
}

TEST_F(KafkaConsumerTest, PauseHoldsRecordsAndResumeDeliversThemInOrder) {
  ASSERT_TRUE(consumer_->Assign({{0, 0}}).ok());
  ASSERT_EQ(PollFor(*consumer_, kRecords).records.size(), static_cast<size_t>(kRecords));
  ASSERT_TRUE(consumer_->Pause(0).ok());
  ProduceToZero(3);
  absl::StatusOr<PollResult> paused = consumer_->Poll(100, absl::Milliseconds(700));
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_THAT(paused->records, IsEmpty());
  ASSERT_TRUE(consumer_->Resume(0).ok());
  EXPECT_THAT(Offsets(PollFor(*consumer_, 3).records), ElementsAre(50, 51, 52));
}

// The sealer's alarm path on a real cluster: stop the partition at the gap, later acknowledge and resume.
TEST_F(KafkaConsumerTest, PausedPartitionSeeksAndResumesAfterAGap) {
  ASSERT_TRUE(consumer_->Assign({{0, 0}}).ok());
  ASSERT_EQ(PollFor(*consumer_, kRecords).records.size(), static_cast<size_t>(kRecords));
  ASSERT_TRUE(consumer_->Pause(0).ok());
  ASSERT_TRUE(consumer_->Seek(0, 10).ok());
  absl::StatusOr<PollResult> paused = consumer_->Poll(100, absl::Milliseconds(500));
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_THAT(paused->records, IsEmpty()) << "a seek must not unpause";
  ASSERT_TRUE(consumer_->Resume(0).ok());
  PollResult resumed = PollFor(*consumer_, kRecords - 10);
  ASSERT_EQ(resumed.records.size(), static_cast<size_t>(kRecords - 10));
  EXPECT_EQ(resumed.records.front().offset, 10);
  EXPECT_EQ(resumed.records.back().offset, kRecords - 1);
}

TEST_F(KafkaConsumerTest, RejectsInvalidArguments) {
  EXPECT_EQ(consumer_->Assign({{0, -2}}).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(consumer_->Assign({{0, 0}}).ok());
  EXPECT_EQ(consumer_->Poll(0, absl::Milliseconds(10)).status().code(), absl::StatusCode::kInvalidArgument);
  absl::Status unassigned = consumer_->Seek(1, 0);
  EXPECT_EQ(unassigned.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(unassigned.message(), HasSubstr("partition 1"));
  EXPECT_EQ(consumer_->Pause(1).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(consumer_->Seek(0, -1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(consumer_->QueryWatermarks(9, absl::Seconds(5)).status().code(), absl::StatusCode::kNotFound);
}

// More than the mock broker's 5 MiB per partition: the oldest records are deleted and the log start moves.
TEST(KafkaGapTest, DeletedRecordsAreReportedOutOfRangeAndSeekResumes) {
  constexpr int kRecords = 700;
  constexpr size_t kValueSize = 10 * 1024;
  auto cluster = StartCluster({{.name = "gap", .partitions = 2}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap());
  ASSERT_NE(producer, nullptr);
  auto value_of = [&](int64_t i) {
    std::string v = absl::StrCat("record-", i, "-");
    v.resize(kValueSize, 'x');
    return v;
  };
  Deliveries deliveries;
  for (int i = 0; i < kRecords; ++i) {
    ASSERT_TRUE(
        producer->Produce({.topic = "gap", .partition = 0, .key = "k", .value = value_of(i)}, deliveries.For(i)).ok());
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(producer->Produce({.topic = "gap", .partition = 1, .key = "k", .value = "small"}, [](auto) {}).ok());
  }
  ASSERT_TRUE(producer->Flush(absl::Seconds(30)).ok());
  for (int i = 0; i < kRecords; ++i) ASSERT_TRUE(deliveries.result(i).ok()) << i;

  auto consumer = MakeConsumer(cluster->bootstrap(), "gap");
  ASSERT_NE(consumer, nullptr);
  absl::StatusOr<Watermarks> marks = consumer->QueryWatermarks(0, absl::Seconds(10));
  ASSERT_TRUE(marks.ok()) << marks.status();
  EXPECT_GT(marks->low, 0);
  EXPECT_LT(marks->low, kRecords);
  EXPECT_EQ(marks->high, kRecords);

  ASSERT_TRUE(consumer->Assign({{0, 0}, {1, 0}}).ok());
  PollResult first;
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while ((first.out_of_range.empty() || first.records.size() < 5) && absl::Now() < deadline) {
    PollResult more = PollFor(*consumer, 1, absl::Milliseconds(200));
    for (ConsumedRecord& r : more.records) first.records.push_back(std::move(r));
    for (const OutOfRange& o : more.out_of_range) first.out_of_range.push_back(o);
  }
  ASSERT_EQ(first.out_of_range.size(), 1u);
  EXPECT_EQ(first.out_of_range[0].partition, 0);
  EXPECT_EQ(first.out_of_range[0].requested_offset, 0);
  ASSERT_EQ(first.records.size(), 5u);
  for (const ConsumedRecord& r : first.records) EXPECT_EQ(r.partition, 1) << "partition 0 must not skip the gap";

  // The stopped partition stays silent: no records, no repeated report.
  absl::StatusOr<PollResult> silent = consumer->Poll(1000, absl::Milliseconds(700));
  ASSERT_TRUE(silent.ok()) << silent.status();
  EXPECT_THAT(silent->records, IsEmpty());
  EXPECT_THAT(silent->out_of_range, IsEmpty());

  // As the sealer does on a real cluster: keep it paused until an operator acknowledges the gap.
  ASSERT_TRUE(consumer->Pause(0).ok());
  ASSERT_TRUE(consumer->Seek(0, marks->low).ok());
  absl::StatusOr<PollResult> held = consumer->Poll(1000, absl::Milliseconds(500));
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_THAT(held->records, IsEmpty());
  ASSERT_TRUE(consumer->Resume(0).ok());
  const size_t remaining = static_cast<size_t>(marks->high - marks->low);
  PollResult resumed = PollFor(*consumer, remaining, absl::Seconds(20));
  ASSERT_EQ(resumed.records.size(), remaining);
  for (size_t i = 0; i < remaining; ++i) {
    const int64_t offset = marks->low + static_cast<int64_t>(i);
    ASSERT_EQ(resumed.records[i].offset, offset);
    ASSERT_EQ(resumed.records[i].value, value_of(offset));
  }
  EXPECT_THAT(resumed.out_of_range, IsEmpty());
}

TEST(KafkaFailureTest, DeliveryToAMissingPartitionFailsNamingIt) {
  auto cluster = StartCluster({{.name = "one", .partitions = 1}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap());
  ASSERT_NE(producer, nullptr);
  const absl::Time start = absl::Now();
  absl::StatusOr<Delivery> d =
      producer->ProduceSync({.topic = "one", .partition = 5, .key = "k", .value = "v"}, absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInternal) << d.status();
  EXPECT_THAT(d.status().message(), HasSubstr("topic 'one' partition 5"));
  EXPECT_THAT(d.status().message(), HasSubstr("_UNKNOWN_PARTITION"));
  EXPECT_THAT(d.status().message(), Not(HasSubstr("\"v\"")));
}

TEST(KafkaFailureTest, UnreachableBrokerFailsWithinMessageTimeout) {
  auto producer = MakeProducer(kUnreachable, {{"message.timeout.ms", "1500"}});
  ASSERT_NE(producer, nullptr);
  const absl::Time start = absl::Now();
  absl::StatusOr<Delivery> d =
      producer->ProduceSync({.topic = kEventsTopic, .key = "subject-1", .value = "personal"}, absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
  EXPECT_EQ(d.status().code(), absl::StatusCode::kUnavailable) << d.status();
  EXPECT_THAT(d.status().message(), HasSubstr("_MSG_TIMED_OUT"));
  EXPECT_THAT(d.status().message(), HasSubstr(kEventsTopic));
  EXPECT_THAT(d.status().message(), Not(HasSubstr("personal")));
  EXPECT_THAT(d.status().message(), Not(HasSubstr("subject-1")));
}

TEST(KafkaFailureTest, BrokerDownFailsDeliveryAndRecovers) {
  auto cluster = StartCluster({{.name = "down", .partitions = 1}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(
      cluster->bootstrap(),
      {{"message.timeout.ms", "1500"}, {"reconnect.backoff.ms", "50"}, {"reconnect.backoff.max.ms", "200"}});
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(producer->ProduceSync({.topic = "down", .key = "k", .value = "0"}, absl::Seconds(10)).ok());
  ASSERT_TRUE(cluster->SetBrokerDown(1).ok());
  absl::StatusOr<Delivery> lost = producer->ProduceSync({.topic = "down", .key = "k", .value = "1"}, absl::Seconds(10));
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnavailable) << lost.status();
  ASSERT_TRUE(cluster->SetBrokerUp(1).ok());
  // UNAVAILABLE means "try again": once the producer has reconnected, the same call succeeds.
  absl::StatusOr<Delivery> back = absl::UnavailableError("not tried");
  for (const absl::Time deadline = absl::Now() + absl::Seconds(20); !back.ok() && absl::Now() < deadline;) {
    back = producer->ProduceSync({.topic = "down", .key = "k", .value = "2"}, absl::Seconds(10));
    if (!back.ok()) {
      EXPECT_EQ(back.status().code(), absl::StatusCode::kUnavailable) << back.status();
    }
  }
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(cluster->SetBrokerDown(7).code(), absl::StatusCode::kInvalidArgument);
}

TEST(KafkaFailureTest, ProduceSyncTimesOutAndEveryCallbackRunsOnceAtShutdown) {
  auto producer = MakeProducer(kUnreachable, {{"message.timeout.ms", "1500"}});
  ASSERT_NE(producer, nullptr);
  Deliveries deliveries;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(producer->Produce({.topic = "t", .key = "k", .value = "v"}, deliveries.For(i)).ok());
  }
  absl::StatusOr<Delivery> sync =
      producer->ProduceSync({.topic = "t", .key = "k", .value = "v"}, absl::Milliseconds(100));
  EXPECT_EQ(sync.status().code(), absl::StatusCode::kDeadlineExceeded) << sync.status();
  EXPECT_THAT(sync.status().message(), HasSubstr("may still be delivered"));
  producer.reset();
  EXPECT_THAT(deliveries.calls(), ElementsAre(std::pair(0, 1), std::pair(1, 1), std::pair(2, 1)));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(deliveries.result(i).status().code(), absl::StatusCode::kUnavailable);
}

TEST(KafkaFailureTest, FullLocalQueueIsResourceExhaustedWithoutCallback) {
  auto producer = MakeProducer(kUnreachable, {{"queue.buffering.max.messages", "1"}, {"message.timeout.ms", "1000"}});
  ASSERT_NE(producer, nullptr);
  Deliveries deliveries;
  ASSERT_TRUE(producer->Produce({.topic = "t", .key = "k", .value = "v"}, deliveries.For(0)).ok());
  const absl::Time start = absl::Now();
  absl::Status full =
      producer->Produce({.topic = "t", .key = "k", .value = "v"}, deliveries.For(1), absl::Milliseconds(200));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  producer.reset();
  EXPECT_THAT(deliveries.calls(), ElementsAre(std::pair(0, 1)));
}

TEST(EnsureTopicsTest, IsOkWhenEveryTopicExists) {
  auto cluster = StartCluster({{.name = kEventsTopic, .partitions = 3}, {.name = kPoliciesTopic, .partitions = 1}});
  ASSERT_NE(cluster, nullptr);
  absl::Status s = EnsureTopics(ConfigFor(cluster->bootstrap()),
                                {{.name = kEventsTopic, .partitions = 6}, {.name = kPoliciesTopic}}, absl::Seconds(10));
  EXPECT_TRUE(s.ok()) << s;
  auto producer = MakeProducer(cluster->bootstrap());
  ASSERT_NE(producer, nullptr);
  EXPECT_EQ(producer->PartitionCount(kEventsTopic, absl::Seconds(10)).value_or(-1), 3) << "left alone";
}

// librdkafka 2.0.2's mock brokers do not implement CreateTopics; the request times out waiting for a controller.
TEST(EnsureTopicsTest, MissingTopicOnTheMockClusterTimesOutNamingIt) {
  auto cluster = StartCluster({{.name = kEventsTopic, .partitions = 3}});
  ASSERT_NE(cluster, nullptr);
  const absl::Time start = absl::Now();
  absl::Status s = EnsureTopics(ConfigFor(cluster->bootstrap()),
                                {{.name = kEventsTopic, .partitions = 3}, {.name = kRejectedTopic, .partitions = 2}},
                                absl::Seconds(2));
  EXPECT_LT(absl::Now() - start, absl::Seconds(9));
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_THAT(s.message(), HasSubstr(kRejectedTopic));
  EXPECT_THAT(s.message(), Not(HasSubstr(std::string("'") + kEventsTopic)));
}

TEST(EnsureTopicsTest, RejectsAnInvalidSpecBeforeContactingKafka) {
  absl::Status s = EnsureTopics(ConfigFor(kUnreachable), {{.name = "t", .replication_factor = 0}}, absl::Seconds(1));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("'t': replication_factor is 0"));
}

}  // namespace
}  // namespace pdl::kafka
