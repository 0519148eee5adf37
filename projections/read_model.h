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
// The Judge is called on the sealer thread; the ReadModels on one thread at a time — the applier's models' thread
// (model_stage.h) or, inline and in a rebuild, the caller's. The judge's and the models' rows are staged apart.

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pdl/v1/event.pb.h"
#include "pdl/v1/policy.pb.h"
#include "pdl/v1/sealed.pb.h"
#include "projections/column_families.h"

namespace rocksdb {
class WriteBatch;
}  // namespace rocksdb

namespace pdl {

class Store;

// A row kept decoded for the rest of a batch (BatchWriter::Row): encoded once, when the batch is written.
class StagedObject {
 public:
  virtual ~StagedObject() = default;
  // The row's bytes now; std::nullopt for no row.
  virtual std::optional<std::string> Encode() const = 0;
  // The row's bytes when it was decoded; a row that encodes to them again is not rewritten.
  virtual const std::optional<std::string>& original() const = 0;
};

// Families that no judge or read model reads while projecting: their rows are only put and deleted by key (the
// records of events, the findings). A batch's writes to them are kept in the order they come and sorted once when
// the batch is written (no per-key map); BatchWriter refuses to read them.
constexpr bool IsWriteOnlyInBatch(Cf family) {
  return family == Cf::kFindings || family == Cf::kFindingsBySubject || family == Cf::kDisclosures ||
         family == Cf::kDisclosuresByCategory || family == Cf::kTransfers || family == Cf::kConsents;
}

// Families a read model scans (BatchWriter::Scan) while projecting: a subject's open holdings, the overdue sweeps.
// Their staged keys are also kept in order, so that a scan costs what it returns rather than every row the batch
// staged in the family (a batch of consent withdrawals scans once per event). Any family can be scanned; the
// others are sorted when scanned.
constexpr bool IsScannedInBatch(Cf family) {
  return family == Cf::kHoldings || family == Cf::kRetentionOverdue || family == Cf::kRequestsOpen;
}

// The judge's and read models' writes of one batch, staged in memory: the last write of each key wins, and a
// read sees it. A hot row (a subject's facts or holdings, a records-of-processing cell) touched by many events of
// a batch is read from RocksDB once, kept decoded (Row), and written once, in key order. Writes to a write-only
// family (IsWriteOnlyInBatch) are not readable here: every one is written, in key order, and the writes to one key
// in the order they were made (so the last wins).
class StagedRows {
 public:
  void Put(Cf family, std::string_view key, std::string_view value);
  void Delete(Cf family, std::string_view key);
  void PutObject(Cf family, std::string_view key, std::unique_ptr<StagedObject> object);
  // Whether `key` is staged; if so `*value` is its value (std::nullopt for a staged delete, or for a decoded row
  // that encodes to no row). Never for a write-only family.
  [[nodiscard]] bool Find(Cf family, std::string_view key, std::optional<std::string>* value) const;
  // The decoded row staged at `key`, or nullptr.
  StagedObject* FindObject(Cf family, std::string_view key) const;
  // Appends every staged write to `out`, family by family in key order. The rows stay readable as bytes: each
  // decoded row is encoded and released, so that afterwards the rows only answer reads (from any number of
  // threads at once) — the base of the next batch while this one is written (BatchWriter). The writes to
  // write-only families are released.
  [[nodiscard]] absl::Status AppendTo(const Store& store, rocksdb::WriteBatch* out);
  // The staged writes of `family` with keys in [from, to), in key order (value std::nullopt for a delete); none
  // for a write-only family.
  std::vector<std::pair<std::string, std::optional<std::string>>> Range(Cf family, std::string_view from,
                                                                        std::string_view to) const;
  // The families with staged writes.
  std::vector<Cf> families() const;
  size_t size() const;
  void Clear();

 private:
  struct Staged {
    std::optional<std::string> value;
    std::unique_ptr<StagedObject> object;
  };
  // A write to a write-only family; value std::nullopt for a delete.
  struct Written {
    std::string key;
    std::optional<std::string> value;
  };
  // Stages `staged` at `key` of `family`, the last write of the key.
  void Stage(Cf family, std::string_view key, Staged staged);

