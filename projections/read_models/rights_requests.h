#ifndef PDL_PROJECTIONS_READ_MODELS_RIGHTS_REQUESTS_H_
#define PDL_PROJECTIONS_READ_MODELS_RIGHTS_REQUESTS_H_

// Rights requests: one RightsRequestRecord per (subject, request_id) in family `requests`, with two indexes by due
// date: `requests_by_due` (every request) and `requests_open` (only while open), so "open and overdue at T" is a
// range scan of requests_open up to T. due_at = opened_at + 1 calendar month (GDPR Art. 12(3)). The earliest open
// counts; a close sets closed_at, outcome and the closing event (a later close replaces an earlier one). A close
// without an open is kept (no due date; indexed under kNoDue). Follows the subject's log order. Deterministic; not
// thread-safe (sealer thread).

#include <cstdint>

#include "absl/time/time.h"
#include "pdl/v1/read_models.pb.h"
#include "projections/read_model.h"

namespace pdl {

class RightsRequestsModel final : public ReadModel {
 public:
  std::string_view name() const override { return "rights_requests"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

// One calendar month after `opened` in UTC, same time of day; the last day of that month when it has no such day
// (31 January -> 28/29 February).
absl::Time ResponseDueAt(absl::Time opened);

// Sets `record`'s status and overdue flag as they stood at `as_of_micros`; false when the request was not opened
// (nor closed) by then.
bool EvaluateRequestAt(pdl::v1::RightsRequestRecord* record, int64_t as_of_micros);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_RIGHTS_REQUESTS_H_
