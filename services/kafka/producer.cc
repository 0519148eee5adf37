#include "services/kafka/producer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/kafka/internal/client_conf.h"
#include "spdlog/spdlog.h"

namespace pdl::kafka {
namespace {

using internal::Describe;
using internal::ToMillis;

// How long the destructor waits for outstanding deliveries before purging them, and then for the purge reports.
constexpr absl::Duration kShutdownFlush = absl::Seconds(10);
constexpr absl::Duration kShutdownPurge = absl::Seconds(5);
// PartitionFor's budget for the one metadata request per topic.
constexpr absl::Duration kPartitionForMetadataTimeout = absl::Seconds(10);
// Longest sleep between enqueue attempts while librdkafka's queue is full.
constexpr absl::Duration kQueueFullBackoff = absl::Milliseconds(10);

// Throughput settings the caller's properties may override.
internal::Properties ProducerDefaults() {
  return {
      {"linger.ms", "5"},
      {"batch.num.messages", "10000"},
      {"queue.buffering.max.messages", "1000000"},
      {"queue.buffering.max.kbytes", "1048576"},
  };
}

// What "nothing accepted is lost, nothing applied twice, one subject stays in one partition" rests on.
internal::Properties ProducerGuarantees() {
  return {
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
  };
}

// One produced record awaiting its delivery report; the opaque librdkafka hands back.
struct PendingDelivery {
  DeliveryCallback done;
  int64_t timestamp_ms = 0;
};

std::string Where(absl::string_view topic, int32_t partition) {
  if (partition == RD_KAFKA_PARTITION_UA) return absl::StrCat("topic '", topic, "'");
  return absl::StrCat("topic '", topic, "' partition ", partition);
}

absl::Status DeliveryError(rd_kafka_resp_err_t err, absl::string_view topic, int32_t partition) {
  std::string message = absl::StrCat("delivery to ", Where(topic, partition), " failed: ", Describe(err));
  if (internal::IsTransient(err)) return absl::UnavailableError(std::move(message));
  return absl::InternalError(std::move(message));
}

// librdkafka's key/value/headers copies of `record`, owned until handed to rd_kafka_producev.
struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* headers) const { rd_kafka_headers_destroy(headers); }
};
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;

HeadersPtr MakeHeaders(const std::vector<Header>& headers) {
  if (headers.empty()) return nullptr;
  HeadersPtr out(rd_kafka_headers_new(headers.size()));
  for (const Header& h : headers) {
    rd_kafka_header_add(out.get(), h.key.data(), static_cast<ssize_t>(h.key.size()), h.value.data(),
                        static_cast<ssize_t>(h.value.size()));
  }
  return out;
}

}  // namespace

class Producer::Impl {
 public:
  // Requires `this` to stay at one address: librdkafka keeps it as the callbacks' opaque.
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ~Impl() {
    if (rk_ == nullptr) return;
    if (!WaitForDeliveries(kShutdownFlush)) {
      spdlog::warn("kafka producer: {} records undelivered after {}; purging them", InFlight(),
                   absl::FormatDuration(kShutdownFlush));
      rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      (void)WaitForDeliveries(kShutdownPurge);
    }
    stopping_.store(true, std::memory_order_release);
    if (poller_.joinable()) poller_.join();
    {
      absl::MutexLock lock(&topics_mu_);
      for (auto& [name, topic] : topics_) rd_kafka_topic_destroy(topic.handle);
      topics_.clear();
    }
    rd_kafka_destroy(rk_);
    // librdkafka reports nothing after destroy; fail what it never reported so every callback runs once.
    absl::flat_hash_set<PendingDelivery*> orphans;
    {
      absl::MutexLock lock(&mu_);
      orphans.swap(pending_);
    }
    for (PendingDelivery* p : orphans) {
      std::unique_ptr<PendingDelivery> owned(p);
      owned->done(absl::UnavailableError("producer shut down before the record was acknowledged"));
    }
  }

