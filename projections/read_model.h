#ifndef PDL_PROJECTIONS_READ_MODEL_H_
#define PDL_PROJECTIONS_READ_MODEL_H_

// Extension points of the applier: a Judge decides the policy version and findings of an event before it is
// sealed (they are part of the sealed record), and ReadModels project each sealed event into their column
// families. Both stage their writes into the applier's one WriteBatch through a BatchWriter, whose reads see the
// writes already staged in the same batch (so an event sees the state left by the events before it, in or out of
// the batch).
//
// Determinism: a Judge and a ReadModel must depend only on the sealed event, its position and recorded_at, and
// the state they read through the BatchWriter; never on the wall clock or on anything outside the store. Then
// rebuilding from the log reproduces every row byte for byte.
//
// Called on the sealer thread only.

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pdl/v1/event.pb.h"
#include "pdl/v1/sealed.pb.h"
#include "projections/column_families.h"

namespace rocksdb {
class WriteBatch;
}  // namespace rocksdb

namespace pdl {

class Store;

// The judge's and read models' writes of one batch, staged in memory: the last write of each key wins, and a
// read sees it. A hot row (a subject's holdings, a records-of-processing cell) rewritten by many events of a
// batch therefore costs one hash-map update per event and reaches RocksDB once, in key order.
class StagedRows {
 public:
  void Put(Cf family, std::string_view key, std::string_view value);
  void Delete(Cf family, std::string_view key);
  // The staged write of `key`: a value, std::nullopt for a staged delete, nullptr when `key` is not staged.
  const std::optional<std::string>* Find(Cf family, std::string_view key) const;
  // Appends every staged write to `out`, family by family in key order, and clears.
  [[nodiscard]] absl::Status MoveTo(const Store& store, rocksdb::WriteBatch* out);
  // The families with staged writes.
  std::vector<Cf> families() const;
  size_t size() const;
  void Clear();

 private:
  std::array<absl::flat_hash_map<std::string, std::optional<std::string>>, static_cast<int>(Cf::kCount)> rows_;
};

// Writes into the batch's staged rows; reads see them over the database.
class BatchWriter {
 public:
  BatchWriter(const Store* store, StagedRows* rows) : store_(store), rows_(rows) {}

  void Put(Cf family, std::string_view key, std::string_view value) { rows_->Put(family, key, value); }
  void Delete(Cf family, std::string_view key) { rows_->Delete(family, key); }
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> Get(Cf family, std::string_view key) const;
  const Store& store() const { return *store_; }

 private:
  const Store* store_;
  StagedRows* rows_;
};

// An event accepted for sealing, as the judge and the read models see it.
struct SealedEventView {
  uint32_t partition = 0;
  uint64_t seq = 0;
  int64_t kafka_offset = 0;
  absl::Time recorded_at;
  const pdl::v1::PrivacyEvent* event = nullptr;
  // Filled in by the judge (empty without one).
  std::string policy_version;
  std::vector<pdl::v1::Finding> findings;
};

class Judge {
 public:
  virtual ~Judge() = default;
  // Sets view->policy_version and view->findings. May stage state of its own into `batch`.
  [[nodiscard]] virtual absl::Status Evaluate(SealedEventView* view, BatchWriter& batch) = 0;
};

class ReadModel {
 public:
  virtual ~ReadModel() = default;
  virtual std::string_view name() const = 0;
  // Stages this model's rows for one sealed event.
  [[nodiscard]] virtual absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) = 0;
};

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODEL_H_
