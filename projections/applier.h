#ifndef PDL_PROJECTIONS_APPLIER_H_
#define PDL_PROJECTIONS_APPLIER_H_

// The batch applier: turns consumed Kafka records into sealed log entries and read-model rows, exactly once.
//
// A batch is applied in two steps so that nothing is lost:
//   1. Prepare(records): decode, validate (the same rules as gRPC ingest, with the record timestamp as "now"),
//      deduplicate by event_id, assign dense per-partition seqs, and stage ONE RocksDB WriteBatch holding the
//      sealed records, the Merkle tree nodes they complete, each touched partition's tree head with a signed
//      checkpoint, the event-id index, the subject timeline, the rejected records, outbox clean-up, the next
//      offset per partition and, for each fulfilled erasure, the destruction of the subject's data key
//      (crypto-shredding; vault_store.h). Returns the rejections, which the caller publishes to the rejected topic.
//   2. Commit(batch): after the rejections are durable, writes the WriteBatch atomically; a crash before it
//      leaves none of the batch, after it all of it. The cursors stay where they were when the write fails. Then,
//      when the batch destroyed keys, flushes and compacts them out of every file (PurgeDestroyedKeys).
//      CommitBehind(batch) does the same write on a thread of its own and returns at once (write-behind): the
//      next batch is prepared while this one is written, reading its rows, event ids, cursors and trees as if they
//      were stored. Batches are still written one at a time, in order, each as one WriteBatch; a batch is only
//      handed to the writing thread once the batch before it is durable, and a batch built on one that failed is
//      dropped with it (the cursors go back to what is durable, so the consumer re-reads both).
// On start, StartOffsets() tells the consumer where each partition resumes.
//
// Invariants: seqs are dense (0..n-1) per partition and equal the partition's tree size; an event_id is applied
// at most once; a record below a partition's cursor is never applied again; the log and the tree only grow.
//
// Not thread-safe: one sealer thread owns an Applier (which may project the read models of its batches on a thread
// of its own, model_stage.h, and write a batch on another while it prepares the next). Readers use the Store
// directly (RocksDB snapshots).

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/checkpoint/note.h"
#include "ledger/merkle/tree_appender.h"
#include "pdl/v1/store.pb.h"
#include "projections/model_stage.h"
#include "projections/read_model.h"

namespace rocksdb {
class WriteBatch;
}

namespace pdl {

class Store;

// Header set by gRPC ingest on records it produced (value "grpc"); such records are also in the outbox in
// embedded mode and are removed from it when sealed.
inline constexpr char kIngestHeader[] = "pdl_ingest";

struct RecordHeader {
  std::string key;
  std::string value;
};

// A consumed Kafka record, independent of the Kafka client.
struct InputRecord {
  uint32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::string key;
  std::string value;
  std::vector<RecordHeader> headers;
};

// The INVALID_ARGUMENT (field event_id) for an event_id that `seen` already sealed with other content: the
// rejection of the Kafka path and the gRPC answer of ingest.
absl::Status EventIdReused(const pdl::v1::EventIdEntry& seen);

struct Rejection {
  InputRecord record;
  std::string field;
  std::string reason;
};

// Findings the judge attached to sealed events: (rule_id, severity) -> how many.
using FindingCounts = std::map<std::pair<std::string, pdl::v1::Severity>, uint64_t>;

struct AppliedEvent {
  std::string event_id;
  uint32_t partition = 0;
  int64_t offset = 0;
  uint64_t seq = 0;
  bool duplicate = false;
};

class PreparedBatch {
 public:
  PreparedBatch();
  // Waits for the models' thread if it is still projecting the batch (it writes into the batch's rows).
  ~PreparedBatch();
  PreparedBatch(PreparedBatch&&) noexcept;
  PreparedBatch& operator=(PreparedBatch&&) noexcept;

  const std::vector<Rejection>& rejections() const { return rejections_; }
  const std::vector<AppliedEvent>& applied() const { return applied_; }
  size_t records() const { return records_; }
  // The findings the judge attached to this batch's sealed events (none without a judge).
  const FindingCounts& findings() const { return findings_; }

