#ifndef PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_
#define PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_

// Findings: every finding the judge attached to a sealed event (SealedEventView::findings, which are part of the
// sealed record), in two families: `findings_by_subject` holds one row per event with findings, keyed (subject,
// occurred_at, partition, seq), valued EventFindingsRow (the findings with the event's id, action and time, its
// policy version and recorded_at) — the subject report and ListFindings for one subject read its items, one per
// finding — and `findings` one row per event too, keyed (occurred_at, partition, seq), valued FindingsAtRow (the
// rule and severity of each finding, in the sealed record's order) — ListFindings over time filters rule and
// severity on those and builds the record of a finding that passes from the sealed record at (partition, seq).
// EventFindingRecord builds a record either way. (Findings that time raises rather than an event —
// retention.overdue, request.overdue — carry their record; read_models/internal/rows.h, TimeDrivenFinding.) Rows
// never change (order-independent). Deterministic; not thread-safe (one thread at a time).

#include <cstdint>
#include <string_view>

#include "pdl/v1/read_models.pb.h"
#include "pdl/v1/sealed.pb.h"
#include "projections/read_model.h"

namespace pdl {

class FindingsModel final : public ReadModel {
 public:
  std::string_view name() const override { return "findings"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

// The findings_by_subject row of a sealed event (the model writes it; ListFindings over time builds it from the
// log).
pdl::v1::EventFindingsRow EventFindingsRowOf(const SealedEventView& sealed);

// The FindingRecord of finding `index` (< findings_size()) of `row`, the row of the event of `subject_id` sealed
// at (partition, seq).
pdl::v1::FindingRecord EventFindingRecord(const pdl::v1::EventFindingsRow& row, int index, std::string_view subject_id,
                                          uint32_t partition, uint64_t seq);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_
