#include "services/node/node.h"

#include <cctype>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "ledger/event_codec.h"
#include "projections/applier.h"
#include "projections/audit_queries.h"
#include "projections/node_state.h"
#include "projections/policy_judge.h"
#include "projections/proofs.h"
#include "projections/read_models/all.h"
#include "projections/rebuild.h"
#include "projections/store.h"
#include "projections/store_check.h"
#include "projections/vault_store.h"
#include "services/grpc/proof_service.h"
#include "services/grpc/services.h"
#include "services/kafka/consumer.h"
#include "services/kafka/embedded_cluster.h"
#include "services/kafka/producer.h"
#include "services/node/ingest.h"
#include "services/node/key_material.h"
#include "services/node/metrics.h"
#include "services/node/policy_admin.h"
#include "services/node/seal_tracker.h"
#include "services/node/sealer.h"
#include "spdlog/spdlog.h"

namespace pdl {
namespace {

namespace fs = std::filesystem;

constexpr char kIntegrityHealth[] = "pdl.ledger.integrity";

absl::Status WriteFileAtomically(const fs::path& path, const std::string& content) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content;
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp.string()));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot rename to ", path.string(), ": ", ec.message()));
  return absl::OkStatus();
}

// Re-produces every outbox record (events accepted before a restart of the embedded cluster and not sealed yet).
absl::StatusOr<uint64_t> RepublishOutbox(const Store& store, kafka::Producer& producer) {
  std::vector<std::future<absl::Status>> acks;
  absl::Status walked = ForEachOutbox(store, [&](const pdl::v1::OutboxRecord& record) {
    kafka::OutgoingRecord out;
    out.topic = kafka::kEventsTopic;
    out.key = record.key();
    out.value = record.value();
    for (const auto& h : record.headers()) out.headers.push_back({h.key(), h.value()});
    auto promise = std::make_shared<std::promise<absl::Status>>();
    acks.push_back(promise->get_future());
    absl::Status s = producer.Produce(std::move(out), [promise](absl::StatusOr<kafka::Delivery> d) {
      promise->set_value(d.status());
    });
    if (!s.ok()) promise->set_value(s);
    return absl::OkStatus();
  });
  if (!walked.ok()) return walked;
  for (auto& ack : acks) {
    if (absl::Status s = ack.get(); !s.ok()) return s;
  }
  return acks.size();
}

std::string RandomHex(size_t bytes) {
  std::random_device rd;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) out += absl::StrFormat("%02x", rd() & 0xff);
  return out;
}

std::string KeyPath(const NodeConfig& config, const fs::path& data_dir) {
  return config.checkpoint_key_file.empty() ? (data_dir / "checkpoint.key").string() : config.checkpoint_key_file;
}

std::optional<std::string> ReadTrimmedFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

// The checkpoint verifier of an existing data dir, without creating anything: from <key>.pub, else from the key.
absl::StatusOr<checkpoint::NoteVerifier> LoadVerifier(const std::string& key_path) {
  if (auto pub = ReadTrimmedFile(key_path + ".pub")) {
    auto verifier = checkpoint::NoteVerifier::FromKey(*pub);
    if (!verifier.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(key_path, ".pub: ", verifier.status().message()));
    }
    return verifier;
  }
  if (auto key = ReadTrimmedFile(key_path)) {
    auto signer = checkpoint::NoteSigner::FromKey(*key);
    if (!signer.ok()) return absl::InvalidArgumentError(absl::StrCat(key_path, ": ", signer.status().message()));
    return signer->Verifier();
  }
  return absl::FailedPreconditionError(
      absl::StrCat("no checkpoint key at ", key_path, " or ", key_path, ".pub; the signatures cannot be checked"));
}

void LogDamage(const StoreCheckReport& report) {
  for (const StoreDamage& damage : report.damages()) {
    spdlog::critical(
        "alarm=store_damaged partition={} seq={} what=\"{}\" action=\"sealing stopped; run "
        "`ledgerd --verify-store` on a stopped node and restore the data dir from a replica\"",
        damage.partition, damage.seq.has_value() ? absl::StrCat(*damage.seq) : std::string("head"), damage.what);
  }
}

