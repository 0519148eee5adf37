// End to end: ledgerd as a real process with its embedded Kafka cluster, RocksDB in a temp dir, gRPC on a free
// port; publishers through gRPC and through a plain Kafka producer; crashes by SIGKILL.

#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event_codec.h"
#include "pdl/v1/admin_service.grpc.pb.h"
#include "pdl/v1/audit_service.grpc.pb.h"
#include "pdl/v1/ingest_service.grpc.pb.h"
#include "services/kafka/consumer.h"
#include "services/kafka/embedded_cluster.h"
#include "services/kafka/producer.h"
#include "tests/testing/event_builder.h"
#include "tests/testing/health_client.h"
#include "tests/testing/ledgerd_process.h"
#include "tests/testing/scenario_builder.h"
#include "tests/testing/temp_dir.h"

namespace pdl {
namespace {

using ::testing::HasSubstr;

class LedgerdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = tmp_.path() + "/data";
    ledgerd_ = std::make_unique<testing::LedgerdProcess>(PDL_LEDGERD_PATH, data_dir_);
    ASSERT_TRUE(ledgerd_->Start().ok()) << ledgerd_->output();
    Connect();
  }

  void Connect() {
    ingest_ = pdl::v1::IngestService::NewStub(ledgerd_->channel());
    audit_ = pdl::v1::AuditService::NewStub(ledgerd_->channel());
    admin_ = pdl::v1::AdminService::NewStub(ledgerd_->channel());
  }

  grpc::Status Publish(const pdl::v1::PrivacyEvent& event, pdl::v1::PublishWait wait,
                       pdl::v1::PublishReceipt* receipt, std::string* field = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    pdl::v1::PublishRequest request;
    *request.mutable_event() = event;
    request.set_wait(wait);
    grpc::Status status = ingest_->Publish(&context, request, receipt);
    if (field != nullptr) {
      auto it = context.GetServerTrailingMetadata().find("pdl-field");
      *field = it == context.GetServerTrailingMetadata().end() ? "" : std::string(it->second.data(), it->second.size());
    }
    return status;
  }

