#ifndef PDL_SERVICES_KAFKA_INTERNAL_CLIENT_CONF_H_
#define PDL_SERVICES_KAFKA_INTERNAL_CLIENT_CONF_H_

// Plumbing shared by the librdkafka wrappers in services/kafka (producer, consumer, admin, embedded cluster):
// building a configuration in the one order that keeps correctness settings authoritative, owning handles, and
// turning librdkafka error codes into absl::Status. Private to services/kafka; declares librdkafka's opaque
// types so that this header does not pull in rdkafka.h.
//
// Thread-safe: free functions without shared state.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/kafka/kafka_config.h"

extern "C" {
typedef struct rd_kafka_conf_s rd_kafka_conf_t;
typedef struct rd_kafka_s rd_kafka_t;
}

namespace pdl::kafka::internal {

using Properties = std::map<std::string, std::string>;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const;
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

// Destroys the handle without waiting for anything; owners flush or close first.
struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const;
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

// A configuration with, in this order (later wins): `defaults`, client.id and bootstrap.servers from `config`,
// `config.properties`, then `fixed`. librdkafka's log lines go to spdlog. INVALID_ARGUMENT names a property that
// librdkafka rejects; the value is never echoed for properties that may hold secrets.
[[nodiscard]] absl::StatusOr<ConfPtr> BuildConf(const KafkaConfig& config, const Properties& defaults,
                                                const Properties& fixed);

enum class ClientType { kProducer, kConsumer };

// Creates a handle from `conf` (consumed on success and on failure).
[[nodiscard]] absl::StatusOr<HandlePtr> NewHandle(ClientType type, ConfPtr conf);

// Writes one librdkafka log line (syslog `level`) to spdlog at the matching level.
void LogToSpdlog(int level, std::string_view facility, std::string_view line);

// Whether `err` (an rd_kafka_resp_err_t) is a transient condition: broker or network trouble, leader changes,
// timeouts, purges during shutdown. Retrying the same operation later may succeed.
bool IsTransient(int err);

// An rd_kafka_resp_err_t as "ERR_NAME: description".
std::string Describe(int err);

// Milliseconds for librdkafka's int timeouts: clamped to [0, INT_MAX].
int ToMillis(absl::Duration d);

// `bytes` random bytes from OpenSSL's CSPRNG, lower-case hex.
[[nodiscard]] absl::StatusOr<std::string> RandomHex(int bytes);

}  // namespace pdl::kafka::internal

#endif  // PDL_SERVICES_KAFKA_INTERNAL_CLIENT_CONF_H_
