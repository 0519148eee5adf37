// Tamper evidence end to end: ledgerd as a real process (embedded Kafka, RocksDB in a temp dir), ProofService and
// GetSubjectHistory(with_proofs) over real gRPC checked with ledger/merkle/verify.h, `ledgerctl export` and an
// offline `ledgerctl verify` after the server is gone, consistency of checkpoints, `ledgerctl monitor`, and
// `ledgerd --verify-store` / the background scrub on a damaged store.

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/evidence/checkpoints.h"
#include "ledger/merkle/verify.h"
#include "nlohmann/json.hpp"
#include "pdl/v1/admin_service.grpc.pb.h"
#include "pdl/v1/audit_service.grpc.pb.h"
#include "pdl/v1/ingest_service.grpc.pb.h"
#include "pdl/v1/proof_service.grpc.pb.h"
#include "projections/keys.h"
#include "projections/store.h"
#include "tests/testing/event_builder.h"
#include "tests/testing/health_client.h"
#include "tests/testing/ledgerd_process.h"
#include "tests/testing/shell.h"
#include "tests/testing/temp_dir.h"

namespace pdl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

using testing::CommandResult;
using testing::Shell;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

merkle::Hash H(const std::string& bytes) {
  auto h = merkle::HashFromBytes(bytes);
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? *h : merkle::Hash{};
}

std::vector<merkle::Hash> Hashes(const google::protobuf::RepeatedPtrField<std::string>& bytes) {
  std::vector<merkle::Hash> out;
  for (const auto& b : bytes) out.push_back(H(b));
  return out;
}

class EvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = tmp_.path() + "/data";
    StartLedgerd();
    auto verifier = checkpoint::NoteVerifier::FromKey(testing::ReadFileTrimmed(KeyFile()));
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_.emplace(*verifier);
  }

  void StartLedgerd(std::vector<std::string> args = {}) {
    ledgerd_ = std::make_unique<testing::LedgerdProcess>(PDL_LEDGERD_PATH, data_dir_, std::move(args));
    ASSERT_TRUE(ledgerd_->Start().ok()) << ledgerd_->output();
    ingest_ = pdl::v1::IngestService::NewStub(ledgerd_->channel());
    audit_ = pdl::v1::AuditService::NewStub(ledgerd_->channel());
    proofs_ = pdl::v1::ProofService::NewStub(ledgerd_->channel());
  }

  std::string KeyFile() const { return data_dir_ + "/checkpoint.key.pub"; }

  CommandResult Ctl(const std::string& args) {
    return Shell(absl::StrCat(PDL_LEDGERCTL_PATH, " --server ", ledgerd_->grpc_address(), " ", args));
  }

  pdl::v1::PublishReceipt Publish(const pdl::v1::PrivacyEvent& event) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    pdl::v1::PublishRequest request;
    *request.mutable_event() = event;
    request.set_wait(pdl::v1::PUBLISH_WAIT_SEALED);
    pdl::v1::PublishReceipt receipt;
    grpc::Status status = ingest_->Publish(&context, request, &receipt);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return receipt;
  }

  // `n` events of `subject` (one partition) interleaved with events of other subjects.
  std::vector<pdl::v1::PublishReceipt> PublishSubject(const std::string& subject, int n, int others = 3) {
    std::vector<pdl::v1::PublishReceipt> receipts;
    for (int i = 0; i < n; ++i) {
      const int k = next_++;
      receipts.push_back(Publish(k % 2 == 0
                                     ? testing::Collected(absl::StrCat("evt-", k), subject, kT0 + absl::Seconds(k))
                                     : testing::Transferred(absl::StrCat("evt-", k), subject, kT0 + absl::Seconds(k))));
      for (int j = 0; j < others; ++j) {
        const int o = next_++;
        Publish(testing::Shared(absl::StrCat("evt-", o), absl::StrCat("other-", o % 11), kT0 + absl::Seconds(o)));
      }
    }
    return receipts;
  }

  grpc::Status GetCheckpoint(uint32_t partition, pdl::v1::GetCheckpointResponse* response) {
    grpc::ClientContext context;
    pdl::v1::GetCheckpointRequest request;
    request.set_partition(partition);
    return proofs_->GetCheckpoint(&context, request, response);
  }

  checkpoint::Checkpoint OpenCheckpoint(const std::string& note, uint32_t partition) {
    auto cp = evidence::OpenPartitionCheckpoint(note, partition, *verifier_);
    EXPECT_TRUE(cp.ok()) << cp.status();
    return cp.ok() ? *cp : checkpoint::Checkpoint{};
  }

  testing::TempDir tmp_;
  std::string data_dir_;
  std::unique_ptr<testing::LedgerdProcess> ledgerd_;
  std::unique_ptr<pdl::v1::IngestService::Stub> ingest_;
  std::unique_ptr<pdl::v1::AuditService::Stub> audit_;
  std::unique_ptr<pdl::v1::ProofService::Stub> proofs_;
  std::optional<checkpoint::NoteVerifier> verifier_;
  int next_ = 0;
};

