#ifndef PDL_PROJECTIONS_READ_MODELS_ALL_H_
#define PDL_PROJECTIONS_READ_MODELS_ALL_H_

// Every read model of the ledger, in the order the applier runs them, and the column families they own. Pass the
// models to ApplierOptions::read_models (live sealing) and to RebuildReadModels (projections/rebuild.h): the same
// models over the same log give the same rows, byte for byte.

#include <memory>
#include <vector>

#include "projections/column_families.h"
#include "projections/read_model.h"
#include "projections/read_models/holdings.h"
#include "projections/read_models/rights_requests.h"

namespace pdl {

struct ReadModelOptions {
  // retain_until from the retention rules of the policy in force (see HoldingsModel::RetainUntilFn).
  HoldingsModel::RetainUntilFn retain_until;
  // A rights request's due date from the policy's response deadline (RightsRequestsModel::Options::due_at).
  std::function<absl::Time(const SealedEventView& sealed)> request_due_at;
};

std::vector<std::unique_ptr<ReadModel>> MakeReadModels(ReadModelOptions options = {});

// Raw pointers to `models`, for ApplierOptions::read_models.
std::vector<ReadModel*> ModelPointers(const std::vector<std::unique_ptr<ReadModel>>& models);

// The column families the read models own (rebuilt from the log, digested by ReadModelDigest).
const std::vector<Cf>& ReadModelFamilies();

}  // namespace pdl

#endif  // PDL_PROJECTIONS_READ_MODELS_ALL_H_