  absl::Status Init(const KafkaConfig& config) {
    absl::StatusOr<internal::ConfPtr> conf = internal::BuildConf(config, ProducerDefaults(), ProducerGuarantees());
    if (!conf.ok()) return conf.status();
    rd_kafka_conf_set_opaque(conf->get(), this);
    rd_kafka_conf_set_dr_msg_cb(conf->get(), &Impl::OnDelivery);
    rd_kafka_conf_set_error_cb(conf->get(), &Impl::OnError);
    absl::StatusOr<internal::HandlePtr> rk = internal::NewHandle(internal::ClientType::kProducer, *std::move(conf));
    if (!rk.ok()) return rk.status();
    rk_ = rk->release();
    poller_ = std::thread([this] { PollLoop(); });
    return absl::OkStatus();
  }

  absl::Status Produce(OutgoingRecord record, DeliveryCallback done, absl::Duration enqueue_timeout) {
    const absl::Time deadline = absl::Now() + enqueue_timeout;
    const int32_t partition = record.partition.value_or(RD_KAFKA_PARTITION_UA);
    HeadersPtr headers = MakeHeaders(record.headers);
    const int64_t timestamp_ms = absl::ToUnixMillis(absl::Now());
    auto pending = std::make_unique<PendingDelivery>(PendingDelivery{std::move(done), timestamp_ms});
    {
      absl::MutexLock lock(&mu_);
      pending_.insert(pending.get());
    }
    while (true) {
      const rd_kafka_resp_err_t err =
          rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(record.topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                            RD_KAFKA_V_KEY(record.key.empty() ? nullptr : record.key.data(), record.key.size()),
                            RD_KAFKA_V_VALUE(record.value.data(), record.value.size()),
                            RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_HEADERS(headers.get()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(pending.get()), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        (void)headers.release();  // The message owns them now.
        (void)pending.release();  // OnDelivery (or the destructor) deletes it.
        return absl::OkStatus();
      }
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && absl::Now() < deadline) {
        absl::MutexLock lock(&mu_);
        const int64_t seen = completed_;
        auto progressed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return completed_ != seen; };
        mu_.AwaitWithDeadline(absl::Condition(&progressed), std::min(deadline, absl::Now() + kQueueFullBackoff));
        continue;
      }
      {
        absl::MutexLock lock(&mu_);
        pending_.erase(pending.get());
      }
      return EnqueueError(err, record.topic, partition, enqueue_timeout);
    }
  }

  absl::StatusOr<Delivery> ProduceSync(OutgoingRecord record, absl::Duration timeout) {
    struct Outcome {
      absl::Mutex mu;
      std::optional<absl::StatusOr<Delivery>> result ABSL_GUARDED_BY(mu);
    };
    const absl::Time deadline = absl::Now() + timeout;
    const std::string where = Where(record.topic, record.partition.value_or(RD_KAFKA_PARTITION_UA));
    auto outcome = std::make_shared<Outcome>();
    absl::Status enqueued = Produce(
        std::move(record),
        [outcome](absl::StatusOr<Delivery> result) {
          absl::MutexLock lock(&outcome->mu);
          outcome->result = std::move(result);
        },
        timeout);
    if (!enqueued.ok()) return enqueued;
    absl::MutexLock lock(&outcome->mu);
    auto has_result = [&outcome]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(outcome->mu) { return outcome->result.has_value(); };
    if (!outcome->mu.AwaitWithDeadline(absl::Condition(&has_result), deadline)) {
      return absl::DeadlineExceededError(absl::StrCat("record to ", where, " not acknowledged within ",
                                                      absl::FormatDuration(timeout), "; it may still be delivered"));
    }
    return *std::move(outcome->result);
  }

  absl::Status Flush(absl::Duration timeout) {
    if (WaitForDeliveries(timeout)) return absl::OkStatus();
    return absl::DeadlineExceededError(
        absl::StrCat(InFlight(), " records still unacknowledged after ", absl::FormatDuration(timeout)));
  }

  absl::StatusOr<int32_t> PartitionFor(const std::string& topic, std::string_view key) {
    if (key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("key is empty: records without a key to ",
                                                     Where(topic, RD_KAFKA_PARTITION_UA), " go to a random partition"));
    }
    rd_kafka_topic_t* handle = nullptr;
    int32_t partitions = 0;
    {
      absl::MutexLock lock(&topics_mu_);
      if (auto it = topics_.find(topic); it != topics_.end()) {
        handle = it->second.handle;
        partitions = it->second.partitions;
      }
    }
    if (handle == nullptr) {
      absl::StatusOr<int32_t> count = PartitionCount(topic, kPartitionForMetadataTimeout);
      if (!count.ok()) return count.status();
      absl::MutexLock lock(&topics_mu_);
      auto [it, inserted] = topics_.try_emplace(topic, TopicInfo{nullptr, *count});
      if (inserted) it->second.handle = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
      if (it->second.handle == nullptr) {
        topics_.erase(it);
        return absl::InternalError(absl::StrCat("cannot create a librdkafka handle for ", Where(topic, -1), ": ",
                                                Describe(rd_kafka_last_error())));
      }
      handle = it->second.handle;
      partitions = it->second.partitions;
    }
    return rd_kafka_msg_partitioner_murmur2_random(handle, key.data(), key.size(), partitions, nullptr, nullptr);
  }

  // Asks for every topic's metadata: a request naming the topic would let brokers that auto-create topics (the
  // mock cluster always does) create it with their default partition count.
  absl::StatusOr<int32_t> PartitionCount(const std::string& topic, absl::Duration timeout) {
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, /*all_topics=*/1, nullptr, &metadata, ToMillis(timeout));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string message = absl::StrCat("metadata for ", Where(topic, -1), ": ", Describe(err));
      if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) return absl::DeadlineExceededError(std::move(message));
      return absl::UnavailableError(std::move(message));
    }
    absl::StatusOr<int32_t> result = absl::NotFoundError(absl::StrCat(Where(topic, -1), " does not exist"));
    for (int i = 0; i < metadata->topic_cnt; ++i) {
      const rd_kafka_metadata_topic& t = metadata->topics[i];
      if (topic != t.topic) continue;
      if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        result = absl::NotFoundError(absl::StrCat(Where(topic, -1), " does not exist"));
      } else if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        result = absl::UnavailableError(absl::StrCat("metadata for ", Where(topic, -1), ": ", Describe(t.err)));
      } else if (t.partition_cnt <= 0) {
        result = absl::UnavailableError(absl::StrCat(Where(topic, -1), " has no partitions yet"));
      } else {
        result = t.partition_cnt;
      }
    }
    rd_kafka_metadata_destroy(metadata);
    return result;
  }

  std::string ClusterId(absl::Duration timeout) {
    char* id = rd_kafka_clusterid(rk_, ToMillis(timeout));
    if (id == nullptr) return "";
    std::string out(id);
    rd_kafka_mem_free(rk_, id);
    return out;
  }

  absl::Status Health() const {
    std::array<char, 512> reason{};
    const rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk_, reason.data(), reason.size());
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
    return absl::InternalError(
        absl::StrCat("Kafka producer failed fatally (", rd_kafka_err2name(err), "): ", reason.data()));
  }

 private:
  struct TopicInfo {
    rd_kafka_topic_t* handle = nullptr;
    int32_t partitions = 0;
  };

  static void OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    auto* pending = static_cast<PendingDelivery*>(message->_private);
    {
      absl::MutexLock lock(&self->mu_);
      if (self->pending_.erase(pending) == 0) return;  // Already failed by the destructor.
      ++self->running_;
    }
    std::unique_ptr<PendingDelivery> owned(pending);
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      owned->done(DeliveryError(message->err, rd_kafka_topic_name(message->rkt), message->partition));
    } else {
      owned->done(
          Delivery{.partition = message->partition, .offset = message->offset, .timestamp_ms = owned->timestamp_ms});
    }
    owned.reset();
    absl::MutexLock lock(&self->mu_);
    --self->running_;
    ++self->completed_;
  }

  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      std::array<char, 512> fatal{};
      const rd_kafka_resp_err_t code = rd_kafka_fatal_error(rk, fatal.data(), fatal.size());
      spdlog::error("kafka producer: fatal error {}: {}", rd_kafka_err2name(code), fatal.data());
      return;
    }
    spdlog::warn("kafka producer: {} ({})", reason != nullptr ? reason : "",
                 rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
  }

  absl::Status EnqueueError(rd_kafka_resp_err_t err, absl::string_view topic, int32_t partition,
                            absl::Duration enqueue_timeout) const {
    const std::string where = Where(topic, partition);
    switch (err) {
      case RD_KAFKA_RESP_ERR__QUEUE_FULL:
        return absl::ResourceExhaustedError(absl::StrCat("local produce queue still full after ",
                                                         absl::FormatDuration(enqueue_timeout), " (record to ", where,
                                                         ")"));
      case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        return absl::InvalidArgumentError(
            absl::StrCat("record to ", where, " exceeds message.max.bytes: ", Describe(err)));
      case RD_KAFKA_RESP_ERR__FATAL:
        return Health();
      default:
        break;
    }
    std::string message = absl::StrCat("cannot enqueue record to ", where, ": ", Describe(err));
    if (internal::IsTransient(err)) return absl::UnavailableError(std::move(message));
    return absl::InternalError(std::move(message));
  }

  void PollLoop() {
    while (!stopping_.load(std::memory_order_acquire)) rd_kafka_poll(rk_, 100);
  }

  // True when every enqueued record's callback has returned within `timeout`. Does not poll: the poll thread does.
  bool WaitForDeliveries(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return pending_.empty() && running_ == 0; };
    return mu_.AwaitWithTimeout(absl::Condition(&drained), timeout);
  }

  size_t InFlight() {
    absl::MutexLock lock(&mu_);
    return pending_.size();
  }

  rd_kafka_t* rk_ = nullptr;
  std::thread poller_;
  std::atomic<bool> stopping_{false};

  absl::Mutex mu_;
  // Records enqueued and not yet reported; their callbacks have not run.
  absl::flat_hash_set<PendingDelivery*> pending_ ABSL_GUARDED_BY(mu_);
  // Callbacks currently running on the poll thread (claimed from `pending_`, not yet returned).
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  // Number of reports handled so far; Produce waits for it to move while the local queue is full.
  int64_t completed_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex topics_mu_;
  absl::flat_hash_map<std::string, TopicInfo> topics_ ABSL_GUARDED_BY(topics_mu_);
};

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(const KafkaConfig& config) {
  auto impl = std::make_unique<Impl>();
  if (absl::Status s = impl->Init(config); !s.ok()) return s;
  return std::unique_ptr<Producer>(new Producer(std::move(impl)));
}

Producer::Producer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Producer::~Producer() = default;

absl::Status Producer::Produce(OutgoingRecord record, DeliveryCallback done, absl::Duration enqueue_timeout) {
  return impl_->Produce(std::move(record), std::move(done), enqueue_timeout);
}

absl::StatusOr<Delivery> Producer::ProduceSync(OutgoingRecord record, absl::Duration timeout) {
  return impl_->ProduceSync(std::move(record), timeout);
}

absl::Status Producer::Flush(absl::Duration timeout) { return impl_->Flush(timeout); }

absl::StatusOr<int32_t> Producer::PartitionFor(std::string_view topic, std::string_view key) {
  return impl_->PartitionFor(std::string(topic), key);
}

absl::StatusOr<int32_t> Producer::PartitionCount(std::string_view topic, absl::Duration timeout) {
  return impl_->PartitionCount(std::string(topic), timeout);
}

std::string Producer::ClusterId(absl::Duration timeout) { return impl_->ClusterId(timeout); }

absl::Status Producer::Health() const { return impl_->Health(); }

}  // namespace pdl::kafka
