#include "projections/store.h"

#include <vector>

#include "ledger/sv.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"

namespace pdl {

absl::Status FromRocks(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(Sv(what), ": ", status.ToString());
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsIOError() || status.IsBusy() || status.IsTryAgain()) return absl::UnavailableError(message);
  if (status.IsNotFound()) return absl::NotFoundError(message);
  if (status.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const Options& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  auto family_options = [&](bool point_lookups, bool partition_sequential) {
    rocksdb::ColumnFamilyOptions cf;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    if (point_lookups) {
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      // And in the memtable: most reads of a new event are of keys not written yet (a new event_id, a subject's
      // first row in a family), which otherwise cost a full skiplist search.
      cf.memtable_whole_key_filtering = true;
      cf.memtable_prefix_bloom_size_ratio = 0.05;
    }
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    cf.write_buffer_size = 32u << 20;
    // Keys that start with a 4-byte partition and grow within it (log, tree): memtable inserts reuse the
    // position of the previous key of the same partition.
    if (partition_sequential) cf.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(4));
    return cf;
  };

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int i = 0; i < static_cast<int>(Cf::kCount); ++i) {
    const Cf family = static_cast<Cf>(i);
    // Families read by key (Bloom filters spare the cold reads of keys not in a file): dedup, vault, log, the tree
    // nodes of proofs, and the rows the judge and read models read back for every event.
    const bool point = family == Cf::kEventIds || family == Cf::kVault || family == Cf::kLog ||
                       family == Cf::kTree || family == Cf::kPolicyFacts || family == Cf::kHoldings ||
                       family == Cf::kRopa || family == Cf::kSubjectIndex || family == Cf::kRequests;
    const bool sequential = family == Cf::kLog || family == Cf::kTree;
    descriptors.emplace_back(std::string(CfName(family)), family_options(point, sequential));
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("opening RocksDB at ", options.path));

  auto store = std::unique_ptr<Store>(new Store());
  store->path_ = options.path;
  store->sync_writes_ = options.sync_writes;
  store->db_.reset(raw);
  for (size_t i = 0; i < handles.size(); ++i) store->handles_[i] = handles[i];
  return store;
}

Store::~Store() {
  if (!db_) return;
  for (auto* handle : handles_) {
    if (handle != nullptr) db_->DestroyColumnFamilyHandle(handle);
  }
  db_->Close().PermitUncheckedError();
}

absl::Status Store::Write(rocksdb::WriteBatch* batch) {
  rocksdb::WriteOptions write_options;
  write_options.sync = sync_writes_;
  return FromRocks(db_->Write(write_options, batch), "writing batch");
}

absl::Status Store::WriteDurable(rocksdb::WriteBatch* batch) {
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  return FromRocks(db_->Write(write_options, batch), "writing batch (sync)");
}

absl::StatusOr<std::optional<std::string>> Store::Get(Cf family, std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(family), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading ", Sv(CfName(family))));
  return value;
}

std::unique_ptr<rocksdb::Iterator> Store::NewIterator(Cf family, const rocksdb::ReadOptions& options) const {
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(options, cf(family)));
}

}  // namespace pdl
