#include "projections/queries/internal/finding_records.h"

#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "projections/column_families.h"
#include "projections/keys.h"
#include "projections/read_models/findings.h"
#include "projections/read_models/read_model_keys.h"
#include "projections/store.h"

namespace pdl::queries {
namespace {

absl::Status NotInLog(uint32_t partition, uint64_t seq) {
  return absl::DataLossError(
      absl::StrCat("findings: a row names partition ", partition, " seq ", seq, ", which is not in the log"));
}

}  // namespace

absl::Status FindingRecords::ReadByTime(std::string_view key, std::string_view value, pdl::v1::FindingRecord* out) {
  if (value.empty()) {
    const std::optional<rmkeys::FindingSuffix> at = rmkeys::FindingSuffixOf(key);
    if (!at.has_value()) return absl::DataLossError("findings: malformed key");
    if (absl::Status s = Load(at->partition, at->seq, /*with_event=*/true); !s.ok()) return s;
    if (at->index >= static_cast<uint32_t>(sealed_.findings_size())) {
      return absl::DataLossError(absl::StrCat("findings: a row names finding ", at->index, " of partition ",
                                              at->partition, " seq ", at->seq, ", which has ",
                                              sealed_.findings_size()));
    }
    row_.set_event_id(event_->event_id());
    row_.set_action(ActionOf(*event_));
    *row_.mutable_occurred_at() = event_->occurred_at();
    *out = EventFindingRecord(sealed_, static_cast<int>(at->index), event_->subject().id(), row_);
    return absl::OkStatus();
  }
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  const rocksdb::Status got =
      store_.db()->Get(read, store_.cf(Cf::kFindingsBySubject), rocksdb::Slice(value.data(), value.size()), &buffer_);
  if (got.IsNotFound()) return absl::DataLossError("findings: a row names a findings_by_subject row that is missing");
  if (!got.ok()) return FromRocks(got, "reading findings_by_subject");
  return ParseRecord(buffer_, out);
}

absl::StatusOr<bool> FindingRecords::ReadBySubject(std::string_view key, std::string_view value, uint32_t item,
                                                   pdl::v1::FindingRecord* out) {
  if (!row_parts_.has_value() || row_key_ != key) {
    row_parts_ = rmkeys::ParseSubjectFindingKey(key);
    if (!row_parts_.has_value()) return absl::DataLossError("findings_by_subject: malformed key");
    row_key_ = std::string(key);
    if (!row_parts_->index.has_value() && !row_.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      row_parts_.reset();
      return absl::DataLossError("findings_by_subject: row does not parse");
    }
  }
  const rmkeys::SubjectFindingKeyParts* parts = &*row_parts_;
  if (parts->index.has_value()) {
    if (item > 0) return false;
    if (absl::Status s = ParseRecord(value, out); !s.ok()) return s;
    return true;
  }
  if (absl::Status s = Load(parts->pos.partition, parts->pos.seq, /*with_event=*/false); !s.ok()) return s;
  if (item == 0 && sealed_.findings_size() == 0) {
    return absl::DataLossError(absl::StrCat("findings_by_subject: a row names partition ", parts->pos.partition,
                                            " seq ", parts->pos.seq, ", which has no findings"));
  }
  if (item >= static_cast<uint32_t>(sealed_.findings_size())) return false;
  *out = EventFindingRecord(sealed_, static_cast<int>(item), parts->subject_id, row_);
  return true;
}

absl::Status FindingRecords::Load(uint32_t partition, uint64_t seq, bool with_event) {
  const std::pair<uint32_t, uint64_t> position{partition, seq};
  if (loaded_ != position) {
    loaded_.reset();
    event_.reset();
    std::string_view bytes;
    if (auto ahead = prefetched_.find(position); ahead != prefetched_.end()) {
      bytes = ahead->second;
    } else {
      rocksdb::ReadOptions read;
      read.snapshot = snapshot_;
      const rocksdb::Status got = store_.db()->Get(read, store_.cf(Cf::kLog), keys::LogKey(partition, seq), &buffer_);
      if (got.IsNotFound()) return NotInLog(partition, seq);
      if (!got.ok()) return FromRocks(got, "reading the log");
      bytes = buffer_;
    }
    if (!sealed_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || sealed_.partition() != partition ||
        sealed_.seq() != seq) {
      return absl::DataLossError(absl::StrCat("log: the sealed record at partition ", partition, " seq ", seq,
                                              " does not parse or names another position"));
    }
    loaded_ = position;
  }
  if (with_event && !event_.has_value()) {
    auto event = DecodeEvent(sealed_.event());
    if (!event.ok()) return absl::DataLossError("log: sealed event bytes do not parse");
    event_ = std::move(*event);
  }
  return absl::OkStatus();
}

absl::Status FindingRecords::Prefetch(const std::vector<std::string>& subject_keys) {
  std::vector<std::pair<uint32_t, uint64_t>> positions;
  std::vector<std::string> log_keys;
  for (const std::string& key : subject_keys) {
    const std::optional<rmkeys::SubjectFindingKeyParts> parts = rmkeys::ParseSubjectFindingKey(key);
    if (!parts.has_value()) return absl::DataLossError("findings_by_subject: malformed key");
    if (parts->index.has_value()) continue;
    positions.emplace_back(parts->pos.partition, parts->pos.seq);
    log_keys.push_back(keys::LogKey(parts->pos.partition, parts->pos.seq));
  }
  if (log_keys.empty()) return absl::OkStatus();
  std::vector<rocksdb::Slice> slices(log_keys.begin(), log_keys.end());
  std::vector<rocksdb::PinnableSlice> values(log_keys.size());
  std::vector<rocksdb::Status> statuses(log_keys.size());
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  store_.db()->MultiGet(read, store_.cf(Cf::kLog), slices.size(), slices.data(), values.data(), statuses.data(),
                        /*sorted_input=*/false);
  for (size_t i = 0; i < log_keys.size(); ++i) {
    if (statuses[i].IsNotFound()) return NotInLog(positions[i].first, positions[i].second);
    if (!statuses[i].ok()) return FromRocks(statuses[i], "reading the log");
    prefetched_[positions[i]] = values[i].ToString();
  }
  return absl::OkStatus();
}

absl::Status FindingRecords::ParseRecord(std::string_view value, pdl::v1::FindingRecord* out) const {
  if (!out->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError("findings_by_subject: row does not parse");
  }
  return absl::OkStatus();
}

}  // namespace pdl::queries
