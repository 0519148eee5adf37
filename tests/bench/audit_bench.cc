// audit_bench: the cost of the read models and the latency of the audit queries, in-process (no Kafka, no gRPC).
//
// Generates N events (Zipf-skewed subjects over one year of occurred_at) and prints one table:
//   - sealing rate of the in-process Applier (batches of 5,000) without read models (projector only) and with
//     the policy judge (the seed policy, examples/policies/iqunet-2023-05-08.yaml) and every read model of
//     MakeReadModels(), for two generators: ingest_bench's (every event a DataCollected of
//     four categories for two purposes) and a mix of all ten actions; as ledgerd runs them (the models on their
//     own thread, projections/model_stage.h; each batch written while the next is prepared, Applier::CommitBehind)
//     and, for ingest_bench's generator, also with each batch written before the next, with the models on their
//     thread and on the sealer thread;
//   - GetSubjectReport p50/p99 for a subject with 1,000 events (mixed actions);
//   - GetRecordsOfProcessing (every page) over the N mixed events;
//   - ListTransfers for one destination and one month (every page of 1,000) over the N mixed events;
//   - ListFindings for one rule and one month (every page of 1,000) over the N mixed events;
//   - RebuildReadModels over the N mixed events, and whether the digest is unchanged;
//   - with --per-model-events M, a second table: the first M events of ingest_bench's generator sealed with nothing,
//     the judge alone and every read model, with the process's CPU time per event and the bytes each family is
//     written per event (keys and values, as the WriteBatches hold them).

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <tuple>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/event_codec.h"
#include "ledger/policy/policy_yaml.h"
#include "projections/applier.h"
#include "projections/audit_queries.h"
#include "projections/column_families.h"
#include "projections/policy_judge.h"
#include "projections/read_models/all.h"
#include "projections/rebuild.h"
#include "projections/store.h"
#include "rocksdb/write_batch.h"
#include "tests/testing/event_builder.h"
#include "tests/testing/scenario_builder.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/workload.h"

