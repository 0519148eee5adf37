#include "projections/node_state.h"

#include <string>

#include "ledger/sv.h"
#include "absl/strings/str_cat.h"
#include "projections/keys.h"
#include "projections/store.h"
#include "rocksdb/write_batch.h"

namespace pdl {
namespace {

template <typename Message>
absl::StatusOr<std::vector<Message>> ScanAll(const Store& store, Cf family, size_t limit) {
  std::vector<Message> out;
  auto it = store.NewIterator(family);
  for (it->SeekToFirst(); it->Valid() && out.size() < limit; it->Next()) {
    Message message;
    if (!message.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat(Sv(CfName(family)), ": record does not parse"));
    }
    out.push_back(std::move(message));
  }
  if (!it->status().ok()) return FromRocks(it->status(), absl::StrCat("scanning ", Sv(CfName(family))));
  return out;
}

}  // namespace

absl::Status PutOutbox(Store& store, std::string_view event_id, const pdl::v1::OutboxRecord& record) {
  rocksdb::WriteBatch batch;
  batch.Put(store.cf(Cf::kOutbox), keys::EventIdKey(event_id), record.SerializeAsString());
  return store.Write(&batch);
}

absl::Status ForEachOutbox(const Store& store, const std::function<absl::Status(const pdl::v1::OutboxRecord&)>& fn) {
  auto it = store.NewIterator(Cf::kOutbox);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    pdl::v1::OutboxRecord record;
    if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("outbox: record does not parse");
    }
    if (absl::Status s = fn(record); !s.ok()) return s;
  }
  return FromRocks(it->status(), "scanning outbox");
}

absl::StatusOr<uint64_t> CountOutbox(const Store& store) {
  uint64_t n = 0;
  auto it = store.NewIterator(Cf::kOutbox);
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  if (!it->status().ok()) return FromRocks(it->status(), "scanning outbox");
  return n;
}

absl::StatusOr<std::vector<pdl::v1::PartitionCursor>> ReadCursors(const Store& store, int partitions) {
  std::vector<pdl::v1::PartitionCursor> out(partitions);
  for (int p = 0; p < partitions; ++p) {
    auto stored = store.Get(Cf::kOffsets, keys::PartitionKey(p));
    if (!stored.ok()) return stored.status();
    if (stored->has_value() && !out[p].ParseFromString(**stored)) {
      return absl::DataLossError(absl::StrCat("offsets: cursor of partition ", p, " does not parse"));
    }
  }
  return out;
}

absl::StatusOr<std::vector<pdl::v1::GapRecord>> ReadGaps(const Store& store) {
  return ScanAll<pdl::v1::GapRecord>(store, Cf::kGaps, SIZE_MAX);
}

absl::StatusOr<std::vector<pdl::v1::RejectedRecord>> ReadRejected(const Store& store, size_t limit) {
  return ScanAll<pdl::v1::RejectedRecord>(store, Cf::kRejected, limit);
}

}  // namespace pdl
