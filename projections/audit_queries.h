#ifndef PDL_PROJECTIONS_AUDIT_QUERIES_H_
#define PDL_PROJECTIONS_AUDIT_QUERIES_H_

// The AuditService queries over the read models (projections/read_models/), one implementation file each under
// projections/queries/. Every list pages as AIP-158 exactly like GetSubjectHistory (projections/history.h):
// page_size 0 means 100, at most 1000; next_page_token is bound to the request's other fields and empty only at
// the end; errors are INVALID_ARGUMENT naming the field. None of them reads the log: each answer comes from
// covering rows. Times are occurred_at of the events.
//
// Thread-safe: each call reads through its own iterators (GetSubjectReport through one snapshot).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pdl/v1/audit_service.pb.h"
#include "pdl/v1/policy.pb.h"

namespace pdl {

class Store;
class VaultStore;

// GetSubjectReport (GDPR Art. 15) as of request.as_of (default `now`). The identity is decrypted through `vault`
// (IDENTITY_STATUS_UNAVAILABLE when null; ERASED when the subject's key was destroyed). INVALID_ARGUMENT
// (subject_id) when empty; NOT_FOUND (subject_id) when the ledger has no event of the subject at all; DATA_LOSS
// when a stored row or the sealed identity does not authenticate or parse.
[[nodiscard]] absl::StatusOr<pdl::v1::GetSubjectReportResponse> GetSubjectReport(
    const Store& store, const VaultStore* vault, const pdl::v1::GetSubjectReportRequest& request, absl::Time now);

// ListTransfers: range scans of `transfers` per destination; with count_only, only total_size, from the keys.
// INVALID_ARGUMENT for destination_country that is not an ISO 3166-1 alpha-2 code, mechanisms[i] out of range, an
// inverted time_range, page_size, page_token.
[[nodiscard]] absl::StatusOr<pdl::v1::ListTransfersResponse> ListTransfers(
    const Store& store, const pdl::v1::ListTransfersRequest& request);

// ListDisclosures: `disclosures` (by recipient) or `disclosures_by_category`. INVALID_ARGUMENT when both
// recipient_id and recipient_category are set (field recipient_category), for an unknown recipient category, an
// inverted time_range, page_size, page_token.
[[nodiscard]] absl::StatusOr<pdl::v1::ListDisclosuresResponse> ListDisclosures(
    const Store& store, const pdl::v1::ListDisclosuresRequest& request);

// What a policy declares, for marking the records of processing. Fill it from the pdl.v1.Policy in force:
// purposes = PurposeDeclaration.key, categories = every CollectionDeclaration.categories, recipient_categories =
// RecipientDeclaration.category, destinations = every TransferRule.destinations ("*" allows any). Purposes and
// categories are hierarchical (a key covers its children); destinations inside the EEA need no declaration.
struct RopaDeclarations {
  std::string policy_version;
  std::vector<std::string> purposes;
  std::vector<std::string> categories;
  std::vector<std::string> recipient_categories;
  std::vector<std::string> destinations;
};

// What `policy` declares: its purposes, every category of its collections, its recipient categories and the
// destinations of its transfer rules, each list sorted and without repeats.
RopaDeclarations DeclarationsOf(const pdl::v1::Policy& policy);

// GetRecordsOfProcessing: one ProcessingActivity per purpose from `ropa`, with its entries. With `declared`, every
// activity and entry is marked observed-and-declared or observed-but-undeclared (naming what is undeclared), and
// declared purposes that were never observed appear as DECLARED_BUT_NEVER_OBSERVED activities in purpose order;
// without it, declarations stay UNSPECIFIED. INVALID_ARGUMENT for page_size, page_token.
[[nodiscard]] absl::StatusOr<pdl::v1::GetRecordsOfProcessingResponse> GetRecordsOfProcessing(
    const Store& store, const pdl::v1::GetRecordsOfProcessingRequest& request,
    const RopaDeclarations* declared = nullptr);

// ListRightsRequests with status and overdue evaluated at request.as_of (default `now`): from `requests_open`
// when asking for open requests now, else from `requests_by_due` (or `requests` for one subject).
// INVALID_ARGUMENT for status out of range, page_size, page_token.
[[nodiscard]] absl::StatusOr<pdl::v1::ListRightsRequestsResponse> ListRightsRequests(
    const Store& store, const pdl::v1::ListRightsRequestsRequest& request, absl::Time now);

// ListFindings from `findings` (or `findings_by_subject`). INVALID_ARGUMENT for min_severity out of range, an
// inverted time_range, page_size, page_token.
[[nodiscard]] absl::StatusOr<pdl::v1::ListFindingsResponse> ListFindings(const Store& store,
                                                                         const pdl::v1::ListFindingsRequest& request);

// ListRetentionDue from `retention_due`. INVALID_ARGUMENT for page_size, page_token.
[[nodiscard]] absl::StatusOr<pdl::v1::ListRetentionDueResponse> ListRetentionDue(
    const Store& store, const pdl::v1::ListRetentionDueRequest& request);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_AUDIT_QUERIES_H_
