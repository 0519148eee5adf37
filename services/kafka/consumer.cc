#include "services/kafka/consumer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/kafka/internal/client_conf.h"
#include "spdlog/spdlog.h"

namespace pdl::kafka {
namespace {

using internal::Describe;
using internal::ToMillis;

// Seeks on an active partition wait this long for the fetcher to acknowledge the new position.
constexpr absl::Duration kSeekTimeout = absl::Seconds(10);
// The same transient consumer error is logged at most this often.
constexpr absl::Duration kErrorLogInterval = absl::Seconds(30);

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const { rd_kafka_topic_partition_list_destroy(list); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

struct ErrorDeleter {
  void operator()(rd_kafka_error_t* error) const { rd_kafka_error_destroy(error); }
};
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;

PartitionList OnePartition(const std::string& topic, int32_t partition, int64_t offset) {
  PartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
  return list;
}

std::string View(const void* data, size_t size) {
  if (data == nullptr || size == 0) return "";
  return std::string(static_cast<const char*>(data), size);
}

// The status for a consumer error that retrying cannot fix, or OK for a transient one.
absl::Status PermanentError(const rd_kafka_message_t& message) {
  const std::string text = absl::StrCat(Describe(message.err), " (", rd_kafka_message_errstr(&message), ")");
  switch (message.err) {
    case RD_KAFKA_RESP_ERR__FATAL:
      return absl::InternalError(absl::StrCat("Kafka consumer failed fatally: ", text));
    // GROUP_AUTHORIZATION_FAILED is not here: the group is never used, so lacking rights on it is harmless.
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return absl::PermissionDeniedError(absl::StrCat("Kafka consumer not authorized: ", text));
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
      return absl::UnauthenticatedError(absl::StrCat("Kafka consumer authentication failed: ", text));
    default:
      return absl::OkStatus();
  }
}

}  // namespace

class Consumer::Impl {
 public:
  Impl(internal::HandlePtr rk, std::string topic) : rk_(std::move(rk)), topic_(std::move(topic)) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ~Impl() {
    if (rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("kafka consumer for '{}': close: {}", topic_, Describe(err));
    }
  }

  absl::Status Assign(const std::map<int32_t, int64_t>& start_offsets) {
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(start_offsets.size())));
    for (const auto& [partition, offset] : start_offsets) {
      if (partition < 0 || offset < 0) {
        return absl::InvalidArgumentError(absl::StrCat("cannot assign topic '", topic_, "' partition ", partition,
                                                       " at offset ", offset, ": both must be >= 0"));
      }
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset = offset;
    }
    if (rd_kafka_resp_err_t err = rd_kafka_assign(rk_.get(), list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError(absl::StrCat("assigning topic '", topic_, "': ", Describe(err)));
    }
    assigned_.clear();
    for (const auto& [partition, offset] : start_offsets) assigned_.insert(partition);
    stopped_.clear();
    paused_.clear();
    return absl::OkStatus();
  }

  absl::StatusOr<PollResult> Poll(size_t max_records, absl::Duration timeout) {
    if (max_records == 0) return absl::InvalidArgumentError("max_records must be at least 1");
    if (!deferred_error_.ok()) return std::exchange(deferred_error_, absl::OkStatus());
    PollResult result;
    const absl::Time deadline = absl::Now() + timeout;
    while (result.records.size() < max_records) {
      const bool have_something = !result.records.empty() || !result.out_of_range.empty();
      const int wait_ms = have_something ? 0 : ToMillis(deadline - absl::Now());
      MessagePtr message(rd_kafka_consumer_poll(rk_.get(), wait_ms));
      if (message == nullptr) {
        if (have_something || absl::Now() >= deadline) break;
        continue;
      }
      if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        result.records.push_back(ToRecord(*message));
        continue;
      }
      if (message->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
          message->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
        ReportOutOfRange(*message, result);
        continue;
      }
      if (absl::Status permanent = PermanentError(*message); !permanent.ok()) {
        if (result.records.empty() && result.out_of_range.empty()) return permanent;
        deferred_error_ = std::move(permanent);
        break;
      }
      LogTransient(*message);
    }
    return result;
  }

