#ifndef PDL_PROJECTIONS_MODEL_STAGE_H_
#define PDL_PROJECTIONS_MODEL_STAGE_H_

// The read models of the applier's batches, projected on a thread of their own while the sealer thread judges and
// seals the next events of the same batch (a two-stage pipeline on two cores).
//
// Nothing about exactly-once changes: the models stage their rows into the batch's StagedRows, which the applier
// writes in the batch's one WriteBatch with the log, the tree and the offsets, after Finish. Only where the CPU
// time is spent changes. The models see the events in the applier's order and read through a BatchWriter over
// their own staged rows, so the rows are the same as when the models run on the sealer thread (and as a rebuild's).
//
// Separation that makes this safe: the judge's rows (policy_facts) are staged apart from the models' rows; no
// model reads the judge's families and the judge reads none of the models'. Reads of the store are RocksDB reads
// (thread-safe).
//
// Use: Begin(rows, base) once per batch, Add() each sealed event in order, then Finish() — always, also when the
// batch is abandoned, since the thread may still be writing into `rows` until Finish returns. One producer thread.
// Between Finish and the next Begin the thread touches neither `rows` nor `base`.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "pdl/v1/event.pb.h"
#include "projections/read_model.h"

namespace pdl {

class Store;

class ModelStage {
 public:
  // `store` and `models` must outlive the stage.
  ModelStage(const Store* store, std::vector<ReadModel*> models);
  ~ModelStage();
  ModelStage(const ModelStage&) = delete;
  ModelStage& operator=(const ModelStage&) = delete;

  // Starts a batch whose rows are staged into `rows`, read over `base` (the rows of the batch before, still being
  // written; null when there is none). Both stay alive and `base` unchanged until Finish returns.
  void Begin(StagedRows* rows, const StagedRows* base);
  // Hands one sealed event over; `view.event` must point at `*event`.
  void Add(std::unique_ptr<pdl::v1::PrivacyEvent> event, SealedEventView view);
  // Waits until every event added since Begin is projected and each model's Finish hook has run; returns the first
  // error of any of them (the batch must then be abandoned).
  [[nodiscard]] absl::Status Finish();

 private:
  struct Item {
    std::unique_ptr<pdl::v1::PrivacyEvent> event;  // null: the end of the batch
    SealedEventView view;
  };
  void Loop();
  void Hand(bool end_of_batch);

  const Store* store_;
  std::vector<ReadModel*> models_;
  // Producer side: events not handed over yet (handed in groups, to wake the thread less often).
  std::vector<Item> pending_;

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  // Guarded by mu_.
  std::vector<Item> queue_;
  StagedRows* rows_ = nullptr;
  const StagedRows* base_ = nullptr;
  bool batch_done_ = false;
  absl::Status batch_status_;
  bool stop_ = false;

  std::thread thread_;
};

}  // namespace pdl

#endif  // PDL_PROJECTIONS_MODEL_STAGE_H_
