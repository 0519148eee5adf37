// ListFindings: a time-range scan of `findings` (or of one subject's `findings_by_subject`), filtered by rule and
// severity on the covering FindingRecord values.

#include "ledger/field_error.h"
#include "projections/audit_queries.h"
#include "projections/keys.h"
#include "projections/queries/internal/paging.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl {

absl::StatusOr<pdl::v1::ListFindingsResponse> ListFindings(const Store& store,
                                                           const pdl::v1::ListFindingsRequest& request) {
  if (!pdl::v1::Severity_IsValid(request.min_severity())) {
    return InvalidField("min_severity", absl::StrCat(request.min_severity(), " is not a Severity"));
  }
  auto range = queries::ToMicrosRange(request.time_range());
  if (!range.ok()) return range.status();
  auto page_size = queries::PageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();

  queries::RangeScan scan{.family = Cf::kFindings,
                          .page_size = *page_size,
                          .fingerprint = queries::FingerprintOf("ListFindings", request),
                          .page_token = request.page_token()};
  if (request.subject_id().empty()) {
    if (range->start != INT64_MIN) keys::AppendI64(&scan.lower, range->start);
    if (range->end != INT64_MAX) keys::AppendI64(&scan.upper, range->end);
  } else {
    scan.family = Cf::kFindingsBySubject;
    queries::HeadTimeBounds(request.subject_id(), *range, &scan.lower, &scan.upper);
  }

  pdl::v1::ListFindingsResponse response;
  const queries::Visit visit = [&](std::string_view, std::string_view value, bool add) -> absl::StatusOr<bool> {
    pdl::v1::FindingRecord parsed;
    pdl::v1::FindingRecord* record = add ? response.add_findings() : &parsed;
    if (!record->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError("findings: row does not parse");
    }
    if ((request.rule_id().empty() || record->rule_id() == request.rule_id()) &&
        record->severity() >= request.min_severity()) {
      return true;
    }
    if (add) response.mutable_findings()->RemoveLast();
    return false;
  };
  auto next = queries::PagedScan(store, scan, visit);
  if (!next.ok()) return next.status();
  response.set_next_page_token(std::move(*next));
  return response;
}

}  // namespace pdl