  std::vector<pdl::v1::HistoryEntry> History(const std::string& subject) {
    std::vector<pdl::v1::HistoryEntry> out;
    pdl::v1::GetSubjectHistoryRequest request;
    request.set_subject_id(subject);
    request.set_page_size(1000);
    do {
      grpc::ClientContext context;
      pdl::v1::GetSubjectHistoryResponse response;
      grpc::Status status = audit_->GetSubjectHistory(&context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (auto& e : response.entries()) out.push_back(e);
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return out;
  }

  // Polls the history until it has `n` entries (or 30 s pass).
  std::vector<pdl::v1::HistoryEntry> WaitForHistory(const std::string& subject, size_t n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    std::vector<pdl::v1::HistoryEntry> h;
    while (absl::Now() < deadline) {
      h = History(subject);
      if (h.size() >= n) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return h;
  }

  pdl::v1::GetStatsResponse Stats() {
    grpc::ClientContext context;
    pdl::v1::GetStatsResponse stats;
    EXPECT_TRUE(admin_->GetStats(&context, pdl::v1::GetStatsRequest(), &stats).ok());
    return stats;
  }

  std::unique_ptr<kafka::Producer> RawProducer() {
    kafka::KafkaConfig config;
    config.bootstrap_servers = ledgerd_->kafka_bootstrap();
    config.client_id = "raw-publisher";
    auto producer = kafka::Producer::Create(config);
    EXPECT_TRUE(producer.ok()) << producer.status();
    return std::move(*producer);
  }

  // A record as an outside publisher would send it: CloudEvents binary headers, key = subject id.
  static kafka::OutgoingRecord RawRecord(const pdl::v1::PrivacyEvent& event) {
    kafka::OutgoingRecord record;
    record.topic = kafka::kEventsTopic;
    record.key = event.subject().id();
    record.value = event.SerializeAsString();
    record.headers = {{"ce_specversion", "1.0"},
                      {"ce_id", event.event_id()},
                      {"ce_source", event.source()},
                      {"ce_type", CeType(ActionOf(event))},
                      {"ce_time", FormatRfc3339(ToTime(event.occurred_at()))},
                      {"ce_subject", event.subject().id()},
                      {"content-type", "application/protobuf"}};
    return record;
  }

  testing::TempDir tmp_;
  std::string data_dir_;
  std::unique_ptr<testing::LedgerdProcess> ledgerd_;
  std::unique_ptr<pdl::v1::IngestService::Stub> ingest_;
  std::unique_ptr<pdl::v1::AuditService::Stub> audit_;
  std::unique_ptr<pdl::v1::AdminService::Stub> admin_;
};

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

TEST_F(LedgerdTest, GrpcAndRawKafkaEventsBothAppearInHistoryInOccurredOrder) {
  pdl::v1::PublishReceipt receipt;
  auto later = testing::Collected("evt-grpc-1", "subject-a", kT0 + absl::Minutes(10));
  ASSERT_TRUE(Publish(later, pdl::v1::PUBLISH_WAIT_SEALED, &receipt).ok());
  EXPECT_EQ(receipt.event_id(), "evt-grpc-1");
  EXPECT_TRUE(receipt.has_seq());
  EXPECT_EQ(receipt.leaf_hash().size(), 32u);
  EXPECT_FALSE(receipt.duplicate());

  auto producer = RawProducer();
  auto earlier = testing::Shared("evt-raw-1", "subject-a", kT0);
  auto delivered = producer->ProduceSync(RawRecord(earlier), absl::Seconds(30));
  ASSERT_TRUE(delivered.ok()) << delivered.status();
  EXPECT_EQ(static_cast<uint32_t>(delivered->partition), receipt.partition()) << "murmur2: same key, same partition";

  auto history = WaitForHistory("subject-a", 2);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].event().event_id(), "evt-raw-1");
  EXPECT_EQ(history[1].event().event_id(), "evt-grpc-1");
  EXPECT_EQ(history[1].seq(), receipt.seq());
  EXPECT_EQ(history[1].kafka_offset(), receipt.offset());
  EXPECT_EQ(history[0].kafka_offset(), delivered->offset);
  EXPECT_NE(history[0].seq(), history[1].seq());
  EXPECT_TRUE(history[0].event().has_data_shared());
}

TEST_F(LedgerdTest, InvalidRawRecordsGoToRejectedTopicWithReasonAndThePartitionKeepsFlowing) {
  auto producer = RawProducer();
  auto bad_country = testing::Transferred("evt-bad-1", "subject-b", kT0);
  bad_country.mutable_data_transferred()->set_destination_country("XX");
  ASSERT_TRUE(producer->ProduceSync(RawRecord(bad_country), absl::Seconds(30)).ok());
  kafka::OutgoingRecord garbage = RawRecord(testing::Collected("evt-bad-2", "subject-b", kT0));
  garbage.value = "\xff\xff\xff not protobuf";
  ASSERT_TRUE(producer->ProduceSync(std::move(garbage), absl::Seconds(30)).ok());
  auto plaintext = testing::Collected("evt-bad-3", "subject-b", kT0);
  plaintext.mutable_subject()->mutable_identity()->set_email("someone@example.org");
  ASSERT_TRUE(producer->ProduceSync(RawRecord(plaintext), absl::Seconds(30)).ok());
  auto good = testing::Collected("evt-good-after-bad", "subject-b", kT0 + absl::Seconds(1));
  ASSERT_TRUE(producer->ProduceSync(RawRecord(good), absl::Seconds(30)).ok());

  auto history = WaitForHistory("subject-b", 1);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].event().event_id(), "evt-good-after-bad");

  kafka::KafkaConfig config;
  config.bootstrap_servers = ledgerd_->kafka_bootstrap();
  auto consumer = kafka::Consumer::Create(config, kafka::kRejectedTopic);
  ASSERT_TRUE(consumer.ok());
  std::map<int32_t, int64_t> all;
  for (int p = 0; p < 6; ++p) all[p] = 0;
  ASSERT_TRUE((*consumer)->Assign(all).ok());
  std::map<std::string, std::pair<std::string, std::string>> by_ce_id;  // ce_id -> (field, reason)
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (by_ce_id.size() < 3 && absl::Now() < deadline) {
    auto polled = (*consumer)->Poll(100, absl::Milliseconds(200));
    ASSERT_TRUE(polled.ok());
    for (const auto& r : polled->records) {
      std::string ce_id, field, reason;
      for (const auto& h : r.headers) {
        if (h.key == "ce_id") ce_id = h.value;
        if (h.key == "pdl_reject_field") field = h.value;
        if (h.key == "pdl_reject_reason") reason = h.value;
      }
      by_ce_id[ce_id] = {field, reason};
    }
  }
  ASSERT_EQ(by_ce_id.size(), 3u);
  EXPECT_EQ(by_ce_id["evt-bad-1"].first, "data_transferred.destination_country");
  EXPECT_THAT(by_ce_id["evt-bad-1"].second, HasSubstr("XX"));
  EXPECT_EQ(by_ce_id["evt-bad-2"].first, "event");
  EXPECT_EQ(by_ce_id["evt-bad-3"].first, "subject.identity");
  EXPECT_EQ(Stats().rejected_total(), 3u);
}

