#include "projections/read_models/findings.h"

#include "ledger/event_codec.h"
#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl {

absl::Status FindingsModel::Apply(const SealedEventView& sealed, BatchWriter& batch) {
  if (sealed.findings.empty()) return absl::OkStatus();
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  const rmkeys::EventPos pos = rmrows::PosOf(sealed);
  batch.Put(Cf::kFindingsBySubject, rmkeys::SubjectEventFindingsKey(e.subject().id(), pos),
            rmrows::Bytes(EventFindingsRowOf(sealed)));
  pdl::v1::FindingsAtRow tags;
  for (const pdl::v1::Finding& finding : sealed.findings) rmrows::AddTag(&tags, finding);
  batch.Put(Cf::kFindings, rmkeys::EventFindingsKey(pos), rmrows::Bytes(tags));
  return absl::OkStatus();
}

pdl::v1::EventFindingsRow EventFindingsRowOf(const SealedEventView& sealed) {
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  pdl::v1::EventFindingsRow row;
  row.set_event_id(e.event_id());
  row.set_action(ActionOf(e));
  *row.mutable_occurred_at() = e.occurred_at();
  row.mutable_findings()->Assign(sealed.findings.begin(), sealed.findings.end());
  row.set_policy_version(sealed.policy_version);
  SetTimestamp(row.mutable_recorded_at(), sealed.recorded_at);
  return row;
}

pdl::v1::FindingRecord EventFindingRecord(const pdl::v1::EventFindingsRow& row, int index, std::string_view subject_id,
                                          uint32_t partition, uint64_t seq) {
  const pdl::v1::Finding& finding = row.findings(index);
  pdl::v1::FindingRecord record;
  *record.mutable_occurred_at() = row.occurred_at();
  record.set_rule_id(finding.rule_id());
  record.set_severity(finding.severity());
  record.set_explanation(finding.explanation());
  record.set_subject_id(std::string(subject_id));
  pdl::v1::EventRef* ref = record.mutable_event();
  ref->set_event_id(row.event_id());
  ref->set_partition(partition);
  ref->set_seq(seq);
  *ref->mutable_occurred_at() = row.occurred_at();
  record.set_action(row.action());
  record.set_policy_version(row.policy_version());
  *record.mutable_recorded_at() = row.recorded_at();
  return record;
}

}  // namespace pdl
