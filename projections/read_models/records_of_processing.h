#ifndef PDL_PROJECTIONS_READ_MODELS_RECORDS_OF_PROCESSING_H_
#define PDL_PROJECTIONS_READ_MODELS_RECORDS_OF_PROCESSING_H_

// Records of processing (GDPR Art. 30) as observed: family `ropa`, one RopaCell per shape of event (subject kind,
// recipient category, destination, sorted purposes, sorted categories) with a count, first/last seen
// (occurred_at), and the sorted legal bases, retention rules and actions seen; GetRecordsOfProcessing expands
// shapes into purpose x category rows. Fed by DataCollected and DataUsed (no recipient, no destination),
// DataShared (recipient category, recipient country) and DataTransferred (no purpose; recipient category,
// destination country). One event updates one row; cells are commutative (sums, min, max, sorted unions), so the
// same set of events gives the same bytes in any order. Deterministic; not thread-safe (one thread at a time).

#include "projections/read_model.h"

namespace pdl {

class RecordsOfProcessingModel final : public ReadModel {
 public:
  std::string_view name() const override { return "records_of_processing"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_RECORDS_OF_PROCESSING_H_
