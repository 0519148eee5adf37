// proof_bench: what tamper evidence costs and how fast its proofs are, in process on RocksDB in a temp dir.
//
// Prints one table:
//   - sealing rate through the Applier (batches of 5,000, 6 partitions) without and with the Merkle tree and the
//     signed checkpoint per partition and batch;
//   - the store self-check (re-hash of records, nodes, heads, signatures) over that sealed store;
//   - a 1,000,000-leaf tree (nodes written as the applier writes them, the store reopened so that reads come from
//     SST files): inclusion proof generation (projections/proofs.h: head + O(log n) nodes through one snapshot),
//     verification (ledger/merkle/verify.h) and both together, p50/p99 over random leaves;
//   - consistency proofs from a random earlier size to the full tree: size in hashes and bytes, generation and
//     verification p50/p99.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/proof.h"
#include "ledger/merkle/tree_appender.h"
#include "ledger/merkle/verify.h"
#include "projections/applier.h"
#include "projections/keys.h"
#include "projections/proofs.h"
#include "projections/store.h"
#include "projections/store_check.h"
#include "projections/tree_store.h"
#include "tests/testing/event_builder.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/workload.h"

namespace pdl {
namespace {

constexpr int kPartitions = 6;
constexpr char kOrigin[] = "pdl.bench/proofs";

struct Options {
  int events = 200000;
  int batch = 5000;
  uint64_t leaves = 1000000;
  int samples = 10000;
};

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / v.size();
}

double MicrosSince(absl::Time start) { return absl::ToDoubleMicroseconds(absl::Now() - start); }

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

std::vector<InputRecord> MakeRecords(int n) {
  std::vector<InputRecord> records;
  records.reserve(n);
  std::vector<int64_t> offsets(kPartitions, 0);
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  for (int i = 0; i < n; ++i) {
    const std::string subject = absl::StrCat("subject-", i % 50000);
    auto e = testing::Collected(absl::StrCat("bench-", i), subject, t0 + absl::Milliseconds(i));
    auto* c = e.mutable_data_collected();
    c->add_categories("user.device.cookie_id");
    c->add_purposes("analytics.reporting");
    c->set_retention_rule("usage-data-26-months");
    e.set_source("connect-app.metrics-exporter");
    InputRecord r;
    r.partition = static_cast<uint32_t>(i % kPartitions);
    r.offset = offsets[r.partition]++;
    r.timestamp_ms = absl::ToUnixMillis(t0 + absl::Hours(1));
    r.key = subject;
    r.value = e.SerializeAsString();
    records.push_back(std::move(r));
  }
  return records;
}

// Events per second sealing `records` into a fresh store, with or without the tree.
double SealingRate(const std::string& dir, const std::vector<InputRecord>& records, int batch_size, bool tree,
                   const checkpoint::NoteSigner& signer) {
  auto store = Store::Open({.path = dir});
  if (!store.ok()) {
    std::fprintf(stderr, "store: %s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  auto applier =
      Applier::Create(store->get(), "bench", kPartitions,
                      ApplierOptions{.signer = tree ? &signer : nullptr, .origin_prefix = kOrigin, .build_tree = tree});
  const absl::Time start = absl::Now();
  for (size_t i = 0; i < records.size(); i += batch_size) {
    std::vector<InputRecord> batch(records.begin() + i, records.begin() + std::min(records.size(), i + batch_size));
    auto prepared = (*applier)->Prepare(std::move(batch));
    if (!prepared.ok() || !(*applier)->Commit(std::move(*prepared)).ok()) {
      std::fprintf(stderr, "sealing failed\n");
      std::exit(1);
    }
  }
  return records.size() / absl::ToDoubleSeconds(absl::Now() - start);
}

int Main(int argc, char** argv) {
  Options o;
  CLI::App app{"proof_bench: sealing with and without the Merkle tree, proof latency at 1,000,000 leaves"};
  app.add_option("--events", o.events, "Events sealed per sealing measurement")->capture_default_str();
  app.add_option("--batch", o.batch, "Records per applied batch")->capture_default_str();
  app.add_option("--leaves", o.leaves, "Leaves of the proof tree")->capture_default_str();
  app.add_option("--samples", o.samples, "Proofs timed per measurement")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  testing::TempDir tmp;
  auto signer = checkpoint::NoteSigner::Generate(kOrigin);
  if (!signer.ok()) return 1;
  const checkpoint::NoteVerifier verifier = signer->Verifier();

  // 1. Sealing with and without the tree.
  const std::vector<InputRecord> records = MakeRecords(o.events);
  std::fprintf(stderr, "sealing %d events without the tree...\n", o.events);
  const double without_tree = SealingRate(tmp.path() + "/no-tree", records, o.batch, false, *signer);
  std::fprintf(stderr, "sealing %d events with the tree...\n", o.events);
  const double with_tree = SealingRate(tmp.path() + "/tree", records, o.batch, true, *signer);

  // 2. The store self-check over the sealed store.
  double check_rate = 0;
  {
    auto store = Store::Open({.path = tmp.path() + "/tree"});
    const absl::Time start = absl::Now();
    auto report = CheckStore(**store, StoreCheckOptions{.verifier = &verifier, .origin_prefix = kOrigin});
    if (!report.ok() || !report->ok()) {
      std::fprintf(stderr, "store check failed\n");
      return 1;
    }
    check_rate = report->records / absl::ToDoubleSeconds(absl::Now() - start);
  }

  // 3. A tree of o.leaves leaves in partition 0, written as the applier writes it.
  const std::string tree_dir = tmp.path() + "/proofs";
  std::fprintf(stderr, "building a tree of %llu leaves...\n", static_cast<unsigned long long>(o.leaves));
  double build_s = 0;
  {
    auto store = Store::Open({.path = tree_dir});
    merkle::TreeAppender appender;
    const absl::Time start = absl::Now();
    rocksdb::WriteBatch batch;
    std::vector<merkle::Node> nodes;
    for (uint64_t i = 0; i < o.leaves; ++i) {
      nodes.clear();
      if (!appender.Append(merkle::LeafHash(absl::StrCat("record-", i)), &nodes).ok()) return 1;
      for (const merkle::Node& node : nodes) {
        batch.Put((*store)->cf(Cf::kTree), TreeNodeKey(0, node.id.level, node.id.index),
                  rocksdb::Slice(reinterpret_cast<const char*>(node.hash.data()), node.hash.size()));
      }
      if ((i + 1) % 10000 == 0 || i + 1 == o.leaves) {
        pdl::v1::TreeHead head;
        head.set_size(appender.size());
        head.set_root_hash(std::string(merkle::HashBytes(appender.Root())));
        auto note = checkpoint::SignCheckpoint(
            {.origin = absl::StrCat(kOrigin, "/0"), .size = appender.size(), .root_hash = appender.Root()}, *signer);
        head.set_signed_checkpoint(*note);
        batch.Put((*store)->cf(Cf::kHeads), keys::PartitionKey(0), head.SerializeAsString());
        if (!(*store)->Write(&batch).ok()) return 1;
        batch.Clear();
      }
    }
    build_s = absl::ToDoubleSeconds(absl::Now() - start);
  }
  auto store = Store::Open({.path = tree_dir});
  const ProofConfig config{.partitions = 1, .verifier_key = verifier.Key()};
  auto head = ReadTreeHead(**store, 0);
  const merkle::Hash root = *merkle::HashFromBytes((*head)->root_hash());
  const uint64_t n = (*head)->size();

  std::mt19937_64 rng(42);
  struct Latencies {
    std::vector<double> gen_us, verify_us, total_us;
  };
  // One pass of random inclusion proofs; the first pass after reopening reads cold blocks, the second is warm.
  auto inclusion_pass = [&]() -> std::optional<Latencies> {
    Latencies l;
    for (int s = 0; s < o.samples; ++s) {
      const uint64_t seq = std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
      const absl::Time start = absl::Now();
      pdl::v1::GetInclusionProofRequest request;
      request.set_partition(0);
      request.set_seq(seq);
      auto proof = GetInclusionProof(**store, config, request);
      const double gen = MicrosSince(start);
      const absl::Time verify_start = absl::Now();
      std::vector<merkle::Hash> hashes;
      hashes.reserve(proof->hashes_size());
      for (const std::string& h : proof->hashes()) hashes.push_back(*merkle::HashFromBytes(h));
      const merkle::Hash leaf = merkle::LeafHash(absl::StrCat("record-", seq));
      if (!merkle::VerifyInclusion(leaf, seq, n, hashes, root).ok()) {
        std::fprintf(stderr, "inclusion proof of %llu does not verify\n", static_cast<unsigned long long>(seq));
        return std::nullopt;
      }
      l.verify_us.push_back(MicrosSince(verify_start));
      l.gen_us.push_back(gen);
      l.total_us.push_back(MicrosSince(start));
    }
    return l;
  };
  const std::optional<Latencies> cold = inclusion_pass();
  const std::optional<Latencies> warm = inclusion_pass();
  if (!cold || !warm) return 1;
  // RocksDB's steady state: the tree family compacted (no overlapping L0 files), the store reopened (cold cache).
  {
    rocksdb::CompactRangeOptions compact;
    if (!(*store)->db()->CompactRange(compact, (*store)->cf(Cf::kTree), nullptr, nullptr).ok()) return 1;
    store->reset();
    store = Store::Open({.path = tree_dir});
  }
  const std::optional<Latencies> compacted = inclusion_pass();
  if (!compacted) return 1;

  std::vector<double> cgen_us, cverify_us, csize;
  for (int s = 0; s < o.samples; ++s) {
    const uint64_t first = std::uniform_int_distribution<uint64_t>(1, n - 1)(rng);
    const absl::Time start = absl::Now();
    pdl::v1::GetConsistencyProofRequest request;
    request.set_partition(0);
    request.set_first_size(first);
    auto proof = GetConsistencyProof(**store, config, request);
    cgen_us.push_back(MicrosSince(start));
    auto first_root = merkle::RootAt(RocksNodeSource(**store, 0), first);
    const absl::Time verify_start = absl::Now();
    std::vector<merkle::Hash> hashes;
    for (const std::string& h : proof->hashes()) hashes.push_back(*merkle::HashFromBytes(h));
    if (!merkle::VerifyConsistency(first, n, *first_root, root, hashes).ok()) {
      std::fprintf(stderr, "consistency proof from %llu does not verify\n", static_cast<unsigned long long>(first));
      return 1;
    }
    cverify_us.push_back(MicrosSince(verify_start));
    csize.push_back(static_cast<double>(hashes.size()));
  }

  std::printf("| measurement | value |\n|---|---|\n");
  std::printf("| sealing without the tree (Applier, %d events, batches of %d, %d partitions) | %.0f events/s |\n",
              o.events, o.batch, kPartitions, without_tree);
  std::printf(
      "| sealing with the tree and a signed checkpoint per partition and batch | %.0f events/s (%.1f%% of "
      "the rate without) |\n",
      with_tree, 100.0 * with_tree / without_tree);
  std::printf("| store self-check (re-hash records, compare nodes and heads, verify signatures) | %.0f records/s |\n",
              check_rate);
  std::printf(
      "| tree of %llu leaves: nodes written (append + WriteBatch) | %.0f leaves/s, %.0f B on disk per leaf "
      "|\n",
      static_cast<unsigned long long>(n), n / build_s, static_cast<double>(DirBytes(tree_dir)) / n);
  std::printf("| inclusion proof generation (head + %d nodes, one snapshot), warm | p50 %.1f µs, p99 %.1f µs |\n",
              static_cast<int>(merkle::InclusionProofSize(n / 2, n)), testing::Percentile(warm->gen_us, 0.5),
              testing::Percentile(warm->gen_us, 0.99));
  std::printf("| inclusion proof verification | p50 %.1f µs, p99 %.1f µs |\n", testing::Percentile(warm->verify_us, 0.5),
              testing::Percentile(warm->verify_us, 0.99));
  std::printf("| inclusion proof generation + verification, warm | p50 %.1f µs, p99 %.1f µs (%d samples) |\n",
              testing::Percentile(warm->total_us, 0.5), testing::Percentile(warm->total_us, 0.99), o.samples);
  std::printf(
      "| inclusion proof generation + verification, cold (first %d after reopening the store) | p50 %.1f "
      "µs, p99 %.1f µs |\n",
      o.samples, testing::Percentile(cold->total_us, 0.5), testing::Percentile(cold->total_us, 0.99));
  std::printf(
      "| inclusion proof generation + verification, cold after compacting the tree family | p50 %.1f µs, p99 "
      "%.1f µs |\n",
      testing::Percentile(compacted->total_us, 0.5), testing::Percentile(compacted->total_us, 0.99));
  std::printf(
      "| consistency proof size (random first size -> %llu) | mean %.1f hashes (%.0f B), max %.0f hashes "
      "(%.0f B) |\n",
      static_cast<unsigned long long>(n), Mean(csize), Mean(csize) * 32, *std::max_element(csize.begin(), csize.end()),
      *std::max_element(csize.begin(), csize.end()) * 32);
  std::printf("| consistency proof generation | p50 %.1f µs, p99 %.1f µs |\n", testing::Percentile(cgen_us, 0.5),
              testing::Percentile(cgen_us, 0.99));
  std::printf("| consistency proof verification | p50 %.1f µs, p99 %.1f µs (%d samples) |\n",
              testing::Percentile(cverify_us, 0.5), testing::Percentile(cverify_us, 0.99), o.samples);
  return 0;
}

}  // namespace
}  // namespace pdl

int main(int argc, char** argv) { return pdl::Main(argc, argv); }
