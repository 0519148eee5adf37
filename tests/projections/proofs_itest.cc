// Proof queries and GetSubjectHistory(with_proofs) on a real RocksDB: everything served verifies with
// ledger/merkle/verify.h and the checkpoint key, and errors name the field with the documented code.

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/evidence/checkpoints.h"
#include "ledger/field_error.h"
#include "ledger/merkle/verify.h"
#include "projections/applier.h"
#include "projections/history.h"
#include "projections/proofs.h"
#include "projections/store.h"
#include "tests/testing/event_builder.h"
#include "tests/testing/temp_dir.h"

namespace pdl {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);
constexpr char kOrigin[] = "pdl.test/proofs";
constexpr int kPartitions = 3;  // Partition 2 stays empty.

merkle::Hash H(const std::string& bytes) {
  auto h = merkle::HashFromBytes(bytes);
  EXPECT_TRUE(h.ok());
  return h.ok() ? *h : merkle::Hash{};
}

std::vector<merkle::Hash> Hashes(const google::protobuf::RepeatedPtrField<std::string>& bytes) {
  std::vector<merkle::Hash> out;
  for (const auto& b : bytes) out.push_back(H(b));
  return out;
}

class ProofsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto signer = checkpoint::NoteSigner::Generate(kOrigin);
    ASSERT_TRUE(signer.ok());
    signer_.emplace(*signer);
    auto store = Store::Open({.path = tmp_.path() + "/db"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto applier = Applier::Create(store_.get(), "cluster", kPartitions,
                                   ApplierOptions{.signer = &*signer_, .origin_prefix = kOrigin});
    ASSERT_TRUE(applier.ok());
    applier_ = std::move(*applier);
    config_ = ProofConfig{.partitions = kPartitions, .verifier_key = signer_->Verifier().Key()};
  }

  // Seals `n` events alternately into partitions 0 and 1; with `alice`, subject "alice" gets every 5th.
  void Seal(int n, bool alice = true) {
    std::vector<InputRecord> records;
    for (int i = 0; i < n; ++i, ++sealed_) {
      const std::string subject = alice && sealed_ % 5 == 0 ? "alice" : absl::StrCat("s-", sealed_);
      auto event = testing::Collected(absl::StrCat("evt-", sealed_), subject, kT0 + absl::Seconds(sealed_));
      InputRecord r;
      r.partition = static_cast<uint32_t>(sealed_ % 2);
      r.offset = offsets_[r.partition]++;
      r.timestamp_ms = absl::ToUnixMillis(kT0 + absl::Hours(1));
      r.key = subject;
      r.value = event.SerializeAsString();
      records.push_back(std::move(r));
    }
    auto prepared = applier_->Prepare(std::move(records));
    ASSERT_TRUE(prepared.ok()) << prepared.status();
    ASSERT_TRUE(applier_->Commit(std::move(*prepared)).ok());
  }

  checkpoint::Checkpoint Checkpoint(uint32_t partition) {
    pdl::v1::GetCheckpointRequest request;
    request.set_partition(partition);
    auto response = GetCheckpoint(*store_, config_, request);
    EXPECT_TRUE(response.ok()) << response.status();
    auto cp = evidence::OpenPartitionCheckpoint(response->signed_checkpoint(), partition, signer_->Verifier());
    EXPECT_TRUE(cp.ok()) << cp.status();
    return *cp;
  }

  testing::TempDir tmp_;
  std::optional<checkpoint::NoteSigner> signer_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Applier> applier_;
  ProofConfig config_;
  int sealed_ = 0;
  int64_t offsets_[kPartitions] = {};
};

TEST_F(ProofsTest, CheckpointInclusionAndConsistencyVerify) {
  Seal(40);
  pdl::v1::GetCheckpointRequest cp_request;
  cp_request.set_partition(1);
  auto cp_response = GetCheckpoint(*store_, config_, cp_request);
  ASSERT_TRUE(cp_response.ok());
  EXPECT_EQ(cp_response->size(), 20u);
  EXPECT_EQ(cp_response->origin(), "pdl.test/proofs/1");
  EXPECT_EQ(cp_response->verifier_key(), signer_->Verifier().Key());
  EXPECT_EQ(cp_response->partition_count(), 3u);
  const checkpoint::Checkpoint old_cp = Checkpoint(1);
  EXPECT_EQ(cp_response->root_hash(), merkle::HashBytes(old_cp.root_hash));

  Seal(60);
  const checkpoint::Checkpoint new_cp = Checkpoint(1);
  ASSERT_EQ(new_cp.size, 50u);
  for (uint64_t seq = 0; seq < new_cp.size; ++seq) {
    for (uint64_t size : {seq + 1, old_cp.size, uint64_t{0}}) {
      if (size != 0 && size <= seq) continue;
      pdl::v1::GetInclusionProofRequest request;
      request.set_partition(1);
      request.set_seq(seq);
      request.set_tree_size(size);
      auto proof = GetInclusionProof(*store_, config_, request);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_EQ(proof->leaf_index(), seq);
      const uint64_t want_size = size == 0 ? new_cp.size : size;
      EXPECT_EQ(proof->tree_size(), want_size);
      auto root = merkle::RootFromInclusionProof(H(proof->leaf_hash()), seq, want_size, Hashes(proof->hashes()));
      ASSERT_TRUE(root.ok());
      if (size == 0) {
        EXPECT_EQ(*root, new_cp.root_hash);
      } else if (size == old_cp.size) {
        EXPECT_EQ(*root, old_cp.root_hash);
      }
    }
  }
  pdl::v1::GetConsistencyProofRequest request;
  request.set_partition(1);
  request.set_first_size(old_cp.size);
  auto consistency = GetConsistencyProof(*store_, config_, request);
  ASSERT_TRUE(consistency.ok());
  EXPECT_EQ(consistency->second_size(), 50u);
  EXPECT_TRUE(merkle::VerifyConsistency(old_cp.size, new_cp.size, old_cp.root_hash, new_cp.root_hash,
                                        Hashes(consistency->hashes()))
                  .ok());
}

