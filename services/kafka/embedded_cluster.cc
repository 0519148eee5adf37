#include "services/kafka/embedded_cluster.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <array>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/kafka/internal/client_conf.h"
#include "spdlog/spdlog.h"

namespace pdl::kafka {
namespace {

using internal::Describe;
using internal::ToMillis;

// Kafka protocol ApiKey of ProduceRequest.
constexpr int16_t kProduceApiKey = 0;

absl::Status ValidateSpecs(const std::vector<TopicSpec>& topics) {
  std::set<std::string> seen;
  for (const TopicSpec& t : topics) {
    if (t.name.empty()) return absl::InvalidArgumentError("topic name is empty");
    if (t.partitions < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("topic '", t.name, "': partitions is ", t.partitions, ", want at least 1"));
    }
    if (t.replication_factor < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("topic '", t.name, "': replication_factor is ", t.replication_factor, ", want at least 1"));
    }
    if (!seen.insert(t.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("topic '", t.name, "' is listed twice"));
    }
  }
  return absl::OkStatus();
}

// The handle the mock cluster hangs off has no brokers of its own; librdkafka's warning about that is noise.
void OwnerLogCallback(const rd_kafka_t* /*rk*/, int level, const char* fac, const char* buf) {
  const std::string_view facility = fac != nullptr ? fac : "";
  if (facility == "CONFWARN") return;
  internal::LogToSpdlog(level, facility, buf != nullptr ? buf : "");
}

}  // namespace

class EmbeddedCluster::Impl {
 public:
  Impl(internal::HandlePtr owner, rd_kafka_mock_cluster_t* mock, std::string instance_id, int brokers)
      : owner_(std::move(owner)),
        mock_(mock),
        bootstrap_(rd_kafka_mock_cluster_bootstraps(mock)),
        instance_id_(std::move(instance_id)),
        brokers_(brokers) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // The mock cluster must go before the handle it was created on.
  ~Impl() { rd_kafka_mock_cluster_destroy(mock_); }

  absl::Status CreateTopics(const std::vector<TopicSpec>& topics) {
    for (const TopicSpec& t : topics) {
      const rd_kafka_resp_err_t err =
          rd_kafka_mock_topic_create(mock_, t.name.c_str(), t.partitions, t.replication_factor);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return absl::InternalError(absl::StrCat("embedded Kafka: creating topic '", t.name, "': ", Describe(err)));
      }
    }
    return absl::OkStatus();
  }

  void FailNextProduceRequests(const std::vector<int16_t>& kafka_error_codes) {
    std::vector<rd_kafka_resp_err_t> errors;
    errors.reserve(kafka_error_codes.size());
    for (int16_t code : kafka_error_codes) errors.push_back(static_cast<rd_kafka_resp_err_t>(code));
    rd_kafka_mock_push_request_errors_array(mock_, kProduceApiKey, errors.size(), errors.data());
  }

  absl::Status SetBrokerState(int32_t broker_id, bool up) {
    if (broker_id < 1 || broker_id > brokers_) {
      return absl::InvalidArgumentError(
          absl::StrCat("broker_id ", broker_id, " is not in 1..", brokers_, " of the embedded cluster"));
    }
    const rd_kafka_resp_err_t err =
        up ? rd_kafka_mock_broker_set_up(mock_, broker_id) : rd_kafka_mock_broker_set_down(mock_, broker_id);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError(absl::StrCat("embedded Kafka: broker ", broker_id, ": ", Describe(err)));
    }
    return absl::OkStatus();
  }

  const std::string& bootstrap() const { return bootstrap_; }
  const std::string& instance_id() const { return instance_id_; }

 private:
  internal::HandlePtr owner_;
  rd_kafka_mock_cluster_t* const mock_;
  const std::string bootstrap_;
  const std::string instance_id_;
  const int brokers_;
};

absl::StatusOr<std::unique_ptr<EmbeddedCluster>> EmbeddedCluster::Start(int brokers,
                                                                        const std::vector<TopicSpec>& topics) {
  if (brokers < 1) {
    return absl::InvalidArgumentError(absl::StrCat("embedded Kafka: brokers is ", brokers, ", want at least 1"));
  }
  if (absl::Status s = ValidateSpecs(topics); !s.ok()) return s;
  absl::StatusOr<std::string> instance_id = internal::RandomHex(16);
  if (!instance_id.ok()) return instance_id.status();

  absl::StatusOr<internal::ConfPtr> conf = internal::BuildConf(KafkaConfig{.client_id = "pdl-embedded-kafka"}, {}, {});
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_log_cb(conf->get(), &OwnerLogCallback);
  absl::StatusOr<internal::HandlePtr> owner = internal::NewHandle(internal::ClientType::kProducer, *std::move(conf));
  if (!owner.ok()) return owner.status();

  rd_kafka_mock_cluster_t* mock = rd_kafka_mock_cluster_new(owner->get(), brokers);
  if (mock == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("embedded Kafka: cannot start ", brokers, " mock brokers on 127.0.0.1 (no free port or thread?)"));
  }
  auto impl = std::make_unique<Impl>(*std::move(owner), mock, *std::move(instance_id), brokers);
  if (absl::Status s = impl->CreateTopics(topics); !s.ok()) return s;
  spdlog::info("embedded Kafka: {} broker(s) at {}", brokers, impl->bootstrap());
  return std::unique_ptr<EmbeddedCluster>(new EmbeddedCluster(std::move(impl)));
}

