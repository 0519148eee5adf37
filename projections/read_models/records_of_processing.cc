#include "projections/read_models/records_of_processing.h"

#include <algorithm>
#include <string>
#include <vector>

#include "ledger/event_codec.h"
#include "pdl/v1/read_models.pb.h"
#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl {
namespace {

using google::protobuf::RepeatedPtrField;
using rmrows::Micros;

std::vector<std::string> Distinct(const RepeatedPtrField<std::string>& values) {
  std::vector<std::string> out(values.begin(), values.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

absl::Status RecordsOfProcessingModel::Apply(const SealedEventView& sealed, BatchWriter& batch) {
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  std::vector<std::string> purposes;
  std::vector<std::string> categories;
  std::string recipient_category;
  std::string destination;
  pdl::v1::LegalBasis legal_basis = pdl::v1::LEGAL_BASIS_UNSPECIFIED;
  std::string retention_rule;
  switch (e.action_case()) {
    case pdl::v1::PrivacyEvent::kDataCollected:
      purposes = Distinct(e.data_collected().purposes());
      categories = Distinct(e.data_collected().categories());
      legal_basis = e.data_collected().legal_basis();
      retention_rule = e.data_collected().retention_rule();
      break;
    case pdl::v1::PrivacyEvent::kDataUsed:
      purposes = Distinct(e.data_used().purposes());
      categories = Distinct(e.data_used().categories());
      break;
    case pdl::v1::PrivacyEvent::kDataShared:
      purposes = Distinct(e.data_shared().purposes());
      categories = Distinct(e.data_shared().categories());
      recipient_category = e.data_shared().recipient().category();
      destination = e.data_shared().recipient().country();
      legal_basis = e.data_shared().legal_basis();
      break;
    case pdl::v1::PrivacyEvent::kDataTransferred:
      categories = Distinct(e.data_transferred().categories());
      recipient_category = e.data_transferred().recipient().category();
      destination = e.data_transferred().destination_country();
      break;
    default:
      return absl::OkStatus();
  }
  const int64_t occurred = Micros(e.occurred_at());
  const std::string key =
      rmkeys::RopaShapeKey(e.subject().kind(), recipient_category, destination, purposes, categories);
  // One row per shape of event: few and hot, so kept decoded for the batch.
  auto row = rmrows::MessageRow<pdl::v1::RopaCell>(batch, Cf::kRopa, key);
  if (!row.ok()) return row.status();
  pdl::v1::RopaCell& cell = **row;
  const bool found = cell.count() > 0;
  if (!found) {
    cell.set_subject_kind(e.subject().kind());
    cell.set_recipient_category(recipient_category);
    cell.set_destination(destination);
    for (auto& p : purposes) cell.add_purposes(std::move(p));
    for (auto& c : categories) cell.add_categories(std::move(c));
  }
  cell.set_count(cell.count() + 1);
  if (!found || occurred < Micros(cell.first_seen())) *cell.mutable_first_seen() = e.occurred_at();
  if (!found || occurred > Micros(cell.last_seen())) *cell.mutable_last_seen() = e.occurred_at();
  if (legal_basis != pdl::v1::LEGAL_BASIS_UNSPECIFIED) rmrows::InsertSorted(cell.mutable_legal_bases(), legal_basis);
  if (!retention_rule.empty()) rmrows::InsertSorted(cell.mutable_retention_rules(), retention_rule);
  rmrows::InsertSorted(cell.mutable_actions(), ActionOf(e));
  return absl::OkStatus();
}

}  // namespace pdl