 private:
  friend class Applier;
  // The log, tree, heads and indexes (write-only), and the judge's and the read models' rows, each staged in
  // memory apart (so that their reads see this batch, a row rewritten by many events is written once, and the
  // models can run on their own thread), then appended to the one WriteBatch that Commit writes atomically.
  std::unique_ptr<rocksdb::WriteBatch> batch_;
  std::unique_ptr<StagedRows> judge_rows_;
  std::shared_ptr<StagedRows> model_rows_;
  // The models' rows of the batch before, which this batch's models read until they are done (kept alive here).
  std::shared_ptr<const StagedRows> model_base_;
  // Set when the models have projected the batch and appended their rows to batch_ (null: not handed over).
  std::shared_ptr<ModelsDone> models_done_;
  std::map<uint32_t, pdl::v1::PartitionCursor> cursors_;
  std::map<uint32_t, merkle::TreeAppender> trees_;
  // Event ids sealed by this batch: id -> entry (read by the next batch while this one is written).
  absl::flat_hash_map<std::string, pdl::v1::EventIdEntry> event_ids_;
  std::vector<Rejection> rejections_;
  std::vector<AppliedEvent> applied_;
  // Subjects whose data key this batch destroys (fulfilled erasures).
  std::vector<std::string> erased_subjects_;
  size_t records_ = 0;
  FindingCounts findings_;
};

struct ApplierOptions {
  // Signs each partition's checkpoint after every batch; no checkpoint is written when null. Not owned.
  const checkpoint::NoteSigner* signer = nullptr;
  // Checkpoint origin of partition p: "<origin_prefix>/<p>".
  std::string origin_prefix = "pdl.local/ledger";
  // Decides the policy version and findings of each event before it is sealed; none when null. Not owned.
  Judge* judge = nullptr;
  // Projected for every sealed event, in this order, into the same batch. Not owned.
  std::vector<ReadModel*> read_models;
  // Projects the read models on a thread of their own (ModelStage) while the sealer thread judges and seals the
  // next events; the rows are the same either way and still go into the batch's one WriteBatch. False runs them
  // on the calling thread.
  bool models_on_own_thread = true;
  // Benchmarks only (tests/bench/proof_bench measures the tree's cost): false skips the tree nodes and heads.
  // A ledger always builds them.
  bool build_tree = true;
  // Writes one sealed batch; null writes it to the store. Tests put a failing write here (fault injection).
  std::function<absl::Status(rocksdb::WriteBatch*)> write_for_testing;
};

// The cursors of a batch that became durable: partition -> cursor (next offset, next seq, counters).
using DurableCallback = std::function<void(const std::map<uint32_t, pdl::v1::PartitionCursor>&)>;

class Applier {
 public:
  // Loads the cursors of partitions [0, partitions). `cluster_id` identifies the Kafka cluster being consumed:
  // a stored cursor of another cluster (a fresh embedded cluster after a restart) resumes at offset 0 of the new
  // one while keeping its seq and counters.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Applier>> Create(Store* store, std::string cluster_id,
                                                                       int partitions,
                                                                       ApplierOptions options = {});

  // Partition -> first offset to consume.
  std::map<int32_t, int64_t> StartOffsets() const;
  const pdl::v1::PartitionCursor& cursor(uint32_t partition) const;
  // Partitions whose stored cursor belonged to another cluster (the cluster was replaced).
  const std::vector<uint32_t>& partitions_from_other_cluster() const { return other_cluster_; }

  ~Applier();
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;

  [[nodiscard]] absl::StatusOr<PreparedBatch> Prepare(std::vector<InputRecord> records);
  // Writes the batch and returns once it is durable (CommitBehind, then Drain).
  [[nodiscard]] absl::Status Commit(PreparedBatch batch);
  // Write-behind: waits until the batch written before is durable, then starts writing `batch` on a thread of its
  // own and returns; the next Prepare reads `batch` as if stored. When the batch before failed, returns its error
  // and drops `batch` (prepared on top of it). `on_durable`, if set, is called on the writing thread with the
  // batch's cursors once the batch is durable (and its destroyed keys purged).
  [[nodiscard]] absl::Status CommitBehind(PreparedBatch batch, DurableCallback on_durable);
  // Waits until the batch being written is durable and returns its status. On an error the cursors and trees are
  // back at what is durable: StartOffsets() is where to resume. Call before anything else writes the store.
  [[nodiscard]] absl::Status Drain();

  // Records that offsets [from, to) of `partition` were gone from Kafka (an unacknowledged gap). With `stop`, the
  // partition's cursor is marked stopped and stays at `from` until AcknowledgeGaps; otherwise it moves to `to`.
  [[nodiscard]] absl::Status RecordGap(uint32_t partition, int64_t from, int64_t to, bool stop, absl::Time now);
  // Acknowledges the partition's open gaps; returns how many, and the offset the partition resumes at.
  [[nodiscard]] absl::StatusOr<std::pair<int, int64_t>> AcknowledgeGaps(uint32_t partition);

 private:
  Applier(Store* store, std::string cluster_id, ApplierOptions options);
  // Decodes, judges and seals `records` into `prepared`, handing each sealed event to the read models.
  absl::Status PrepareRecords(std::vector<InputRecord> records, PreparedBatch& prepared);
  // Stages the batch's cursors and each touched partition's tree head with its signed checkpoint.
  absl::Status StageHeads(PreparedBatch& prepared);
  // The partition's tree as committed (loaded from the store on first use).
  absl::StatusOr<merkle::TreeAppender> CommittedTree(uint32_t partition);

  // What the writing thread reports of a batch.
  struct Written {
    bool durable = false;  // the WriteBatch is in the store (the purge after it may still have failed)
    absl::Status status;
  };
  // A batch handed to the writing thread: its rows and event ids are the base of the next batch's reads until it
  // is durable.
  struct InFlight {
    PreparedBatch batch;
    std::future<Written> written;
  };

  Store* store_;
  std::string cluster_id_;
  ApplierOptions options_;
  // Where the next batch starts: what is durable plus the batch in flight.
  std::vector<pdl::v1::PartitionCursor> cursors_;
  std::vector<std::optional<merkle::TreeAppender>> trees_;
  // What is durable (the stored cursors, as this applier reads them).
  std::vector<pdl::v1::PartitionCursor> durable_cursors_;
  std::unique_ptr<InFlight> in_flight_;
  // The WriteBatch of the last batch written, cleared, for the next batch: its buffer keeps its size and its
  // pages, where a fresh one grows by copying itself and faults in new pages (several percent of a batch's CPU).
  std::unique_ptr<rocksdb::WriteBatch> spare_batch_;
  std::vector<uint32_t> other_cluster_;
  // The read models' thread (ApplierOptions::models_on_own_thread); null when they run on the caller's.
  std::unique_ptr<ModelStage> stage_;
};

}  // namespace pdl

#endif  // PDL_PROJECTIONS_APPLIER_H_