TEST_F(EvidenceTest, ExportedBundleVerifiesAfterTheServerIsGoneAndNotWhenAnyByteChanges) {
  PublishSubject("subject-e", 6);
  const std::string bundle = tmp_.path() + "/subject-e.json";
  CommandResult exported = Ctl(absl::StrCat("export --subject subject-e --out ", bundle));
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_THAT(exported.output, HasSubstr("exported 6 events"));
  const nlohmann::json doc = nlohmann::json::parse(ReadFile(bundle));
  EXPECT_EQ(doc["format"], "pdl.evidence-bundle.v1");
  EXPECT_EQ(doc["entries"].size(), 6u);
  EXPECT_EQ(doc["verifier_key"], verifier_->Key());

  ASSERT_EQ(ledgerd_->Stop(), 0);
  const std::string verify = absl::StrCat(PDL_LEDGERCTL_PATH, " --server 127.0.0.1:1 verify ");
  CommandResult verified = Shell(absl::StrCat(verify, bundle, " --key ", KeyFile()));
  ASSERT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_THAT(verified.output, HasSubstr("bundle verified: 6 events of subject 'subject-e'"));
  // The key may also be given as text.
  EXPECT_EQ(Shell(absl::StrCat(verify, bundle, " --key '", verifier_->Key(), "'")).exit_code, 0);

  const std::string original = ReadFile(bundle);
  std::mt19937 rng(7);
  const std::string changed = tmp_.path() + "/changed.json";
  for (int i = 0; i < 12; ++i) {
    std::string text = original;
    const size_t at = std::uniform_int_distribution<size_t>(0, text.size() - 1)(rng);
    text[at] = static_cast<char>(text[at] ^ 0x01);
    WriteFile(changed, text);
    CommandResult run = Shell(absl::StrCat(verify, changed, " --key ", KeyFile()));
    EXPECT_EQ(run.exit_code, 4) << "byte " << at << ": " << run.output;
    EXPECT_THAT(run.output, HasSubstr("does NOT verify"));
  }
  CommandResult bad_key = Shell(absl::StrCat(verify, bundle, " --key not-a-key"));
  EXPECT_EQ(bad_key.exit_code, 2) << bad_key.output;
}

