#include "projections/read_models/disclosures.h"

#include "pdl/v1/read_models.pb.h"
#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl {

pdl::v1::DisclosureRecord MakeDisclosureRecord(const SealedEventView& sealed) {
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  const pdl::v1::DataShared& s = e.data_shared();
  pdl::v1::DisclosureRecord record;
  *record.mutable_occurred_at() = e.occurred_at();
  *record.mutable_recipient() = s.recipient();
  *record.mutable_categories() = s.categories();
  *record.mutable_purposes() = s.purposes();
  record.set_legal_basis(s.legal_basis());
  record.set_agreement_ref(s.agreement_ref());
  record.set_subject_id(e.subject().id());
  *record.mutable_event() = rmrows::RefOf(sealed);
  record.set_policy_version(sealed.policy_version);
  return record;
}

absl::Status DisclosuresModel::Apply(const SealedEventView& sealed, BatchWriter& batch) {
  if (sealed.event->action_case() != pdl::v1::PrivacyEvent::kDataShared) return absl::OkStatus();
  const pdl::v1::Recipient& recipient = sealed.event->data_shared().recipient();
  const rmkeys::EventPos pos = rmrows::PosOf(sealed);
  const std::string value = rmrows::Bytes(MakeDisclosureRecord(sealed));
  batch.Put(Cf::kDisclosures, rmkeys::HeadTimeKey(rmkeys::RecipientKey(recipient), pos), value);
  batch.Put(Cf::kDisclosuresByCategory, rmkeys::HeadTimeKey(recipient.category(), pos), value);
  return absl::OkStatus();
}

}  // namespace pdl