TEST_F(LedgerdTest, DuplicatesAreAcknowledgedAndNotAppliedTwiceConflictsAreRejected) {
  auto event = testing::Collected("evt-dup-1", "subject-c", kT0);
  event.mutable_subject()->mutable_identity()->set_email("dup@example.org");
  pdl::v1::PublishReceipt first, second;
  ASSERT_TRUE(Publish(event, pdl::v1::PUBLISH_WAIT_SEALED, &first).ok());
  ASSERT_TRUE(Publish(event, pdl::v1::PUBLISH_WAIT_SEALED, &second).ok());
  EXPECT_FALSE(first.duplicate());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(second.seq(), first.seq());
  EXPECT_EQ(second.offset(), first.offset());

  // The same event through raw Kafka after it was sealed: counted as a duplicate, not applied.
  auto producer = RawProducer();
  auto raw = testing::Collected("evt-dup-2", "subject-c", kT0 + absl::Seconds(1));
  ASSERT_TRUE(producer->ProduceSync(RawRecord(raw), absl::Seconds(30)).ok());
  ASSERT_TRUE(producer->ProduceSync(RawRecord(raw), absl::Seconds(30)).ok());
  auto marker = testing::Collected("evt-dup-marker", "subject-c", kT0 + absl::Seconds(2));
  pdl::v1::PublishReceipt marker_receipt;
  ASSERT_TRUE(Publish(marker, pdl::v1::PUBLISH_WAIT_SEALED, &marker_receipt).ok());

  auto history = History("subject-c");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].event().event_id(), "evt-dup-1");
  EXPECT_EQ(history[1].event().event_id(), "evt-dup-2");
  EXPECT_EQ(history[2].event().event_id(), "evt-dup-marker");
  EXPECT_EQ(Stats().duplicates_total(), 1u);

  auto conflicting = testing::Collected("evt-dup-1", "subject-c", kT0 + absl::Hours(1));
  pdl::v1::PublishReceipt ignored;
  std::string field;
  grpc::Status status = Publish(conflicting, pdl::v1::PUBLISH_WAIT_DURABLE, &ignored, &field);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "event_id");
  EXPECT_THAT(status.error_message(), HasSubstr("different event"));
}

TEST_F(LedgerdTest, GrpcValidationNamesTheField) {
  pdl::v1::PublishReceipt receipt;
  std::string field;
  auto no_subject = testing::Collected("evt-v-1", "", kT0);
  grpc::Status status = Publish(no_subject, pdl::v1::PUBLISH_WAIT_DURABLE, &receipt, &field);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "subject.id");
  EXPECT_THAT(status.error_message(), HasSubstr("subject.id"));

  auto future = testing::Collected("evt-v-2", "subject-v", absl::Now() + absl::Minutes(10));
  status = Publish(future, pdl::v1::PUBLISH_WAIT_DURABLE, &receipt, &field);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "occurred_at");

  pdl::v1::PrivacyEvent no_action = testing::Collected("evt-v-3", "subject-v", kT0);
  no_action.clear_data_collected();
  status = Publish(no_action, pdl::v1::PUBLISH_WAIT_DURABLE, &receipt, &field);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "action");
  EXPECT_TRUE(History("subject-v").empty());
}

