#ifndef PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_
#define PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_

// Findings: every finding the judge attached to a sealed event (SealedEventView::findings, which are part of the
// sealed record), in two families whose rows hold no copy of the findings, the records being built from the log
// (EventFindingRecord), so the explanation is stored once: `findings_by_subject` holds one row per event with
// findings, keyed (subject, occurred_at, partition, seq), valued EventFindingsRow (the event's id, action and
// occurred_at) — the subject report and ListFindings for one subject read its items, finding 0, 1, ... of the
// sealed record at (partition, seq), without parsing the event — and `findings` one row per finding, keyed
// (occurred_at, rule_id, severity, partition, seq, index), with an empty value — ListFindings over time filters
// rule and severity on it. (Findings that time raises rather than an event — retention.overdue, request.overdue —
// carry their record; read_models/internal/rows.h, TimeDrivenFinding.) Rows never change (order-independent).
// Deterministic; not thread-safe (one thread at a time).

#include <cstddef>

#include "pdl/v1/read_models.pb.h"
#include "pdl/v1/sealed.pb.h"
#include "projections/read_model.h"

namespace pdl {

class FindingsModel final : public ReadModel {
 public:
  std::string_view name() const override { return "findings"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

// The FindingRecord of finding `index` (< findings_size()) of sealed record `sealed`, about `subject_id`, whose
// event is summarised by `event`: what the queries answer for the findings of a sealed event.
pdl::v1::FindingRecord EventFindingRecord(const pdl::v1::SealedEvent& sealed, int index, std::string_view subject_id,
                                          const pdl::v1::EventFindingsRow& event);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_
