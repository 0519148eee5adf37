#include "projections/read_model.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/sv.h"
#include "projections/store.h"
#include "rocksdb/write_batch.h"

namespace pdl {

void StagedRows::Stage(Cf family, std::string_view key, Staged staged) {
  const auto [it, inserted] = rows_[static_cast<int>(family)].insert_or_assign(std::string(key), std::move(staged));
  if (inserted && IsScannedInBatch(family)) keys_[static_cast<int>(family)].insert(it->first);
}

void StagedRows::Put(Cf family, std::string_view key, std::string_view value) {
  if (IsWriteOnlyInBatch(family)) {
    written_[static_cast<int>(family)].push_back(Written{std::string(key), std::string(value)});
    return;
  }
  Stage(family, key, Staged{std::string(value), nullptr});
}

void StagedRows::Delete(Cf family, std::string_view key) {
  if (IsWriteOnlyInBatch(family)) {
    written_[static_cast<int>(family)].push_back(Written{std::string(key), std::nullopt});
    return;
  }
  Stage(family, key, Staged{std::nullopt, nullptr});
}

void StagedRows::PutObject(Cf family, std::string_view key, std::unique_ptr<StagedObject> object) {
  Stage(family, key, Staged{std::nullopt, std::move(object)});
}

bool StagedRows::Find(Cf family, std::string_view key, std::optional<std::string>* value) const {
  const auto& rows = rows_[static_cast<int>(family)];
  auto it = rows.find(Sv(key));
  if (it == rows.end()) return false;
  *value = it->second.object != nullptr ? it->second.object->Encode() : it->second.value;
  return true;
}

std::vector<std::pair<std::string, std::optional<std::string>>> StagedRows::Range(Cf family, std::string_view from,
                                                                                 std::string_view to) const {
  std::vector<std::pair<std::string, std::optional<std::string>>> out;
  const auto& rows = rows_[static_cast<int>(family)];
  auto bytes = [](const Staged& staged) { return staged.object != nullptr ? staged.object->Encode() : staged.value; };
  if (IsScannedInBatch(family)) {
    const auto& keys = keys_[static_cast<int>(family)];
    for (auto it = keys.lower_bound(Sv(from)); it != keys.end() && std::string_view(*it) < to; ++it) {
      out.emplace_back(*it, bytes(rows.find(*it)->second));
    }
    return out;
  }
  for (const auto& [key, staged] : rows) {
    if (std::string_view(key) < from || std::string_view(key) >= to) continue;
    out.emplace_back(key, bytes(staged));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

StagedObject* StagedRows::FindObject(Cf family, std::string_view key) const {
  const auto& rows = rows_[static_cast<int>(family)];
  auto it = rows.find(Sv(key));
  return it == rows.end() ? nullptr : it->second.object.get();
}

absl::Status StagedRows::AppendTo(const Store& store, rocksdb::WriteBatch* out) {
  for (int i = 0; i < static_cast<int>(Cf::kCount); ++i) {
    auto& written = written_[i];
    if (!written.empty()) {
      // Stable: of two writes to one key, the later is appended after the earlier, and so wins.
      std::stable_sort(written.begin(), written.end(), [](const Written& a, const Written& b) { return a.key < b.key; });
      rocksdb::ColumnFamilyHandle* cf = store.cf(static_cast<Cf>(i));
      for (const Written& row : written) {
        rocksdb::Status s = row.value.has_value() ? out->Put(cf, row.key, *row.value) : out->Delete(cf, row.key);
        if (!s.ok()) return FromRocks(s, absl::StrCat("staging ", Sv(CfName(static_cast<Cf>(i))), " rows"));
      }
      written.clear();
    }
    auto& rows = rows_[i];
    if (rows.empty()) continue;
    std::vector<std::pair<const std::string, Staged>*> sorted;
    sorted.reserve(rows.size());
    for (auto& row : rows) sorted.push_back(&row);
    std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    rocksdb::ColumnFamilyHandle* cf = store.cf(static_cast<Cf>(i));
    for (auto* row : sorted) {
      Staged& staged = row->second;
      if (staged.object != nullptr) {
        staged.value = staged.object->Encode();
        const bool unchanged = staged.value == staged.object->original();
        staged.object.reset();
        if (unchanged) continue;  // Decoded and left as it was.
      }
      rocksdb::Status s = staged.value.has_value() ? out->Put(cf, row->first, *staged.value) : out->Delete(cf, row->first);
      if (!s.ok()) return FromRocks(s, absl::StrCat("staging ", Sv(CfName(static_cast<Cf>(i))), " rows"));
    }
  }
  return absl::OkStatus();
}

std::vector<Cf> StagedRows::families() const {
  std::vector<Cf> out;
  for (int i = 0; i < static_cast<int>(Cf::kCount); ++i) {
    if (!rows_[i].empty() || !written_[i].empty()) out.push_back(static_cast<Cf>(i));
  }
  return out;
}

size_t StagedRows::size() const {
  size_t n = 0;
  for (const auto& rows : rows_) n += rows.size();
  for (const auto& written : written_) n += written.size();
  return n;
}

void StagedRows::Clear() {
  for (auto& rows : rows_) rows.clear();
  for (auto& keys : keys_) keys.clear();
  for (auto& written : written_) written.clear();
}

absl::Status BatchWriter::CheckReadable(Cf family) {
  if (!IsWriteOnlyInBatch(family)) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("the ", Sv(CfName(family)), " family is written, not read, while projecting"));
}

absl::StatusOr<std::optional<std::string>> BatchWriter::Get(Cf family, std::string_view key) const {
  if (absl::Status s = CheckReadable(family); !s.ok()) return s;
  std::optional<std::string> staged;
  if (rows_ != nullptr && rows_->Find(family, key, &staged)) return staged;
  if (base_ != nullptr && base_->Find(family, key, &staged)) return staged;
  return store_->Get(family, key);
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> BatchWriter::Scan(Cf family, std::string_view from,
                                                                                    std::string_view to) const {
  if (absl::Status s = CheckReadable(family); !s.ok()) return s;
  using Range = std::vector<std::pair<std::string, std::optional<std::string>>>;
  Range staged = rows_ != nullptr ? rows_->Range(family, from, to) : Range{};
  if (base_ != nullptr) {
    // The batch's own writes over the base's: on the same key, the batch's.
    Range base = base_->Range(family, from, to);
    if (!base.empty()) {
      Range merged;
      merged.reserve(staged.size() + base.size());
      auto own = staged.begin();
      for (auto& row : base) {
        while (own != staged.end() && own->first < row.first) merged.push_back(std::move(*own++));
        if (own != staged.end() && own->first == row.first) continue;
        merged.push_back(std::move(row));
      }
      while (own != staged.end()) merged.push_back(std::move(*own++));
      staged = std::move(merged);
    }
  }
  std::vector<std::pair<std::string, std::string>> out;
  auto next = staged.begin();
  auto emit_staged = [&] {
    if (next->second.has_value()) out.emplace_back(next->first, *next->second);
    ++next;
  };
  const std::string lower(from), upper(to);
  rocksdb::Slice lower_bound(lower), upper_bound(upper);
  rocksdb::ReadOptions options;
  options.iterate_lower_bound = &lower_bound;
  options.iterate_upper_bound = &upper_bound;
  auto it = store_->NewIterator(family, options);
  for (it->Seek(lower_bound); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    while (next != staged.end() && std::string_view(next->first) < key) emit_staged();
    if (next != staged.end() && std::string_view(next->first) == key) {
      emit_staged();  // the batch's write replaces the stored row
      continue;
    }
    out.emplace_back(std::string(key), std::string(it->value().data(), it->value().size()));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning a read model");
  while (next != staged.end()) emit_staged();
  return out;
}

}  // namespace pdl