TEST_F(EvidenceTest, ProofServiceAnswersVerifyAndErrorsNameTheField) {
  auto receipts = PublishSubject("subject-p", 5);
  const uint32_t p = receipts[0].partition();
  EXPECT_EQ(testing::CheckHealth(ledgerd_->channel(), "pdl.v1.ProofService").value_or(-1), testing::kHealthServing);

  pdl::v1::GetCheckpointResponse cp_response;
  ASSERT_TRUE(GetCheckpoint(p, &cp_response).ok());
  const checkpoint::Checkpoint cp = OpenCheckpoint(cp_response.signed_checkpoint(), p);
  EXPECT_EQ(cp.size, cp_response.size());
  EXPECT_EQ(cp_response.verifier_key(), verifier_->Key());
  EXPECT_EQ(cp_response.partition_count(), 6u);
  EXPECT_EQ(cp_response.origin(), cp.origin);
  for (const auto& receipt : receipts) {
    grpc::ClientContext context;
    pdl::v1::GetInclusionProofRequest request;
    request.set_partition(p);
    request.set_seq(receipt.seq());
    request.set_tree_size(cp.size);
    pdl::v1::GetInclusionProofResponse proof;
    ASSERT_TRUE(proofs_->GetInclusionProof(&context, request, &proof).ok());
    EXPECT_EQ(proof.leaf_hash(), receipt.leaf_hash());
    EXPECT_TRUE(
        merkle::VerifyInclusion(H(receipt.leaf_hash()), receipt.seq(), cp.size, Hashes(proof.hashes()), cp.root_hash)
            .ok());
  }

  auto call_error = [&](auto call) {
    grpc::ClientContext context;
    grpc::Status status = call(&context);
    auto it = context.GetServerTrailingMetadata().find("pdl-field");
    const std::string field =
        it == context.GetServerTrailingMetadata().end() ? "" : std::string(it->second.data(), it->second.size());
    return std::make_pair(status.error_code(), field);
  };
  auto inclusion = [&](uint32_t partition, uint64_t seq, uint64_t size) {
    return call_error([&](grpc::ClientContext* context) {
      pdl::v1::GetInclusionProofRequest request;
      request.set_partition(partition);
      request.set_seq(seq);
      request.set_tree_size(size);
      pdl::v1::GetInclusionProofResponse response;
      return proofs_->GetInclusionProof(context, request, &response);
    });
  };
  EXPECT_EQ(inclusion(p, cp.size, 0), std::make_pair(grpc::StatusCode::INVALID_ARGUMENT, std::string("seq")));
  EXPECT_EQ(inclusion(p, 0, cp.size + 1000), std::make_pair(grpc::StatusCode::OUT_OF_RANGE, std::string("tree_size")));
  EXPECT_EQ(inclusion(6, 0, 0), std::make_pair(grpc::StatusCode::INVALID_ARGUMENT, std::string("partition")));
  auto consistency = call_error([&](grpc::ClientContext* context) {
    pdl::v1::GetConsistencyProofRequest request;
    request.set_partition(p);
    request.set_first_size(cp.size);
    request.set_second_size(1);
    pdl::v1::GetConsistencyProofResponse response;
    return proofs_->GetConsistencyProof(context, request, &response);
  });
  EXPECT_EQ(consistency, std::make_pair(grpc::StatusCode::INVALID_ARGUMENT, std::string("first_size")));
  // A partition without events (the others were all published under few keys) has no checkpoint.
  auto admin = pdl::v1::AdminService::NewStub(ledgerd_->channel());
  grpc::ClientContext stats_context;
  pdl::v1::GetStatsResponse stats;
  ASSERT_TRUE(admin->GetStats(&stats_context, pdl::v1::GetStatsRequest(), &stats).ok());
  for (const auto& partition : stats.partitions()) {
    if (partition.sealed_count() != 0) continue;
    pdl::v1::GetCheckpointResponse empty;
    EXPECT_EQ(GetCheckpoint(partition.partition(), &empty).error_code(), grpc::StatusCode::NOT_FOUND);
  }
}

