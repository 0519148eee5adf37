// ingest_bench: end-to-end and projector-only throughput of the ledger, and query latency.
//
// Starts ledgerd (embedded Kafka) on a temp data dir, publishes N events (~300 bytes, Zipf-skewed subjects) with
// PublishStream, and prints one table:
//   - events/s until DURABLE (every receipt back) and until all are sealed and queryable;
//   - Publish(SEALED) p50/p99 latency;
//   - GetSubjectHistory p50/p99 for a subject with 1,000 events (one page of 1,000);
//   - bytes on disk per event;
//   - projector-only replay: the same records applied in-process into a fresh RocksDB (Applier batches of 5,000).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/event_codec.h"
#include "pdl/v1/admin_service.grpc.pb.h"
#include "pdl/v1/audit_service.grpc.pb.h"
#include "pdl/v1/ingest_service.grpc.pb.h"
#include "ledger/checkpoint/note.h"
#include "projections/applier.h"
#include "projections/store.h"
#include "tests/testing/event_builder.h"
#include "tests/testing/ledgerd_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/workload.h"

namespace pdl {
namespace {

struct Options {
  int events = 1000000;
  int subjects = 100000;
  double zipf_s = 1.0;
  int latency_samples = 2000;
  int history_events = 1000;
  int history_samples = 1000;
  std::string ledgerd = PDL_LEDGERD_PATH;
  bool replay_only = false;
};

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

// Projector-only: `events` applied in-process to a fresh store at `path` (Applier batches of 5,000, the records
// as the consumer would hand them over). Events per second, or -1 on failure.
double ReplayRate(const std::vector<pdl::v1::PrivacyEvent>& events, const std::string& path) {
  auto store = Store::Open({.path = path});
  if (!store.ok()) return -1;
  auto signer = checkpoint::NoteSigner::Generate("pdl.local/bench");
  if (!signer.ok()) return -1;
  auto applier = Applier::Create(store->get(), "bench", 6, {.signer = &*signer, .origin_prefix = "pdl.local/bench"});
  if (!applier.ok()) return -1;
  std::vector<std::vector<InputRecord>> batches;
  std::vector<int64_t> next_offset(6, 0);
  std::vector<InputRecord> batch;
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  for (const auto& e : events) {
    InputRecord r;
    r.partition = std::hash<std::string>()(e.subject().id()) % 6;
    r.offset = next_offset[r.partition]++;
    r.timestamp_ms = now_ms;
    r.key = e.subject().id();
    r.value = CanonicalBytes(e);
    batch.push_back(std::move(r));
    if (batch.size() == 5000) batches.push_back(std::move(batch)), batch.clear();
  }
  if (!batch.empty()) batches.push_back(std::move(batch));
  const absl::Time start = absl::Now();
  for (auto& b : batches) {
    auto prepared = (*applier)->Prepare(std::move(b));
    if (!prepared.ok() || !(*applier)->Commit(std::move(*prepared)).ok()) return -1;
  }
  return events.size() / absl::ToDoubleSeconds(absl::Now() - start);
}

std::vector<pdl::v1::PrivacyEvent> Generate(const Options& o, size_t* bytes) {
  std::mt19937_64 rng(42);
  testing::Zipf zipf(o.subjects, o.zipf_s);
  const absl::Time t0 = absl::Now() - absl::Hours(24 * 30);
  std::vector<pdl::v1::PrivacyEvent> events;
  events.reserve(o.events);
  *bytes = 0;
  for (int i = 0; i < o.events; ++i) {
    events.push_back(testing::BenchCollected(i, absl::StrCat("subject-", zipf(rng)), t0 + absl::Milliseconds(i)));
    *bytes += events.back().ByteSizeLong();
  }
  return events;
}

int Run(const Options& o) {
  testing::TempDir tmp;
  size_t bytes = 0;
  const std::vector<pdl::v1::PrivacyEvent> events = Generate(o, &bytes);
  std::fprintf(stderr, "generated %d events, %.0f bytes each on average\n", o.events,
               static_cast<double>(bytes) / o.events);
  if (o.replay_only) {
    const double rate = ReplayRate(events, tmp.path() + "/replay");
    if (rate < 0) return 1;
    std::printf("| measurement | value |\n|---|---|\n| projector-only replay | %.0f events/s (%d events) |\n", rate,
                o.events);
    return 0;
  }
  const std::string data_dir = tmp.path() + "/data";
  testing::LedgerdProcess ledgerd(o.ledgerd, data_dir, {"--log-level", "warn"});
  if (absl::Status s = ledgerd.Start(); !s.ok()) {
    std::fprintf(stderr, "cannot start ledgerd: %s\n", s.ToString().c_str());
    return 1;
  }
  auto ingest = pdl::v1::IngestService::NewStub(ledgerd.channel());
  auto audit = pdl::v1::AuditService::NewStub(ledgerd.channel());
  auto admin = pdl::v1::AdminService::NewStub(ledgerd.channel());
  const absl::Time t0 = absl::Now() - absl::Hours(24 * 30);

  auto sealed_total = [&]() -> uint64_t {
    grpc::ClientContext context;
    pdl::v1::GetStatsResponse stats;
    if (!admin->GetStats(&context, pdl::v1::GetStatsRequest(), &stats).ok()) return 0;
    return stats.sealed_total();
  };

  // 1. PublishStream, DURABLE.
  const absl::Time start = absl::Now();
  {
    grpc::ClientContext context;
    auto stream = ingest->PublishStream(&context);
    std::thread writer([&] {
      pdl::v1::PublishRequest request;
      for (const auto& e : events) {
        *request.mutable_event() = e;
        if (!stream->Write(request)) break;
      }
      stream->WritesDone();
    });
    pdl::v1::PublishReceipt receipt;
    int received = 0;
    while (stream->Read(&receipt)) {
      if (++received % 200000 == 0) std::fprintf(stderr, "durable %d/%d\n", received, o.events);
    }
    writer.join();
    grpc::Status status = stream->Finish();
    if (!status.ok() || received != o.events) {
      std::fprintf(stderr, "stream failed after %d receipts: %s\n", received, status.error_message().c_str());
      return 1;
    }
  }
  const double durable_s = absl::ToDoubleSeconds(absl::Now() - start);
  while (sealed_total() < static_cast<uint64_t>(o.events)) absl::SleepFor(absl::Milliseconds(20));
  const double sealed_s = absl::ToDoubleSeconds(absl::Now() - start);

  // 2. Publish(SEALED) latency, one at a time.
  std::vector<double> sealed_ms;
  for (int i = 0; i < o.latency_samples; ++i) {
    pdl::v1::PublishRequest request;
    *request.mutable_event() = testing::BenchCollected(o.events + i, absl::StrCat("latency-", i % 100), absl::Now());
    request.set_wait(pdl::v1::PUBLISH_WAIT_SEALED);
    grpc::ClientContext context;
    pdl::v1::PublishReceipt receipt;
    const absl::Time t = absl::Now();
    if (!ingest->Publish(&context, request, &receipt).ok()) return 1;
    sealed_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
  }

  // 3. GetSubjectHistory of a subject with `history_events` events.
  {
    grpc::ClientContext context;
    auto stream = ingest->PublishStream(&context);
    for (int i = 0; i < o.history_events; ++i) {
      pdl::v1::PublishRequest request;
      *request.mutable_event() = testing::BenchCollected(2 * o.events + i, "history-subject", t0 + absl::Seconds(i));
      request.set_wait(i + 1 == o.history_events ? pdl::v1::PUBLISH_WAIT_SEALED : pdl::v1::PUBLISH_WAIT_DURABLE);
      stream->Write(request);
    }
    stream->WritesDone();
    pdl::v1::PublishReceipt receipt;
    while (stream->Read(&receipt)) {
    }
    if (!stream->Finish().ok()) return 1;
  }
  std::vector<double> history_ms;
  for (int i = 0; i < o.history_samples; ++i) {
    pdl::v1::GetSubjectHistoryRequest request;
    request.set_subject_id("history-subject");
    request.set_page_size(1000);
    grpc::ClientContext context;
    pdl::v1::GetSubjectHistoryResponse response;
    const absl::Time t = absl::Now();
    if (!audit->GetSubjectHistory(&context, request, &response).ok() ||
        response.entries_size() != o.history_events) {
      std::fprintf(stderr, "history returned %d entries\n", response.entries_size());
      return 1;
    }
    history_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
  }
  const uint64_t total_events = sealed_total();
  ledgerd.Stop();
  const double disk_per_event = static_cast<double>(DirBytes(data_dir + "/db")) / total_events;

  const double replay_rate = ReplayRate(events, tmp.path() + "/replay");
  if (replay_rate < 0) return 1;

  std::printf("| measurement | value |\n|---|---|\n");
  std::printf("| events published (PublishStream) | %d (%d subjects, Zipf s=%.2f, %.0f B/event) |\n", o.events,
              o.subjects, o.zipf_s, static_cast<double>(bytes) / o.events);
  std::printf("| until DURABLE | %.0f events/s (%.1f s) |\n", o.events / durable_s, durable_s);
  std::printf("| until sealed and queryable | %.0f events/s (%.1f s) |\n", o.events / sealed_s, sealed_s);
  std::printf("| Publish(SEALED) latency | p50 %.2f ms, p99 %.2f ms (%d calls) |\n", testing::Percentile(sealed_ms, 0.5),
              testing::Percentile(sealed_ms, 0.99), o.latency_samples);
  std::printf("| projector-only replay | %.0f events/s |\n", replay_rate);
  std::printf("| bytes on disk per event | %.0f B (RocksDB, all families, %llu events) |\n", disk_per_event,
              static_cast<unsigned long long>(total_events));
  std::printf("| GetSubjectHistory, %d events in one page | p50 %.2f ms, p99 %.2f ms (%d calls) |\n",
              o.history_events, testing::Percentile(history_ms, 0.5), testing::Percentile(history_ms, 0.99), o.history_samples);
  return 0;
}

}  // namespace
}  // namespace pdl

int main(int argc, char** argv) {
  pdl::Options o;
  CLI::App app{"ingest_bench: throughput and latency of ledgerd (embedded Kafka), printed as a table"};
  app.add_option("--events", o.events, "Events to publish")->capture_default_str();
  app.add_option("--subjects", o.subjects, "Distinct subjects")->capture_default_str();
  app.add_option("--zipf", o.zipf_s, "Zipf exponent of the subject distribution")->capture_default_str();
  app.add_option("--latency-samples", o.latency_samples, "Publish(SEALED) calls")->capture_default_str();
  app.add_option("--history-events", o.history_events, "Events of the history subject")->capture_default_str();
  app.add_option("--history-samples", o.history_samples, "GetSubjectHistory calls")->capture_default_str();
  app.add_option("--ledgerd", o.ledgerd, "ledgerd binary")->capture_default_str();
  app.add_flag("--replay-only", o.replay_only, "Only the projector-only replay (no ledgerd)");
  CLI11_PARSE(app, argc, argv);
  return pdl::Run(o);
}
