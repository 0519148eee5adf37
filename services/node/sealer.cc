#include "services/node/sealer.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace pdl {

Sealer::Sealer(Options options, std::unique_ptr<kafka::Consumer> consumer, std::unique_ptr<Applier> applier,
               kafka::Producer* producer, SealTracker* tracker)
    : options_(std::move(options)),
      consumer_(std::move(consumer)),
      applier_(std::move(applier)),
      producer_(producer),
      tracker_(tracker) {}

Sealer::~Sealer() { Stop(); }

absl::Status Sealer::AssignAtCursors() {
  auto offsets = applier_->StartOffsets();
  if (absl::Status s = consumer_->Assign(offsets); !s.ok()) return s;
  // Assign resumes every partition: a partition stopped at a gap must stay stopped.
  for (const auto& [partition, offset] : offsets) {
    if (applier_->cursor(partition).stopped_at_gap()) {
      if (absl::Status s = consumer_->Pause(partition); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status Sealer::Start() {
  for (const auto& [partition, offset] : applier_->StartOffsets()) {
    tracker_->OnSealed(partition, offset);
    if (applier_->cursor(partition).stopped_at_gap()) {
      spdlog::warn("alarm=partition_stopped_at_gap partition={} offset={} action=\"ledgerctl gaps ack {}\"",
                   partition, offset, partition);
    }
  }
  if (absl::Status s = AssignAtCursors(); !s.ok()) return s;
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void Sealer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Sealer::Halt(absl::Status reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (halted_.ok()) halted_ = std::move(reason);
}

bool Sealer::halted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !halted_.ok();
}

absl::Status Sealer::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return halted_.ok() ? health_ : halted_;
}

void Sealer::Submit(std::function<void()> command) {
  std::lock_guard<std::mutex> lock(mu_);
  commands_.push_back(std::move(command));
}

absl::Status Sealer::RunBetweenBatches(std::function<absl::Status()> fn, absl::Duration timeout) {
  auto done = std::make_shared<std::promise<absl::Status>>();
  auto result = done->get_future();
  Submit([fn = std::move(fn), done] { done->set_value(fn()); });
  if (result.wait_for(absl::ToChronoMilliseconds(timeout)) != std::future_status::ready) {
    return absl::DeadlineExceededError(
        absl::StrCat("the sealer did not finish the command within ", absl::FormatDuration(timeout),
                     "; it goes on in the background"));
  }
  return result.get();
}

absl::StatusOr<int> Sealer::AcknowledgeGaps(uint32_t partition) {
  auto done = std::make_shared<std::promise<absl::StatusOr<int>>>();
  auto result = done->get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands_.push_back([this, partition, done] {
      auto acked = applier_->AcknowledgeGaps(partition);
      if (!acked.ok()) {
        done->set_value(acked.status());
        return;
      }
      absl::Status s = consumer_->Seek(static_cast<int32_t>(partition), acked->second);
      if (s.ok()) s = consumer_->Resume(static_cast<int32_t>(partition));
      if (!s.ok()) {
        done->set_value(s);
        return;
      }
      tracker_->OnSealed(static_cast<int>(partition), acked->second);
      spdlog::info("event=gap_acknowledged partition={} gaps={} resume_offset={}", partition, acked->first,
                   acked->second);
      done->set_value(acked->first);
    });
  }
  if (result.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    return absl::DeadlineExceededError("the sealer did not take the acknowledgement within 30 s");
  }
  return result.get();
}

void Sealer::RunCommands() {
  std::deque<std::function<void()>> commands;
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands.swap(commands_);
  }
  if (commands.empty()) return;
  // Commands read and write the store: the batch being written goes first.
  if (absl::Status s = applier_->Drain(); !s.ok()) {
    spdlog::error("event=sealer_batch_failed error=\"{}\"", s.ToString());
    Rewind();
  }
  for (auto& command : commands) command();
}

void Sealer::Rewind() {
  // What was not written goes back to the consumer: resume at what is durable.
  if (absl::Status s = applier_->Drain(); !s.ok()) {
    spdlog::error("event=sealer_batch_failed error=\"{}\"", s.ToString());
  }
  if (absl::Status reassign = AssignAtCursors(); !reassign.ok()) {
    spdlog::error("event=consumer_reassign_failed error=\"{}\"", reassign.ToString());
  }
}

void Sealer::Loop() {
  int failures = 0;
  while (!stop_) {
    RunCommands();
    if (halted()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    absl::Status s = RunOnce();
    {
      std::lock_guard<std::mutex> lock(mu_);
      health_ = s;
    }
    if (s.ok()) {
      failures = 0;
      continue;
    }
    ++failures;
    spdlog::error("event=sealer_batch_failed error=\"{}\" retry_in_ms={}", s.ToString(), 200 * failures);
    Rewind();
    for (int i = 0; i < std::min(failures, 25) && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  RunCommands();
  if (absl::Status s = applier_->Drain(); !s.ok()) {
    spdlog::error("event=sealer_batch_failed error=\"{}\" (at stop; the next start resumes before it)", s.ToString());
  }
}

absl::Status Sealer::HandleOutOfRange(const kafka::OutOfRange& oor) {
  auto marks = consumer_->QueryWatermarks(oor.partition, absl::Seconds(10));
  if (!marks.ok()) return marks.status();
  const int64_t from = oor.requested_offset;
  const int64_t to = marks->low;
  if (to <= from) {
    // Not a gap behind us (e.g. an offset past the end): restart from where the cursor stands.
    return consumer_->Seek(oor.partition, applier_->cursor(oor.partition).next_offset());
  }
  gaps_detected_++;
  const bool stop = options_.stop_at_gaps;
  spdlog::error(
      "alarm=kafka_gap partition={} missing_offsets=[{},{}) records_lost={} action=\"{}\"", oor.partition, from, to,
      to - from,
      stop ? absl::StrCat("partition stopped; check the cause, then `ledgerctl gaps ack ", oor.partition, "`")
           : std::string("embedded cluster: continuing at the log start; the gap stays on record"));
  if (absl::Status s = applier_->RecordGap(oor.partition, from, to, stop, absl::Now()); !s.ok()) return s;
  if (stop) return consumer_->Pause(oor.partition);
  tracker_->OnSealed(oor.partition, to);
  return consumer_->Seek(oor.partition, to);
}

absl::Status Sealer::PublishRejections(const std::vector<Rejection>& rejections) {
  if (rejections.empty()) return absl::OkStatus();
  std::vector<std::future<absl::Status>> acks;
  acks.reserve(rejections.size());
  for (const Rejection& r : rejections) {
    kafka::OutgoingRecord out;
    out.topic = kafka::kRejectedTopic;
    out.key = r.record.key;
    out.value = r.record.value;
    for (const auto& h : r.record.headers) out.headers.push_back({h.key, h.value});
    out.headers.push_back({"pdl_reject_reason", r.reason});
    out.headers.push_back({"pdl_reject_field", r.field});
    out.headers.push_back({"pdl_source_topic", kafka::kEventsTopic});
    out.headers.push_back({"pdl_source_partition", absl::StrCat(r.record.partition)});
    out.headers.push_back({"pdl_source_offset", absl::StrCat(r.record.offset)});
    auto promise = std::make_shared<std::promise<absl::Status>>();
    acks.push_back(promise->get_future());
    absl::Status enqueued = producer_->Produce(std::move(out), [promise](absl::StatusOr<kafka::Delivery> d) {
      promise->set_value(d.status());
    });
    if (!enqueued.ok()) promise->set_value(enqueued);
  }
  for (auto& ack : acks) {
    if (ack.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      return absl::DeadlineExceededError("rejected records were not acknowledged within 60 s");
    }
    if (absl::Status s = ack.get(); !s.ok()) return s;
  }
  for (const Rejection& r : rejections) {
    // The reason may quote values from the record; the log names only the field.
    spdlog::warn("event=record_rejected partition={} offset={} field={}", r.record.partition, r.record.offset,
                 r.field);
  }
  return absl::OkStatus();
}

absl::Status Sealer::RunOnce() {
  auto polled = consumer_->Poll(options_.batch_max_records, options_.batch_max_wait);
  if (!polled.ok()) return polled.status();
  const absl::Time polled_at = absl::Now();
  for (const kafka::OutOfRange& oor : polled->out_of_range) {
    if (absl::Status s = HandleOutOfRange(oor); !s.ok()) return s;
  }
  // Idle: the batch being written, if any, reports now rather than with the next batch.
  if (polled->records.empty()) return applier_->Drain();

  std::vector<InputRecord> records;
  records.reserve(polled->records.size());
  for (kafka::ConsumedRecord& r : polled->records) {
    InputRecord in;
    in.partition = static_cast<uint32_t>(r.partition);
    in.offset = r.offset;
    in.timestamp_ms = r.timestamp_ms;
    in.key = std::move(r.key);
    in.value = std::move(r.value);
    for (auto& h : r.headers) in.headers.push_back({std::move(h.key), std::move(h.value)});
    records.push_back(std::move(in));
  }
  if (options_.before_batch) {
    if (absl::Status s = options_.before_batch(); !s.ok()) return s;
  }
  auto prepared = applier_->Prepare(std::move(records));
  if (!prepared.ok()) return prepared.status();
  if (absl::Status s = PublishRejections(prepared->rejections()); !s.ok()) return s;
  // Written behind: the next batch is prepared meanwhile; waiting Publish(SEALED) calls are released once durable.
  SealTracker* tracker = tracker_;
  SealedBatchReport report{.records = prepared->records(), .findings = prepared->findings()};
  return applier_->CommitBehind(
      std::move(*prepared),
      [tracker, on_durable = options_.on_durable, polled_at, report](const auto& cursors) mutable {
        for (const auto& [partition, cursor] : cursors) {
          tracker->OnSealed(static_cast<int>(partition), cursor.next_offset());
        }
        if (on_durable) {
          report.latency = absl::Now() - polled_at;
          on_durable(report);
        }
      });
}

}  // namespace pdl