namespace pdl {
namespace {

struct Options {
  int events = 1000000;
  int subjects = 100000;
  double zipf_s = 1.0;
  int report_events = 1000;
  int samples = 1000;
  int ropa_samples = 200;
  int per_model_events = 0;
};

constexpr int kPartitions = 6;
// The seed policy is in force from 2023-05-08; it was published the day before.
const absl::Time kStart = absl::FromCivil(absl::CivilDay(2023, 5, 8), absl::UTCTimeZone());

// The seed policy, serialized; empty when the file cannot be read.
std::string SeedPolicyBytes() {
  std::ifstream in(std::filesystem::path(PDL_SOURCE_DIR) / "examples/policies/iqunet-2023-05-08.yaml");
  std::stringstream text;
  text << in.rdbuf();
  auto policy = policy::ParsePolicyYaml(text.str());
  if (!policy.ok()) {
    std::fprintf(stderr, "seed policy: %s\n", policy.status().ToString().c_str());
    return "";
  }
  return policy->SerializeAsString();
}

// All ten actions, roughly as a year of the seed's applications would produce them.
pdl::v1::PrivacyEvent MixedEvent(int i, const std::string& subject, absl::Time t, std::mt19937_64& rng) {
  static const std::vector<std::string> kDestinations = {"US", "US", "US", "IN", "CA", "JP", "BR", "CH"};
  static const std::vector<std::pair<std::string, std::string>> kRecipients = {{"google-analytics", "processor"},
                                                                               {"mailer", "service_provider"},
                                                                               {"other-users", "other_users"},
                                                                               {"accountants", "professional_advisor"},
                                                                               {"partner-co", "business_partner"}};
  const std::string id = absl::StrCat("mix-", i);
  const int roll = static_cast<int>(rng() % 100);
  if (roll < 35) {
    auto e = testing::BenchCollected(i, subject, t);
    if (roll < 5) testing::SetTime(e.mutable_data_collected()->mutable_retain_until(), t + absl::Hours(24 * 790));
    return e;
  }
  if (roll < 55) {
    return testing::UsedFor(id, subject, t, "analytics-db", {"user.device.cookie_id", "user.device.ip_address"},
                            {"analytics.reporting"});
  }
  if (roll < 70) {
    const auto& [rid, category] = kRecipients[rng() % kRecipients.size()];
    return testing::SharedWith(id, subject, t, rid, category, "BE", {"user.contact.email"},
                               {"essential.service.notifications"});
  }
  if (roll < 80) {
    const std::string& to = kDestinations[rng() % kDestinations.size()];
    return testing::TransferredTo(
        id, subject, t, "google-analytics", to,
        rng() % 20 == 0 ? pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED : pdl::v1::TRANSFER_MECHANISM_SCC, "GA-DPA-2023");
  }
  if (roll < 86) return testing::ConsentGivenFor(id, subject, t, "sheets", {"essential.service"}, "google-sheets");
  if (roll < 89) return testing::ConsentWithdrawnFor(id, subject, t, "sheets");
  if (roll < 92) {
    return testing::RequestOpened(id, subject, t, absl::StrCat("req-", i / 100), pdl::v1::SUBJECT_RIGHT_ACCESS);
  }
  if (roll < 94) {
    return testing::RequestClosed(id, subject, t, absl::StrCat("req-", i / 100), pdl::v1::SUBJECT_RIGHT_ACCESS,
                                  pdl::v1::REQUEST_OUTCOME_FULFILLED);
  }
  if (roll < 97) {
    return testing::DeletedFrom(id, subject, t, "accounts-db", {"user.contact.email"},
                                pdl::v1::DELETION_REASON_RETENTION_EXPIRED);
  }
  return testing::CollectedInto(id, subject, t, "support-desk", {"user.contact.email", "user.name"},
                                {"essential.service.operations.support"});
}

std::vector<std::vector<InputRecord>> Batches(const std::vector<pdl::v1::PrivacyEvent>& events) {
  testing::RecordSequencer sequencer(kPartitions);
  std::vector<std::vector<InputRecord>> batches(1);
  for (const auto& e : events) {
    if (batches.back().size() == 5000) batches.emplace_back();
    InputRecord r = sequencer.Next(e);
    r.value = CanonicalBytes(e);
    batches.back().push_back(std::move(r));
  }
  return batches;
}

// CPU time (user + system) of every thread of the process so far, in seconds.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Bytes (key + value; key only for a delete) each family is written, as a WriteBatch holds them.
using FamilyBytes = std::array<uint64_t, static_cast<size_t>(Cf::kCount)>;

class ByteCounter final : public rocksdb::WriteBatch::Handler {
 public:
  explicit ByteCounter(FamilyBytes* bytes) : bytes_(bytes) {}
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return Add(cf, key.size() + value.size());
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override { return Add(cf, key.size()); }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override { return Add(cf, key.size()); }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice& from, const rocksdb::Slice& to) override {
    return Add(cf, from.size() + to.size());
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return Add(cf, key.size() + value.size());
  }

