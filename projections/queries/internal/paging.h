#ifndef PDL_PROJECTIONS_QUERIES_INTERNAL_PAGING_H_
#define PDL_PROJECTIONS_QUERIES_INTERNAL_PAGING_H_

// AIP-158 paging over read-model families, shared by the audit queries: page-size and time-range validation,
// request fingerprints, page tokens (projections/page_token.h) whose resume key must lie inside the request's own
// range, and paged range scans. A page holds at most page_size items; next_page_token is set exactly when one more
// item matches after them, and resumes strictly after the last item returned. Thread-safe (each scan reads through
// its own iterator, i.e. one consistent view).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "ledger/event_codec.h"
#include "pdl/v1/common.pb.h"
#include "projections/column_families.h"
#include "projections/page_token.h"

namespace rocksdb {
class Snapshot;
}

namespace pdl {
class Store;
}

namespace pdl::queries {

// 0 -> kDefaultPageSize, above kMaxPageSize -> kMaxPageSize; INVALID_ARGUMENT (page_size) when negative.
[[nodiscard]] absl::StatusOr<int> PageSize(int32_t requested);

// [start, end) in µs; unset bounds are INT64_MIN / INT64_MAX. INVALID_ARGUMENT (time_range) when end < start.
struct MicrosRange {
  int64_t start = INT64_MIN;
  int64_t end = INT64_MAX;
};
[[nodiscard]] absl::StatusOr<MicrosRange> ToMicrosRange(const pdl::v1::TimeRange& range);
// `ts` as µs since the epoch; INVALID_ARGUMENT naming `field` when it is not a valid Timestamp (years 0001 to 9999).
[[nodiscard]] absl::StatusOr<int64_t> TimestampMicros(std::string_view field, const google::protobuf::Timestamp& ts);

// The fingerprint of `request` with its paging fields cleared, bound to `method`.
template <typename Request>
uint64_t FingerprintOf(std::string_view method, Request request) {
  request.clear_page_size();
  request.clear_page_token();
  return RequestFingerprint(
      absl::StrCat(absl::string_view(method.data(), method.size()), "|", CanonicalBytes(request)));
}

// Called for each key in range: returns whether the row belongs to the page (it passes the filters); adds it to
// the response only when `add` (false when the page is full and the scan only looks for one more).
using Visit = std::function<absl::StatusOr<bool>(std::string_view key, std::string_view value, bool add)>;

struct RangeScan {
  Cf family;
  // [lower, upper); an empty upper means "to the end of the family".
  std::string lower;
  std::string upper;
  int page_size = 0;
  uint64_t fingerprint = 0;
  // The request's page_token ("" for the first page).
  std::string page_token;
  // Optional consistent view shared with other reads.
  const rocksdb::Snapshot* snapshot = nullptr;
};

// Scans `scan` from its start or from after the token's resume key. Returns next_page_token ("" at the end).
// INVALID_ARGUMENT (page_token) when the token is malformed, was issued for another request, or resumes outside
// [lower, upper).
[[nodiscard]] absl::StatusOr<std::string> PagedScan(const Store& store, const RangeScan& scan, const Visit& visit);

// For rows that hold several items (the findings of one event): called for item 0, 1, ... of each row until it
// returns std::nullopt (the row has no such item); otherwise as Visit.
using ItemVisit = std::function<absl::StatusOr<std::optional<bool>>(std::string_view key, std::string_view value,
                                                                     uint32_t item, bool add)>;

// As PagedScan, with items for rows: a page holds at most page_size items and may end inside a row; its token
// resumes after that item (the resume key is the row's key and the item's index).
[[nodiscard]] absl::StatusOr<std::string> PagedItemScan(const Store& store, const RangeScan& scan,
                                                        const ItemVisit& visit);

// For families keyed <string head><i64 µs><rest>: visits, in key order, the rows of every head whose time lies
// in `range` (seeking past the rest of each head), from the start or after the token's resume key.
struct HeadScan {
  Cf family;
  MicrosRange range;
  int page_size = 0;
  uint64_t fingerprint = 0;
  std::string page_token;
};
[[nodiscard]] absl::StatusOr<std::string> PagedHeadScan(const Store& store, const HeadScan& scan, const Visit& visit);

// The key range of one head with times in `range`: [(head, start), (head, end)).
void HeadTimeBounds(std::string_view head, const MicrosRange& range, std::string* lower, std::string* upper);

}  // namespace pdl::queries

#endif  // PDL_PROJECTIONS_QUERIES_INTERNAL_PAGING_H_
