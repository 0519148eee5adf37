// NodeMetrics: what a scrape shows for a known state and known activity, the scrape over a real socket, and the
// errors of Serve.

#include "services/node/metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/metrics_scrape.h"

namespace pdl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ParseSamples;

ScrapedState TwoPartitions() {
  ScrapedState state;
  auto* p0 = state.stats.add_partitions();
  p0->set_partition(0);
  p0->set_sealed_count(120);
  p0->set_lag(7);
  auto* p1 = state.stats.add_partitions();
  p1->set_partition(1);
  p1->set_sealed_count(30);
  p1->set_lag(-1);  // Watermark unknown.
  p1->set_stopped(true);
  state.stats.set_rejected_total(4);
  state.stats.set_duplicates_total(2);
  state.stats.add_gaps()->set_acknowledged(true);
  state.stats.add_gaps()->set_acknowledged(false);
  state.stats.set_outbox_pending(9);
  state.retention_due = 11;
  state.requests_open = 3;
  state.requests_overdue = 1;
  return state;
}

TEST(NodeMetricsTest, StateIsReadAtEachScrape) {
  ScrapedState state = TwoPartitions();
  NodeMetrics metrics([&] { return state; });
  auto samples = ParseSamples(metrics.Text());
  EXPECT_EQ(samples["pdl_state_up"], 1);
  EXPECT_EQ(samples["pdl_sealed_events_total{partition=\"0\"}"], 120);
  EXPECT_EQ(samples["pdl_sealed_events_total{partition=\"1\"}"], 30);
  EXPECT_EQ(samples["pdl_consumer_lag_records{partition=\"0\"}"], 7);
  EXPECT_EQ(samples.count("pdl_consumer_lag_records{partition=\"1\"}"), 0u) << "unknown lag is left out, not -1";
  EXPECT_EQ(samples["pdl_partition_stopped{partition=\"0\"}"], 0);
  EXPECT_EQ(samples["pdl_partition_stopped{partition=\"1\"}"], 1);
  EXPECT_EQ(samples["pdl_rejected_records_total"], 4);
  EXPECT_EQ(samples["pdl_duplicate_records_total"], 2);
  EXPECT_EQ(samples["pdl_gaps_unacknowledged"], 1);
  EXPECT_EQ(samples["pdl_outbox_pending_records"], 9);
  EXPECT_EQ(samples["pdl_retention_due_holdings"], 11);
  EXPECT_EQ(samples["pdl_rights_requests_open"], 3);
  EXPECT_EQ(samples["pdl_rights_requests_overdue"], 1);

  state.stats.mutable_partitions(0)->set_sealed_count(125);
  state.retention_due = 0;
  samples = ParseSamples(metrics.Text());
  EXPECT_EQ(samples["pdl_sealed_events_total{partition=\"0\"}"], 125);
  EXPECT_EQ(samples["pdl_retention_due_holdings"], 0);
}

TEST(NodeMetricsTest, AFailedStateReadShowsAsDownAndNoStaleValues) {
  NodeMetrics metrics([]() -> absl::StatusOr<ScrapedState> { return absl::UnavailableError("store closed"); });
  const std::string text = metrics.Text();
  EXPECT_EQ(ParseSamples(text)["pdl_state_up"], 0);
  EXPECT_THAT(text, Not(HasSubstr("pdl_sealed_events_total")));
  EXPECT_THAT(text, Not(HasSubstr("pdl_retention_due_holdings")));
  // The activity counters do not depend on the state.
  EXPECT_THAT(text, HasSubstr("pdl_ingest_publishes_total{code=\"OK\"} 0"));
}

TEST(NodeMetricsTest, PublishesBatchesAndFindingsAreCounted) {
  NodeMetrics metrics([] { return ScrapedState(); });
  for (int i = 0; i < 3; ++i) metrics.OnPublish(absl::StatusCode::kOk);
  metrics.OnPublish(absl::StatusCode::kInvalidArgument);
  metrics.OnBatchDurable({.records = 40,
                          .latency = absl::Milliseconds(30),
                          .findings = {{{"purpose.undeclared", pdl::v1::SEVERITY_HIGH}, 2},
                                       {{"processor.undeclared", pdl::v1::SEVERITY_LOW}, 1}}});
  metrics.OnBatchDurable({.records = 2,
                          .latency = absl::Seconds(3),
                          .findings = {{{"purpose.undeclared", pdl::v1::SEVERITY_HIGH}, 1}}});
  auto samples = ParseSamples(metrics.Text());
  EXPECT_EQ(samples["pdl_ingest_publishes_total{code=\"OK\"}"], 3);
  EXPECT_EQ(samples["pdl_ingest_publishes_total{code=\"INVALID_ARGUMENT\"}"], 1);
  EXPECT_EQ(samples["pdl_findings_total{rule=\"purpose.undeclared\",severity=\"high\"}"], 3);
  EXPECT_EQ(samples["pdl_findings_total{rule=\"processor.undeclared\",severity=\"low\"}"], 1);
  EXPECT_EQ(samples["pdl_seal_batch_records_count"], 2);
  EXPECT_EQ(samples["pdl_seal_batch_records_sum"], 42);
  EXPECT_EQ(samples["pdl_seal_batch_latency_seconds_count"], 2);
  EXPECT_DOUBLE_EQ(samples["pdl_seal_batch_latency_seconds_sum"], 3.03);
  EXPECT_EQ(samples["pdl_seal_batch_latency_seconds_bucket{le=\"0.05\"}"], 1);
  EXPECT_EQ(samples["pdl_seal_batch_latency_seconds_bucket{le=\"2.5\"}"], 1);
  EXPECT_EQ(samples["pdl_seal_batch_latency_seconds_bucket{le=\"5\"}"], 2);
}

TEST(NodeMetricsTest, ServedOverHttpAsTheTextShowsThem) {
  NodeMetrics metrics([] { return TwoPartitions(); });
  metrics.OnPublish(absl::StatusCode::kUnavailable);
  ASSERT_TRUE(metrics.Serve("127.0.0.1:0").ok());
  ASSERT_THAT(metrics.address(), HasSubstr("127.0.0.1:"));
  EXPECT_NE(metrics.address(), "127.0.0.1:0");
  auto body = testing::HttpGet(metrics.address(), "/metrics");
  ASSERT_TRUE(body.ok()) << body.status();
  auto samples = ParseSamples(*body);
  EXPECT_EQ(samples["pdl_ingest_publishes_total{code=\"UNAVAILABLE\"}"], 1);
  EXPECT_EQ(samples["pdl_sealed_events_total{partition=\"0\"}"], 120);
  EXPECT_EQ(samples["pdl_rights_requests_overdue"], 1);

  metrics.StopServing();
  EXPECT_FALSE(testing::HttpGet(metrics.address(), "/metrics").ok());
}

TEST(NodeMetricsTest, ServeErrorsNameTheAddress) {
  NodeMetrics first([] { return ScrapedState(); });
  ASSERT_TRUE(first.Serve("127.0.0.1:0").ok());
  NodeMetrics second([] { return ScrapedState(); });
  const absl::Status taken = second.Serve(first.address());
  EXPECT_EQ(taken.code(), absl::StatusCode::kUnavailable) << taken;
  EXPECT_THAT(taken.message(), HasSubstr(first.address()));
  const absl::Status malformed = NodeMetrics([] { return ScrapedState(); }).Serve("localhost");
  EXPECT_EQ(malformed.code(), absl::StatusCode::kInvalidArgument) << malformed;
  EXPECT_THAT(malformed.message(), HasSubstr("want host:port"));
}

}  // namespace
}  // namespace pdl
