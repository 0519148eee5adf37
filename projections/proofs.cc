#include "projections/proofs.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "ledger/field_error.h"
#include "ledger/merkle/proof.h"
#include "projections/store.h"
#include "projections/tree_store.h"

namespace pdl {
namespace {

absl::Status CheckPartition(const ProofConfig& config, uint32_t partition) {
  if (config.partitions <= 0 || partition >= static_cast<uint32_t>(config.partitions)) {
    return InvalidField("partition",
                        absl::StrCat(partition, " is not a partition of this ledger (0..", config.partitions - 1, ")"));
  }
  return absl::OkStatus();
}

// The partition's head in `snapshot`; NOT_FOUND naming "partition" when nothing was sealed in it yet.
absl::StatusOr<pdl::v1::TreeHead> RequireHead(const Store& store, uint32_t partition,
                                              const rocksdb::Snapshot* snapshot) {
  auto head = ReadTreeHead(store, partition, snapshot);
  if (!head.ok()) return head.status();
  if (!head->has_value() || (*head)->size() == 0) {
    return FieldError(absl::StatusCode::kNotFound, "partition",
                      absl::StrCat("partition ", partition, " has no sealed record yet (no tree head)"));
  }
  return **head;
}

// A node missing below the head means the stored tree is damaged, not that the caller asked for too much.
absl::Status MissingNodeIsDataLoss(const absl::Status& status, uint32_t partition) {
  if (!absl::IsNotFound(status)) return status;
  return absl::DataLossError(absl::StrCat("partition ", partition, ": ", status.message(),
                                          " although the tree head covers it; run `ledgerd --verify-store`"));
}

void AppendHashes(const std::vector<merkle::Hash>& hashes, google::protobuf::RepeatedPtrField<std::string>* out) {
  out->Reserve(static_cast<int>(hashes.size()));
  for (const merkle::Hash& h : hashes) out->Add(std::string(merkle::HashBytes(h)));
}

}  // namespace

ScopedSnapshot::ScopedSnapshot(const Store& store) : store_(store), snapshot_(store.db()->GetSnapshot()) {}
ScopedSnapshot::~ScopedSnapshot() { store_.db()->ReleaseSnapshot(snapshot_); }

pdl::v1::PartitionCheckpoint CheckpointOf(uint32_t partition, const pdl::v1::TreeHead& head) {
  pdl::v1::PartitionCheckpoint cp;
  cp.set_partition(partition);
  cp.set_signed_checkpoint(head.signed_checkpoint());
  cp.set_size(head.size());
  cp.set_root_hash(head.root_hash());
  const std::string& note = head.signed_checkpoint();
  const size_t end_of_origin = note.find('\n');
  if (end_of_origin != std::string::npos) cp.set_origin(note.substr(0, end_of_origin));
  return cp;
}

absl::StatusOr<std::vector<merkle::Hash>> InclusionProofAt(const Store& store, const rocksdb::Snapshot* snapshot,
                                                           uint32_t partition, uint64_t seq, uint64_t tree_size) {
  auto proof = merkle::InclusionProof(RocksNodeSource(store, partition, snapshot), seq, tree_size);
  if (!proof.ok()) return MissingNodeIsDataLoss(proof.status(), partition);
  return proof;
}

absl::StatusOr<pdl::v1::GetCheckpointResponse> GetCheckpoint(const Store& store, const ProofConfig& config,
                                                             const pdl::v1::GetCheckpointRequest& request) {
  if (absl::Status s = CheckPartition(config, request.partition()); !s.ok()) return s;
  auto head = RequireHead(store, request.partition(), nullptr);
  if (!head.ok()) return head.status();
  pdl::v1::PartitionCheckpoint cp = CheckpointOf(request.partition(), *head);
  pdl::v1::GetCheckpointResponse response;
  response.set_partition(cp.partition());
  response.set_signed_checkpoint(std::move(*cp.mutable_signed_checkpoint()));
  response.set_size(cp.size());
  response.set_root_hash(std::move(*cp.mutable_root_hash()));
  response.set_origin(std::move(*cp.mutable_origin()));
  response.set_verifier_key(config.verifier_key);
  response.set_partition_count(static_cast<uint32_t>(config.partitions));
  return response;
}

absl::StatusOr<pdl::v1::GetInclusionProofResponse> GetInclusionProof(const Store& store, const ProofConfig& config,
                                                                     const pdl::v1::GetInclusionProofRequest& request) {
  if (absl::Status s = CheckPartition(config, request.partition()); !s.ok()) return s;
  ScopedSnapshot snapshot(store);
  auto head = RequireHead(store, request.partition(), snapshot.get());
  if (!head.ok()) return head.status();
  const uint64_t size = request.tree_size() == 0 ? head->size() : request.tree_size();
  if (size > head->size()) {
    return FieldError(
        absl::StatusCode::kOutOfRange, "tree_size",
        absl::StrCat(size, " exceeds the current tree size ", head->size(), " of partition ", request.partition()));
  }
  if (request.seq() >= size) {
    return InvalidField(
        "seq", absl::StrCat(request.seq(), " is not a leaf of the tree of size ", size, " (want seq < tree_size)"));
  }
  auto proof = InclusionProofAt(store, snapshot.get(), request.partition(), request.seq(), size);
  if (!proof.ok()) return proof.status();
  auto leaf = RocksNodeSource(store, request.partition(), snapshot.get()).GetNode(0, request.seq());
  if (!leaf.ok()) return MissingNodeIsDataLoss(leaf.status(), request.partition());

  pdl::v1::GetInclusionProofResponse response;
  response.set_leaf_index(request.seq());
  response.set_tree_size(size);
  AppendHashes(*proof, response.mutable_hashes());
  response.set_leaf_hash(std::string(merkle::HashBytes(*leaf)));
  return response;
}

absl::StatusOr<pdl::v1::GetConsistencyProofResponse> GetConsistencyProof(
    const Store& store, const ProofConfig& config, const pdl::v1::GetConsistencyProofRequest& request) {
  if (absl::Status s = CheckPartition(config, request.partition()); !s.ok()) return s;
  ScopedSnapshot snapshot(store);
  auto head = RequireHead(store, request.partition(), snapshot.get());
  if (!head.ok()) return head.status();
  const uint64_t second = request.second_size() == 0 ? head->size() : request.second_size();
  if (second > head->size()) {
    return FieldError(
        absl::StatusCode::kOutOfRange, "second_size",
        absl::StrCat(second, " exceeds the current tree size ", head->size(), " of partition ", request.partition()));
  }
  if (request.first_size() > second) {
    return InvalidField(
        "first_size", absl::StrCat(request.first_size(), " is larger than second_size ", second, "; a log only grows"));
  }
  auto proof = merkle::ConsistencyProof(RocksNodeSource(store, request.partition(), snapshot.get()),
                                        request.first_size(), second);
  if (!proof.ok()) return MissingNodeIsDataLoss(proof.status(), request.partition());
  pdl::v1::GetConsistencyProofResponse response;
  response.set_first_size(request.first_size());
  response.set_second_size(second);
  AppendHashes(*proof, response.mutable_hashes());
  return response;
}

}  // namespace pdl