TEST_F(LedgerdTest, HistoryPagesWithOpaqueTokensBoundToTheRequest) {
  for (int i = 0; i < 25; ++i) {
    pdl::v1::PublishReceipt receipt;
    auto e = testing::Collected(absl::StrCat("evt-page-", i), "subject-p", kT0 + absl::Seconds(25 - i));
    ASSERT_TRUE(Publish(e, i == 24 ? pdl::v1::PUBLISH_WAIT_SEALED : pdl::v1::PUBLISH_WAIT_DURABLE, &receipt).ok());
  }
  WaitForHistory("subject-p", 25);
  pdl::v1::GetSubjectHistoryRequest request;
  request.set_subject_id("subject-p");
  request.set_page_size(10);
  std::vector<std::string> ids;
  int pages = 0;
  std::string second_token;
  do {
    grpc::ClientContext context;
    pdl::v1::GetSubjectHistoryResponse response;
    ASSERT_TRUE(audit_->GetSubjectHistory(&context, request, &response).ok());
    ++pages;
    for (const auto& e : response.entries()) ids.push_back(e.event().event_id());
    if (pages == 1) second_token = response.next_page_token();
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(ids.size(), 25u);
  EXPECT_EQ(ids.front(), "evt-page-24");  // occurred earliest
  EXPECT_EQ(ids.back(), "evt-page-0");

  pdl::v1::GetSubjectHistoryRequest other;
  other.set_subject_id("subject-other");
  other.set_page_token(second_token);
  grpc::ClientContext context;
  pdl::v1::GetSubjectHistoryResponse response;
  grpc::Status status = audit_->GetSubjectHistory(&context, other, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
}

TEST_F(LedgerdTest, AFulfilledErasureDestroysTheSubjectsKey) {
  auto registered = testing::Collected("evt-erase-1", "subject-e", kT0);
  registered.mutable_subject()->mutable_identity()->set_email("erase.me@example.org");
  pdl::v1::PublishReceipt receipt;
  ASSERT_TRUE(Publish(registered, pdl::v1::PUBLISH_WAIT_SEALED, &receipt).ok());
  auto report = [&] {
    grpc::ClientContext context;
    pdl::v1::GetSubjectReportRequest request;
    request.set_subject_id("subject-e");
    pdl::v1::GetSubjectReportResponse response;
    EXPECT_TRUE(audit_->GetSubjectReport(&context, request, &response).ok());
    return response;
  };
  ASSERT_EQ(report().identity().status(), pdl::v1::IDENTITY_STATUS_AVAILABLE);
  EXPECT_EQ(report().identity().identity().email(), "erase.me@example.org");

  ASSERT_TRUE(Publish(testing::RequestOpened("evt-erase-2", "subject-e", kT0 + absl::Hours(1), "req-e",
                                             pdl::v1::SUBJECT_RIGHT_ERASURE),
                      pdl::v1::PUBLISH_WAIT_SEALED, &receipt)
                  .ok());
  ASSERT_TRUE(Publish(testing::RequestClosed("evt-erase-3", "subject-e", kT0 + absl::Hours(2), "req-e",
                                             pdl::v1::SUBJECT_RIGHT_ERASURE, pdl::v1::REQUEST_OUTCOME_FULFILLED),
                      pdl::v1::PUBLISH_WAIT_SEALED, &receipt)
                  .ok());
  const auto erased = report();
  EXPECT_EQ(erased.identity().status(), pdl::v1::IDENTITY_STATUS_ERASED);
  EXPECT_FALSE(erased.identity().has_identity());
  EXPECT_EQ(erased.identity().erasure_evidence().event_id(), "evt-erase-3");

  // The event sealed before the erasure, sent again: still the duplicate it is (its identity can no longer be
  // compared; the rest is); other content under its id is a different event.
  pdl::v1::PublishReceipt again;
  ASSERT_TRUE(Publish(registered, pdl::v1::PUBLISH_WAIT_SEALED, &again).ok());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.seq(), History("subject-e")[0].seq());
  auto altered = registered;
  altered.mutable_data_collected()->add_categories("user.contact.phone_number");
  std::string conflict_field;
  grpc::Status conflict = Publish(altered, pdl::v1::PUBLISH_WAIT_SEALED, &again, &conflict_field);
  EXPECT_EQ(conflict.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(conflict_field, "event_id");
  // A new identity for the erased subject: refused, naming the field; the log is unchanged.
  auto later = testing::Collected("evt-erase-4", "subject-e", kT0 + absl::Hours(3));
  later.mutable_subject()->mutable_identity()->set_email("erase.me@example.org");
  std::string field;
  grpc::Status refused = Publish(later, pdl::v1::PUBLISH_WAIT_SEALED, &again, &field);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(field, "subject.identity");
  EXPECT_THAT(refused.error_message(), HasSubstr("erased"));
  EXPECT_EQ(History("subject-e").size(), 3u);
}

TEST_F(LedgerdTest, IdentityIsNeverStoredOrSentInPlaintext) {
  const std::string email = "very.unique.marker.4711@example.org";
  const std::string name = "Quintessa Marker-Zebedee";
  auto event = testing::Collected("evt-identity-1", "subject-i", kT0);
  event.mutable_subject()->mutable_identity()->set_email(email);
  event.mutable_subject()->mutable_identity()->set_name(name);
  pdl::v1::PublishReceipt receipt;
  ASSERT_TRUE(Publish(event, pdl::v1::PUBLISH_WAIT_SEALED, &receipt).ok());

  auto history = History("subject-i");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_FALSE(history[0].event().subject().has_identity());
  EXPECT_TRUE(history[0].event().subject().has_sealed_identity());
  EXPECT_GT(history[0].event().subject().sealed_identity().ciphertext().size(), email.size());

  // Every record of every partition of the events topic, as bytes.
  kafka::KafkaConfig config;
  config.bootstrap_servers = ledgerd_->kafka_bootstrap();
  auto consumer = kafka::Consumer::Create(config, kafka::kEventsTopic);
  ASSERT_TRUE(consumer.ok());
  std::map<int32_t, int64_t> all;
  for (int p = 0; p < 6; ++p) all[p] = 0;
  ASSERT_TRUE((*consumer)->Assign(all).ok());
  size_t seen = 0;
  for (int i = 0; i < 20 && seen == 0; ++i) {
    auto polled = (*consumer)->Poll(100, absl::Milliseconds(200));
    ASSERT_TRUE(polled.ok());
    for (const auto& r : polled->records) {
      ++seen;
      EXPECT_EQ(r.value.find(email), std::string::npos);
      EXPECT_EQ(r.value.find(name), std::string::npos);
      for (const auto& h : r.headers) EXPECT_EQ(h.value.find(email), std::string::npos);
    }
  }
  EXPECT_EQ(seen, 1u);

  ASSERT_EQ(ledgerd_->Stop(), 0);
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir_)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(email), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find(name), std::string::npos) << entry.path();
  }
  EXPECT_GT(files, 5u);
}

