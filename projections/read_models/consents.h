#ifndef PDL_PROJECTIONS_READ_MODELS_CONSENTS_H_
#define PDL_PROJECTIONS_READ_MODELS_CONSENTS_H_

// Consents: every ConsentGiven and ConsentWithdrawn as a ConsentChange row in family `consents`, keyed (subject,
// consent_id, occurred_at, partition, seq): a blind write per event, whatever the consent's history. A query reads
// one consent's rows in time order and summarises them with ConsentAsOf. Rows never change (order-independent).
// Deterministic; not thread-safe (one thread at a time).

#include <cstdint>
#include <optional>

#include "pdl/v1/read_models.pb.h"
#include "projections/read_model.h"

namespace pdl {

class ConsentsModel final : public ReadModel {
 public:
  std::string_view name() const override { return "consents"; }
  [[nodiscard]] absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override;
};

// The consent as it stood at `as_of_micros` (std::nullopt: after every change), from its `changes` in time order
// (ties in log order): the summary fields from the changes at or before that instant (the latest decides the
// status; purposes and scope come from the latest give), and only those changes. std::nullopt when no change is
// that old.
std::optional<pdl::v1::ConsentRecord> ConsentAsOf(const pdl::v1::ConsentRecord& stored,
                                                  std::optional<int64_t> as_of_micros);

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_CONSENTS_H_
