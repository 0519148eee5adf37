#ifndef PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_
#define PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_

// Findings: every finding the judge attached to a sealed event (SealedEventView::findings, which are part of the
// sealed record) as a FindingRecord in family `findings`, keyed (occurred_at, rule_id, severity, partition, seq,
// index), and in `findings_by_subject`, keyed (subject, occurred_at, partition, seq, index). Rows never change
// (order-independent). Deterministic; not thread-safe (sealer thread).

#include "projections/read_model.h"

namespace pdl {

class FindingsModel final : public ReadModel {
 public:
  std::string_view name() const override { return "findings"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_FINDINGS_H_
