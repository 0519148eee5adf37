#include "projections/model_stage.h"

#include <utility>

namespace pdl {
namespace {

// Events handed to the thread at once: enough to wake it rarely, few enough that it starts early in a batch.
constexpr size_t kHandOver = 32;

}  // namespace

ModelStage::ModelStage(const Store* store, std::vector<ReadModel*> models)
    : store_(store), models_(std::move(models)), thread_([this] { Loop(); }) {}

ModelStage::~ModelStage() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_one();
  thread_.join();
}

void ModelStage::Begin(StagedRows* rows, const StagedRows* base) {
  pending_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  rows_ = rows;
  base_ = base;
  batch_done_ = false;
  batch_status_ = absl::OkStatus();
}

void ModelStage::Add(std::unique_ptr<pdl::v1::PrivacyEvent> event, SealedEventView view) {
  pending_.push_back(Item{std::move(event), std::move(view)});
  if (pending_.size() >= kHandOver) Hand(/*end_of_batch=*/false);
}

void ModelStage::Hand(bool end_of_batch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Item& item : pending_) queue_.push_back(std::move(item));
    if (end_of_batch) queue_.push_back(Item{});
  }
  pending_.clear();
  work_cv_.notify_one();
}

absl::Status ModelStage::Finish() {
  Hand(/*end_of_batch=*/true);
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [this] { return batch_done_; });
  return batch_status_;
}

void ModelStage::Loop() {
  std::vector<Item> work;
  absl::Status status;
  for (;;) {
    StagedRows* rows = nullptr;
    const StagedRows* base = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_
      work.swap(queue_);
      rows = rows_;
      base = base_;
    }
    BatchWriter writer(store_, rows, base);
    for (Item& item : work) {
      if (item.event == nullptr) {  // End of the batch.
        for (ReadModel* model : models_) {
          if (!status.ok()) break;
          status = model->Finish(writer);
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          batch_status_ = std::move(status);
          batch_done_ = true;
        }
        done_cv_.notify_all();
        status = absl::OkStatus();
        continue;
      }
      // After an error the batch is abandoned: the rest of its events are only released.
      for (ReadModel* model : models_) {
        if (!status.ok()) break;
        status = model->Apply(item.view, writer);
      }
    }
    work.clear();
  }
}

}  // namespace pdl