  std::array<absl::flat_hash_map<std::string, Staged>, static_cast<int>(Cf::kCount)> rows_;
  // The keys of rows_[family] in order, for the families IsScannedInBatch.
  std::array<absl::btree_set<std::string>, static_cast<int>(Cf::kCount)> keys_;
  std::array<std::vector<Written>, static_cast<int>(Cf::kCount)> written_;
};

// Writes into the batch's staged rows; reads see them over `base` (the rows of the batch before, appended and
// being written, or null) over the database. Reads of a write-only family are INTERNAL errors.
class BatchWriter {
 public:
  BatchWriter(const Store* store, StagedRows* rows, const StagedRows* base = nullptr)
      : store_(store), rows_(rows), base_(base) {}

  void Put(Cf family, std::string_view key, std::string_view value) { rows_->Put(family, key, value); }
  void Delete(Cf family, std::string_view key) { rows_->Delete(family, key); }
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> Get(Cf family, std::string_view key) const;
  // The rows of `family` with keys in [from, to), in key order, as the batch would leave them (its staged writes
  // over the database).
  [[nodiscard]] absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(Cf family,
                                                                                      std::string_view from,
                                                                                      std::string_view to) const;
  const Store& store() const { return *store_; }

  // The row `key` of `family` as a T kept decoded until the batch is written: decoded on first use from what the
  // batch or the database holds (`decode(bytes, out)`, bytes std::nullopt for no row), then changed in place
  // through the returned pointer by every later event of the batch, and encoded once (`encode`, std::nullopt for
  // no row) when the batch is written — not at all when it encodes to what was decoded. The pointer stays valid
  // until the batch is written or the key is Put or Deleted. INTERNAL when the key holds a row of another type.
  template <typename T>
  [[nodiscard]] absl::StatusOr<T*> Row(Cf family, std::string_view key,
                                       absl::Status (*decode)(const std::optional<std::string>& bytes, T* out),
                                       std::optional<std::string> (*encode)(const T& row));

 private:
  // INTERNAL for a write-only family (IsWriteOnlyInBatch): a read would miss the batch's own writes.
  static absl::Status CheckReadable(Cf family);

  template <typename T>
  class Typed final : public StagedObject {
   public:
    Typed(std::optional<std::string> original, std::optional<std::string> (*encode)(const T&))
        : original_(std::move(original)), encode_(encode) {}
    std::optional<std::string> Encode() const override { return encode_(value); }
    const std::optional<std::string>& original() const override { return original_; }
    T value{};

   private:
    std::optional<std::string> original_;
    std::optional<std::string> (*encode_)(const T&);
  };

  const Store* store_;
  StagedRows* rows_;
  const StagedRows* base_;
};

template <typename T>
absl::StatusOr<T*> BatchWriter::Row(Cf family, std::string_view key,
                                    absl::Status (*decode)(const std::optional<std::string>&, T*),
                                    std::optional<std::string> (*encode)(const T&)) {
  if (StagedObject* staged = rows_->FindObject(family, key)) {
    auto* typed = dynamic_cast<Typed<T>*>(staged);
    if (typed == nullptr) return absl::InternalError("a staged row is read as two different types");
    return &typed->value;
  }
  auto bytes = Get(family, key);
  if (!bytes.ok()) return bytes.status();
  auto object = std::make_unique<Typed<T>>(*bytes, encode);
  if (absl::Status s = decode(*bytes, &object->value); !s.ok()) return s;
  T* row = &object->value;
  rows_->PutObject(family, key, std::move(object));
  return row;
}

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
  // Called once the events of a batch are applied, before its rows are written (the applier's batches and the
  // rebuild's): for rows that depend on how far the log has come rather than on one event. A model's rows after
  // the whole log must not depend on where the batches were cut.
  [[nodiscard]] virtual absl::Status Finish(BatchWriter& batch) { return absl::OkStatus(); }
};

// What the retention rules say of one collected category (HoldingsModel::Options::retain_until).
struct CollectedRetention {
  // The end of its retention; std::nullopt when no period rule governs it.
  std::optional<absl::Time> retain_until;
  // How long an open holding may stay past retain_until before it is overdue.
  pdl::v1::Period grace;
  // When the rule lasts until an event (account closure, consent withdrawal): that event and the period after it.
  std::optional<pdl::v1::RetentionUntil> until;
  // The id of the rule that governs it; empty when none does.
  std::string rule_id;
};

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODEL_H_
