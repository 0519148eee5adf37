#include "projections/rebuild.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "ledger/sv.h"
#include "pdl/v1/sealed.pb.h"
#include "projections/store.h"
#include "rocksdb/write_batch.h"

namespace pdl {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

void UpdateFramed(EVP_MD_CTX* ctx, std::string_view bytes) {
  const uint32_t n = static_cast<uint32_t>(bytes.size());
  const unsigned char len[4] = {static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
                                static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
  EVP_DigestUpdate(ctx, len, sizeof(len));
  EVP_DigestUpdate(ctx, bytes.data(), bytes.size());
}

// The default family's key of the recorded read-model layout (decimal).
constexpr char kLayoutKey[] = "read_model_layout";

absl::Status WriteLayout(Store& store) {
  rocksdb::WriteBatch batch;
  batch.Put(store.cf(Cf::kDefault), kLayoutKey, std::to_string(kReadModelLayout));
  return store.Write(&batch);
}

}  // namespace

absl::StatusOr<std::string> ReadModelDigest(const Store& store, const std::vector<Cf>& families) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("SHA-256 is not available");
  }
  const rocksdb::Snapshot* snapshot = store.db()->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  absl::Status status;
  for (Cf family : families) {
    auto it = store.NewIterator(family, read);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      UpdateFramed(ctx.get(), CfName(family));
      UpdateFramed(ctx.get(), std::string_view(it->key().data(), it->key().size()));
      UpdateFramed(ctx.get(), std::string_view(it->value().data(), it->value().size()));
    }
    if (!it->status().ok()) {
      status = FromRocks(it->status(), absl::StrCat("digesting ", Sv(CfName(family))));
      break;
    }
  }
  store.db()->ReleaseSnapshot(snapshot);
  if (!status.ok()) return status;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &size) != 1) return absl::InternalError("SHA-256 failed");
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), size));
}

absl::Status DropFamilies(Store& store, const std::vector<Cf>& families) {
  for (Cf family : families) {
    std::string first;
    std::string last;
    {
      auto it = store.NewIterator(family);
      it->SeekToFirst();
      if (!it->status().ok()) return FromRocks(it->status(), "scanning a family to drop");
      if (!it->Valid()) continue;
      first = it->key().ToString();
      it->SeekToLast();
      if (!it->status().ok() || !it->Valid()) return FromRocks(it->status(), "scanning a family to drop");
      last = it->key().ToString();
    }
    // The smallest key after `last`: the exclusive end of a range holding every row.
    std::string end = last;
    end.push_back('\0');
    rocksdb::WriteBatch batch;
    batch.DeleteRange(store.cf(family), first, end);
    if (absl::Status s = store.Write(&batch); !s.ok()) return s;
    rocksdb::CompactRangeOptions compact;
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    if (absl::Status s = FromRocks(store.db()->CompactRange(compact, store.cf(family), nullptr, nullptr),
                                   absl::StrCat("compacting ", Sv(CfName(family))));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RebuildResult> RebuildReadModels(Store& store, const std::vector<ReadModel*>& models,
                                                const std::vector<Cf>& families, const RebuildOptions& options) {
  RebuildResult result;
  auto before = ReadModelDigest(store, families);
  if (!before.ok()) return before.status();
  result.digest_before = std::move(*before);
  if (absl::Status s = DropFamilies(store, families); !s.ok()) return s;

  StagedRows rows;
  BatchWriter writer(&store, &rows);
  size_t staged = 0;
  // Writes the last value of each staged key, in key order (a hot row rewritten by many events is written once).
  auto flush = [&]() -> absl::Status {
    for (ReadModel* model : models) {
      if (absl::Status s = model->Finish(writer); !s.ok()) return s;
    }
    for (Cf written : rows.families()) {
      if (std::find(families.begin(), families.end(), written) == families.end()) {
        return absl::FailedPreconditionError(absl::StrCat("rebuild: a read model wrote to ", Sv(CfName(written)),
                                                          ", which is not one of the families being rebuilt"));
      }
    }
    rocksdb::WriteBatch out;
    if (absl::Status s = rows.AppendTo(store, &out); !s.ok()) return s;
    rows.Clear();
    if (out.Count() > 0) {
      if (absl::Status s = store.Write(&out); !s.ok()) return s;
    }
    staged = 0;
    return absl::OkStatus();
  };

  const rocksdb::Snapshot* snapshot = store.db()->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  auto release = [&] { store.db()->ReleaseSnapshot(snapshot); };
  auto it = store.NewIterator(Cf::kLog, read);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    pdl::v1::SealedEvent sealed;
    if (!sealed.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      release();
      return absl::DataLossError("log: sealed record does not parse");
    }
    auto event = DecodeEvent(sealed.event());
    if (!event.ok()) {
      release();
      return absl::DataLossError(absl::StrCat("log: partition ", sealed.partition(), " seq ", sealed.seq(),
                                              ": sealed event bytes do not parse"));
    }
    SealedEventView view{.partition = sealed.partition(),
                         .seq = sealed.seq(),
                         .kafka_offset = sealed.kafka_offset(),
                         .recorded_at = ToTime(sealed.recorded_at()),
                         .event = &*event,
                         .policy_version = sealed.policy_version(),
                         .findings = {sealed.findings().begin(), sealed.findings().end()}};
    for (ReadModel* model : models) {
      if (absl::Status s = model->Apply(view, writer); !s.ok()) {
        release();
        return s;
      }
    }
    ++result.events;
    if (++staged == options.batch_events) {
      if (absl::Status s = flush(); !s.ok()) {
        release();
        return s;
      }
    }
  }
  const rocksdb::Status scan = it->status();
  it.reset();
  release();
  if (!scan.ok()) return FromRocks(scan, "scanning the log");
  if (absl::Status s = flush(); !s.ok()) return s;

  auto after = ReadModelDigest(store, families);
  if (!after.ok()) return after.status();
  result.digest_after = std::move(*after);
  if (absl::Status s = WriteLayout(store); !s.ok()) return s;
  return result;
}

absl::StatusOr<std::optional<RebuildResult>> EnsureReadModelLayout(Store& store,
                                                                   const std::vector<ReadModel*>& models,
                                                                   const std::vector<Cf>& families) {
  auto stored = store.Get(Cf::kDefault, kLayoutKey);
  if (!stored.ok()) return stored.status();
  if (stored->has_value() && **stored == std::to_string(kReadModelLayout)) return std::nullopt;
  if (!stored->has_value()) {
    auto it = store.NewIterator(Cf::kLog);
    it->SeekToFirst();
    if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
    if (!it->Valid()) {
      if (absl::Status s = WriteLayout(store); !s.ok()) return s;
      return std::nullopt;
    }
  }
  auto rebuilt = RebuildReadModels(store, models, families);
  if (!rebuilt.ok()) return rebuilt.status();
  return *rebuilt;
}

}  // namespace pdl
