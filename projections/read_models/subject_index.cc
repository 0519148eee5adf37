#include "projections/read_models/subject_index.h"

#include <algorithm>

#include "pdl/v1/read_models.pb.h"
#include "projections/read_models/disclosures.h"
#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"
#include "projections/read_models/transfers.h"

namespace pdl {
namespace {

// Adds `name` to the sorted `list` with first_seen `at`, or lowers its first_seen; true when it changed.
bool KeepFirstSeen(google::protobuf::RepeatedPtrField<pdl::v1::SubjectMeta::FirstSeen>* list, const std::string& name,
                   const google::protobuf::Timestamp& at) {
  auto it =
      std::lower_bound(list->begin(), list->end(), name,
                       [](const pdl::v1::SubjectMeta::FirstSeen& e, const std::string& n) { return e.name() < n; });
  if (it != list->end() && it->name() == name) {
    if (rmrows::Micros(at) >= rmrows::Micros(it->first_seen())) return false;
    *it->mutable_first_seen() = at;
    return true;
  }
  const int index = static_cast<int>(it - list->begin());
  auto* added = list->Add();
  added->set_name(name);
  *added->mutable_first_seen() = at;
  for (int i = list->size() - 1; i > index; --i) list->SwapElements(i, i - 1);
  return true;
}

}  // namespace

absl::Status SubjectIndexModel::Apply(const SealedEventView& sealed, BatchWriter& batch) {
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  const std::string& subject = e.subject().id();
  const rmkeys::EventPos pos = rmrows::PosOf(sealed);
  if (e.subject().has_sealed_identity()) {
    pdl::v1::IdentityRecord identity;
    *identity.mutable_event() = rmrows::RefOf(sealed);
    *identity.mutable_sealed_identity() = e.subject().sealed_identity();
    batch.Put(Cf::kSubjectIndex, rmkeys::SubjectTagPosKey(subject, rmkeys::kTagIdentity, pos), rmrows::Bytes(identity));
  }
  {
    const std::string key = rmkeys::SubjectTagPrefix(subject, rmkeys::kTagMeta);
    // Read on every event of the subject: kept decoded for the batch, written once if it changed.
    auto row = rmrows::MessageRow<pdl::v1::SubjectMeta>(batch, Cf::kSubjectIndex, key);
    if (!row.ok()) return row.status();
    pdl::v1::SubjectMeta& meta = **row;
    if (!e.subject().kind().empty()) KeepFirstSeen(meta.mutable_kinds(), e.subject().kind(), e.occurred_at());
    if (!sealed.policy_version.empty()) {
      KeepFirstSeen(meta.mutable_policy_versions(), sealed.policy_version, e.occurred_at());
    }
  }
  if (e.has_data_shared()) {
    batch.Put(Cf::kSubjectIndex, rmkeys::SubjectTagPosKey(subject, rmkeys::kTagDisclosure, pos),
              rmrows::Bytes(MakeDisclosureRecord(sealed)));
  } else if (e.has_data_transferred()) {
    batch.Put(Cf::kSubjectIndex, rmkeys::SubjectTagPosKey(subject, rmkeys::kTagTransfer, pos),
              rmrows::Bytes(MakeTransferRecord(sealed)));
  }
  return absl::OkStatus();
}

}  // namespace pdl
