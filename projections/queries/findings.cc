// ListFindings: a time-range scan of `findings` — rule and severity filtered on each row's items (an event's
// findings, or one finding time raised), each item that passes followed to the FindingRecord it names (the sealed
// log record, or `findings_by_subject` for a finding time raised), in the same snapshot — or of one subject's
// `findings_by_subject`, each row's findings filtered on the records. Either way a page may end inside the
// findings of one event.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"

#include "ledger/field_error.h"
#include "ledger/policy/findings.h"
#include "projections/audit_queries.h"
#include "projections/keys.h"
#include "projections/queries/internal/finding_records.h"
#include "projections/queries/internal/paging.h"
#include "projections/read_models/read_model_keys.h"
#include "projections/store.h"

namespace pdl {

absl::StatusOr<pdl::v1::ListFindingsResponse> ListFindings(const Store& store,
                                                           const pdl::v1::ListFindingsRequest& request) {
  if (!pdl::v1::Severity_IsValid(request.min_severity())) {
    return InvalidField("min_severity", absl::StrCat(request.min_severity(), " is not a Severity"));
  }
  if (!request.rule_id().empty() && policy::FindRule(request.rule_id()) == nullptr) {
    std::vector<std::string> known;
    for (const policy::RuleInfo& rule : policy::AllRules()) known.emplace_back(rule.id);
    return InvalidField("rule_id", absl::StrCat("'", request.rule_id(), "' is not a rule; the rules are ",
                                                absl::StrJoin(known, ", ")));
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

  // A findings row names the log record or the findings_by_subject row that holds its finding; both were written
  // before the row or in its batch, so one snapshot sees them.
  std::shared_ptr<const rocksdb::Snapshot> snapshot(store.db()->GetSnapshot(), [&store](const rocksdb::Snapshot* s) {
    store.db()->ReleaseSnapshot(s);
  });
  scan.snapshot = snapshot.get();
  queries::FindingRecords records(store, snapshot.get());

  pdl::v1::ListFindingsResponse response;
  auto passes = [&](std::string_view rule, int severity) {
    return (request.rule_id().empty() || rule == request.rule_id()) && severity >= request.min_severity();
  };
  pdl::v1::FindingRecord record;
  absl::StatusOr<std::string> next;
  if (scan.family == Cf::kFindings) {
    // Rule and severity are in the row: only the findings that pass are read further.
    next = queries::PagedItemScan(store, scan,
                                  [&](std::string_view key, std::string_view value, uint32_t item,
                                      bool add) -> absl::StatusOr<std::optional<bool>> {
                                    auto tag = records.TagByTime(key, value, item);
                                    if (!tag.ok()) return tag.status();
                                    if (*tag == nullptr) return std::nullopt;
                                    if (!passes((*tag)->rule_id(), (*tag)->severity())) return false;
                                    if (add) {
                                      if (absl::Status s = records.ReadByTime(item, response.add_findings());
                                          !s.ok()) {
                                        return s;
                                      }
                                    }
                                    return true;
                                  });
  } else {
    next = queries::PagedItemScan(store, scan,
                                  [&](std::string_view key, std::string_view value, uint32_t item,
                                      bool add) -> absl::StatusOr<std::optional<bool>> {
                                    auto found = records.ReadBySubject(key, value, item, &record);
                                    if (!found.ok()) return found.status();
                                    if (!*found) return std::nullopt;
                                    if (!passes(record.rule_id(), record.severity())) return false;
                                    if (add) *response.add_findings() = std::move(record);
                                    return true;
                                  });
  }
  if (!next.ok()) return next.status();
  response.set_next_page_token(std::move(*next));
  return response;
}

}  // namespace pdl