TEST_F(LedgerdTest, GracefulRestartKeepsTheLogAndSeqsContinue) {
  pdl::v1::PublishReceipt before;
  ASSERT_TRUE(Publish(testing::Collected("evt-r-1", "subject-r", kT0), pdl::v1::PUBLISH_WAIT_SEALED, &before).ok());
  EXPECT_EQ(testing::CheckHealth(ledgerd_->channel(), "pdl.v1.IngestService").value_or(-1), testing::kHealthServing);
  EXPECT_EQ(testing::CheckHealth(ledgerd_->channel(), "pdl.ledger.integrity").value_or(-1), testing::kHealthServing);
  ASSERT_EQ(ledgerd_->Stop(), 0);
  ASSERT_TRUE(ledgerd_->Start().ok()) << ledgerd_->output();
  Connect();
  pdl::v1::PublishReceipt after;
  ASSERT_TRUE(
      Publish(testing::Collected("evt-r-2", "subject-r", kT0 + absl::Seconds(1)), pdl::v1::PUBLISH_WAIT_SEALED, &after)
          .ok());
  EXPECT_EQ(after.partition(), before.partition());
  EXPECT_EQ(after.seq(), before.seq() + 1);
  auto history = History("subject-r");
  ASSERT_EQ(history.size(), 2u);
  // The same event again after the restart is still a duplicate.
  pdl::v1::PublishReceipt again;
  ASSERT_TRUE(Publish(testing::Collected("evt-r-1", "subject-r", kT0), pdl::v1::PUBLISH_WAIT_SEALED, &again).ok());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.seq(), before.seq());
}