TEST_F(EvidenceTest, CheckpointsOnlyGrowConsistentlyOnlineAndOffline) {
  auto receipts = PublishSubject("subject-c", 3);
  const uint32_t p = receipts[0].partition();
  const std::string old_file = tmp_.path() + "/old.checkpoint";
  const std::string new_file = tmp_.path() + "/new.checkpoint";
  CommandResult saved = Ctl(absl::StrCat("checkpoint --partition ", p, " --out ", old_file));
  ASSERT_EQ(saved.exit_code, 0) << saved.output;
  const checkpoint::Checkpoint old_cp = OpenCheckpoint(ReadFile(old_file), p);

  PublishSubject("subject-c", 7);
  ASSERT_EQ(Ctl(absl::StrCat("checkpoint --partition ", p, " --out ", new_file)).exit_code, 0);
  const checkpoint::Checkpoint new_cp = OpenCheckpoint(ReadFile(new_file), p);
  ASSERT_GT(new_cp.size, old_cp.size);

  grpc::ClientContext context;
  pdl::v1::GetConsistencyProofRequest request;
  request.set_partition(p);
  request.set_first_size(old_cp.size);
  request.set_second_size(new_cp.size);
  pdl::v1::GetConsistencyProofResponse proof;
  ASSERT_TRUE(proofs_->GetConsistencyProof(&context, request, &proof).ok());
  EXPECT_TRUE(
      merkle::VerifyConsistency(old_cp.size, new_cp.size, old_cp.root_hash, new_cp.root_hash, Hashes(proof.hashes()))
          .ok());

  CommandResult online = Ctl(absl::StrCat("verify --consistency ", old_file, " ", new_file, " --key ", KeyFile()));
  EXPECT_EQ(online.exit_code, 0) << online.output;
  EXPECT_THAT(online.output, HasSubstr("consistent"));
  CommandResult reversed = Ctl(absl::StrCat("verify --consistency ", new_file, " ", old_file, " --key ", KeyFile()));
  EXPECT_EQ(reversed.exit_code, 4) << reversed.output;
  EXPECT_THAT(reversed.output, HasSubstr("shrank"));

  // Offline, with the proof in a file (the JSON grpcurl prints), against no server at all.
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(proof, &json).ok());
  const std::string proof_file = tmp_.path() + "/proof.json";
  WriteFile(proof_file, json);
  const std::string offline = absl::StrCat(PDL_LEDGERCTL_PATH, " --server 127.0.0.1:1 verify --consistency ", old_file,
                                           " ", new_file, " --key ", KeyFile(), " --proof ");
  CommandResult ok = Shell(offline + proof_file);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  pdl::v1::GetConsistencyProofResponse tampered = proof;
  ASSERT_GT(tampered.hashes_size(), 0);
  (*tampered.mutable_hashes(0))[3] ^= 0x04;
  json.clear();
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(tampered, &json).ok());
  WriteFile(proof_file, json);
  CommandResult bad = Shell(offline + proof_file);
  EXPECT_EQ(bad.exit_code, 4) << bad.output;
}

TEST_F(EvidenceTest, HistoryWithProofsVerifiesAgainstTheReturnedCheckpoint) {
  PublishSubject("subject-h", 8, 1);
  pdl::v1::GetSubjectHistoryRequest request;
  request.set_subject_id("subject-h");
  request.set_with_proofs(true);
  request.set_page_size(5);
  int verified = 0;
  do {
    grpc::ClientContext context;
    pdl::v1::GetSubjectHistoryResponse response;
    ASSERT_TRUE(audit_->GetSubjectHistory(&context, request, &response).ok());
    ASSERT_EQ(response.checkpoints_size(), 1);
    const auto& returned = response.checkpoints(0);
    const checkpoint::Checkpoint cp = OpenCheckpoint(returned.signed_checkpoint(), returned.partition());
    for (const auto& e : response.entries()) {
      EXPECT_EQ(e.partition(), returned.partition());
      EXPECT_TRUE(merkle::VerifyInclusion(merkle::LeafHash(e.sealed_record()), e.leaf_index(), cp.size,
                                          Hashes(e.inclusion_proof()), cp.root_hash)
                      .ok());
      pdl::v1::SealedEvent sealed;
      ASSERT_TRUE(sealed.ParseFromString(e.sealed_record()));
      pdl::v1::PrivacyEvent event;
      ASSERT_TRUE(event.ParseFromString(sealed.event()));
      EXPECT_EQ(event.event_id(), e.event().event_id());
      ++verified;
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(verified, 8);
}

TEST_F(EvidenceTest, MonitorTrustsGrowsAndAlarmsOnABreak) {
  auto receipts = PublishSubject("subject-m", 2);
  const uint32_t p = receipts[0].partition();
  const std::string state = tmp_.path() + "/monitor.json";
  const std::string monitor = absl::StrCat("monitor --once --state ", state, " --key ", KeyFile());
  CommandResult first = Ctl(monitor);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("trusting the first checkpoint"));
  PublishSubject("subject-m", 3);
  CommandResult second = Ctl(monitor);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("grew consistently"));
  EXPECT_THAT(second.output, Not(HasSubstr("0 grew consistently")));

  // A forged past: the monitor's trusted checkpoint of partition p had another root (signed with the real key,
  // as if the ledger had shown a different history before).
  auto signer = checkpoint::NoteSigner::FromKey(testing::ReadFileTrimmed(data_dir_ + "/checkpoint.key"));
  ASSERT_TRUE(signer.ok());
  nlohmann::json doc = nlohmann::json::parse(ReadFile(state));
  const std::string trusted = doc["checkpoints"][absl::StrCat(p)];
  checkpoint::Checkpoint forged = OpenCheckpoint(trusted, p);
  forged.root_hash = merkle::LeafHash("another history");
  forged.size -= 1;
  doc["checkpoints"][absl::StrCat(p)] = *checkpoint::SignCheckpoint(forged, *signer);
  WriteFile(state, doc.dump(2));
  CommandResult alarm = Ctl(monitor);
  EXPECT_EQ(alarm.exit_code, 4) << alarm.output;
  EXPECT_THAT(alarm.output, HasSubstr(absl::StrCat("ALARM partition=", p)));
  // The trusted checkpoint did not advance past the break.
  EXPECT_EQ(nlohmann::json::parse(ReadFile(state))["checkpoints"][absl::StrCat(p)],
            doc["checkpoints"][absl::StrCat(p)]);

  // A log that shrank.
  forged = OpenCheckpoint(trusted, p);
  forged.size += 100;
  doc["checkpoints"][absl::StrCat(p)] = *checkpoint::SignCheckpoint(forged, *signer);
  WriteFile(state, doc.dump(2));
  alarm = Ctl(monitor);
  EXPECT_EQ(alarm.exit_code, 4) << alarm.output;
  EXPECT_THAT(alarm.output, HasSubstr("shrank"));
}

