#ifndef PDL_PROJECTIONS_READ_MODELS_DISCLOSURES_H_
#define PDL_PROJECTIONS_READ_MODELS_DISCLOSURES_H_

// Disclosures: every DataShared as a DisclosureRecord under two covering keys, (recipient key, time) in family
// `disclosures` and (recipient category, time) in `disclosures_by_category`, so ListDisclosures for a recipient
// or a recipient category over a time range is one range scan that never reads the log. Rows are keyed by the
// event's position and never change (order-independent). Deterministic; not thread-safe (one thread at a time).

#include "pdl/v1/read_models.pb.h"
#include "projections/read_model.h"

namespace pdl {

class DisclosuresModel final : public ReadModel {
 public:
  std::string_view name() const override { return "disclosures"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

// The DisclosureRecord of a DataShared event.
pdl::v1::DisclosureRecord MakeDisclosureRecord(const SealedEventView& sealed);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_DISCLOSURES_H_
