#include "projections/queries/internal/paging.h"

#include <algorithm>

#include "ledger/event_validator.h"
#include "ledger/field_error.h"
#include "ledger/sv.h"
#include "projections/history.h"
#include "projections/keys.h"
#include "projections/store.h"

namespace pdl::queries {
namespace {

absl::StatusOr<std::optional<std::string>> Resume(std::string_view token, uint64_t fingerprint) {
  if (token.empty()) return std::nullopt;
  auto cursor = DecodePageToken(token, fingerprint);
  if (!cursor.ok()) return cursor.status();
  return std::move(cursor->resume_after);
}

absl::Status OutsideRange() { return InvalidField("page_token", "page token does not belong to this request's range"); }

}  // namespace

absl::StatusOr<int> PageSize(int32_t requested) {
  if (requested < 0) {
    return InvalidField("page_size", absl::StrCat(requested, " is negative; want 0 (default ", kDefaultPageSize,
                                                  ") to ", kMaxPageSize));
  }
  return requested == 0 ? kDefaultPageSize : std::min<int>(requested, kMaxPageSize);
}

absl::StatusOr<int64_t> TimestampMicros(std::string_view field, const google::protobuf::Timestamp& ts) {
  if (absl::Status s = CheckTimestamp(field, ts); !s.ok()) return s;
  return absl::ToUnixMicros(ToTime(ts));
}

absl::StatusOr<MicrosRange> ToMicrosRange(const pdl::v1::TimeRange& range) {
  MicrosRange out;
  if (range.has_start_time()) {
    auto start = TimestampMicros("time_range.start_time", range.start_time());
    if (!start.ok()) return start.status();
    out.start = *start;
  }
  if (range.has_end_time()) {
    auto end = TimestampMicros("time_range.end_time", range.end_time());
    if (!end.ok()) return end.status();
    out.end = *end;
  }
  if (out.end < out.start) return InvalidField("time_range", "end_time is before start_time");
  return out;
}

void HeadTimeBounds(std::string_view head, const MicrosRange& range, std::string* lower, std::string* upper) {
  std::string prefix;
  keys::AppendString(&prefix, head);
  *lower = prefix;
  if (range.start != INT64_MIN) keys::AppendI64(lower, range.start);
  if (range.end == INT64_MAX) {
    *upper = keys::PrefixSuccessor(prefix);
  } else {
    *upper = prefix;
    keys::AppendI64(upper, range.end);
  }
}

absl::StatusOr<std::string> PagedScan(const Store& store, const RangeScan& scan, const Visit& visit) {
  return PagedItemScan(store, scan,
                       [&visit](std::string_view key, std::string_view value, uint32_t item,
                                bool add) -> absl::StatusOr<std::optional<bool>> {
                         if (item > 0) return std::nullopt;
                         return visit(key, value, add);
                       });
}

absl::StatusOr<std::string> PagedItemScan(const Store& store, const RangeScan& scan, const ItemVisit& visit) {
  auto resume = Resume(scan.page_token, scan.fingerprint);
  if (!resume.ok()) return resume.status();
  // The token's resume key: the row's key, then the index of the last item returned (u32).
  std::optional<std::string> resume_row;
  uint64_t first_item = 0;
  if (resume->has_value()) {
    const std::string& r = **resume;
    if (r.size() < 4) return OutsideRange();
    std::string_view tail = std::string_view(r).substr(r.size() - 4);
    uint32_t item = 0;
    if (!keys::ConsumeU32(&tail, &item)) return OutsideRange();
    resume_row = r.substr(0, r.size() - 4);
    if (*resume_row < scan.lower || (!scan.upper.empty() && *resume_row >= scan.upper)) return OutsideRange();
    first_item = uint64_t{item} + 1;
  }
  rocksdb::ReadOptions read;
  read.snapshot = scan.snapshot;
  rocksdb::Slice upper(scan.upper);
  if (!scan.upper.empty()) read.iterate_upper_bound = &upper;
  auto it = store.NewIterator(scan.family, read);
  it->Seek(resume_row.has_value() ? *resume_row : scan.lower);
  int taken = 0;
  std::string last;
  for (; it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    const std::string_view value(it->value().data(), it->value().size());
    const uint64_t from = resume_row.has_value() && key == *resume_row ? first_item : 0;
    for (uint64_t item = from; item <= UINT32_MAX; ++item) {
      const bool add = taken < scan.page_size;
      auto matched = visit(key, value, static_cast<uint32_t>(item), add);
      if (!matched.ok()) return matched.status();
      if (!matched->has_value()) break;
      if (!**matched) continue;
      if (!add) return EncodePageToken(PageCursor{scan.fingerprint, last});
      ++taken;
      last = std::string(key);
      keys::AppendU32(&last, static_cast<uint32_t>(item));
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), absl::StrCat("scanning ", Sv(CfName(scan.family))));
  return std::string();
}

absl::StatusOr<std::string> PagedHeadScan(const Store& store, const HeadScan& scan, const Visit& visit) {
  auto resume = Resume(scan.page_token, scan.fingerprint);
  if (!resume.ok()) return resume.status();
  auto it = store.NewIterator(scan.family);
  if (resume->has_value()) {
    it->Seek(**resume);
    if (it->Valid() && it->key() == rocksdb::Slice(**resume)) it->Next();
  } else {
    it->SeekToFirst();
  }
  int taken = 0;
  std::string last;
  while (it->Valid()) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view rest = key;
    std::string head;
    int64_t micros = 0;
    if (!keys::ConsumeString(&rest, &head) || !keys::ConsumeI64(&rest, &micros)) {
      return absl::DataLossError(absl::StrCat(Sv(CfName(scan.family)), ": malformed key"));
    }
    if (micros < scan.range.start || micros >= scan.range.end) {
      std::string prefix;
      keys::AppendString(&prefix, head);
      if (micros < scan.range.start) {
        keys::AppendI64(&prefix, scan.range.start);
        it->Seek(prefix);
      } else {
        it->Seek(keys::PrefixSuccessor(prefix));
      }
      continue;
    }
    const std::string_view value(it->value().data(), it->value().size());
    const bool add = taken < scan.page_size;
    auto matched = visit(key, value, add);
    if (!matched.ok()) return matched.status();
    if (*matched) {
      if (!add) return EncodePageToken(PageCursor{scan.fingerprint, last});
      ++taken;
      last = std::string(key);
    }
    it->Next();
  }
  if (!it->status().ok()) return FromRocks(it->status(), absl::StrCat("scanning ", Sv(CfName(scan.family))));
  return std::string();
}

}  // namespace pdl::queries
