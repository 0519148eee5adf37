#ifndef PDL_PROJECTIONS_READ_MODELS_SUBJECT_INDEX_H_
#define PDL_PROJECTIONS_READ_MODELS_SUBJECT_INDEX_H_

// The subject index (family `subject_index`, layouts in read_model_keys.h): per subject, the events that carried a
// sealed identity (so a report finds the latest one as of T with one seek), one SubjectMeta row with the subject
// kinds and policy versions seen and the first occurred_at of each (min, order-independent; written only when it
// changes), and the subject's disclosures and transfers (covering rows, so a report never reads the log).
// Deterministic; not thread-safe (one thread at a time).

#include "projections/read_model.h"

namespace pdl {

class SubjectIndexModel final : public ReadModel {
 public:
  std::string_view name() const override { return "subject_index"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_SUBJECT_INDEX_H_