TEST_F(LedgerdTest, SigkillMidStreamLosesNoAcknowledgedEventAndAppliesNoneTwice) {
  constexpr int kEvents = 4000;
  constexpr int kSubjects = 40;
  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<bool> streaming{true};
  std::thread publisher([&] {
    grpc::ClientContext context;
    auto stream = ingest_->PublishStream(&context);
    std::thread writer([&] {
      for (int i = 0; i < kEvents; ++i) {
        pdl::v1::PublishRequest request;
        *request.mutable_event() = testing::Collected(absl::StrCat("evt-k-", i), absl::StrCat("subject-k-", i % kSubjects),
                                                      kT0 + absl::Milliseconds(i));
        if (!stream->Write(request)) break;
      }
      stream->WritesDone();
    });
    pdl::v1::PublishReceipt receipt;
    while (stream->Read(&receipt)) {
      std::lock_guard<std::mutex> lock(mu);
      acked.insert(receipt.event_id());
    }
    writer.join();
    (void)stream->Finish();
    streaming = false;
  });
  // Crash in the middle of the stream.
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (acked.size() >= kEvents / 4 || !streaming) break;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  ledgerd_->Kill();
  publisher.join();
  const std::set<std::string> acknowledged = acked;
  ASSERT_GE(acknowledged.size(), static_cast<size_t>(kEvents / 4));

  ASSERT_TRUE(ledgerd_->Start().ok()) << ledgerd_->output();
  Connect();
  // Every acknowledged event must come back exactly once; wait for the sealer to catch up.
  std::multiset<std::string> present;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  do {
    present.clear();
    for (int s = 0; s < kSubjects; ++s) {
      for (const auto& e : History(absl::StrCat("subject-k-", s))) present.insert(e.event().event_id());
    }
    bool all = true;
    for (const auto& id : acknowledged) all &= present.count(id) > 0;
    if (all) break;
    absl::SleepFor(absl::Milliseconds(200));
  } while (absl::Now() < deadline);
  size_t missing = 0;
  for (const auto& id : acknowledged) missing += present.count(id) == 0;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged";
  for (const auto& id : present) EXPECT_EQ(present.count(id), 1u) << id;
  // Seqs stay dense per partition: sealed_count equals the number of distinct events present.
  auto stats = Stats();
  EXPECT_EQ(stats.sealed_total(), std::set<std::string>(present.begin(), present.end()).size());
  EXPECT_EQ(stats.outbox_pending(), 0u);
}

TEST_F(LedgerdTest, KcatCanPublishIntoTheEmbeddedCluster) {
  if (std::system("command -v kcat >/dev/null 2>&1") != 0) GTEST_FAIL() << "kcat is not installed";
  auto event = testing::Consent("evt-kcat-1", "subject-kcat", kT0);
  const std::string file = tmp_.path() + "/event.bin";
  {
    std::ofstream out(file, std::ios::binary);
    out << event.SerializeAsString();
  }
  const std::string cmd = absl::StrCat("kcat -P -b ", ledgerd_->kafka_bootstrap(), " -t pdl.events.v1 -k subject-kcat",
                                       " -X partitioner=murmur2_random -H ce_specversion=1.0 -H ce_id=evt-kcat-1",
                                       " -H ce_type=pdl.v1.ConsentGiven -H content-type=application/protobuf ", file);
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto history = WaitForHistory("subject-kcat", 1);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].event().consent_given().scope(), "google-sheets");
}

