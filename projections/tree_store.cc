#include "projections/tree_store.h"

#include "absl/strings/str_cat.h"
#include "projections/keys.h"
#include "projections/store.h"

namespace pdl {

std::string TreeNodeKey(uint32_t partition, uint32_t level, uint64_t index) {
  std::string key;
  keys::AppendU32(&key, partition);
  key.push_back(static_cast<char>(level));
  keys::AppendU64(&key, index);
  return key;
}

absl::StatusOr<merkle::Hash> RocksNodeSource::GetNode(uint32_t level, uint64_t index) const {
  merkle::NodeId id{level, index};
  auto hashes = GetNodes(std::span<const merkle::NodeId>(&id, 1));
  if (!hashes.ok()) return hashes.status();
  return (*hashes)[0];
}

absl::StatusOr<std::vector<merkle::Hash>> RocksNodeSource::GetNodes(std::span<const merkle::NodeId> ids) const {
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const auto& id : ids) keys.push_back(TreeNodeKey(partition_, id.level, id.index));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  if (!keys.empty()) {
    store_.db()->MultiGet(read, store_.cf(Cf::kTree), slices.size(), slices.data(), values.data(), statuses.data());
  }
  std::vector<merkle::Hash> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (statuses[i].IsNotFound()) {
      return absl::NotFoundError(absl::StrCat("tree node (level ", ids[i].level, ", index ", ids[i].index,
                                              ") of partition ", partition_, " is not stored"));
    }
    if (!statuses[i].ok()) return FromRocks(statuses[i], "reading tree node");
    if (values[i].size() != out[i].size()) {
      return absl::DataLossError(absl::StrCat("tree node (level ", ids[i].level, ", index ", ids[i].index,
                                              ") of partition ", partition_, " has ", values[i].size(),
                                              " bytes, want 32"));
    }
    std::copy(values[i].data(), values[i].data() + values[i].size(), out[i].begin());
  }
  return out;
}

absl::StatusOr<std::optional<pdl::v1::TreeHead>> ReadTreeHead(const Store& store, uint32_t partition,
                                                             const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::string value;
  const std::string key = keys::PartitionKey(partition);
  rocksdb::Status s = store.db()->Get(read, store.cf(Cf::kHeads), key, &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "reading tree head");
  pdl::v1::TreeHead head;
  if (!head.ParseFromString(value)) {
    return absl::DataLossError(absl::StrCat("heads: head of partition ", partition, " does not parse"));
  }
  return head;
}

}  // namespace pdl
