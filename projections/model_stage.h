#ifndef PDL_PROJECTIONS_MODEL_STAGE_H_
#define PDL_PROJECTIONS_MODEL_STAGE_H_

// The read models of the applier's batches, projected on a thread of their own while the sealer thread judges and
// seals the next events (of the same batch, and of the next batch while this one's rows are appended).
//
// Nothing about exactly-once changes: the models stage their rows into the batch's StagedRows, which the thread
// appends to the batch's one WriteBatch with the log, the tree and the offsets; the applier writes it only once
// the thread is done with it (ModelsDone). Only where the CPU time is spent changes. The models see the events in
// the applier's order and read through a BatchWriter over their own staged rows (and the batch before's), so the
// rows are the same as when the models run on the sealer thread (and as a rebuild's).
//
// Separation that makes this safe: the judge's rows (policy_facts) are staged apart from the models' rows; no
// model reads the judge's families and the judge reads none of the models'. Reads of the store are RocksDB reads
// (thread-safe).
//
// Use: Begin(rows, base) once per batch, Add() each sealed event in order, then either End(out, done) — the thread
// runs the models' Finish hooks, appends the rows to the batch's WriteBatch `out` and sets `done`, while the caller
// goes on with the next batch — or Finish(), which waits (for an abandoned batch: the thread may still be writing
// into `rows` until then). One producer thread. The thread takes the batches in order, so a batch's `base` (the
// rows of the batch before) has been appended before the batch's first event is projected.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "pdl/v1/event.pb.h"
#include "projections/read_model.h"

namespace rocksdb {
class WriteBatch;
}  // namespace rocksdb

namespace pdl {

class Store;

// Set once the models have projected a batch and its rows are in its WriteBatch (or failed). Thread-safe.
class ModelsDone {
 public:
  void Set(absl::Status status);
  // Waits until Set; returns its status.
  [[nodiscard]] absl::Status Wait();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  absl::Status status_;
};

class ModelStage {
 public:
  // `store` and `models` must outlive the stage.
  ModelStage(const Store* store, std::vector<ReadModel*> models);
  ~ModelStage();
  ModelStage(const ModelStage&) = delete;
  ModelStage& operator=(const ModelStage&) = delete;

  // Starts a batch whose rows are staged into `rows`, read over `base` (the rows of the batch before, appended by
  // this thread before it reaches this batch; null when there is none). Both stay alive, and nothing else changes
  // them, until the batch's `done` is set (End) or Finish returns.
  void Begin(StagedRows* rows, const StagedRows* base);
  // Hands one sealed event over; `view.event` must point at `*event`.
  void Add(std::unique_ptr<pdl::v1::PrivacyEvent> event, SealedEventView view);
  // Ends the batch without waiting: once every event added since Begin is projected and each model's Finish hook
  // has run, the thread appends the rows to `out` and sets `done` (to the first error, if any: the batch must then
  // be abandoned). `out` must stay alive, and only the thread may write into it, until `done` is set.
  void End(rocksdb::WriteBatch* out, std::shared_ptr<ModelsDone> done);
  // Ends the batch and waits; the rows are not appended anywhere.
  [[nodiscard]] absl::Status Finish();

 private:
  struct Item {
    std::unique_ptr<pdl::v1::PrivacyEvent> event;  // null: the end of the batch
    SealedEventView view;
    StagedRows* rows = nullptr;
    const StagedRows* base = nullptr;
    // The end of the batch: where its rows go (may be null) and whom to tell.
    rocksdb::WriteBatch* out = nullptr;
    std::shared_ptr<ModelsDone> done;
  };
  void Loop();
  void Hand();

  const Store* store_;
  std::vector<ReadModel*> models_;
  // Producer side: the batch's rows, and events not handed over yet (handed in groups, to wake the thread less
  // often).
  StagedRows* rows_ = nullptr;
  const StagedRows* base_ = nullptr;
  std::vector<Item> pending_;

  std::mutex mu_;
  std::condition_variable work_cv_;
  // Guarded by mu_.
  std::vector<Item> queue_;
  bool stop_ = false;

  std::thread thread_;
};

}  // namespace pdl

#endif  // PDL_PROJECTIONS_MODEL_STAGE_H_
