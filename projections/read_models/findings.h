#ifndef PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_
#define PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_

// Findings: every finding the judge attached to a sealed event (SealedEventView::findings, which are part of the
// sealed record), in two families whose rows have an empty value, the record being in the log:
// `findings_by_subject` holds one row per event with findings, keyed (subject, occurred_at, partition, seq) — the
// subject report and ListFindings for one subject read its items, finding 0, 1, ... of the sealed record at
// (partition, seq) — and `findings` one row per finding, keyed (occurred_at, rule_id, severity, partition, seq,
// index) — ListFindings over time filters rule and severity on it. EventFindingRecord builds each record, so the
// explanation is stored once, in the log. (Findings that time raises rather than an event — retention.overdue,
// request.overdue — carry their record; read_models/internal/rows.h, TimeDrivenFinding.) Rows never change
// (order-independent). Deterministic; not thread-safe (one thread at a time).

#include <cstddef>

#include "pdl/v1/read_models.pb.h"
#include "projections/read_model.h"

namespace pdl {

class FindingsModel final : public ReadModel {
 public:
  std::string_view name() const override { return "findings"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

// The FindingRecord of finding `index` (< sealed.findings.size()) of a sealed event: what the queries answer for
// a findings row with an empty value.
pdl::v1::FindingRecord EventFindingRecord(const SealedEventView& sealed, size_t index);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_
