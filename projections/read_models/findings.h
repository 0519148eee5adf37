#ifndef PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_
#define PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_

// Findings: every finding the judge attached to a sealed event (SealedEventView::findings, which are part of the
// sealed record) as a FindingRecord in `findings_by_subject`, keyed (subject, occurred_at, partition, seq, index)
// — the subject report reads it there — and in family `findings`, keyed (occurred_at, rule_id, severity,
// partition, seq, index), whose value is the findings_by_subject key (ListFindings over time follows it; one copy
// of the record, each finding's explanation stored once). Rows never change (order-independent). Deterministic;
// not thread-safe (one thread at a time).

#include "projections/read_model.h"

namespace pdl {

class FindingsModel final : public ReadModel {
 public:
  std::string_view name() const override { return "findings"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_
