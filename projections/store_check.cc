#include "projections/store_check.h"

#include <algorithm>
#include <bit>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/evidence/checkpoints.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/tree_appender.h"
#include "ledger/sv.h"
#include "pdl/v1/sealed.pb.h"
#include "pdl/v1/store.pb.h"
#include "projections/keys.h"
#include "projections/proofs.h"
#include "projections/store.h"
#include "projections/tree_store.h"

namespace pdl {
namespace {

// Leaves whose nodes are compared with one MultiGet.
constexpr size_t kChunkLeaves = 1024;

struct PendingLeaf {
  uint64_t seq = 0;
  // Set when the record itself is malformed (checked in seq order with the nodes).
  std::string record_problem;
  std::vector<merkle::Node> nodes;
};

// Every partition with a head, a cursor, a record or a tree node.
absl::StatusOr<std::set<uint32_t>> DiscoverPartitions(const Store& store, const rocksdb::Snapshot* snapshot) {
  std::set<uint32_t> partitions;
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  for (Cf family : {Cf::kHeads, Cf::kOffsets, Cf::kLog, Cf::kTree}) {
    auto it = store.NewIterator(family, read);
    for (it->SeekToFirst(); it->Valid();) {
      std::string_view key(it->key().data(), it->key().size());
      uint32_t partition = 0;
      if (!keys::ConsumeU32(&key, &partition)) break;  // Malformed keys are reported by the partition checks.
      partitions.insert(partition);
      if (partition == UINT32_MAX) break;
      it->Seek(keys::PartitionKey(partition + 1));
    }
    if (!it->status().ok()) return FromRocks(it->status(), absl::StrCat("scanning ", Sv(CfName(family))));
  }
  return partitions;
}

class PartitionChecker {
 public:
  PartitionChecker(const Store& store, const StoreCheckOptions& options, uint32_t partition,
                   const rocksdb::Snapshot* snapshot)
      : store_(store), options_(options), partition_(partition), snapshot_(snapshot) {
    result_.partition = partition;
  }

  absl::StatusOr<PartitionCheck> Run() {
    if (absl::Status s = CheckAll(); !s.ok()) return s;
    return std::move(result_);
  }

 private:
  void Damage(std::optional<uint64_t> seq, std::string what) {
    if (!result_.damage) result_.damage = StoreDamage{partition_, seq, std::move(what)};
  }
  bool damaged() const { return result_.damage.has_value(); }

