#include "projections/read_model.h"

#include "projections/store.h"
#include "rocksdb/utilities/write_batch_with_index.h"

namespace pdl {

void BatchWriter::Put(Cf family, std::string_view key, std::string_view value) {
  batch_->Put(store_->cf(family), rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()));
}

void BatchWriter::Delete(Cf family, std::string_view key) {
  batch_->Delete(store_->cf(family), rocksdb::Slice(key.data(), key.size()));
}

absl::StatusOr<std::optional<std::string>> BatchWriter::Get(Cf family, std::string_view key) const {
  std::string value;
  rocksdb::Status s = batch_->GetFromBatchAndDB(store_->db(), rocksdb::ReadOptions(), store_->cf(family),
                                                rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "reading through the batch");
  return value;
}

std::unique_ptr<rocksdb::Iterator> BatchWriter::NewIterator(Cf family) const {
  return std::unique_ptr<rocksdb::Iterator>(
      batch_->NewIteratorWithBase(store_->cf(family), store_->db()->NewIterator(rocksdb::ReadOptions(), store_->cf(family))));
}

}  // namespace pdl