EmbeddedCluster::EmbeddedCluster(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EmbeddedCluster::~EmbeddedCluster() = default;

const std::string& EmbeddedCluster::bootstrap() const { return impl_->bootstrap(); }
const std::string& EmbeddedCluster::instance_id() const { return impl_->instance_id(); }

void EmbeddedCluster::FailNextProduceRequests(const std::vector<int16_t>& kafka_error_codes) {
  impl_->FailNextProduceRequests(kafka_error_codes);
}

absl::Status EmbeddedCluster::SetBrokerDown(int32_t broker_id) { return impl_->SetBrokerState(broker_id, false); }
absl::Status EmbeddedCluster::SetBrokerUp(int32_t broker_id) { return impl_->SetBrokerState(broker_id, true); }

namespace {

struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* options) const { rd_kafka_AdminOptions_destroy(options); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
struct NewTopicsDeleter {
  void operator()(std::vector<rd_kafka_NewTopic_t*>* topics) const {
    rd_kafka_NewTopic_destroy_array(topics->data(), topics->size());
  }
};

// Names of the topics the cluster knows, from a metadata request for all topics (which never auto-creates one).
absl::StatusOr<std::set<std::string>> ExistingTopics(rd_kafka_t* rk, absl::Duration timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, /*all_topics=*/1, nullptr, &metadata, ToMillis(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string message = absl::StrCat("EnsureTopics: cluster metadata: ", Describe(err));
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) return absl::DeadlineExceededError(std::move(message));
    return absl::UnavailableError(std::move(message));
  }
  std::set<std::string> names;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) names.insert(metadata->topics[i].topic);
  }
  rd_kafka_metadata_destroy(metadata);
  return names;
}

absl::Status TopicError(absl::string_view topic, rd_kafka_resp_err_t err, const char* detail) {
  std::string message =
      absl::StrCat("EnsureTopics: creating topic '", topic, "': ", Describe(err), detail != nullptr ? " (" : "",
                   detail != nullptr ? detail : "", detail != nullptr ? ")" : "");
  switch (err) {
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      return absl::InvalidArgumentError(std::move(message));
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return absl::PermissionDeniedError(std::move(message));
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return absl::DeadlineExceededError(std::move(message));
    default:
      if (internal::IsTransient(err)) return absl::UnavailableError(std::move(message));
      return absl::InternalError(std::move(message));
  }
}

}  // namespace

absl::Status EnsureTopics(const KafkaConfig& config, const std::vector<TopicSpec>& topics, absl::Duration timeout) {
  if (absl::Status s = ValidateSpecs(topics); !s.ok()) return s;
  if (topics.empty()) return absl::OkStatus();
  const absl::Time deadline = absl::Now() + timeout;

  absl::StatusOr<internal::ConfPtr> conf = internal::BuildConf(config, {}, {});
  if (!conf.ok()) return conf.status();
  absl::StatusOr<internal::HandlePtr> admin = internal::NewHandle(internal::ClientType::kProducer, *std::move(conf));
  if (!admin.ok()) return admin.status();
  rd_kafka_t* rk = admin->get();

  absl::StatusOr<std::set<std::string>> existing = ExistingTopics(rk, timeout);
  if (!existing.ok()) return existing.status();
  std::vector<const TopicSpec*> missing;
  for (const TopicSpec& t : topics) {
    if (!existing->contains(t.name)) missing.push_back(&t);
  }
  if (missing.empty()) return absl::OkStatus();

  std::vector<rd_kafka_NewTopic_t*> new_topics;
  std::unique_ptr<std::vector<rd_kafka_NewTopic_t*>, NewTopicsDeleter> new_topics_owner(&new_topics);
  std::vector<std::string> names;
  for (const TopicSpec* t : missing) {
    std::array<char, 512> errstr{};
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t->name.c_str(), t->partitions, t->replication_factor, errstr.data(), errstr.size());
    if (nt == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("EnsureTopics: topic '", t->name, "': ", errstr.data()));
    }
    new_topics.push_back(nt);
    names.push_back(t->name);
  }

  const int remaining_ms = std::max(1, ToMillis(deadline - absl::Now()));
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  std::array<char, 512> errstr{};
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), remaining_ms, errstr.data(), errstr.size()) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      rd_kafka_AdminOptions_set_operation_timeout(options.get(), remaining_ms, errstr.data(), errstr.size()) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InternalError(absl::StrCat("EnsureTopics: admin options: ", errstr.data()));
  }
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk));
  rd_kafka_CreateTopics(rk, new_topics.data(), new_topics.size(), options.get(), queue.get());
  // librdkafka answers by the request timeout; the margin only covers scheduling.
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(rd_kafka_queue_poll(queue.get(), remaining_ms + 5000));
  if (event == nullptr) {
    return absl::DeadlineExceededError(absl::StrCat("EnsureTopics: no answer to CreateTopics for ",
                                                    absl::StrJoin(names, ", "), " within ",
                                                    absl::FormatDuration(timeout)));
  }
  if (const rd_kafka_resp_err_t err = rd_kafka_event_error(event.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return TopicError(absl::StrJoin(names, "', '"), err, rd_kafka_event_error_string(event.get()));
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  if (result == nullptr) {
    return absl::InternalError("EnsureTopics: unexpected admin event instead of a CreateTopics result");
  }
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    const char* name = rd_kafka_topic_result_name(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::info("kafka: created topic '{}'", name);
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
    return TopicError(name, err, rd_kafka_topic_result_error_string(results[i]));
  }
  return absl::OkStatus();
}

}  // namespace pdl::kafka