// `ledgerd --verify-store`: the store check on a stopped node's data dir, report on stdout.
absl::Status VerifyStore(const NodeConfig& config) {
  const fs::path data_dir = fs::absolute(config.data_dir);
  if (!fs::exists(data_dir / "db")) {
    return absl::FailedPreconditionError(absl::StrCat("no ledger store at ", (data_dir / "db").string()));
  }
  auto verifier = LoadVerifier(KeyPath(config, data_dir));
  if (!verifier.ok()) return verifier.status();
  StoreCheckOptions options{.verifier = &*verifier};
  if (!config.log_origin.empty()) {
    options.origin_prefix = config.log_origin;
  } else if (auto log_id = ReadTrimmedFile(data_dir / "log-id")) {
    options.origin_prefix = absl::StrCat("pdl.local/", *log_id);
  }
  auto store = Store::Open({.path = (data_dir / "db").string()});
  if (!store.ok()) return store.status();
  const absl::Time start = absl::Now();
  auto report = CheckStore(**store, options);
  if (!report.ok()) return report.status();
  for (const PartitionCheck& p : report->partitions) {
    const std::string verdict = p.damage ? absl::StrCat("DAMAGED ", p.damage->ToString()) : "ok";
    std::printf("partition %u: %llu records, %llu tree nodes: %s\n", p.partition,
                static_cast<unsigned long long>(p.records), static_cast<unsigned long long>(p.nodes), verdict.c_str());
  }
  std::printf(
      "verify-store: %zu partitions, %llu records, %llu tree nodes, checkpoints checked with key %s, "
      "%.1f s: %s\n",
      report->partitions.size(), static_cast<unsigned long long>(report->records),
      static_cast<unsigned long long>(report->nodes), verifier->name().c_str(),
      absl::ToDoubleSeconds(absl::Now() - start), report->ok() ? "intact" : "DAMAGED");
  std::fflush(stdout);
  if (report->ok()) return absl::OkStatus();
  LogDamage(*report);
  return absl::DataLossError(absl::StrCat("store damaged: ", report->damages().front().ToString()));
}

