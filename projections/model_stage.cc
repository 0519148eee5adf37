#include "projections/model_stage.h"

#include <pthread.h>

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

void ModelsDone::Set(absl::Status status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = std::move(status);
    done_ = true;
  }
  cv_.notify_all();
}

absl::Status ModelsDone::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return done_; });
  return status_;
}

void ModelStage::Begin(StagedRows* rows, const StagedRows* base) {
  pending_.clear();
  rows_ = rows;
  base_ = base;
}

void ModelStage::Add(std::unique_ptr<pdl::v1::PrivacyEvent> event, SealedEventView view) {
  pending_.push_back(Item{.event = std::move(event), .view = std::move(view), .rows = rows_, .base = base_});
  if (pending_.size() >= kHandOver) Hand();
}

void ModelStage::Hand() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Item& item : pending_) queue_.push_back(std::move(item));
  }
  pending_.clear();
  work_cv_.notify_one();
}

void ModelStage::End(rocksdb::WriteBatch* out, std::shared_ptr<ModelsDone> done) {
  pending_.push_back(Item{.rows = rows_, .base = base_, .out = out, .done = std::move(done)});
  Hand();
}

absl::Status ModelStage::Finish() {
  auto done = std::make_shared<ModelsDone>();
  End(nullptr, done);
  return done->Wait();
}

void ModelStage::Loop() {
  pthread_setname_np(pthread_self(), "pdl-models");  // as `top -H` and profilers show it
  std::vector<Item> work;
  absl::Status status;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_
      work.swap(queue_);
    }
    for (Item& item : work) {
      BatchWriter writer(store_, item.rows, item.base);
      if (item.event == nullptr) {  // End of the batch.
        for (ReadModel* model : models_) {
          if (!status.ok()) break;
          status = model->Finish(writer);
        }
        if (status.ok() && item.out != nullptr) status = item.rows->AppendTo(*store_, item.out);
        item.done->Set(std::move(status));
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
