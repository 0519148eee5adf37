#include "services/node/metrics.h"

#include <exception>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/policy/findings.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "spdlog/spdlog.h"

namespace pdl {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::string CodeLabel(absl::StatusCode code) { return absl::StatusCodeToString(code); }

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddValue(MetricFamily* family, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family->type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family->metric.push_back(std::move(metric));
}

}  // namespace

// The counters and histograms the node updates.
class NodeMetrics::Activity {
 public:
  explicit Activity(prometheus::Registry& registry)
      : publishes_(prometheus::BuildCounter()
                       .Name("pdl_ingest_publishes_total")
                       .Help("Events published over gRPC (Publish, or one event of PublishStream), by the gRPC "
                             "status code they ended with")
                       .Register(registry)),
        findings_(prometheus::BuildCounter()
                      .Name("pdl_findings_total")
                      .Help("Findings the policy judge attached to events sealed by this process, by rule and "
                            "severity (time-driven findings show in the due/overdue gauges)")
                      .Register(registry)),
        latency_(prometheus::BuildHistogram()
                     .Name("pdl_seal_batch_latency_seconds")
                     .Help("Seconds from the poll that returned a batch's records until the batch was durable")
                     .Register(registry)
                     .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                                       0.25, 0.5, 1, 2.5, 5, 10})),
        records_(prometheus::BuildHistogram()
                     .Name("pdl_seal_batch_records")
                     .Help("Kafka records per sealed batch (sealed, duplicate and rejected alike)")
                     .Register(registry)
                     .Add({}, prometheus::Histogram::BucketBoundaries{1, 10, 100, 500, 1000, 2500, 5000, 10000})) {
    // Zero from the start, so that rate() sees the first increment.
    publishes_.Add({{"code", CodeLabel(absl::StatusCode::kOk)}});
  }

  void OnPublish(absl::StatusCode code) { publishes_.Add({{"code", CodeLabel(code)}}).Increment(); }

  void OnBatchDurable(const SealedBatchReport& batch) {
    latency_.Observe(absl::ToDoubleSeconds(batch.latency));
    records_.Observe(static_cast<double>(batch.records));
    for (const auto& [key, count] : batch.findings) {
      findings_.Add({{"rule", key.first}, {"severity", policy::SeverityName(key.second)}})
          .Increment(static_cast<double>(count));
    }
  }

 private:
  prometheus::Family<prometheus::Counter>& publishes_;
  prometheus::Family<prometheus::Counter>& findings_;
  prometheus::Histogram& latency_;
  prometheus::Histogram& records_;
};

// The state read at each scrape.
class NodeMetrics::StateCollector final : public prometheus::Collectable {
 public:
  explicit StateCollector(StateFn state) : state_(std::move(state)) {}

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    MetricFamily up = Family("pdl_state_up", "1 when the last scrape could read the node's state, else 0 (see the log)",
                             MetricType::Gauge);
    absl::StatusOr<ScrapedState> state = state_();
    AddValue(&up, state.ok() ? 1 : 0);
    out.push_back(std::move(up));
    if (!state.ok()) {
      spdlog::warn("event=metrics_state_failed error=\"{}\"", state.status().ToString());
      return out;
    }
    const pdl::v1::GetStatsResponse& stats = state->stats;
    MetricFamily sealed = Family("pdl_sealed_events_total", "Events sealed into the partition's log",
                                 MetricType::Counter);
    MetricFamily lag = Family("pdl_consumer_lag_records",
                              "Records of pdl.events.v1 not sealed yet (high watermark minus next offset); absent "
                              "while the watermark is unknown",
                              MetricType::Gauge);
    MetricFamily stopped = Family("pdl_partition_stopped",
                                  "1 while the partition is stopped at an unacknowledged gap (external Kafka)",
                                  MetricType::Gauge);
    for (const pdl::v1::PartitionStats& p : stats.partitions()) {
      std::vector<ClientMetric::Label> labels = {{"partition", absl::StrCat(p.partition())}};
      AddValue(&sealed, static_cast<double>(p.sealed_count()), labels);
      if (p.lag() >= 0) AddValue(&lag, static_cast<double>(p.lag()), labels);
      AddValue(&stopped, p.stopped() ? 1 : 0, labels);
    }
    out.push_back(std::move(sealed));
    out.push_back(std::move(lag));
    out.push_back(std::move(stopped));
    int open_gaps = 0;
    for (const pdl::v1::Gap& gap : stats.gaps()) open_gaps += gap.acknowledged() ? 0 : 1;
    for (auto [name, help, type, value] : std::vector<std::tuple<const char*, const char*, MetricType, double>>{
             {"pdl_rejected_records_total", "Records rejected to pdl.events.rejected.v1 with a reason",
              MetricType::Counter, static_cast<double>(stats.rejected_total())},
             {"pdl_duplicate_records_total", "Records whose event was sealed before (applied once, not twice)",
              MetricType::Counter, static_cast<double>(stats.duplicates_total())},
             {"pdl_gaps_unacknowledged", "Gaps (records Kafka deleted before they were sealed) not acknowledged",
              MetricType::Gauge, static_cast<double>(open_gaps)},
             {"pdl_outbox_pending_records", "Events accepted in embedded mode and not sealed yet", MetricType::Gauge,
              static_cast<double>(stats.outbox_pending())},
             {"pdl_retention_due_holdings", "Open holdings whose retain_until has passed (due for deletion)",
              MetricType::Gauge, static_cast<double>(state->retention_due)},
             {"pdl_rights_requests_open", "Rights requests open now", MetricType::Gauge,
              static_cast<double>(state->requests_open)},
             {"pdl_rights_requests_overdue", "Rights requests open past their due date", MetricType::Gauge,
              static_cast<double>(state->requests_overdue)},
         }) {
      MetricFamily family = Family(name, help, type);
      AddValue(&family, value);
      out.push_back(std::move(family));
    }
    return out;
  }

 private:
  StateFn state_;
};

NodeMetrics::NodeMetrics(StateFn state)
    : registry_(std::make_shared<prometheus::Registry>()),
      activity_(std::make_unique<Activity>(*registry_)),
      state_(std::make_shared<StateCollector>(std::move(state))) {}

NodeMetrics::~NodeMetrics() = default;

absl::Status NodeMetrics::Serve(const std::string& address) {
  if (exposer_ != nullptr) return absl::FailedPreconditionError("metrics are already served");
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(absl::StrCat("--metrics-address '", address, "': want host:port"));
  }
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot listen on --metrics-address ", address, ": ", e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(state_);
  const std::vector<int> ports = exposer_->GetListeningPorts();
  address_ = absl::StrCat(address.substr(0, colon), ":", ports.empty() ? 0 : ports.front());
  return absl::OkStatus();
}

void NodeMetrics::StopServing() { exposer_.reset(); }

void NodeMetrics::OnPublish(absl::StatusCode code) { activity_->OnPublish(code); }

void NodeMetrics::OnBatchDurable(const SealedBatchReport& batch) { activity_->OnBatchDurable(batch); }

std::string NodeMetrics::Text() const {
  std::vector<MetricFamily> families = registry_->Collect();
  for (MetricFamily& family : state_->Collect()) families.push_back(std::move(family));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace pdl