 private:
  // Column family ids follow the order of the descriptors Store::Open gives RocksDB: the order of Cf.
  rocksdb::Status Add(uint32_t cf, size_t n) {
    if (cf >= bytes_->size()) return rocksdb::Status::InvalidArgument("unknown column family");
    (*bytes_)[cf] += n;
    return rocksdb::Status::OK();
  }
  FamilyBytes* bytes_;
};

struct Sealing {
  double rate = 0;      // events/s; 0 on failure
  double cpu_us = 0;    // CPU time of the process per event, in µs
  FamilyBytes bytes{};  // per family, when counted
};

// Seals `events` into a fresh store at `path` with the read models named in `only` (all when empty, none when
// !with_models), on their own thread unless `models_inline`, each batch written behind the next one's preparation
// (as ledgerd does) unless `write_through`. With `count_bytes`, each batch's rows are also counted by family
// before it is written (a walk over the batch on the writing thread: use a separate run for the rate).
Sealing Seal(const std::string& path, const std::vector<pdl::v1::PrivacyEvent>& events, bool with_models,
             std::unique_ptr<Store>* keep = nullptr, std::string_view only = "", bool models_inline = false,
             bool write_through = false, bool count_bytes = false) {
  Sealing result;
  auto store = Store::Open({.path = path});
  if (!store.ok()) return result;
  // With the read models: the judge too, as ledgerd runs them (the seed policy published the day before kStart).
  auto registry = PolicyRegistry::Open(store->get());
  if (!registry.ok()) return result;
  if (with_models) {
    static const std::string policy = SeedPolicyBytes();
    if (policy.empty() || !(*registry)->Apply(policy, 0, kStart - absl::Hours(24)).ok()) return result;
  }
  PolicyJudge judge(registry->get());
  auto models = MakeReadModels(PolicyReadModelOptions(registry->get()));
  ApplierOptions options;
  options.models_on_own_thread = !models_inline;
  if (with_models) options.judge = &judge;
  for (ReadModel* model : ModelPointers(models)) {
    if (with_models && (only.empty() || model->name() == only)) options.read_models.push_back(model);
  }
  if (count_bytes) {
    options.write_for_testing = [&result, target = store->get()](rocksdb::WriteBatch* batch) -> absl::Status {
      ByteCounter counter(&result.bytes);
      if (rocksdb::Status s = batch->Iterate(&counter); !s.ok()) return absl::InternalError(s.ToString());
      return target->Write(batch);
    };
  }
  auto applier = Applier::Create(store->get(), "bench", kPartitions, options);
  if (!applier.ok()) return result;
  auto batches = Batches(events);
  const double cpu_start = ProcessCpuSeconds();
  const absl::Time start = absl::Now();
  for (auto& b : batches) {
    auto prepared = (*applier)->Prepare(std::move(b));
    if (!prepared.ok() || !prepared->rejections().empty()) {
      std::fprintf(stderr, "sealing failed: %s\n", prepared.ok() ? "rejection" : prepared.status().ToString().c_str());
      return result;
    }
    absl::Status committed = write_through ? (*applier)->Commit(std::move(*prepared))
                                           : (*applier)->CommitBehind(std::move(*prepared), nullptr);
    if (!committed.ok()) {
      std::fprintf(stderr, "writing failed: %s\n", committed.ToString().c_str());
      return result;
    }
  }
  if (absl::Status s = (*applier)->Drain(); !s.ok()) {
    std::fprintf(stderr, "writing failed: %s\n", s.ToString().c_str());
    return result;
  }
  result.rate = static_cast<double>(events.size()) / absl::ToDoubleSeconds(absl::Now() - start);
  result.cpu_us = (ProcessCpuSeconds() - cpu_start) * 1e6 / static_cast<double>(events.size());
  if (keep != nullptr) *keep = std::move(*store);
  return result;
}

// Sets the list measurements' month, June 2023, as the time range of `request`.
template <typename Request>
void InJune2023(Request* request) {
  testing::SetTime(request->mutable_time_range()->mutable_start_time(),
                   absl::FromCivil(absl::CivilDay(2023, 6, 1), absl::UTCTimeZone()));
  testing::SetTime(request->mutable_time_range()->mutable_end_time(),
                   absl::FromCivil(absl::CivilDay(2023, 7, 1), absl::UTCTimeZone()));
}

// Lists every page of `request`, pages of 1,000, through `list`; sets *items to the sum of `count(page)`. False on
// an error.
template <typename Request, typename List, typename Count>
bool AllPages(Request request, List&& list, Count&& count, int* items) {
  request.set_page_size(1000);
  *items = 0;
  do {
    auto page = list(request);
    if (!page.ok()) return false;
    *items += count(*page);
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  return true;
}

template <typename Fn>
std::vector<double> Time(int samples, Fn&& fn) {
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    const absl::Time t = absl::Now();
    if (!fn()) return {};
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
  }
  return ms;
}

// The second table: per sealing setup, events/s, CPU time per event, and the bytes written per event by family
// (the families no setup writes are left out) and in all.
void PrintCosts(const std::vector<std::pair<std::string, Sealing>>& costs, size_t events) {
  std::printf("\nFirst %zu events of ingest_bench's generator: CPU time of the process and bytes written per event\n\n",
              events);
  std::printf("| |");
  for (const auto& [name, sealing] : costs) std::printf(" %s |", name.c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < costs.size(); ++i) std::printf("---|");
  std::printf("\n| events/s |");
  for (const auto& [name, sealing] : costs) {
    std::printf(" %.0f (%.0f %%) |", sealing.rate, 100.0 * sealing.rate / costs[0].second.rate);
  }
  std::printf("\n| CPU-µs per event |");
  for (const auto& [name, sealing] : costs) std::printf(" %.1f |", sealing.cpu_us);
  std::vector<uint64_t> total(costs.size());
  for (size_t f = 0; f < static_cast<size_t>(Cf::kCount); ++f) {
    bool written = false;
    for (const auto& [name, sealing] : costs) written |= sealing.bytes[f] > 0;
    if (!written) continue;
    std::printf("\n| bytes per event: %s |", std::string(CfName(static_cast<Cf>(f))).c_str());
    for (size_t i = 0; i < costs.size(); ++i) {
      std::printf(" %.1f |", static_cast<double>(costs[i].second.bytes[f]) / events);
      total[i] += costs[i].second.bytes[f];
    }
  }
  std::printf("\n| bytes per event: all families |");
  for (size_t i = 0; i < costs.size(); ++i) std::printf(" %.1f |", static_cast<double>(total[i]) / events);
  std::printf("\n");
}

int Run(const Options& o) {
  testing::TempDir tmp;
  std::mt19937_64 rng(42);
  testing::Zipf zipf(o.subjects, o.zipf_s);
  const absl::Duration step = absl::Hours(24 * 365) / std::max(1, o.events);
  std::vector<pdl::v1::PrivacyEvent> collected, mixed;
  collected.reserve(o.events);
  mixed.reserve(o.events + o.report_events);
  for (int i = 0; i < o.events; ++i) {
    const std::string subject = absl::StrCat("subject-", zipf(rng));
    const absl::Time t = kStart + step * i;
    collected.push_back(testing::BenchCollected(i, subject, t));
    mixed.push_back(MixedEvent(i, subject, t, rng));
  }
  for (int i = 0; i < o.report_events; ++i) {
    mixed.push_back(MixedEvent(o.events + i, "report-subject", kStart + absl::Minutes(i), rng));
  }
  std::fprintf(stderr, "generated %d + %d events\n", o.events, o.report_events);

  const Sealing collected_plain = Seal(tmp.path() + "/c-plain", collected, false);
  std::fprintf(stderr, "collected, projector only: %.0f/s\n", collected_plain.rate);
  const Sealing collected_models = Seal(tmp.path() + "/c-models", collected, true);
  std::fprintf(stderr, "collected, read models: %.0f/s\n", collected_models.rate);
  const double collected_through = Seal(tmp.path() + "/c-through", collected, true, nullptr, "", false, true).rate;
  std::fprintf(stderr, "collected, read models, each batch written before the next: %.0f/s\n", collected_through);
  const double collected_inline = Seal(tmp.path() + "/c-inline", collected, true, nullptr, "", true, true).rate;
  std::fprintf(stderr, "collected, read models on the sealer thread, written before the next: %.0f/s\n",
               collected_inline);
  // Where the CPU and the bytes go: the first per_model_events of these events with nothing, the judge alone and
  // every read model, each run once for the CPU time and once counting the bytes.
  std::vector<std::pair<std::string, Sealing>> costs;
  size_t cost_events = 0;
  if (o.per_model_events > 0) {
    const std::vector<pdl::v1::PrivacyEvent> head(
        collected.begin(), collected.begin() + std::min<size_t>(collected.size(), o.per_model_events));
    cost_events = head.size();
    for (const auto& [name, with_models, only] :
         {std::tuple<const char*, bool, const char*>{"projector only", false, ""}, {"the judge alone", true, "judge"},
          {"judge + every read model", true, ""}}) {
      Sealing timed = Seal(tmp.path() + "/cost-" + std::to_string(costs.size()), head, with_models, nullptr, only);
      timed.bytes = Seal(tmp.path() + "/bytes-" + std::to_string(costs.size()), head, with_models, nullptr, only,
                         false, false, /*count_bytes=*/true)
                        .bytes;
      std::fprintf(stderr, "first %zu collected, %s: %.0f/s, %.1f CPU-us/event\n", head.size(), name, timed.rate,
                   timed.cpu_us);
      if (timed.rate == 0) return 1;
      costs.emplace_back(name, timed);
    }
  }
  collected.clear();
  collected.shrink_to_fit();
  // Each model alone, on the first per_model_events mixed events, on the sealer thread (its whole cost; each batch
  // still written behind, as for "none").
  std::vector<std::pair<std::string, double>> per_model;
  if (o.per_model_events > 0) {
    const std::vector<pdl::v1::PrivacyEvent> head(mixed.begin(),
                                                  mixed.begin() + std::min<size_t>(mixed.size(), o.per_model_events));
    per_model.emplace_back("none", Seal(tmp.path() + "/pm-none", head, false).rate);
    // The judge alone (no model is named "judge").
    per_model.emplace_back("judge", Seal(tmp.path() + "/pm-judge", head, true, nullptr, "judge", true).rate);
    std::fprintf(stderr, "only the judge: %.0f/s\n", per_model.back().second);
    for (const auto& model : MakeReadModels()) {
      const std::string name(model->name());
      per_model.emplace_back(name, Seal(tmp.path() + "/pm-" + name, head, true, nullptr, name, true).rate);
      std::fprintf(stderr, "only %s: %.0f/s\n", name.c_str(), per_model.back().second);
    }
  }
  const Sealing mixed_plain = Seal(tmp.path() + "/m-plain", mixed, false);
  std::fprintf(stderr, "mixed, projector only: %.0f/s\n", mixed_plain.rate);
  std::unique_ptr<Store> store;
  const Sealing mixed_models = Seal(tmp.path() + "/m-models", mixed, true, &store);
  std::fprintf(stderr, "mixed, read models: %.0f/s\n", mixed_models.rate);
  if (collected_plain.rate == 0 || collected_models.rate == 0 || collected_through == 0 || collected_inline == 0 ||
      mixed_plain.rate == 0 || mixed_models.rate == 0) {
    return 1;
  }
  mixed.clear();
  mixed.shrink_to_fit();
  // Settle the memtables as a running node would have.
  (void)store->db()->Flush(rocksdb::FlushOptions());

  size_t report_bytes = 0;
  auto report_ms = Time(o.samples, [&] {
    pdl::v1::GetSubjectReportRequest request;
    request.set_subject_id("report-subject");
    auto report = GetSubjectReport(*store, nullptr, request, kStart + absl::Hours(24 * 400));
    if (!report.ok() || report->event_count() != static_cast<uint64_t>(o.report_events)) {
      std::fprintf(stderr, "report failed: %s\n", report.ok() ? "count" : report.status().ToString().c_str());
      return false;
    }
    report_bytes = report->ByteSizeLong();
    return true;
  });

  int activities = 0;
  auto ropa_ms = Time(o.ropa_samples, [&] {
    return AllPages(
        pdl::v1::GetRecordsOfProcessingRequest(), [&](const auto& r) { return GetRecordsOfProcessing(*store, r); },
        [](const auto& page) { return page.activities_size(); }, &activities);
  });

  int transfers = 0;
  pdl::v1::ListTransfersRequest us_in_june;
  us_in_june.set_destination_country("US");
  InJune2023(&us_in_june);
  auto transfers_ms = Time(o.samples, [&] {
    return AllPages(
        us_in_june, [&](const auto& r) { return ListTransfers(*store, r); },
        [](const auto& page) { return page.transfers_size(); }, &transfers);
  });
  int counted = 0;
  auto count_ms = Time(o.samples, [&] {
    pdl::v1::ListTransfersRequest request = us_in_june;
    request.set_count_only(true);
    auto page = ListTransfers(*store, request);
    if (!page.ok()) return false;
    counted = page->total_size();
    return true;
  });
  auto first_page_ms = Time(o.samples, [&] {
    auto page = ListTransfers(*store, us_in_june);
    return page.ok() && page->transfers_size() == std::min(100, transfers);
  });
  // One rule over one month: the rule is not a prefix of the findings family's keys (time is), so this reads
  // every findings row of the month and keeps those whose items carry the rule.
  int rule_findings = 0;
  pdl::v1::ListFindingsRequest rule_in_june;
  rule_in_june.set_rule_id("transfer.no_mechanism");
  InJune2023(&rule_in_june);
  auto findings_ms = Time(o.samples, [&] {
    return AllPages(
        rule_in_june, [&](const auto& r) { return ListFindings(*store, r); },
        [](const auto& page) { return page.findings_size(); }, &rule_findings);
  });
  if (report_ms.empty() || ropa_ms.empty() || transfers_ms.empty() || count_ms.empty() || first_page_ms.empty() ||
      findings_ms.empty()) {
    return 1;
  }

  auto registry = PolicyRegistry::Open(store.get());
  if (!registry.ok()) return 1;
  auto models = MakeReadModels(PolicyReadModelOptions(registry->get()));
  const absl::Time rebuild_start = absl::Now();
  auto rebuilt = RebuildReadModels(*store, ModelPointers(models), ReadModelFamilies());
  const double rebuild_s = absl::ToDoubleSeconds(absl::Now() - rebuild_start);
  if (!rebuilt.ok()) {
    std::fprintf(stderr, "rebuild failed: %s\n", rebuilt.status().ToString().c_str());
    return 1;
  }

  std::printf("| measurement | value |\n|---|---|\n");
  std::printf("| events | %d (%d subjects, Zipf s=%.2f, one year of occurred_at) + %d of one subject |\n", o.events,
              o.subjects, o.zipf_s, o.report_events);
  std::printf("| sealing, ingest_bench generator (DataCollected), projector only | %.0f events/s, %.1f CPU-µs/event "
              "|\n",
              collected_plain.rate, collected_plain.cpu_us);
  std::printf("| sealing, ingest_bench generator, every read model | %.0f events/s (%.0f %%), %.1f CPU-µs/event |\n",
              collected_models.rate, 100.0 * collected_models.rate / collected_plain.rate, collected_models.cpu_us);
  std::printf("| sealing, ingest_bench generator, every read model, each batch written before the next | %.0f events/s "
              "(%.0f %%) |\n",
              collected_through, 100.0 * collected_through / collected_plain.rate);
  std::printf("| sealing, ingest_bench generator, every read model on the sealer thread, each batch written before the "
              "next | %.0f events/s (%.0f %%) |\n",
              collected_inline, 100.0 * collected_inline / collected_plain.rate);
  std::printf("| sealing, mixed actions, projector only | %.0f events/s, %.1f CPU-µs/event |\n", mixed_plain.rate,
              mixed_plain.cpu_us);
  std::printf("| sealing, mixed actions, every read model | %.0f events/s (%.0f %%), %.1f CPU-µs/event |\n",
              mixed_models.rate, 100.0 * mixed_models.rate / mixed_plain.rate, mixed_models.cpu_us);
  std::printf("| GetSubjectReport, subject with %d events (%zu-byte report) | p50 %.2f ms, p99 %.2f ms (%d calls) |\n",
              o.report_events, report_bytes, testing::Percentile(report_ms, 0.5), testing::Percentile(report_ms, 0.99), o.samples);
  std::printf("| GetRecordsOfProcessing, all pages, %d activities | p50 %.2f ms, p99 %.2f ms (%d calls) |\n",
              activities, testing::Percentile(ropa_ms, 0.5), testing::Percentile(ropa_ms, 0.99), o.ropa_samples);
  std::printf("| ListTransfers US, June 2023, all pages (%d transfers) | p50 %.2f ms, p99 %.2f ms (%d calls) |\n",
              transfers, testing::Percentile(transfers_ms, 0.5), testing::Percentile(transfers_ms, 0.99), o.samples);
  std::printf("| ListTransfers US, June 2023, count_only (%d transfers) | p50 %.3f ms, p99 %.3f ms (%d calls) |\n",
              counted, testing::Percentile(count_ms, 0.5), testing::Percentile(count_ms, 0.99), o.samples);
  std::printf("| ListTransfers US, June 2023, first page of 100 | p50 %.3f ms, p99 %.3f ms (%d calls) |\n",
              testing::Percentile(first_page_ms, 0.5), testing::Percentile(first_page_ms, 0.99), o.samples);
  std::printf("| ListFindings transfer.no_mechanism, June 2023, all pages (%d findings) | p50 %.2f ms, p99 %.2f ms "
              "(%d calls) |\n",
              rule_findings, testing::Percentile(findings_ms, 0.5), testing::Percentile(findings_ms, 0.99), o.samples);
  for (const auto& [name, rate] : per_model) {
    std::printf("| sealing, mixed actions, first %d events, models on the sealer thread, written behind, read model: %s "
                "| %.0f events/s |\n",
                o.per_model_events, name.c_str(), rate);
  }
  std::printf("| RebuildReadModels | %.0f events/s (%.1f s), digest %s |\n", rebuilt->events / rebuild_s, rebuild_s,
              rebuilt->digest_before == rebuilt->digest_after ? "unchanged" : "CHANGED");
  if (!costs.empty()) PrintCosts(costs, cost_events);
  return 0;
}

}  // namespace
}  // namespace pdl

int main(int argc, char** argv) {
  pdl::Options o;
  CLI::App app{"audit_bench: read-model sealing cost and audit query latency (in-process), printed as a table"};
  app.add_option("--events", o.events, "Events of the main population")->capture_default_str();
  app.add_option("--subjects", o.subjects, "Distinct subjects")->capture_default_str();
  app.add_option("--zipf", o.zipf_s, "Zipf exponent of the subject distribution")->capture_default_str();
  app.add_option("--report-events", o.report_events, "Events of the report subject")->capture_default_str();
  app.add_option("--samples", o.samples, "Calls per latency measurement")->capture_default_str();
  app.add_option("--ropa-samples", o.ropa_samples, "GetRecordsOfProcessing calls")->capture_default_str();
  app.add_option("--per-model-events", o.per_model_events, "Also seal this many mixed events with each model alone")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return pdl::Run(o);
}