// Runs a command, returns (exit code, stdout).
std::pair<int, std::string> RunCommand(const std::string& cmd) {
  std::string out;
  FILE* pipe = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST_F(LedgerdTest, LedgerctlPublishesAndReadsHistoryAndReportsStatus) {
  const std::string ctl = absl::StrCat(PDL_LEDGERCTL_PATH, " --server ", ledgerd_->grpc_address());
  auto [code, out] = RunCommand(absl::StrCat(ctl, " publish --wait sealed ", PDL_SOURCE_DIR,
                                             "/examples/events/registration.json"));
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("connect-reg-000001"));
  EXPECT_THAT(out, HasSubstr("seq="));
  std::tie(code, out) = RunCommand(absl::StrCat(ctl, " publish --wait sealed ", PDL_SOURCE_DIR,
                                                "/examples/events/sheets-consent.ndjson"));
  ASSERT_EQ(code, 0) << out;
  std::tie(code, out) = RunCommand(absl::StrCat(ctl, " history user-1042"));
  ASSERT_EQ(code, 0);
  EXPECT_THAT(out, HasSubstr("data_collected"));
  EXPECT_THAT(out, HasSubstr("consent_given"));
  EXPECT_THAT(out, HasSubstr("US via TRANSFER_MECHANISM_SCC"));
  EXPECT_THAT(out, HasSubstr("[identity sealed]"));
  EXPECT_EQ(out.find("jan.peeters@example.org"), std::string::npos);
  std::tie(code, out) = RunCommand(absl::StrCat(ctl, " --json history user-1042 --action data_transferred"));
  ASSERT_EQ(code, 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_THAT(out, HasSubstr("connect-transfer-000003"));
  std::tie(code, out) = RunCommand(absl::StrCat(ctl, " status"));
  ASSERT_EQ(code, 0);
  EXPECT_THAT(out, HasSubstr("sealed:     4"));
  EXPECT_THAT(out, HasSubstr("embedded"));

  // An invalid event: exit 1 and the field named.
  const std::string bad = tmp_.path() + "/bad.json";
  {
    std::ofstream f(bad);
    f << R"({"event_id":"x1","source":"s","occurred_at":"2023-01-01T00:00:00Z","subject":{"id":"u","kind":"user"},)"
      << R"("data_transferred":{"categories":["user.name"],"recipient":{"id":"r","category":"processor"},)"
      << R"("destination_country":"XX"}})";
  }
  std::string err;
  code = std::system(absl::StrCat(ctl, " publish ", bad, " 2>", tmp_.path(), "/err.txt >/dev/null").c_str());
  EXPECT_EQ(WEXITSTATUS(code), 1);
  EXPECT_THAT(testing::ReadFileTrimmed(tmp_.path() + "/err.txt"), HasSubstr("data_transferred.destination_country"));

  // Nobody listening: exit 3 with a hint.
  code = std::system(absl::StrCat(PDL_LEDGERCTL_PATH, " --server 127.0.0.1:1 --timeout 2 status >/dev/null 2>&1").c_str());
  EXPECT_EQ(WEXITSTATUS(code), 3);
}

// The harness itself: a binary that cannot be started is retried, then reported with the system's reason (not an
// empty "exited during start").
TEST(LedgerdProcessTest, ABinaryThatCannotBeStartedIsReportedWithTheReason) {
  testing::TempDir tmp;
  testing::LedgerdProcess missing(tmp.path() + "/no-such-ledgerd", tmp.path() + "/data");
  const absl::Status started = missing.Start(10);
  EXPECT_EQ(started.code(), absl::StatusCode::kInternal) << started;
  EXPECT_THAT(started.message(), HasSubstr("(exit 127)"));
  EXPECT_THAT(started.message(), HasSubstr("no-such-ledgerd: No such file or directory"));
}

TEST(LedgerdConfigTest, ConfigFileSetsFlags) {
  testing::TempDir tmp;
  const std::string config = tmp.path() + "/ledgerd.conf";
  {
    std::ofstream f(config);
    f << "embedded-partitions = 3\nlog-level = warn\n";
  }
  testing::LedgerdProcess ledgerd(PDL_LEDGERD_PATH, tmp.path() + "/data", {"--config", config});
  ASSERT_TRUE(ledgerd.Start().ok()) << ledgerd.output();
  auto admin = pdl::v1::AdminService::NewStub(ledgerd.channel());
  grpc::ClientContext context;
  pdl::v1::GetStatsResponse stats;
  ASSERT_TRUE(admin->GetStats(&context, pdl::v1::GetStatsRequest(), &stats).ok());
  EXPECT_EQ(stats.partitions_size(), 3);
  EXPECT_EQ(ledgerd.Stop(), 0);
}

// ledgerd against a Kafka cluster it does not own (here a cluster this test runs): offsets survive restarts with
// the cluster, nothing is consumed twice, and a different cluster is refused.
TEST(LedgerdExternalKafkaTest, ResumesAtStoredOffsetsAndRefusesAnotherCluster) {
  auto cluster = kafka::EmbeddedCluster::Start(
      1, {{kafka::kEventsTopic, 2, 1}, {kafka::kRejectedTopic, 2, 1}, {kafka::kPoliciesTopic, 1, 1},
          {kafka::kRetentionDueTopic, 2, 1}});
  ASSERT_TRUE(cluster.ok());
  testing::TempDir tmp;
  const std::string data = tmp.path() + "/data";
  auto run = [&](const std::string& bootstrap) {
    return std::make_unique<testing::LedgerdProcess>(PDL_LEDGERD_PATH, data,
                                                     std::vector<std::string>{"--kafka-bootstrap", bootstrap});
  };
  auto ledgerd = run((*cluster)->bootstrap());
  ASSERT_TRUE(ledgerd->Start().ok()) << ledgerd->output();
  auto publish = [&](const std::string& id) {
    auto ingest = pdl::v1::IngestService::NewStub(ledgerd->channel());
    grpc::ClientContext context;
    pdl::v1::PublishRequest request;
    *request.mutable_event() = testing::Collected(id, "subject-x", kT0);
    request.set_wait(pdl::v1::PUBLISH_WAIT_SEALED);
    pdl::v1::PublishReceipt receipt;
    EXPECT_TRUE(ingest->Publish(&context, request, &receipt).ok());
    return receipt;
  };
  auto first = publish("evt-x-1");
  ASSERT_EQ(ledgerd->Stop(), 0);

  ledgerd = run((*cluster)->bootstrap());
  ASSERT_TRUE(ledgerd->Start().ok()) << ledgerd->output();
  auto second = publish("evt-x-2");
  EXPECT_EQ(second.seq(), first.seq() + 1);
  EXPECT_EQ(second.offset(), first.offset() + 1) << "same cluster: offsets continue";
  auto admin = pdl::v1::AdminService::NewStub(ledgerd->channel());
  grpc::ClientContext context;
  pdl::v1::GetStatsResponse stats;
  ASSERT_TRUE(admin->GetStats(&context, pdl::v1::GetStatsRequest(), &stats).ok());
  EXPECT_EQ(stats.kafka_mode(), "external");
  EXPECT_EQ(stats.sealed_total(), 2u);
  EXPECT_EQ(stats.duplicates_total(), 0u);
  ASSERT_EQ(ledgerd->Stop(), 0);

  auto other = kafka::EmbeddedCluster::Start(
      1, {{kafka::kEventsTopic, 2, 1}, {kafka::kRejectedTopic, 2, 1}, {kafka::kPoliciesTopic, 1, 1},
          {kafka::kRetentionDueTopic, 2, 1}});
  ASSERT_TRUE(other.ok());
  ledgerd = run((*other)->bootstrap());
  absl::Status refused = ledgerd->Start(30);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.message()), HasSubstr("--accept-cluster-change"));
}

}  // namespace
}  // namespace pdl