  absl::StatusOr<std::optional<std::string>> GetRaw(Cf family, const std::string& key) {
    rocksdb::ReadOptions read;
    read.snapshot = snapshot_;
    std::string value;
    rocksdb::Status s = store_.db()->Get(read, store_.cf(family), key, &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return FromRocks(s, absl::StrCat("reading ", Sv(CfName(family))));
    return value;
  }

  // Compares the nodes of the pending leaves with the stored ones, in seq order.
  absl::Status Flush() {
    std::vector<std::string> keys;
    for (const PendingLeaf& leaf : pending_) {
      for (const merkle::Node& node : leaf.nodes) keys.push_back(TreeNodeKey(partition_, node.id.level, node.id.index));
    }
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    rocksdb::ReadOptions read;
    read.snapshot = snapshot_;
    if (!keys.empty()) {
      store_.db()->MultiGet(read, store_.cf(Cf::kTree), slices.size(), slices.data(), values.data(), statuses.data());
    }
    size_t k = 0;
    for (const PendingLeaf& leaf : pending_) {
      if (!leaf.record_problem.empty()) {
        Damage(leaf.seq, leaf.record_problem);
        break;
      }
      for (const merkle::Node& node : leaf.nodes) {
        const size_t i = k++;
        if (!statuses[i].ok() && !statuses[i].IsNotFound()) return FromRocks(statuses[i], "reading tree node");
        const uint64_t first_seq = node.id.index << node.id.level;
        const bool present = statuses[i].ok();
        const bool equal =
            present && values[i].size() == merkle::kHashSize &&
            std::equal(node.hash.begin(), node.hash.end(), reinterpret_cast<const uint8_t*>(values[i].data()));
        ++result_.nodes;
        if (equal) continue;
        if (node.id.level == 0) {
          const std::string record = absl::StrCat("record seq ", first_seq);
          Damage(first_seq, present ? absl::StrCat(record, " does not hash to its stored leaf node (0, ", first_seq,
                                                   "): the record or the node was altered")
                                    : absl::StrCat(record, " has no stored leaf node"));
        } else {
          Damage(first_seq,
                 absl::StrCat("stored tree node (level ", node.id.level, ", index ", node.id.index, ") over seqs [",
                              first_seq, ", ", (node.id.index + 1) << node.id.level,
                              present ? ") differs from the hash recomputed from the records" : ") is missing"));
        }
        break;
      }
      if (damaged()) break;
    }
    pending_.clear();
    return absl::OkStatus();
  }

  absl::Status CheckAll() {
    // The head.
    auto head_raw = GetRaw(Cf::kHeads, keys::PartitionKey(partition_));
    if (!head_raw.ok()) return head_raw.status();
    // A damaged head is reported after the records, so that a damaged record is named by its seq.
    pdl::v1::TreeHead head;
    std::string head_problem;
    if (head_raw->has_value()) {
      if (!head.ParseFromString(**head_raw)) {
        head_problem = "tree head does not parse";
      } else if (head.SerializeAsString() != **head_raw) {
        head_problem = "tree head bytes are not the encoding of its fields (altered)";
      } else if (head.root_hash().size() != merkle::kHashSize) {
        head_problem = absl::StrCat("tree head root hash has ", head.root_hash().size(), " bytes, want 32");
      }
    }
    const bool head_ok = head_raw->has_value() && head_problem.empty();
    const uint64_t head_size = head_ok ? head.size() : 0;

    // The records, in seq order, against the nodes they imply.
    merkle::TreeAppender appender;
    std::string prefix = keys::PartitionKey(partition_);
    std::string upper = keys::PrefixSuccessor(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read;
    read.snapshot = snapshot_;
    if (!upper.empty()) read.iterate_upper_bound = &upper_slice;
    {
      auto it = store_.NewIterator(Cf::kLog, read);
      for (it->Seek(prefix); it->Valid() && !damaged(); it->Next()) {
        std::string_view key(it->key().data() + prefix.size(), it->key().size() - prefix.size());
        const uint64_t expected = appender.size();
        uint64_t seq = 0;
        if (!keys::ConsumeU64(&key, &seq) || !key.empty()) {
          if (absl::Status s = Flush(); !s.ok()) return s;
          Damage(expected, absl::StrCat("malformed log key after seq ", expected));
          break;
        }
        if (seq != expected) {
          if (absl::Status s = Flush(); !s.ok()) return s;
          Damage(expected, absl::StrCat("record seq ", expected, " is missing (next stored record is seq ", seq, ")"));
          break;
        }
        if (head_ok && seq >= head_size) {
          if (absl::Status s = Flush(); !s.ok()) return s;
          Damage(seq, absl::StrCat("record seq ", seq, " lies beyond the tree head size ", head_size));
          break;
        }
        const std::string_view value(it->value().data(), it->value().size());
        PendingLeaf leaf;
        leaf.seq = seq;
        pdl::v1::SealedEvent sealed;
        if (!sealed.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          leaf.record_problem = absl::StrCat("record seq ", seq, " does not parse as a sealed event");
        } else if (sealed.partition() != partition_ || sealed.seq() != seq) {
          leaf.record_problem =
              absl::StrCat("record seq ", seq, " says partition ", sealed.partition(), " seq ", sealed.seq());
        }
        if (absl::Status s = appender.Append(merkle::LeafHash(value), &leaf.nodes); !s.ok()) return s;
        ++result_.records;
        pending_.push_back(std::move(leaf));
        if (pending_.size() >= kChunkLeaves) {
          if (absl::Status s = Flush(); !s.ok()) return s;
        }
      }
      if (!it->status().ok()) return FromRocks(it->status(), "scanning log");
    }
    if (!damaged()) {
      if (absl::Status s = Flush(); !s.ok()) return s;
    }
    if (!damaged() && !head_problem.empty()) Damage(std::nullopt, head_problem);
    if (damaged()) return absl::OkStatus();

    const uint64_t size = appender.size();
    if (!head_raw->has_value()) {
      if (size > 0) Damage(0, absl::StrCat(size, " records but no tree head"));
    } else if (head_ok && head_size != size) {
      Damage(size, absl::StrCat("tree head size ", head_size, " but ", size, " records are stored (record seq ", size,
                                " is missing)"));
    }
    if (damaged()) return absl::OkStatus();

    // No stored node beyond the tree (each was compared above, so only extra ones remain): a tree of n leaves has
    // 2n - popcount(n) complete nodes.
    const uint64_t want_nodes = 2 * size - std::popcount(size);
    {
      auto it = store_.NewIterator(Cf::kTree, read);
      uint64_t count = 0;
      for (it->Seek(prefix); it->Valid(); it->Next()) {
        std::string_view key(it->key().data() + prefix.size(), it->key().size() - prefix.size());
        bool inside = key.size() == 9;
        uint64_t index = 0;
        if (inside) {
          const uint32_t level = static_cast<uint8_t>(key[0]);
          key.remove_prefix(1);
          inside = keys::ConsumeU64(&key, &index) && level < 64 && index < (size >> level);
        }
        if (!inside) {
          Damage(size, absl::StrCat("stored tree node beyond the tree of size ", size, " (extra or malformed key)"));
          break;
        }
        ++count;
      }
      if (!it->status().ok()) return FromRocks(it->status(), "scanning tree");
      if (!damaged() && count != want_nodes) {
        Damage(size, absl::StrCat(count, " tree nodes stored, want ", want_nodes));
      }
    }
    if (damaged() || !head_raw->has_value()) return absl::OkStatus();

    const merkle::Hash root = appender.Root();
    if (head.root_hash() != merkle::HashBytes(root)) {
      Damage(std::nullopt, absl::StrCat("tree head root hash differs from the root of the ", size, " stored records"));
      return absl::OkStatus();
    }

    auto cursor_raw = GetRaw(Cf::kOffsets, keys::PartitionKey(partition_));
    if (!cursor_raw.ok()) return cursor_raw.status();
    if (cursor_raw->has_value()) {
      pdl::v1::PartitionCursor cursor;
      if (!cursor.ParseFromString(**cursor_raw)) {
        Damage(std::nullopt, "partition cursor does not parse");
      } else if (cursor.next_seq() != size) {
        Damage(std::nullopt, absl::StrCat("partition cursor's next seq ", cursor.next_seq(),
                                          " differs from the tree "
                                          "size ",
                                          size));
      }
      if (damaged()) return absl::OkStatus();
    }

    if (options_.verifier != nullptr) {
      if (head.signed_checkpoint().empty()) {
        Damage(std::nullopt, "tree head has no signed checkpoint");
        return absl::OkStatus();
      }
      auto cp = evidence::OpenPartitionCheckpoint(head.signed_checkpoint(), partition_, *options_.verifier);
      if (!cp.ok()) {
        Damage(std::nullopt, absl::StrCat("signed checkpoint does not verify: ", cp.status().message()));
      } else if (!options_.origin_prefix.empty() &&
                 cp->origin != absl::StrCat(options_.origin_prefix, "/", partition_)) {
        Damage(std::nullopt, absl::StrCat("signed checkpoint origin '", cp->origin, "' is not ", options_.origin_prefix,
                                          "/", partition_));
      } else if (cp->size != size || cp->root_hash != root) {
        Damage(std::nullopt, absl::StrCat("signed checkpoint (size ", cp->size,
                                          ") does not state the stored tree (size ", size, ")"));
      }
    }
    return absl::OkStatus();
  }

  const Store& store_;
  const StoreCheckOptions& options_;
  const uint32_t partition_;
  const rocksdb::Snapshot* snapshot_;
  std::vector<PendingLeaf> pending_;
  PartitionCheck result_;
};

}  // namespace

std::string StoreDamage::ToString() const {
  if (seq.has_value()) return absl::StrCat("partition=", partition, " seq=", *seq, ": ", what);
  return absl::StrCat("partition=", partition, " head: ", what);
}

bool StoreCheckReport::ok() const {
  for (const PartitionCheck& p : partitions) {
    if (p.damage) return false;
  }
  return true;
}

std::vector<StoreDamage> StoreCheckReport::damages() const {
  std::vector<StoreDamage> out;
  for (const PartitionCheck& p : partitions) {
    if (p.damage) out.push_back(*p.damage);
  }
  return out;
}

absl::StatusOr<StoreCheckReport> CheckStore(const Store& store, const StoreCheckOptions& options) {
  std::set<uint32_t> partitions(options.partitions.begin(), options.partitions.end());
  if (partitions.empty()) {
    ScopedSnapshot snapshot(store);
    auto found = DiscoverPartitions(store, snapshot.get());
    if (!found.ok()) return found.status();
    partitions = std::move(*found);
  }
  StoreCheckReport report;
  for (uint32_t partition : partitions) {
    ScopedSnapshot snapshot(store);
    auto checked = PartitionChecker(store, options, partition, snapshot.get()).Run();
    if (!checked.ok()) return checked.status();
    report.records += checked->records;
    report.nodes += checked->nodes;
    report.partitions.push_back(std::move(*checked));
  }
  return report;
}

}  // namespace pdl