// Lists every page of `request` through `list` (pages of 1,000) and returns the sum of `count(page)`.
template <typename Request, typename List, typename Count>
absl::StatusOr<uint64_t> CountAllPages(Request request, List&& list, Count&& count) {
  request.set_page_size(1000);
  uint64_t total = 0;
  do {
    auto page = list(request);
    if (!page.ok()) return page.status();
    total += count(*page);
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  return total;
}

// The read-model side of a metrics scrape: holdings due for deletion, open and overdue rights requests, now.
absl::Status ReadDueCounts(const Store& store, absl::Time now, ScrapedState* out) {
  pdl::v1::ListRetentionDueRequest due;
  SetTimestamp(due.mutable_due_before(), now);
  auto retention_due = CountAllPages(
      due, [&](const auto& r) { return ListRetentionDue(store, r); }, [](const auto& page) { return page.due_size(); });
  if (!retention_due.ok()) return retention_due.status();
  out->retention_due = *retention_due;
  const auto requests = [&](const auto& r) { return ListRightsRequests(store, r, now); };
  const auto count_requests = [](const auto& page) { return page.requests_size(); };
  pdl::v1::ListRightsRequestsRequest open;
  open.set_status(pdl::v1::RIGHTS_REQUEST_STATUS_OPEN);
  auto open_count = CountAllPages(open, requests, count_requests);
  if (!open_count.ok()) return open_count.status();
  out->requests_open = *open_count;
  pdl::v1::ListRightsRequestsRequest overdue;
  overdue.set_overdue_only(true);
  auto overdue_count = CountAllPages(overdue, requests, count_requests);
  if (!overdue_count.ok()) return overdue_count.status();
  out->requests_overdue = *overdue_count;
  return absl::OkStatus();
}

void WaitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("event=shutdown_requested signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

}  // namespace

absl::Status RunNode(const NodeConfig& config) {
  if (config.verify_store) return VerifyStore(config);
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create --data-dir ", config.data_dir, ": ", ec.message()));
  const fs::path data_dir = fs::absolute(config.data_dir);

  auto store = Store::Open({.path = (data_dir / "db").string(), .sync_writes = config.sync_writes});
  if (!store.ok()) return store.status();

  const bool embedded = config.kafka_bootstrap.empty();
  const std::string kek_path = config.kek_file.empty() ? (data_dir / "kek.hex").string() : config.kek_file;
  auto kek = LoadOrCreateKeyFile(kek_path, /*generate=*/config.kek_file.empty());
  if (!kek.ok()) return kek.status();

  auto log_id = LoadOrCreateText((data_dir / "log-id").string(), RandomHex(8));
  if (!log_id.ok()) return log_id.status();
  const std::string origin = config.log_origin.empty() ? absl::StrCat("pdl.local/", *log_id) : config.log_origin;
  const std::string checkpoint_key_path =
      config.checkpoint_key_file.empty() ? (data_dir / "checkpoint.key").string() : config.checkpoint_key_file;
  auto signer = LoadOrCreateSigner(checkpoint_key_path, origin, /*generate=*/config.checkpoint_key_file.empty());
  if (!signer.ok()) return signer.status();

  std::unique_ptr<kafka::EmbeddedCluster> cluster;
  kafka::KafkaConfig kafka_config;
  kafka_config.properties = config.kafka_properties;
  if (embedded) {
    auto started = kafka::EmbeddedCluster::Start(
        config.embedded_brokers, {{kafka::kEventsTopic, config.embedded_partitions, 1},
                                  {kafka::kRejectedTopic, config.embedded_partitions, 1},
                                  {kafka::kPoliciesTopic, 1, 1},
                                  {kafka::kRetentionDueTopic, config.embedded_partitions, 1}});
    if (!started.ok()) return started.status();
    cluster = std::move(*started);
    kafka_config.bootstrap_servers = cluster->bootstrap();
    if (absl::Status s = WriteFileAtomically(data_dir / "kafka-bootstrap", cluster->bootstrap() + "\n"); !s.ok()) {
      return s;
    }
    spdlog::info("event=embedded_kafka_started brokers={} bootstrap={} file={}", config.embedded_brokers,
                 cluster->bootstrap(), (data_dir / "kafka-bootstrap").string());
  } else {
    kafka_config.bootstrap_servers = config.kafka_bootstrap;
  }

  auto producer = kafka::Producer::Create(kafka_config);
  if (!producer.ok()) return producer.status();
  auto partitions = (*producer)->PartitionCount(kafka::kEventsTopic, absl::Seconds(30));
  if (!partitions.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("topic ", kafka::kEventsTopic, " is not available (",
                                                      partitions.status().message(),
                                                      "); create it before starting ledgerd"));
  }
  const std::string cluster_id =
      embedded ? absl::StrCat("embedded:", cluster->instance_id()) : (*producer)->ClusterId(absl::Seconds(10));

  // Policies: every version published so far is applied before the first batch, and the sealer catches up with
  // pdl.policies.v1 before each batch, so each event is judged by the policy in force when it happened.
  auto registry = PolicyRegistry::Open(store->get());
  if (!registry.ok()) return registry.status();
  auto follower = policy_admin::PolicyFollower::Create(kafka_config, registry->get());
  if (!follower.ok()) return follower.status();
  if (auto caught = (*follower)->CatchUp(absl::Seconds(30)); !caught.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("topic ", kafka::kPoliciesTopic, " cannot be read (",
                                                      caught.status().message(), "); create it before starting ledgerd"));
  }
  spdlog::info("event=policies_loaded versions={}", (*registry)->policies()->size());
  PolicyJudge judge(registry->get());
  auto read_models = MakeReadModels(PolicyReadModelOptions(registry->get()));
  // Read models written by a build with another layout are rebuilt from the log before the first batch.
  auto layout = EnsureReadModelLayout(*store->get(), ModelPointers(read_models), ReadModelFamilies());
  if (!layout.ok()) return layout.status();
  if (layout->has_value()) {
    spdlog::info("event=read_models_rebuilt reason=layout_changed layout={} events={}", kReadModelLayout,
                 (*layout)->events);
  }

  auto applier = Applier::Create(store->get(), cluster_id, *partitions,
                                 ApplierOptions{.signer = &*signer,
                                                .origin_prefix = origin,
                                                .judge = &judge,
                                                .read_models = ModelPointers(read_models)});
  if (!applier.ok()) return applier.status();
  const auto& moved = (*applier)->partitions_from_other_cluster();
  if (!moved.empty()) {
    if (embedded) {
      spdlog::info("event=fresh_embedded_cluster partitions={} note=\"resuming at offset 0; sealed events and "
                   "their seqs are kept\"", moved.size());
    } else if (!config.accept_cluster_change) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the stored offsets belong to another Kafka cluster than ", config.kafka_bootstrap, " (now '", cluster_id,
          "'); start with --accept-cluster-change to consume the new cluster from offset 0"));
    }
  }

  // A rebuild of the read models (AdminService) makes the queries over them wait for it (UNAVAILABLE meanwhile).
  RebuildGate rebuild_gate;
  // Metrics: the scrape reads the same state as GetStats (set below, once its sources exist).
  std::function<absl::StatusOr<pdl::v1::GetStatsResponse>()> stats;
  NodeMetrics metrics([&]() -> absl::StatusOr<ScrapedState> {
    ScrapedState state;
    auto read = stats();
    if (!read.ok()) return read.status();
    state.stats = std::move(*read);
    const uint64_t entered = rebuild_gate.generation();
    if (absl::Status s = ReadDueCounts(**store, absl::Now(), &state); !s.ok()) return s;
    if (absl::Status s = rebuild_gate.Overlapped(entered); !s.ok()) return s;
    return state;
  });

  SealTracker tracker(*partitions);
  auto consumer = kafka::Consumer::Create(kafka_config, kafka::kEventsTopic);
  if (!consumer.ok()) return consumer.status();
  Sealer sealer({.stop_at_gaps = !embedded,
                 .batch_max_records = static_cast<size_t>(config.batch_max_records),
                 .batch_max_wait = config.batch_max_wait,
                 .before_batch = [&follower] { return (*follower)->CatchUp(absl::Seconds(10)).status(); },
                 .on_durable = [&metrics](const SealedBatchReport& batch) { metrics.OnBatchDurable(batch); }},
                std::move(*consumer), std::move(*applier), producer->get(), &tracker);
  if (absl::Status s = sealer.Start(); !s.ok()) return s;

  if (embedded) {
    auto republished = RepublishOutbox(**store, **producer);
    if (!republished.ok()) return republished.status();
    if (*republished > 0) spdlog::info("event=outbox_republished records={}", *republished);
  }

  VaultStore vault(store->get(), *kek);
  Ingest ingest({.use_outbox = embedded, .backlog_window = config.backlog_window}, store->get(), &vault,
                producer->get(), &tracker);

  auto stats_consumer = kafka::Consumer::Create(kafka_config, kafka::kEventsTopic);
  if (!stats_consumer.ok()) return stats_consumer.status();
  std::mutex stats_mu;
  stats = [&]() -> absl::StatusOr<pdl::v1::GetStatsResponse> {
    pdl::v1::GetStatsResponse out;
    out.set_kafka_mode(embedded ? "embedded" : "external");
    out.set_kafka_bootstrap(kafka_config.bootstrap_servers);
    auto cursors = ReadCursors(**store, *partitions);
    if (!cursors.ok()) return cursors.status();
    std::lock_guard<std::mutex> lock(stats_mu);
    for (int p = 0; p < *partitions; ++p) {
      const auto& c = (*cursors)[p];
      auto* ps = out.add_partitions();
      ps->set_partition(p);
      ps->set_next_offset(c.next_offset());
      ps->set_sealed_count(c.next_seq());
      ps->set_stopped(c.stopped_at_gap());
      auto marks = (*stats_consumer)->QueryWatermarks(p, absl::Seconds(2));
      ps->set_high_watermark(marks.ok() ? marks->high : -1);
      ps->set_lag(marks.ok() ? std::max<int64_t>(0, marks->high - c.next_offset()) : -1);
      out.set_sealed_total(out.sealed_total() + c.next_seq());
      out.set_duplicates_total(out.duplicates_total() + c.duplicates());
      out.set_rejected_total(out.rejected_total() + c.rejected());
    }
    auto gaps = ReadGaps(**store);
    if (!gaps.ok()) return gaps.status();
    for (const auto& g : *gaps) {
      auto* gap = out.add_gaps();
      gap->set_partition(g.partition());
      gap->set_from_offset(g.from_offset());
      gap->set_to_offset(g.to_offset());
      gap->set_acknowledged(g.acknowledged());
      gap->set_detected_at(FormatRfc3339(ToTime(g.detected_at())));
    }
    auto outbox = CountOutbox(**store);
    if (!outbox.ok()) return outbox.status();
    out.set_outbox_pending(*outbox);
    return out;
  };
  // Whatever ends the node from here, the metrics stop being served before what a scrape reads is gone.
  absl::Cleanup stop_metrics = [&metrics] { metrics.StopServing(); };

  IngestServiceImpl ingest_service(&ingest, [&metrics](absl::StatusCode code) { metrics.OnPublish(code); });
  const auto declarations = [&]() -> absl::StatusOr<std::optional<RopaDeclarations>> {
    auto in_force = policy_admin::GetPolicy(**registry, {}, absl::Now());
    if (in_force.status().code() == absl::StatusCode::kNotFound) return std::nullopt;
    if (!in_force.ok()) return in_force.status();
    return DeclarationsOf(in_force->policy().policy());
  };
  AuditServiceImpl audit_service(store->get(), &vault, declarations, &rebuild_gate);
  ProofServiceImpl proof_service(store->get(),
                                 ProofConfig{.partitions = *partitions, .verifier_key = signer->Verifier().Key()});
  AdminServiceImpl::Handlers admin;
  admin.stats = stats;
  admin.ack = [&](uint32_t partition) -> absl::StatusOr<int> {
    if (partition >= static_cast<uint32_t>(*partitions)) {
      return absl::InvalidArgumentError(absl::StrCat("partition: ", partition, " is not a partition of ",
                                                     kafka::kEventsTopic, " (0..", *partitions - 1, ")"));
    }
    return sealer.AcknowledgeGaps(partition);
  };
  admin.publish_policy = [&](const pdl::v1::PublishPolicyRequest& request) {
    return policy_admin::PublishPolicy(request, **registry, **producer);
  };
  admin.get_policy = [&](const pdl::v1::GetPolicyRequest& request) {
    return policy_admin::GetPolicy(**registry, request, absl::Now());
  };
  admin.rebuild = [&](const pdl::v1::RebuildProjectionsRequest& request)
      -> absl::StatusOr<pdl::v1::RebuildProjectionsResponse> {
    auto out = std::make_shared<pdl::v1::RebuildProjectionsResponse>();
    Store* db = store->get();
    std::vector<ReadModel*> models = ModelPointers(read_models);
    const bool digest_only = request.digest_only();
    // On the sealer thread between two batches: nothing else writes the read models while they are rebuilt.
    absl::Status ran = sealer.RunBetweenBatches(
        [db, models, digest_only, out, &rebuild_gate]() -> absl::Status {
          const absl::Time start = absl::Now();
          if (digest_only) {
            auto digest = ReadModelDigest(*db, ReadModelFamilies());
            if (!digest.ok()) return digest.status();
            out->set_digest_before(*digest);
            out->set_digest_after(*digest);
          } else {
            spdlog::info("event=rebuild_started");
            rebuild_gate.Begin();
            absl::Cleanup reopen = [&rebuild_gate] { rebuild_gate.End(); };
            auto result = RebuildReadModels(*db, models, ReadModelFamilies());
            if (!result.ok()) return result.status();
            out->set_events(result->events);
            out->set_digest_before(result->digest_before);
            out->set_digest_after(result->digest_after);
          }
          out->set_identical(out->digest_before() == out->digest_after());
          out->set_duration_ms(absl::ToInt64Milliseconds(absl::Now() - start));
          if (!digest_only) {
            spdlog::info("event=rebuild_done events={} identical={} duration_ms={}", out->events(),
                         out->identical(), out->duration_ms());
          }
          return absl::OkStatus();
        },
        absl::Hours(1));
    if (!ran.ok()) return ran;
    return *out;
  };
  AdminServiceImpl admin_service(std::move(admin));

  // Metrics before gRPC: once <data-dir>/grpc-address exists, so does metrics-address.
  if (!config.metrics_address.empty()) {
    if (absl::Status s = metrics.Serve(config.metrics_address); !s.ok()) {
      sealer.Stop();
      return s;
    }
    if (absl::Status s = WriteFileAtomically(data_dir / "metrics-address", metrics.address() + "\n"); !s.ok()) {
      sealer.Stop();
      return s;
    }
  } else {
    fs::remove(data_dir / "metrics-address", ec);  // Not served: no address left from an earlier start.
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(config.grpc_address, grpc::InsecureServerCredentials(), &bound_port);
  builder.RegisterService(&ingest_service);
  builder.RegisterService(&audit_service);
  builder.RegisterService(&proof_service);
  builder.RegisterService(&admin_service);
  builder.SetMaxReceiveMessageSize(8 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    sealer.Stop();
    return absl::UnavailableError(absl::StrCat("cannot listen on --grpc-address ", config.grpc_address));
  }
  const std::string host = config.grpc_address.substr(0, config.grpc_address.rfind(':'));
  const std::string grpc_address = absl::StrCat(host, ":", bound_port);
  if (absl::Status s = WriteFileAtomically(data_dir / "grpc-address", grpc_address + "\n"); !s.ok()) return s;

  auto* health = server->GetHealthCheckService();
  std::atomic<bool> stopping{false};
  std::thread health_thread([&] {
    while (!stopping) {
      const bool sealing = sealer.health().ok();
      bool open_gap = false;
      if (auto gaps = ReadGaps(**store); gaps.ok()) {
        for (const auto& g : *gaps) open_gap |= !g.acknowledged();
      }
      health->SetServingStatus("pdl.v1.IngestService", sealing);
      health->SetServingStatus("pdl.v1.AuditService", !rebuild_gate.rebuilding());
      health->SetServingStatus("pdl.v1.ProofService", true);
      health->SetServingStatus(kIntegrityHealth, sealing && !open_gap);
      for (int i = 0; i < 10 && !stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  // The scrub: the store check now and every --scrub-interval; damage halts the sealer.
  const checkpoint::NoteVerifier verifier = signer->Verifier();
  std::mutex scrub_mu;
  std::condition_variable scrub_cv;
  bool scrub_stop = false;
  std::thread scrub_thread;
  if (config.scrub_interval > absl::ZeroDuration()) {
    scrub_thread = std::thread([&] {
      const StoreCheckOptions options{.verifier = &verifier, .origin_prefix = origin};
      std::unique_lock<std::mutex> lock(scrub_mu);
      while (!scrub_stop) {
        lock.unlock();
        const absl::Time start = absl::Now();
        auto report = CheckStore(**store, options);
        if (!report.ok()) {
          spdlog::error("event=scrub_failed error=\"{}\"", report.status().ToString());
        } else if (!report->ok()) {
          LogDamage(*report);
          sealer.Halt(absl::DataLossError(absl::StrCat("store damaged: ", report->damages().front().ToString())));
        } else {
          spdlog::info("event=scrub_ok partitions={} records={} duration_ms={}", report->partitions.size(),
                       report->records, absl::ToInt64Milliseconds(absl::Now() - start));
        }
        lock.lock();
        scrub_cv.wait_for(lock, absl::ToChronoSeconds(config.scrub_interval), [&] { return scrub_stop; });
      }
    });
  }

  const std::string metrics_note =
      config.metrics_address.empty() ? std::string() : absl::StrCat(" metrics=http://", metrics.address(), "/metrics");
  std::printf("ledgerd ready: grpc=%s kafka=%s (%s)%s data-dir=%s\n", grpc_address.c_str(),
              kafka_config.bootstrap_servers.c_str(), embedded ? "embedded" : "external", metrics_note.c_str(),
              data_dir.c_str());
  std::fflush(stdout);
  spdlog::info("event=ready grpc={} kafka_mode={} partitions={}", grpc_address, embedded ? "embedded" : "external",
               *partitions);

  WaitForSignal();
  {
    std::lock_guard<std::mutex> lock(scrub_mu);
    scrub_stop = true;
  }
  scrub_cv.notify_all();
  if (scrub_thread.joinable()) scrub_thread.join();
  stopping = true;
  health->Shutdown();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  health_thread.join();
  sealer.Stop();
  if (absl::Status s = (*producer)->Flush(absl::Seconds(10)); !s.ok()) {
    spdlog::warn("event=producer_flush_incomplete error=\"{}\"", s.ToString());
  }
  spdlog::info("event=stopped");
  return absl::OkStatus();
}

}  // namespace pdl
