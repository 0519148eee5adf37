#ifndef PDL_PROJECTIONS_READ_MODELS_RIGHTS_REQUESTS_H_
#define PDL_PROJECTIONS_READ_MODELS_RIGHTS_REQUESTS_H_

// Rights requests: one RightsRequestRecord per (subject, request_id) in family `requests`, with two indexes by due
// date: `requests_by_due` (every request) and `requests_open` (only while open), so "open and overdue at T" is a
// range scan of requests_open up to T. due_at = opened_at + the response deadline of the policy that judged the
// opening event (Options::due_at; one calendar month, GDPR Art. 12(3), without one). The earliest open
// counts; a close sets closed_at, outcome and the closing event (a later close replaces an earlier one). A close
// without an open is kept (no due date; indexed under kNoDue). Follows the subject's log order.
//
// request.overdue for a request nobody answers: at the end of every batch (Finish) the open requests due before
// the log's instant (rmrows::LogClock, kept at the empty key of requests_open) get a FindingRecord (time = due_at,
// event = the opening event) in `findings` and `findings_by_subject`; one opened after the log passed its due date
// gets it at once. Closing the request withdraws it (a close after the deadline is sealed with a request.overdue
// finding of its own, by the judge), so after the whole log the finding is there exactly for the requests still
// open past their due date, wherever the batches were cut. Deterministic; not thread-safe (one thread at a time).

#include <cstdint>
#include <functional>
#include <utility>

#include "absl/time/time.h"
#include "pdl/v1/read_models.pb.h"
#include "projections/read_model.h"

namespace pdl {

class RightsRequestsModel final : public ReadModel {
 public:
  struct Options {
    // The due date of the request that `sealed` opens. Must depend only on the sealed record (its occurred_at and
    // policy_version), like every read model. Null: ResponseDueAt(occurred_at).
    std::function<absl::Time(const SealedEventView& sealed)> due_at;
  };
  RightsRequestsModel() = default;
  explicit RightsRequestsModel(Options options) : options_(std::move(options)) {}

  std::string_view name() const override { return "rights_requests"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
  [[nodiscard]] absl::Status Finish(BatchWriter& batch) override;

 private:
  Options options_;
};

// One calendar month after `opened` in UTC, same time of day; the last day of that month when it has no such day
// (31 January -> 28/29 February).
absl::Time ResponseDueAt(absl::Time opened);

// Sets `record`'s status and overdue flag as they stood at `as_of_micros`; false when the request was not opened
// (nor closed) by then.
bool EvaluateRequestAt(pdl::v1::RightsRequestRecord* record, int64_t as_of_micros);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_RIGHTS_REQUESTS_H_
