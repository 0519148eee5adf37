#ifndef PDL_PROJECTIONS_READ_MODELS_TRANSFERS_H_
#define PDL_PROJECTIONS_READ_MODELS_TRANSFERS_H_

// Transfers: every DataTransferred as a TransferRecord keyed (destination country, time, partition, seq,
// mechanism) in family `transfers`. The value covers the query (mechanism, reference, recipient, categories,
// subject, event position), so ListTransfers for one destination and one month is one range scan that never reads
// the log, and counting or filtering by mechanism reads the keys alone. Rows are keyed by
// the event's position and never change (order-independent). Deterministic; not thread-safe (one thread at a time).

#include "pdl/v1/read_models.pb.h"
#include "projections/read_model.h"

namespace pdl {

class TransfersModel final : public ReadModel {
 public:
  std::string_view name() const override { return "transfers"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

// The TransferRecord of a DataTransferred event.
pdl::v1::TransferRecord MakeTransferRecord(const SealedEventView& sealed);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_TRANSFERS_H_
