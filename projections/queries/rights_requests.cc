// ListRightsRequests: status and overdue are evaluated at as_of from the stored times. Open requests now come
// from `requests_open` (due order; "overdue" is the range before now), anything else from `requests_by_due`, one
// subject's from `requests`.

#include "projections/read_models/rights_requests.h"

#include "ledger/field_error.h"
#include "projections/audit_queries.h"
#include "projections/keys.h"
#include "projections/queries/internal/paging.h"
#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl {

absl::StatusOr<pdl::v1::ListRightsRequestsResponse> ListRightsRequests(
    const Store& store, const pdl::v1::ListRightsRequestsRequest& request, absl::Time now) {
  if (!pdl::v1::RightsRequestStatus_IsValid(request.status())) {
    return InvalidField("status", absl::StrCat(request.status(), " is not a RightsRequestStatus"));
  }
  auto page_size = queries::PageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  auto requested_as_of = queries::TimestampMicros("as_of", request.as_of());
  if (request.has_as_of() && !requested_as_of.ok()) return requested_as_of.status();
  const int64_t as_of = request.has_as_of() ? *requested_as_of : absl::ToUnixMicros(now);

  queries::RangeScan scan{.family = Cf::kRequestsByDue,
                          .page_size = *page_size,
                          .fingerprint = queries::FingerprintOf("ListRightsRequests", request),
                          .page_token = request.page_token()};
  const bool open_now =
      !request.has_as_of() && (request.status() == pdl::v1::RIGHTS_REQUEST_STATUS_OPEN || request.overdue_only());
  if (!request.subject_id().empty()) {
    scan.family = Cf::kRequests;
    scan.lower = rmkeys::SubjectPrefix(request.subject_id());
    scan.upper = keys::PrefixSuccessor(scan.lower);
  } else if (open_now) {
    scan.family = Cf::kRequestsOpen;
    scan.lower = rmrows::AfterLogClock();
  }
  if (request.subject_id().empty() && request.overdue_only()) {
    // Overdue at as_of means due before it.
    keys::AppendI64(&scan.upper, as_of);
  }

  pdl::v1::ListRightsRequestsResponse response;
  rmrows::SetMicros(response.mutable_as_of(), as_of);
  const queries::Visit visit = [&](std::string_view, std::string_view value, bool add) -> absl::StatusOr<bool> {
    pdl::v1::RightsRequestRecord parsed;
    pdl::v1::RightsRequestRecord* record = add ? response.add_requests() : &parsed;
    if (!record->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError("requests: row does not parse");
    }
    const bool keep =
        EvaluateRequestAt(record, as_of) &&
        (request.status() == pdl::v1::RIGHTS_REQUEST_STATUS_UNSPECIFIED || record->status() == request.status()) &&
        (!request.overdue_only() || record->overdue());
    if (!keep && add) response.mutable_requests()->RemoveLast();
    return keep;
  };
  auto next = queries::PagedScan(store, scan, visit);
  if (!next.ok()) return next.status();
  response.set_next_page_token(std::move(*next));
  return response;
}

}  // namespace pdl