  absl::Status Seek(int32_t partition, int64_t offset) {
    if (absl::Status s = RequireAssigned(partition, "seek"); !s.ok()) return s;
    if (offset < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot seek topic '", topic_, "' partition ", partition, " to offset ", offset));
    }
    if (!stopped_.contains(partition)) {
      PartitionList list = OnePartition(topic_, partition, offset);
      ErrorPtr error(rd_kafka_seek_partitions(rk_.get(), list.get(), ToMillis(kSeekTimeout)));
      if (error != nullptr) {
        return absl::UnavailableError(
            absl::StrCat("seek topic '", topic_, "' partition ", partition, ": ", rd_kafka_error_string(error.get())));
      }
      const rd_kafka_resp_err_t err = list->elems[0].err;
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
      // __STATE: the fetcher already stopped the partition (out of range) and the report is still queued.
      if (err != RD_KAFKA_RESP_ERR__STATE) {
        return absl::UnavailableError(
            absl::StrCat("seek topic '", topic_, "' partition ", partition, ": ", Describe(err)));
      }
    }
    return Restart(partition, offset);
  }

  absl::Status Pause(int32_t partition) {
    if (absl::Status s = RequireAssigned(partition, "pause"); !s.ok()) return s;
    PartitionList list = OnePartition(topic_, partition, RD_KAFKA_OFFSET_INVALID);
    rd_kafka_resp_err_t err = rd_kafka_pause_partitions(rk_.get(), list.get());
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) err = list->elems[0].err;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError(absl::StrCat("pause topic '", topic_, "' partition ", partition, ": ", Describe(err)));
    }
    paused_.insert(partition);
    return absl::OkStatus();
  }

  absl::Status Resume(int32_t partition) {
    if (absl::Status s = RequireAssigned(partition, "resume"); !s.ok()) return s;
    PartitionList list = OnePartition(topic_, partition, RD_KAFKA_OFFSET_INVALID);
    rd_kafka_resp_err_t err = rd_kafka_resume_partitions(rk_.get(), list.get());
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) err = list->elems[0].err;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError(
          absl::StrCat("resume topic '", topic_, "' partition ", partition, ": ", Describe(err)));
    }
    paused_.erase(partition);
    return absl::OkStatus();
  }

  absl::StatusOr<Watermarks> QueryWatermarks(int32_t partition, absl::Duration timeout) {
    Watermarks marks;
    const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk_.get(), topic_.c_str(), partition, &marks.low,
                                                                     &marks.high, ToMillis(timeout));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return marks;
    std::string message = absl::StrCat("watermarks of topic '", topic_, "' partition ", partition, ": ", Describe(err));
    switch (err) {
      case RD_KAFKA_RESP_ERR__TIMED_OUT:
        return absl::DeadlineExceededError(std::move(message));
      case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        return absl::NotFoundError(std::move(message));
      default:
        if (internal::IsTransient(err)) return absl::UnavailableError(std::move(message));
        return absl::InternalError(std::move(message));
    }
  }

  const std::string& topic() const { return topic_; }

 private:
  absl::Status RequireAssigned(int32_t partition, absl::string_view action) const {
    if (assigned_.contains(partition)) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("cannot ", action, " topic '", topic_, "' partition ", partition, ": it is not assigned"));
  }

  // Restarts a partition the fetcher stopped: librdkafka refuses to seek it, so it is unassigned and assigned again.
  absl::Status Restart(int32_t partition, int64_t offset) {
    PartitionList list = OnePartition(topic_, partition, offset);
    if (ErrorPtr error(rd_kafka_incremental_unassign(rk_.get(), list.get())); error != nullptr) {
      return absl::InternalError(absl::StrCat("restart topic '", topic_, "' partition ", partition,
                                              ": unassign: ", rd_kafka_error_string(error.get())));
    }
    if (ErrorPtr error(rd_kafka_incremental_assign(rk_.get(), list.get())); error != nullptr) {
      assigned_.erase(partition);
      return absl::InternalError(absl::StrCat("restart topic '", topic_, "' partition ", partition,
                                              ": assign: ", rd_kafka_error_string(error.get())));
    }
    stopped_.erase(partition);
    if (paused_.contains(partition)) {
      paused_.erase(partition);
      return Pause(partition);
    }
    return absl::OkStatus();
  }

  ConsumedRecord ToRecord(const rd_kafka_message_t& message) const {
    ConsumedRecord record;
    record.topic = topic_;
    record.partition = message.partition;
    record.offset = message.offset;
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    const int64_t timestamp = rd_kafka_message_timestamp(&message, &type);
    record.timestamp_ms = type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? 0 : timestamp;
    record.key = View(message.key, message.key_len);
    record.value = View(message.payload, message.len);
    rd_kafka_headers_t* headers = nullptr;  // Owned by `message`.
    if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        record.headers.push_back(Header{.key = name, .value = View(value, size)});
      }
    }
    return record;
  }

  void ReportOutOfRange(const rd_kafka_message_t& message, PollResult& result) {
    const int32_t partition = message.partition;
    // A report for a partition that was reassigned since is stale.
    if (!assigned_.contains(partition) || stopped_.contains(partition)) return;
    stopped_.insert(partition);
    result.out_of_range.push_back(OutOfRange{.partition = partition, .requested_offset = message.offset});
    spdlog::warn("kafka consumer: topic '{}' partition {} offset {} is no longer in Kafka ({})", topic_, partition,
                 message.offset, rd_kafka_message_errstr(&message));
  }

  void LogTransient(const rd_kafka_message_t& message) {
    const absl::Time now = absl::Now();
    absl::Time& last = last_logged_[message.err];
    if (now - last < kErrorLogInterval) return;
    last = now;
    spdlog::warn("kafka consumer for '{}': {} ({}); retrying", topic_, Describe(message.err),
                 rd_kafka_message_errstr(&message));
  }

  internal::HandlePtr rk_;
  const std::string topic_;
  std::set<int32_t> assigned_;
  // Partitions the fetcher stopped after an out-of-range report; only Seek restarts them.
  std::set<int32_t> stopped_;
  std::set<int32_t> paused_;
  // A permanent error met while records were already collected; returned by the next Poll.
  absl::Status deferred_error_;
  absl::flat_hash_map<int, absl::Time> last_logged_;
};

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Create(const KafkaConfig& config, std::string topic) {
  if (topic.empty()) return absl::InvalidArgumentError("consumer topic is empty");
  absl::StatusOr<std::string> nonce = internal::RandomHex(8);
  if (!nonce.ok()) return nonce.status();
  absl::StatusOr<internal::ConfPtr> conf =
      internal::BuildConf(config,
                          {
                              // The sealer is latency-bound (Publish SEALED waits for it): an idle fetch returns
                              // after 10 ms instead of the default 500 ms. Overridable by properties.
                              {"fetch.wait.max.ms", "10"},
                          },
                          {
                              {"group.id", absl::StrCat("pdl-manual-assign-", *nonce)},
                              {"enable.auto.commit", "false"},
                              {"enable.auto.offset.store", "false"},
                              {"auto.offset.reset", "error"},
                              {"enable.partition.eof", "false"},
                          });
  if (!conf.ok()) return conf.status();
  absl::StatusOr<internal::HandlePtr> rk = internal::NewHandle(internal::ClientType::kConsumer, *std::move(conf));
  if (!rk.ok()) return rk.status();
  // Client-level errors then come out of rd_kafka_consumer_poll like records.
  if (rd_kafka_resp_err_t err = rd_kafka_poll_set_consumer(rk->get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InternalError(absl::StrCat("kafka consumer for '", topic, "': ", Describe(err)));
  }
  return std::unique_ptr<Consumer>(new Consumer(std::make_unique<Impl>(*std::move(rk), std::move(topic))));
}

Consumer::Consumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Consumer::~Consumer() = default;

absl::Status Consumer::Assign(const std::map<int32_t, int64_t>& start_offsets) { return impl_->Assign(start_offsets); }

absl::StatusOr<PollResult> Consumer::Poll(size_t max_records, absl::Duration timeout) {
  return impl_->Poll(max_records, timeout);
}

absl::Status Consumer::Seek(int32_t partition, int64_t offset) { return impl_->Seek(partition, offset); }
absl::Status Consumer::Pause(int32_t partition) { return impl_->Pause(partition); }
absl::Status Consumer::Resume(int32_t partition) { return impl_->Resume(partition); }

absl::StatusOr<Watermarks> Consumer::QueryWatermarks(int32_t partition, absl::Duration timeout) {
  return impl_->QueryWatermarks(partition, timeout);
}

const std::string& Consumer::topic() const { return impl_->topic(); }

}  // namespace pdl::kafka