TEST_F(EvidenceTest, VerifyStoreNamesTheDamageAndTheScrubStopsSealing) {
  auto receipts = PublishSubject("subject-s", 4);
  const uint32_t p = receipts[2].partition();
  const uint64_t seq = receipts[2].seq();
  ASSERT_EQ(ledgerd_->Stop(), 0);
  const std::string verify_store = absl::StrCat(PDL_LEDGERD_PATH, " --data-dir ", data_dir_, " --verify-store");
  CommandResult intact = Shell(verify_store);
  ASSERT_EQ(intact.exit_code, 0) << intact.output;
  EXPECT_THAT(intact.output, HasSubstr("intact"));

  {
    auto store = Store::Open({.path = data_dir_ + "/db"});
    ASSERT_TRUE(store.ok()) << store.status();
    auto value = (*store)->Get(Cf::kLog, keys::LogKey(p, seq));
    ASSERT_TRUE(value.ok() && value->has_value());
    std::string damaged = **value;
    damaged[damaged.size() / 2] ^= 0x20;
    rocksdb::WriteBatch batch;
    batch.Put((*store)->cf(Cf::kLog), keys::LogKey(p, seq), damaged);
    ASSERT_TRUE((*store)->Write(&batch).ok());
  }
  CommandResult damaged = Shell(verify_store);
  EXPECT_EQ(damaged.exit_code, 1) << damaged.output;
  EXPECT_THAT(damaged.output, HasSubstr(absl::StrCat("partition=", p, " seq=", seq)));
  EXPECT_THAT(damaged.output, HasSubstr("DAMAGED"));

  StartLedgerd({"--scrub-interval", "1"});
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  int ingest_health = testing::kHealthServing;
  while (absl::Now() < deadline && ingest_health != testing::kHealthNotServing) {
    ingest_health = testing::CheckHealth(ledgerd_->channel(), "pdl.v1.IngestService").value_or(-1);
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(ingest_health, testing::kHealthNotServing);
  EXPECT_EQ(testing::CheckHealth(ledgerd_->channel(), "pdl.ledger.integrity").value_or(-1), testing::kHealthNotServing);
  EXPECT_THAT(ledgerd_->output(), HasSubstr(absl::StrCat("alarm=store_damaged partition=", p, " seq=", seq)));
  // Reads and proofs still answer (they are how the damage is investigated).
  pdl::v1::GetCheckpointResponse cp;
  EXPECT_TRUE(GetCheckpoint(p, &cp).ok());
}

}  // namespace
}  // namespace pdl
