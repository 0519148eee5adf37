// ListRetentionDue: a retain_until-range scan of `retention_due` (open holdings only), filtered by system.

#include "projections/audit_queries.h"
#include "projections/keys.h"
#include "projections/queries/internal/paging.h"

namespace pdl {

absl::StatusOr<pdl::v1::ListRetentionDueResponse> ListRetentionDue(const Store& store,
                                                                   const pdl::v1::ListRetentionDueRequest& request) {
  auto page_size = queries::PageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  queries::RangeScan scan{.family = Cf::kRetentionDue,
                          .page_size = *page_size,
                          .fingerprint = queries::FingerprintOf("ListRetentionDue", request),
                          .page_token = request.page_token()};
  if (request.has_due_before()) {
    auto due_before = queries::TimestampMicros("due_before", request.due_before());
    if (!due_before.ok()) return due_before.status();
    keys::AppendI64(&scan.upper, *due_before);
  }

  pdl::v1::ListRetentionDueResponse response;
  const queries::Visit visit = [&](std::string_view, std::string_view value, bool add) -> absl::StatusOr<bool> {
    pdl::v1::RetentionDueRecord parsed;
    pdl::v1::RetentionDueRecord* record = add ? response.add_due() : &parsed;
    if (!record->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError("retention_due: row does not parse");
    }
    if (request.system().empty() || record->system() == request.system()) return true;
    if (add) response.mutable_due()->RemoveLast();
    return false;
  };
  auto next = queries::PagedScan(store, scan, visit);
  if (!next.ok()) return next.status();
  response.set_next_page_token(std::move(*next));
  return response;
}

}  // namespace pdl
