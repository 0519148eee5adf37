#include "services/kafka/internal/client_conf.h"

#include <librdkafka/rdkafka.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace pdl::kafka::internal {
namespace {

// Properties whose values may be credentials: a rejection never quotes them.
bool MayHoldSecret(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  for (absl::string_view marker : {"password", "secret", "sasl.", "ssl.key", "ssl.keystore", "token"}) {
    if (absl::StrContains(lower, marker)) return true;
  }
  return false;
}

absl::Status Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  std::array<char, 512> errstr{};
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr.data(), errstr.size()) == RD_KAFKA_CONF_OK) {
    return absl::OkStatus();
  }
  if (MayHoldSecret(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Kafka property '", name, "' was rejected by librdkafka (value not shown)"));
  }
  return absl::InvalidArgumentError(absl::StrCat("Kafka property '", name, "': ", errstr.data()));
}

void LogCallback(const rd_kafka_t* /*rk*/, int level, const char* fac, const char* buf) {
  LogToSpdlog(level, fac != nullptr ? fac : "", buf != nullptr ? buf : "");
}

}  // namespace

void ConfDeleter::operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }

void HandleDeleter::operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }

absl::StatusOr<ConfPtr> BuildConf(const KafkaConfig& config, const Properties& defaults, const Properties& fixed) {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &LogCallback);
  for (const auto& [name, value] : defaults) {
    if (absl::Status s = Set(conf.get(), name, value); !s.ok()) return s;
  }
  if (!config.client_id.empty()) {
    if (absl::Status s = Set(conf.get(), "client.id", config.client_id); !s.ok()) return s;
  }
  if (!config.bootstrap_servers.empty()) {
    if (absl::Status s = Set(conf.get(), "bootstrap.servers", config.bootstrap_servers); !s.ok()) return s;
  }
  for (const auto& [name, value] : config.properties) {
    if (absl::Status s = Set(conf.get(), name, value); !s.ok()) return s;
  }
  for (const auto& [name, value] : fixed) {
    if (absl::Status s = Set(conf.get(), name, value); !s.ok()) return s;
  }
  return conf;
}

absl::StatusOr<HandlePtr> NewHandle(ClientType type, ConfPtr conf) {
  std::array<char, 512> errstr{};
  rd_kafka_t* rk = rd_kafka_new(type == ClientType::kProducer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf.get(),
                                errstr.data(), errstr.size());
  if (rk == nullptr) {
    // On failure the configuration still belongs to the caller; `conf` destroys it.
    return absl::InvalidArgumentError(absl::StrCat("cannot create Kafka client: ", errstr.data()));
  }
  (void)conf.release();  // Owned by `rk` now.
  return HandlePtr(rk);
}

void LogToSpdlog(int level, std::string_view facility, std::string_view line) {
  spdlog::level::level_enum spd_level = spdlog::level::debug;
  if (facility == "FAIL") {
    // Connection failures: the error callback or the consumer's Poll reports them already.
  } else if (level <= 2) {
    spd_level = spdlog::level::critical;
  } else if (level == 3) {
    spd_level = spdlog::level::err;
  } else if (level == 4) {
    spd_level = spdlog::level::warn;
  } else if (level <= 6) {
    spd_level = spdlog::level::info;
  }
  spdlog::log(spd_level, "librdkafka {}: {}", facility, line);
}

bool IsTransient(int err) {
  switch (static_cast<rd_kafka_resp_err_t>(err)) {
    case RD_KAFKA_RESP_ERR__DESTROY:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__ISR_INSUFF:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__OUTDATED:
    case RD_KAFKA_RESP_ERR__WAIT_CACHE:
    case RD_KAFKA_RESP_ERR__RETRY:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__UNKNOWN_BROKER:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR_INVALID_FETCH_SESSION_EPOCH:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
      return true;
    default:
      return false;
  }
}

std::string Describe(int err) {
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  return absl::StrCat(rd_kafka_err2name(code), ": ", rd_kafka_err2str(code));
}

int ToMillis(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  const int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1)));
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

absl::StatusOr<std::string> RandomHex(int bytes) {
  std::vector<unsigned char> buf(static_cast<size_t>(bytes));
  if (RAND_bytes(buf.data(), bytes) != 1) {
    return absl::InternalError("OpenSSL RAND_bytes failed to produce random bytes");
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

}  // namespace pdl::kafka::internal
