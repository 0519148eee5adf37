#include "projections/read_models/findings.h"

#include "ledger/event_codec.h"
#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl {

absl::Status FindingsModel::Apply(const SealedEventView& sealed, BatchWriter& batch) {
  if (sealed.findings.empty()) return absl::OkStatus();
  const rmkeys::EventPos pos = rmrows::PosOf(sealed);
  batch.Put(Cf::kFindingsBySubject, rmkeys::SubjectEventFindingsKey(sealed.event->subject().id(), pos), "");
  for (size_t i = 0; i < sealed.findings.size(); ++i) {
    const pdl::v1::Finding& finding = sealed.findings[i];
    const auto index = static_cast<uint32_t>(i);
    batch.Put(Cf::kFindings,
              rmkeys::FindingKey(pos.micros, finding.rule_id(), static_cast<uint32_t>(finding.severity()),
                                 pos.partition, pos.seq, index),
              "");
  }
  return absl::OkStatus();
}

pdl::v1::FindingRecord EventFindingRecord(const SealedEventView& sealed, size_t index) {
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  const pdl::v1::Finding& finding = sealed.findings[index];
  pdl::v1::FindingRecord record;
  *record.mutable_occurred_at() = e.occurred_at();
  record.set_rule_id(finding.rule_id());
  record.set_severity(finding.severity());
  record.set_explanation(finding.explanation());
  record.set_subject_id(e.subject().id());
  *record.mutable_event() = rmrows::RefOf(sealed);
  record.set_action(ActionOf(e));
  record.set_policy_version(sealed.policy_version);
  SetTimestamp(record.mutable_recorded_at(), sealed.recorded_at);
  return record;
}

}  // namespace pdl
