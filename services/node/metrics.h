#ifndef PDL_SERVICES_NODE_METRICS_H_
#define PDL_SERVICES_NODE_METRICS_H_

// ledgerd's Prometheus metrics (DESIGN.md §10), in the text exposition format at http://<--metrics-address>/metrics.
//
// Two kinds:
// - State, read at each scrape from the sources AdminService.GetStats and the audit queries use (ScrapedState):
//   sealed events, consumer lag and stopped flag per partition; rejected and duplicate records; open gaps; the
//   outbox; open holdings past their retain_until; open and overdue rights requests.
// - Activity, counted as the node works: gRPC publishes by outcome, sealed batches (records and seconds from poll
//   until durable), and the findings the policy judge attached to sealed events, by rule and severity.
//
// Labels name only partitions, gRPC status codes, rule ids and severities: never a subject or any event content.
// Counters count since the process started (Prometheus' rate() copes with restarts).
// Thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pdl/v1/admin_service.pb.h"
#include "services/node/sealer.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace pdl {

// What a scrape reads from the node.
struct ScrapedState {
  pdl::v1::GetStatsResponse stats;
  // Open holdings whose retain_until has passed (ListRetentionDue with due_before = now).
  uint64_t retention_due = 0;
  // Rights requests open now, and those of them past their due date (ListRightsRequests).
  uint64_t requests_open = 0;
  uint64_t requests_overdue = 0;
};

class NodeMetrics {
 public:
  using StateFn = std::function<absl::StatusOr<ScrapedState>()>;

  // The metrics, without serving them (Serve, or Text for a test).
  explicit NodeMetrics(StateFn state);
  ~NodeMetrics();
  NodeMetrics(const NodeMetrics&) = delete;
  NodeMetrics& operator=(const NodeMetrics&) = delete;

  // Serves /metrics on `address` (host:port; port 0 picks a free port). UNAVAILABLE when it cannot listen. Once.
  [[nodiscard]] absl::Status Serve(const std::string& address);
  // Stops serving; waits for a scrape in progress. Idempotent.
  void StopServing();
  // The host:port served (empty before Serve).
  const std::string& address() const { return address_; }

  // One event published over gRPC (Publish, or one event of PublishStream) ended with `code`.
  void OnPublish(absl::StatusCode code);
  void OnBatchDurable(const SealedBatchReport& batch);

  // Every metric in the text exposition format, as a scrape returns it.
  std::string Text() const;

 private:
  class Activity;
  class StateCollector;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Activity> activity_;
  std::shared_ptr<StateCollector> state_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string address_;
};

}  // namespace pdl

#endif  // PDL_SERVICES_NODE_METRICS_H_
