#include "projections/read_models/all.h"

#include "projections/read_models/consents.h"
#include "projections/read_models/disclosures.h"
#include "projections/read_models/findings.h"
#include "projections/read_models/records_of_processing.h"
#include "projections/read_models/subject_index.h"
#include "projections/read_models/transfers.h"

namespace pdl {

std::vector<std::unique_ptr<ReadModel>> MakeReadModels(ReadModelOptions options) {
  std::vector<std::unique_ptr<ReadModel>> models;
  models.push_back(std::make_unique<HoldingsModel>(HoldingsModel::Options{std::move(options.retain_until)}));
  models.push_back(std::make_unique<DisclosuresModel>());
  models.push_back(std::make_unique<TransfersModel>());
  models.push_back(std::make_unique<ConsentsModel>());
  models.push_back(std::make_unique<RightsRequestsModel>(
      RightsRequestsModel::Options{.due_at = std::move(options.request_due_at)}));
  models.push_back(std::make_unique<RecordsOfProcessingModel>());
  models.push_back(std::make_unique<FindingsModel>());
  models.push_back(std::make_unique<SubjectIndexModel>());
  return models;
}

std::vector<ReadModel*> ModelPointers(const std::vector<std::unique_ptr<ReadModel>>& models) {
  std::vector<ReadModel*> out;
  out.reserve(models.size());
  for (const auto& m : models) out.push_back(m.get());
  return out;
}

const std::vector<Cf>& ReadModelFamilies() {
  static const std::vector<Cf> kFamilies = {
      Cf::kHoldings, Cf::kRetentionDue,      Cf::kDisclosures,   Cf::kDisclosuresByCategory, Cf::kTransfers,
      Cf::kConsents, Cf::kRequests,          Cf::kRequestsByDue, Cf::kRequestsOpen,          Cf::kRopa,
      Cf::kFindings, Cf::kFindingsBySubject, Cf::kSubjectIndex, Cf::kRetentionOverdue,
  };
  return kFamilies;
}

}  // namespace pdl
