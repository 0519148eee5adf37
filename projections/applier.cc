#include "projections/applier.h"

#include <pthread.h>

#include <algorithm>
#include <new>
#include <utility>

#include "ledger/sv.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "ledger/event_validator.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/field_error.h"
#include "ledger/merkle/hasher.h"
#include "projections/keys.h"
#include "projections/store.h"
#include "projections/tree_store.h"
#include "projections/vault_store.h"
#include "rocksdb/write_batch.h"

namespace pdl {
namespace {

using pdl::v1::EventIdEntry;
using pdl::v1::PartitionCursor;

// A written batch's WriteBatch up to this size is kept for the next batch (a larger one is freed, so that one
// unusual batch does not hold its memory for good).
constexpr size_t kSpareBatchBytes = 64u << 20;

std::string_view HeaderValue(const InputRecord& record, std::string_view key) {
  for (const auto& h : record.headers) {
    if (h.key == key) return h.value;
  }
  return {};
}

bool HasHeader(const InputRecord& record, std::string_view key) {
  for (const auto& h : record.headers) {
    if (h.key == key) return true;
  }
  return false;
}

std::string RejectedKey(uint32_t partition, int64_t offset, std::string_view cluster_id) {
  std::string key;
  keys::AppendU32(&key, partition);
  keys::AppendString(&key, cluster_id);
  keys::AppendI64(&key, offset);
  return key;
}

std::string GapKey(uint32_t partition, std::string_view cluster_id, int64_t from) {
  std::string key;
  keys::AppendU32(&key, partition);
  keys::AppendString(&key, cluster_id);
  keys::AppendI64(&key, from);
  return key;
}

// Checks of the Kafka envelope: the key routes the subject, the CloudEvents headers must agree with the body.
absl::Status CheckEnvelope(const InputRecord& record, const pdl::v1::PrivacyEvent& event) {
  if (record.key != event.subject().id()) {
    return InvalidField("key", absl::StrCat("Kafka record key must equal subject.id (", record.key.size(),
                                            "-byte key does not match), so that a subject's events stay in "
                                            "one partition"));
  }
  if (HasHeader(record, "ce_id") && HeaderValue(record, "ce_id") != event.event_id()) {
    return InvalidField("ce_id", "CloudEvents header ce_id must equal event_id");
  }
  if (HasHeader(record, "content-type")) {
    std::string_view ct = HeaderValue(record, "content-type");
    if (ct != "application/protobuf" && ct != "application/x-protobuf") {
      return InvalidField("content-type", absl::StrCat("'", Sv(ct), "' is not supported; want application/protobuf"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EventIdReused(const EventIdEntry& seen) {
  return InvalidField("event_id", absl::StrCat("already used by a different event (partition ", seen.partition(),
                                               ", seq ", seen.seq(), "); an event_id names one immutable event"));
}

PreparedBatch::PreparedBatch()
    : batch_(std::make_unique<rocksdb::WriteBatch>()),
      judge_rows_(std::make_unique<StagedRows>()),
      model_rows_(std::make_shared<StagedRows>()) {}
PreparedBatch::~PreparedBatch() {
  if (models_done_ != nullptr) models_done_->Wait().IgnoreError();
}
PreparedBatch::PreparedBatch(PreparedBatch&&) noexcept = default;
PreparedBatch& PreparedBatch::operator=(PreparedBatch&& other) noexcept {
  if (this != &other) {
    this->~PreparedBatch();  // waits for the models' thread before the rows go
    new (this) PreparedBatch(std::move(other));
  }
  return *this;
}

Applier::Applier(Store* store, std::string cluster_id, ApplierOptions options)
    : store_(store), cluster_id_(std::move(cluster_id)), options_(std::move(options)) {
  if (options_.models_on_own_thread && !options_.read_models.empty()) {
    stage_ = std::make_unique<ModelStage>(store_, options_.read_models);
  }
}

absl::StatusOr<std::unique_ptr<Applier>> Applier::Create(Store* store, std::string cluster_id, int partitions,
                                                         ApplierOptions options) {
  if (partitions <= 0) return absl::InvalidArgumentError("partitions must be positive");
  auto applier = std::unique_ptr<Applier>(new Applier(store, std::move(cluster_id), std::move(options)));
  applier->cursors_.resize(partitions);
  applier->trees_.resize(partitions);
  for (int p = 0; p < partitions; ++p) {
    auto stored = store->Get(Cf::kOffsets, keys::PartitionKey(p));
    if (!stored.ok()) return stored.status();
    PartitionCursor& cursor = applier->cursors_[p];
    if (stored->has_value()) {
      if (!cursor.ParseFromString(**stored)) {
        return absl::DataLossError(absl::StrCat("offsets: cursor of partition ", p, " does not parse"));
      }
      if (cursor.cluster_id() != applier->cluster_id_) {
        applier->other_cluster_.push_back(p);
        cursor.set_next_offset(0);
        cursor.set_stopped_at_gap(false);
        cursor.set_cluster_id(applier->cluster_id_);
      }
    } else {
      cursor.set_cluster_id(applier->cluster_id_);
    }
  }
  applier->durable_cursors_ = applier->cursors_;
  return applier;
}

// A batch that fails here is not durable; the next start resumes before it.
Applier::~Applier() { Drain().IgnoreError(); }

std::map<int32_t, int64_t> Applier::StartOffsets() const {
  std::map<int32_t, int64_t> out;
  for (size_t p = 0; p < cursors_.size(); ++p) out[static_cast<int32_t>(p)] = cursors_[p].next_offset();
  return out;
}

const PartitionCursor& Applier::cursor(uint32_t partition) const { return cursors_.at(partition); }

absl::StatusOr<merkle::TreeAppender> Applier::CommittedTree(uint32_t partition) {
  if (!trees_[partition].has_value()) {
    auto loaded = merkle::TreeAppender::Load(RocksNodeSource(*store_, partition), cursors_[partition].next_seq());
    if (!loaded.ok()) {
      return absl::DataLossError(absl::StrCat("tree of partition ", partition, " cannot be resumed at size ",
                                              cursors_[partition].next_seq(), ": ", loaded.status().message()));
    }
    trees_[partition] = std::move(*loaded);
  }
  return *trees_[partition];
}

absl::StatusOr<PreparedBatch> Applier::Prepare(std::vector<InputRecord> records) {
  PreparedBatch prepared;
  prepared.records_ = records.size();
  if (spare_batch_ != nullptr) prepared.batch_ = std::move(spare_batch_);
  if (in_flight_ != nullptr) prepared.model_base_ = in_flight_->batch.model_rows_;
  if (stage_ != nullptr) stage_->Begin(prepared.model_rows_.get(), prepared.model_base_.get());
  absl::Status sealed = PrepareRecords(std::move(records), prepared);
  if (sealed.ok()) sealed = StageHeads(prepared);
  if (sealed.ok()) sealed = prepared.judge_rows_->AppendTo(*store_, prepared.batch_.get());
  if (!sealed.ok()) {
    // The models' thread writes into the batch's rows until it is done with them: wait for it.
    if (stage_ != nullptr) stage_->Finish().IgnoreError();
    return sealed;
  }
  prepared.models_done_ = std::make_shared<ModelsDone>();
  if (stage_ != nullptr) {
    // From here only the models' thread writes into batch_, until models_done_ is set; Prepare returns meanwhile.
    stage_->End(prepared.batch_.get(), prepared.models_done_);
    return prepared;
  }
  BatchWriter models(store_, prepared.model_rows_.get(), prepared.model_base_.get());
  absl::Status projected = absl::OkStatus();
  for (ReadModel* model : options_.read_models) {
    if (projected = model->Finish(models); !projected.ok()) break;
  }
  if (projected.ok()) projected = prepared.model_rows_->AppendTo(*store_, prepared.batch_.get());
  prepared.models_done_->Set(projected);
  if (!projected.ok()) return projected;
  return prepared;
}

absl::Status Applier::StageHeads(PreparedBatch& prepared) {
  rocksdb::WriteBatch& batch = *prepared.batch_;
  for (const auto& [partition, cursor] : prepared.cursors_) {
    batch.Put(store_->cf(Cf::kOffsets), keys::PartitionKey(partition), cursor.SerializeAsString());
  }
  for (const auto& [partition, tree] : prepared.trees_) {
    pdl::v1::TreeHead head;
    head.set_size(tree.size());
    const merkle::Hash root = tree.Root();
    head.set_root_hash(std::string(merkle::HashBytes(root)));
    if (options_.signer != nullptr) {
      checkpoint::Checkpoint cp{.origin = absl::StrCat(options_.origin_prefix, "/", partition),
                                .size = tree.size(),
                                .root_hash = root};
      auto note = checkpoint::SignCheckpoint(cp, *options_.signer);
      if (!note.ok()) return note.status();
      head.set_signed_checkpoint(*note);
    }
    batch.Put(store_->cf(Cf::kHeads), keys::PartitionKey(partition), head.SerializeAsString());
  }
  return absl::OkStatus();
}

absl::Status Applier::PrepareRecords(std::vector<InputRecord> records, PreparedBatch& prepared) {
  rocksdb::WriteBatch& batch = *prepared.batch_;
  // The batch being written, if any: what this one reads as stored.
  const PreparedBatch* base = in_flight_ != nullptr ? &in_flight_->batch : nullptr;
  BatchWriter judge_writer(store_, prepared.judge_rows_.get(), base != nullptr ? base->judge_rows_.get() : nullptr);
  BatchWriter model_writer(store_, prepared.model_rows_.get(), prepared.model_base_.get());
  // The high-volume rows (log, tree, event ids, timeline) are staged and written in key order: memtable inserts
  // in order are several times cheaper than in arrival order.
  struct Staged {
    Cf family;
    std::string key;
    std::string value;
  };
  std::vector<Staged> staged;
  staged.reserve(records.size() * 5);
  // Event ids applied earlier in this batch: id -> entry.
  absl::flat_hash_map<std::string, EventIdEntry>& in_batch = prepared.event_ids_;
  // And by the batch being written.
  auto written_entry = [base](const std::string& event_id) -> const EventIdEntry* {
    if (base == nullptr) return nullptr;
    auto it = base->event_ids_.find(event_id);
    return it == base->event_ids_.end() ? nullptr : &it->second;
  };

  auto cursor_for = [&](uint32_t partition) -> PartitionCursor& {
    auto it = prepared.cursors_.find(partition);
    if (it == prepared.cursors_.end()) it = prepared.cursors_.emplace(partition, cursors_[partition]).first;
    return it->second;
  };

  for (InputRecord& record : records) {
    if (record.partition >= cursors_.size()) {
      return absl::FailedPreconditionError(
          absl::StrCat("record from partition ", record.partition, " but the topic has ", cursors_.size()));
    }
    PartitionCursor& cursor = cursor_for(record.partition);
    if (record.offset < cursor.next_offset()) continue;  // Already applied (redelivery).
    cursor.set_next_offset(record.offset + 1);
    const absl::Time recorded_at = absl::FromUnixMillis(record.timestamp_ms);

    auto reject = [&](const absl::Status& why) {
      cursor.set_rejected(cursor.rejected() + 1);
      pdl::v1::RejectedRecord rejected;
      rejected.set_partition(record.partition);
      rejected.set_offset(record.offset);
      rejected.set_cluster_id(cluster_id_);
      rejected.set_key(record.key);
      rejected.set_value(record.value);
      for (const auto& h : record.headers) {
        auto* header = rejected.add_headers();
        header->set_key(h.key);
        header->set_value(h.value);
      }
      rejected.set_field(ErrorField(why));
      rejected.set_reason(ErrorReason(why));
      SetTimestamp(rejected.mutable_recorded_at(), recorded_at);
      batch.Put(store_->cf(Cf::kRejected), RejectedKey(record.partition, record.offset, cluster_id_),
                rejected.SerializeAsString());
      prepared.rejections_.push_back(Rejection{std::move(record), ErrorField(why), ErrorReason(why)});
    };

    if (record.value.size() > kMaxRecordBytes) {
      reject(InvalidField("event", absl::StrCat("record of ", record.value.size(), " bytes exceeds the limit of ",
                                                kMaxRecordBytes, " bytes")));
      continue;
    }
    auto decoded = DecodeEvent(record.value);
    if (!decoded.ok()) {
      reject(decoded.status());
      continue;
    }
    auto event = std::make_unique<pdl::v1::PrivacyEvent>(std::move(*decoded));
    ValidationContext ctx{.now = recorded_at, .path = IngestPath::kKafka, .record_bytes = record.value.size()};
    if (absl::Status valid = ValidateEvent(*event, ctx); !valid.ok()) {
      reject(valid);
      continue;
    }
    if (absl::Status envelope = CheckEnvelope(record, *event); !envelope.ok()) {
      reject(envelope);
      continue;
    }

    const std::string fingerprint = Fingerprint(*event);
    const std::string id_key = keys::EventIdKey(event->event_id());
    std::optional<EventIdEntry> seen;
    if (auto it = in_batch.find(event->event_id()); it != in_batch.end()) {
      seen = it->second;
    } else if (const EventIdEntry* written = written_entry(event->event_id()); written != nullptr) {
      seen = *written;
    } else {
      auto stored = store_->Get(Cf::kEventIds, id_key);
      if (!stored.ok()) return stored.status();
      if (stored->has_value()) {
        seen.emplace();
        if (!seen->ParseFromString(**stored)) {
          return absl::DataLossError("event_ids: entry does not parse");
        }
      }
    }
    if (seen.has_value()) {
      if (seen->fingerprint() != fingerprint) {
        reject(EventIdReused(*seen));
        continue;
      }
      cursor.set_duplicates(cursor.duplicates() + 1);
      prepared.applied_.push_back(AppliedEvent{event->event_id(), seen->partition(), seen->offset(), seen->seq(),
                                               /*duplicate=*/true});
      if (HeaderValue(record, kIngestHeader) == "grpc") batch.Delete(store_->cf(Cf::kOutbox), id_key);
      continue;
    }

    const uint64_t seq = cursor.next_seq();
    cursor.set_next_seq(seq + 1);
    SealedEventView view{.partition = record.partition,
                         .seq = seq,
                         .kafka_offset = record.offset,
                         .recorded_at = recorded_at,
                         .event = &*event};
    if (options_.judge != nullptr) {
      if (absl::Status s = options_.judge->Evaluate(&view, judge_writer); !s.ok()) return s;
    }
    pdl::v1::SealedEvent extra;
    for (const auto& finding : view.findings) {
      *extra.add_findings() = finding;
      ++prepared.findings_[{finding.rule_id(), finding.severity()}];
    }
    std::string sealed = SealRecord(SealInput{.partition = record.partition,
                                                    .seq = seq,
                                                    .kafka_offset = record.offset,
                                                    .recorded_at = recorded_at,
                                                    .event_bytes = record.value,
                                                    .policy_version = view.policy_version},
                                          &extra);
    const merkle::Hash leaf = merkle::LeafHash(sealed);
    if (options_.build_tree) {
      auto tree = prepared.trees_.find(record.partition);
      if (tree == prepared.trees_.end()) {
        auto committed = CommittedTree(record.partition);
        if (!committed.ok()) return committed.status();
        tree = prepared.trees_.emplace(record.partition, std::move(*committed)).first;
      }
      if (tree->second.size() != seq) {
        return absl::DataLossError(absl::StrCat("partition ", record.partition, ": tree size ",
                                                tree->second.size(), " differs from the next seq ", seq));
      }
      std::vector<merkle::Node> nodes;
      if (absl::Status s = tree->second.Append(leaf, &nodes); !s.ok()) return s;
      for (const merkle::Node& node : nodes) {
        batch.Put(store_->cf(Cf::kTree), TreeNodeKey(record.partition, node.id.level, node.id.index),
                  rocksdb::Slice(reinterpret_cast<const char*>(node.hash.data()), node.hash.size()));
      }
    }
    const std::string leaf_hash(merkle::HashBytes(leaf));

    EventIdEntry entry;
    entry.set_partition(record.partition);
    entry.set_seq(seq);
    entry.set_offset(record.offset);
    entry.set_fingerprint(fingerprint);
    entry.set_leaf_hash(leaf_hash);
    staged.push_back({Cf::kLog, keys::LogKey(record.partition, seq), std::move(sealed)});
    staged.push_back({Cf::kEventIds, id_key, entry.SerializeAsString()});
    const int64_t occurred = absl::ToUnixMicros(ToTime(event->occurred_at()));
    const char action = static_cast<char>(ActionOf(*event));
    staged.push_back({Cf::kSubjectTimeline, keys::TimelineKey(event->subject().id(), occurred, record.partition, seq),
                      std::string(1, action)});
    if (HeaderValue(record, kIngestHeader) == "grpc") batch.Delete(store_->cf(Cf::kOutbox), id_key);
    if (IsFulfilledErasure(*event)) {
      auto destroyed = StageDataKeyDestruction(*store_, event->subject().id(), &batch);
      if (!destroyed.ok()) return destroyed.status();
      if (*destroyed) prepared.erased_subjects_.push_back(event->subject().id());
    }
    in_batch[event->event_id()] = entry;
    prepared.applied_.push_back(
        AppliedEvent{event->event_id(), record.partition, record.offset, seq, /*duplicate=*/false});
    if (stage_ != nullptr) {
      stage_->Add(std::move(event), std::move(view));
    } else {
      for (ReadModel* model : options_.read_models) {
        if (absl::Status s = model->Apply(view, model_writer); !s.ok()) return s;
      }
    }
  }

  std::sort(staged.begin(), staged.end(), [](const Staged& a, const Staged& b) {
    return a.family != b.family ? a.family < b.family : a.key < b.key;
  });
  for (const Staged& row : staged) batch.Put(store_->cf(row.family), row.key, row.value);
  return absl::OkStatus();
}

absl::Status Applier::Commit(PreparedBatch batch) {
  if (absl::Status s = CommitBehind(std::move(batch), nullptr); !s.ok()) return s;
  return Drain();
}

absl::Status Applier::CommitBehind(PreparedBatch batch, DurableCallback on_durable) {
  if (batch.models_done_ == nullptr) return absl::FailedPreconditionError("the batch was not prepared");
  // One batch in flight: the one before must be durable first, and a batch prepared on a failed one goes with it.
  if (absl::Status s = Drain(); !s.ok()) return s;
  for (auto& [partition, cursor] : batch.cursors_) cursors_[partition] = cursor;
  for (auto& [partition, tree] : batch.trees_) trees_[partition] = std::move(tree);
  batch.trees_.clear();

  auto flight = std::unique_ptr<InFlight>(new InFlight{.batch = std::move(batch), .written = {}});
  const PreparedBatch& written = flight->batch;
  flight->written = std::async(std::launch::async, [this, &written, on_durable = std::move(on_durable)] {
    pthread_setname_np(pthread_self(), "pdl-write");
    Written result;
    // The models' rows are appended to the WriteBatch on their thread.
    if (result.status = written.models_done_->Wait(); !result.status.ok()) return result;
    rocksdb::WriteBatch* batch = written.batch_.get();
    if (batch->Count() > 0) {
      result.status = options_.write_for_testing ? options_.write_for_testing(batch) : store_->Write(batch);
    }
    result.durable = result.status.ok();
    if (result.durable) result.status = PurgeDestroyedKeys(*store_, written.erased_subjects_);
    if (result.status.ok() && on_durable) on_durable(written.cursors_);
    return result;
  });
  in_flight_ = std::move(flight);
  return absl::OkStatus();
}

absl::Status Applier::Drain() {
  if (in_flight_ == nullptr) return absl::OkStatus();
  const Written result = in_flight_->written.get();
  if (result.durable) {
    for (const auto& [partition, cursor] : in_flight_->batch.cursors_) durable_cursors_[partition] = cursor;
  }
  std::unique_ptr<rocksdb::WriteBatch>& written = in_flight_->batch.batch_;
  if (written != nullptr && written->GetDataSize() <= kSpareBatchBytes) {
    written->Clear();  // keeps its buffer
    spare_batch_ = std::move(written);
  }
  in_flight_.reset();
  if (!result.status.ok()) {
    cursors_ = durable_cursors_;
    for (auto& tree : trees_) tree.reset();  // reloaded from the store on next use
  }
  return result.status;
}

absl::Status Applier::RecordGap(uint32_t partition, int64_t from, int64_t to, bool stop, absl::Time now) {
  if (partition >= cursors_.size()) return absl::InvalidArgumentError("partition out of range");
  if (absl::Status s = Drain(); !s.ok()) return s;
  pdl::v1::GapRecord gap;
  gap.set_partition(partition);
  gap.set_cluster_id(cluster_id_);
  gap.set_from_offset(from);
  gap.set_to_offset(to);
  gap.set_acknowledged(false);
  SetTimestamp(gap.mutable_detected_at(), now);
  PartitionCursor cursor = cursors_[partition];
  if (stop) {
    cursor.set_stopped_at_gap(true);
  } else {
    cursor.set_next_offset(to);
  }
  rocksdb::WriteBatch batch;
  batch.Put(store_->cf(Cf::kGaps), GapKey(partition, cluster_id_, from), gap.SerializeAsString());
  batch.Put(store_->cf(Cf::kOffsets), keys::PartitionKey(partition), cursor.SerializeAsString());
  if (absl::Status s = store_->Write(&batch); !s.ok()) return s;
  durable_cursors_[partition] = cursor;
  cursors_[partition] = std::move(cursor);
  return absl::OkStatus();
}

absl::StatusOr<std::pair<int, int64_t>> Applier::AcknowledgeGaps(uint32_t partition) {
  if (partition >= cursors_.size()) return absl::InvalidArgumentError("partition out of range");
  if (absl::Status s = Drain(); !s.ok()) return s;
  std::string prefix;
  keys::AppendU32(&prefix, partition);
  rocksdb::WriteBatch batch;
  PartitionCursor cursor = cursors_[partition];
  int count = 0;
  auto it = store_->NewIterator(Cf::kGaps);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    pdl::v1::GapRecord gap;
    if (!gap.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("gaps: record does not parse");
    }
    if (gap.acknowledged()) continue;
    gap.set_acknowledged(true);
    if (gap.cluster_id() == cluster_id_ && gap.to_offset() > cursor.next_offset()) {
      cursor.set_next_offset(gap.to_offset());
    }
    batch.Put(store_->cf(Cf::kGaps), it->key(), gap.SerializeAsString());
    ++count;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning gaps");
  cursor.set_stopped_at_gap(false);
  batch.Put(store_->cf(Cf::kOffsets), keys::PartitionKey(partition), cursor.SerializeAsString());
  if (absl::Status s = store_->Write(&batch); !s.ok()) return s;
  durable_cursors_[partition] = cursor;
  cursors_[partition] = std::move(cursor);
  return std::make_pair(count, cursors_[partition].next_offset());
}

}  // namespace pdl
