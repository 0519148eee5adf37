#ifndef PDL_PROJECTIONS_READ_MODELS_HOLDINGS_H_
#define PDL_PROJECTIONS_READ_MODELS_HOLDINGS_H_

// Holdings: what each system holds of each subject, per data category, as periods (family `holdings`, rows
// HoldingPeriod), and the retention-due index over the open ones (family `retention_due`).
//
// - DataCollected, per category: joins the open period of (subject, system, category), or opens one (since =
//   occurred_at). Collections with equal purposes, legal basis, method, source, retention rule (the one the
//   policy applies: the rule the event names or else the first that covers it; what the event names when the
//   policy has no such rule) and consent are
//   folded into one HoldingCollection (first seen, latest retain_until), so a period grows with the variety of
//   its collections, not their number, and a repeated collection that changes nothing writes nothing.
// - retain_until of a collection: the event's retain_until; occurred_at when the subject is flagged minor (the
//   data is due at once, DESIGN.md §2); else what Options::retain_until returns (the retention-rule engine), else
//   none. A period's retain_until is the latest of its collections'.
// - A collection under a rule that lasts until an event keeps that event, its period and grace in its
//   HoldingCollection; when the event happens the collection gets retain_until = occurred_at + the period: a
//   ConsentWithdrawn for the collections of that consent_id; an account closure (an erasure request closed as
//   fulfilled, or a DataDeleted of every category of a system at the subject's request) for the subject's
//   collections in every system.
// - DataDeleted closes the open periods of its system for its categories (all of that system when the list is
//   empty): deleted_at = occurred_at, with reason, request and notice ids and the event; the period leaves the
//   open set for a row of its own and its retention_due row is removed.
// - retention.overdue: a period's overdue_at is its retain_until plus the grace of the rule that set it (or the
//   policy's). A period open after overdue_at becomes a FindingRecord (rule retention.overdue, occurred_at =
//   overdue_at, event = the opening collection) in `findings` and `findings_by_subject`, written when the first
//   of these shows it: a collection into the period, or its deletion, that occurred after overdue_at; or, for a
//   period nothing touches, the sweep at the end of each batch (Finish) over `retention_overdue` (open periods by
//   overdue_at, until reported) up to the watermark, the latest min(occurred_at, recorded_at) sealed. An event
//   from before overdue_at that arrives after the sweep (a collection extending the retention, a deletion in
//   time) retracts the finding. So the rows after the whole log depend on the log, not on where batches were cut,
//   and a rebuild reproduces them.
// Periods follow the subject's log order (one subject, one partition; DESIGN.md §4). Times are occurred_at, so a
// report answers "as of T" from since/deleted_at and each collection's first_seen. The open periods of a subject
// in a system are one row (HoldingSet), so a collection reads one row whatever its number of categories.
//
// Deterministic: reads only its own families through the BatchWriter. Not thread-safe (one thread at a time).

#include <functional>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "projections/read_model.h"

namespace pdl {

class HoldingsModel final : public ReadModel {
 public:
  // The retention of a collected category under the policy in force (read through `batch`): retain_until
  // (std::nullopt when no rule gives one) and the grace. Must be deterministic (see read_model.h).
  using RetainUntilFn = std::function<absl::StatusOr<CollectedRetention>(
      const SealedEventView& sealed, std::string_view category, const BatchWriter& batch)>;
  struct Options {
    RetainUntilFn retain_until;
  };

  HoldingsModel() = default;
  explicit HoldingsModel(Options options) : options_(std::move(options)) {}

  std::string_view name() const override { return "holdings"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
  [[nodiscard]] absl::Status Finish(BatchWriter& batch) override;

 private:
  [[nodiscard]] absl::Status Collect(const SealedEventView& sealed, BatchWriter& batch);
  [[nodiscard]] absl::Status Delete(const SealedEventView& sealed, BatchWriter& batch);

  Options options_;
};

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_HOLDINGS_H_
