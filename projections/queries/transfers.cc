// ListTransfers: one range scan of `transfers` per destination; the TransferRecord values cover the answer, and the
// keys alone answer mechanism filters and counts.

#include <climits>

#include "absl/container/flat_hash_set.h"
#include "ledger/field_error.h"
#include "ledger/sv.h"
#include "ledger/taxonomy.h"
#include "projections/audit_queries.h"
#include "projections/queries/internal/paging.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl {

absl::StatusOr<pdl::v1::ListTransfersResponse> ListTransfers(const Store& store,
                                                             const pdl::v1::ListTransfersRequest& request) {
  const std::string& destination = request.destination_country();
  if (!destination.empty() && !taxonomy::IsIsoCountry(destination)) {
    return InvalidField("destination_country",
                        absl::StrCat("'", destination, "' is not an ISO 3166-1 alpha-2 code (e.g. 'US')"));
  }
  absl::flat_hash_set<int> mechanisms;
  for (int i = 0; i < request.mechanisms_size(); ++i) {
    if (!pdl::v1::TransferMechanism_IsValid(request.mechanisms(i))) {
      return InvalidField(absl::StrCat("mechanisms[", i, "]"),
                          absl::StrCat(request.mechanisms(i), " is not a TransferMechanism"));
    }
    mechanisms.insert(request.mechanisms(i));
  }
  auto range = queries::ToMicrosRange(request.time_range());
  if (!range.ok()) return range.status();
  auto page_size = queries::PageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  const uint64_t fingerprint = queries::FingerprintOf("ListTransfers", request);

  pdl::v1::ListTransfersResponse response;
  int64_t count = 0;
  const queries::Visit visit = [&](std::string_view key, std::string_view value, bool add) -> absl::StatusOr<bool> {
    if (!mechanisms.empty()) {
      int mechanism = 0;
      if (!rmkeys::TransferKeyMechanism(key, &mechanism)) return absl::DataLossError("transfers: malformed key");
      if (!mechanisms.contains(mechanism)) return false;
    }
    if (request.count_only()) {
      ++count;
      return true;
    }
    if (add && !response.add_transfers()->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError("transfers: row does not parse");
    }
    return true;
  };
  // A count reads the whole range in one "page" and ignores paging.
  const int scan_page_size = request.count_only() ? INT_MAX : *page_size;
  const std::string page_token = request.count_only() ? std::string() : request.page_token();
  absl::StatusOr<std::string> next;
  if (destination.empty()) {
    next = queries::PagedHeadScan(store,
                                  {.family = Cf::kTransfers,
                                   .range = *range,
                                   .page_size = scan_page_size,
                                   .fingerprint = fingerprint,
                                   .page_token = page_token},
                                  visit);
  } else {
    queries::RangeScan scan{
        .family = Cf::kTransfers, .page_size = scan_page_size, .fingerprint = fingerprint, .page_token = page_token};
    queries::HeadTimeBounds(destination, *range, &scan.lower, &scan.upper);
    next = queries::PagedScan(store, scan, visit);
  }
  if (!next.ok()) return next.status();
  if (request.count_only()) {
    response.set_total_size(static_cast<int32_t>(std::min<int64_t>(count, INT32_MAX)));
  } else {
    response.set_next_page_token(std::move(*next));
  }
  return response;
}

}  // namespace pdl