TEST_F(ProofsTest, ErrorsNameTheFieldWithTheDocumentedCode) {
  Seal(10);  // 5 leaves in partitions 0 and 1.
  auto expect = [](const absl::Status& status, absl::StatusCode code, const std::string& field) {
    EXPECT_EQ(status.code(), code) << status;
    EXPECT_EQ(ErrorField(status), field) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(field));
  };
  pdl::v1::GetCheckpointRequest cp;
  cp.set_partition(3);
  expect(GetCheckpoint(*store_, config_, cp).status(), absl::StatusCode::kInvalidArgument, "partition");
  cp.set_partition(2);
  expect(GetCheckpoint(*store_, config_, cp).status(), absl::StatusCode::kNotFound, "partition");

  pdl::v1::GetInclusionProofRequest inclusion;
  inclusion.set_partition(0);
  inclusion.set_seq(5);
  expect(GetInclusionProof(*store_, config_, inclusion).status(), absl::StatusCode::kInvalidArgument, "seq");
  inclusion.set_seq(3);
  inclusion.set_tree_size(3);
  expect(GetInclusionProof(*store_, config_, inclusion).status(), absl::StatusCode::kInvalidArgument, "seq");
  inclusion.set_tree_size(6);
  expect(GetInclusionProof(*store_, config_, inclusion).status(), absl::StatusCode::kOutOfRange, "tree_size");
  inclusion.set_partition(2);
  expect(GetInclusionProof(*store_, config_, inclusion).status(), absl::StatusCode::kNotFound, "partition");

  pdl::v1::GetConsistencyProofRequest consistency;
  consistency.set_partition(1);
  consistency.set_first_size(4);
  consistency.set_second_size(3);
  expect(GetConsistencyProof(*store_, config_, consistency).status(), absl::StatusCode::kInvalidArgument, "first_size");
  consistency.set_second_size(9);
  expect(GetConsistencyProof(*store_, config_, consistency).status(), absl::StatusCode::kOutOfRange, "second_size");
  consistency.set_first_size(0);
  consistency.set_second_size(0);
  auto empty = GetConsistencyProof(*store_, config_, consistency);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->second_size(), 5u);
  EXPECT_TRUE(empty->hashes().empty());
}

TEST_F(ProofsTest, HistoryWithProofsVerifiesAgainstTheReturnedCheckpointsOnEveryPage) {
  Seal(100);  // alice: 20 events, 10 in each of partitions 0 and 1.
  pdl::v1::GetSubjectHistoryRequest request;
  request.set_subject_id("alice");
  request.set_with_proofs(true);
  request.set_page_size(7);
  int entries = 0, pages = 0;
  do {
    auto response = GetSubjectHistory(*store_, request);
    ASSERT_TRUE(response.ok()) << response.status();
    ++pages;
    std::map<uint32_t, checkpoint::Checkpoint> checkpoints;
    for (const auto& cp : response->checkpoints()) {
      auto opened = evidence::OpenPartitionCheckpoint(cp.signed_checkpoint(), cp.partition(), signer_->Verifier());
      ASSERT_TRUE(opened.ok()) << opened.status();
      EXPECT_EQ(opened->size, cp.size());
      EXPECT_EQ(cp.origin(), absl::StrCat(kOrigin, "/", cp.partition()));
      checkpoints.emplace(cp.partition(), *opened);
    }
    for (const auto& e : response->entries()) {
      ++entries;
      ASSERT_TRUE(checkpoints.contains(e.partition()));
      const checkpoint::Checkpoint& cp = checkpoints.at(e.partition());
      EXPECT_EQ(e.leaf_index(), e.seq());
      EXPECT_TRUE(merkle::VerifyInclusion(merkle::LeafHash(e.sealed_record()), e.leaf_index(), cp.size,
                                          Hashes(e.inclusion_proof()), cp.root_hash)
                      .ok());
      pdl::v1::SealedEvent sealed;
      ASSERT_TRUE(sealed.ParseFromString(e.sealed_record()));
      EXPECT_EQ(sealed.event(), e.event().SerializeAsString());
    }
    // The log grows between pages; each page still proves against its own checkpoints.
    Seal(3, /*alice=*/false);
    request.set_page_token(response->next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(entries, 20);
  EXPECT_EQ(pages, 3);

  pdl::v1::GetSubjectHistoryRequest plain;
  plain.set_subject_id("alice");
  auto response = GetSubjectHistory(*store_, plain);
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->checkpoints().empty());
  EXPECT_TRUE(response->entries(0).sealed_record().empty());
  EXPECT_TRUE(response->entries(0).inclusion_proof().empty());
}

}  // namespace
}  // namespace pdl
