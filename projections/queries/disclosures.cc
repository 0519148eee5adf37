// ListDisclosures: range scans of `disclosures` (per recipient) or `disclosures_by_category`; the
// DisclosureRecord values cover the answer.

#include "ledger/field_error.h"
#include "ledger/sv.h"
#include "ledger/taxonomy.h"
#include "projections/audit_queries.h"
#include "projections/queries/internal/paging.h"

namespace pdl {

absl::StatusOr<pdl::v1::ListDisclosuresResponse> ListDisclosures(const Store& store,
                                                                 const pdl::v1::ListDisclosuresRequest& request) {
  if (!request.recipient_id().empty() && !request.recipient_category().empty()) {
    return InvalidField("recipient_category", "give at most one of recipient_id and recipient_category");
  }
  if (!request.recipient_category().empty() && !taxonomy::IsKnownRecipientCategory(request.recipient_category())) {
    return InvalidField("recipient_category",
                        absl::StrCat("'", request.recipient_category(),
                                     "' is not a recipient category (service_provider, processor, affiliate, "
                                     "business_transfer, business_partner, other_users, professional_advisor, "
                                     "consented_third_party, public_authority)"));
  }
  auto range = queries::ToMicrosRange(request.time_range());
  if (!range.ok()) return range.status();
  auto page_size = queries::PageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  const uint64_t fingerprint = queries::FingerprintOf("ListDisclosures", request);

  pdl::v1::ListDisclosuresResponse response;
  const queries::Visit visit = [&](std::string_view, std::string_view value, bool add) -> absl::StatusOr<bool> {
    if (!add) return true;
    if (!response.add_disclosures()->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError("disclosures: row does not parse");
    }
    return true;
  };
  absl::StatusOr<std::string> next;
  const bool by_category = !request.recipient_category().empty();
  const std::string& head = by_category ? request.recipient_category() : request.recipient_id();
  const Cf family = by_category ? Cf::kDisclosuresByCategory : Cf::kDisclosures;
  if (head.empty()) {
    next = queries::PagedHeadScan(store,
                                  {.family = family,
                                   .range = *range,
                                   .page_size = *page_size,
                                   .fingerprint = fingerprint,
                                   .page_token = request.page_token()},
                                  visit);
  } else {
    queries::RangeScan scan{
        .family = family, .page_size = *page_size, .fingerprint = fingerprint, .page_token = request.page_token()};
    queries::HeadTimeBounds(head, *range, &scan.lower, &scan.upper);
    next = queries::PagedScan(store, scan, visit);
  }
  if (!next.ok()) return next.status();
  response.set_next_page_token(std::move(*next));
  return response;
}

}  // namespace pdl
