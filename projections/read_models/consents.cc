#include "projections/read_models/consents.h"

#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl {

using rmrows::Micros;

std::optional<pdl::v1::ConsentRecord> ConsentAsOf(const pdl::v1::ConsentRecord& stored,
                                                  std::optional<int64_t> as_of_micros) {
  pdl::v1::ConsentRecord out;
  out.set_subject_id(stored.subject_id());
  out.set_consent_id(stored.consent_id());
  const pdl::v1::ConsentChange* last = nullptr;
  const pdl::v1::ConsentChange* last_given = nullptr;
  for (const auto& change : stored.changes()) {
    if (as_of_micros.has_value() && Micros(change.at()) > *as_of_micros) continue;
    *out.add_changes() = change;
    if (last == nullptr || Micros(change.at()) >= Micros(last->at())) last = &change;
    if (change.status() == pdl::v1::CONSENT_STATUS_GIVEN &&
        (last_given == nullptr || Micros(change.at()) >= Micros(last_given->at()))) {
      last_given = &change;
    }
  }
  if (last == nullptr) return std::nullopt;
  out.set_status(last->status());
  const pdl::v1::ConsentChange& described = last_given != nullptr ? *last_given : *last;
  *out.mutable_purposes() = described.purposes();
  out.set_scope(described.scope().empty() ? last->scope() : described.scope());
  if (last_given != nullptr) *out.mutable_given_at() = last_given->at();
  if (last->status() == pdl::v1::CONSENT_STATUS_WITHDRAWN) *out.mutable_withdrawn_at() = last->at();
  return out;
}

absl::Status ConsentsModel::Apply(const SealedEventView& sealed, BatchWriter& batch) {
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  pdl::v1::ConsentChange change;
  std::string consent_id;
  if (e.has_consent_given()) {
    const auto& g = e.consent_given();
    consent_id = g.consent_id();
    change.set_status(pdl::v1::CONSENT_STATUS_GIVEN);
    *change.mutable_purposes() = g.purposes();
    change.set_scope(g.scope());
    change.set_policy_version(g.policy_version());
  } else if (e.has_consent_withdrawn()) {
    const auto& w = e.consent_withdrawn();
    consent_id = w.consent_id();
    change.set_status(pdl::v1::CONSENT_STATUS_WITHDRAWN);
    *change.mutable_purposes() = w.purposes();
    change.set_scope(w.scope());
    change.set_policy_version(w.policy_version());
  } else {
    return absl::OkStatus();
  }
  *change.mutable_at() = e.occurred_at();
  *change.mutable_event() = rmrows::RefOf(sealed);
  std::string key = rmkeys::ConsentKey(e.subject().id(), consent_id);
  rmkeys::AppendPos(&key, rmrows::PosOf(sealed));
  batch.Put(Cf::kConsents, key, rmrows::Bytes(change));
  return absl::OkStatus();
}

}  // namespace pdl
