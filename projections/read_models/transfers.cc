#include "projections/read_models/transfers.h"

#include "pdl/v1/read_models.pb.h"
#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl {

pdl::v1::TransferRecord MakeTransferRecord(const SealedEventView& sealed) {
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  const pdl::v1::DataTransferred& t = e.data_transferred();
  pdl::v1::TransferRecord record;
  *record.mutable_occurred_at() = e.occurred_at();
  record.set_destination_country(t.destination_country());
  record.set_mechanism(t.mechanism());
  record.set_mechanism_ref(t.mechanism_ref());
  *record.mutable_recipient() = t.recipient();
  *record.mutable_categories() = t.categories();
  record.set_subject_id(e.subject().id());
  *record.mutable_event() = rmrows::RefOf(sealed);
  record.set_policy_version(sealed.policy_version);
  return record;
}

absl::Status TransfersModel::Apply(const SealedEventView& sealed, BatchWriter& batch) {
  if (sealed.event->action_case() != pdl::v1::PrivacyEvent::kDataTransferred) return absl::OkStatus();
  const pdl::v1::DataTransferred& t = sealed.event->data_transferred();
  batch.Put(Cf::kTransfers, rmkeys::TransferKey(t.destination_country(), rmrows::PosOf(sealed), t.mechanism()),
            rmrows::Bytes(MakeTransferRecord(sealed)));
  return absl::OkStatus();
}

}  // namespace pdl
