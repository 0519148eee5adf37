#include "projections/vault_store.h"

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "ledger/field_error.h"
#include "pdl/v1/store.pb.h"
#include "projections/keys.h"
#include "projections/store.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace pdl {
namespace {

std::string VaultKey(std::string_view subject_id) {
  std::string key;
  keys::AppendString(&key, subject_id);
  return key;
}

absl::StatusOr<std::optional<pdl::v1::VaultEntry>> ReadEntry(const Store& store, std::string_view subject_id) {
  auto stored = store.Get(Cf::kVault, VaultKey(subject_id));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  pdl::v1::VaultEntry entry;
  if (!entry.ParseFromString(**stored)) return absl::DataLossError("vault: entry does not parse");
  return entry;
}

}  // namespace

absl::StatusOr<std::pair<uint32_t, vault::Key>> VaultStore::DataKeyFor(std::string_view subject_id) {
  std::lock_guard<std::mutex> lock(stripes_[absl::Hash<std::string_view>()(subject_id) % stripes_.size()]);
  auto entry = ReadEntry(*store_, subject_id);
  if (!entry.ok()) return entry.status();
  if (entry->has_value()) {
    if ((*entry)->wrapped_key().empty()) {
      return FieldError(absl::StatusCode::kFailedPrecondition, "subject.identity",
                        "the subject was erased (its data key is destroyed); no identity can be recorded for it");
    }
    auto key = vault::UnwrapKey(kek_, subject_id, (*entry)->wrapped_key());
    if (!key.ok()) return key.status();
    return std::make_pair((*entry)->key_version(), *key);
  }
  auto key = vault::GenerateKey();
  if (!key.ok()) return key.status();
  auto wrapped = vault::WrapKey(kek_, subject_id, *key);
  if (!wrapped.ok()) return wrapped.status();
  pdl::v1::VaultEntry fresh;
  fresh.set_key_version(1);
  fresh.set_wrapped_key(*wrapped);
  rocksdb::WriteBatch batch;
  batch.Put(store_->cf(Cf::kVault), VaultKey(subject_id), fresh.SerializeAsString());
  if (absl::Status s = store_->WriteDurable(&batch); !s.ok()) return s;
  return std::make_pair(fresh.key_version(), *key);
}

absl::StatusOr<bool> StageDataKeyDestruction(const Store& store, std::string_view subject_id,
                                             rocksdb::WriteBatch* batch) {
  auto entry = ReadEntry(store, subject_id);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value() || (*entry)->wrapped_key().empty()) return false;
  pdl::v1::VaultEntry destroyed;
  destroyed.set_key_version((*entry)->key_version());
  batch->Put(store.cf(Cf::kVault), VaultKey(subject_id), destroyed.SerializeAsString());
  return true;
}

absl::Status PurgeDestroyedKeys(Store& store, const std::vector<std::string>& subject_ids) {
  if (subject_ids.empty()) return absl::OkStatus();
  // Every family, so that no write-ahead log file that still holds the key is kept for another family's sake.
  std::vector<rocksdb::ColumnFamilyHandle*> all;
  for (int i = 0; i < static_cast<int>(Cf::kCount); ++i) all.push_back(store.cf(static_cast<Cf>(i)));
  if (rocksdb::Status s = store.db()->Flush(rocksdb::FlushOptions(), all); !s.ok()) {
    return FromRocks(s, "flushing before destroying a key");
  }
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (const std::string& subject : subject_ids) {
    const std::string begin = VaultKey(subject);
    const std::string end = begin + '\0';  // the entry's key only
    const rocksdb::Slice from(begin), to(end);
    if (rocksdb::Status s = store.db()->CompactRange(compact, store.cf(Cf::kVault), &from, &to); !s.ok()) {
      return FromRocks(s, "compacting the vault");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<vault::Key>> VaultStore::Find(std::string_view subject_id, uint32_t version) const {
  auto entry = ReadEntry(*store_, subject_id);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value() || (*entry)->wrapped_key().empty() || (*entry)->key_version() != version) {
    return std::nullopt;
  }
  auto key = vault::UnwrapKey(kek_, subject_id, (*entry)->wrapped_key());
  if (!key.ok()) return key.status();
  return *key;
}

}  // namespace pdl
