#include "projections/read_models/rights_requests.h"

#include "ledger/policy/findings.h"
#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl {

using rmrows::Micros;

absl::Time ResponseDueAt(absl::Time opened) { return policy::RequestDueAt(/*policy=*/nullptr, opened); }

bool EvaluateRequestAt(pdl::v1::RightsRequestRecord* record, int64_t as_of_micros) {
  const bool opened = record->has_opened_at() && Micros(record->opened_at()) <= as_of_micros;
  const bool closed = record->has_closed_at() && Micros(record->closed_at()) <= as_of_micros;
  if (!opened && !closed) return false;
  record->set_status(closed ? pdl::v1::RIGHTS_REQUEST_STATUS_CLOSED : pdl::v1::RIGHTS_REQUEST_STATUS_OPEN);
  record->set_overdue(!closed && record->has_due_at() && Micros(record->due_at()) < as_of_micros);
  return true;
}

namespace {

// The request.overdue finding of a request still open after its due_at (put, or withdrawn when it is closed: a
// close after the deadline seals a request.overdue of its own). A function of the record's identity and due_at.
void OverdueFinding(const pdl::v1::RightsRequestRecord& record, bool put, BatchWriter& batch) {
  rmrows::TimeDrivenFinding(batch,
                            policy::RequestOverdueFinding(record.right(), absl::FromUnixMicros(Micros(record.due_at()))),
                            record.subject_id(), Micros(record.due_at()), record.opened_by(),
                            pdl::v1::EVENT_ACTION_RIGHTS_REQUEST_OPENED, record.policy_version(), 0x80000000u, put);
}

}  // namespace

absl::Status RightsRequestsModel::Apply(const SealedEventView& sealed, BatchWriter& batch) {
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  auto clock = rmrows::AdvanceLogClock(batch, Cf::kRequestsOpen, sealed);
  if (!clock.ok()) return clock.status();
  if (!e.has_rights_request_opened() && !e.has_rights_request_closed()) return absl::OkStatus();
  const std::string& request_id =
      e.has_rights_request_opened() ? e.rights_request_opened().request_id() : e.rights_request_closed().request_id();
  const std::string key = rmkeys::RequestKey(e.subject().id(), request_id);
  pdl::v1::RightsRequestRecord record;
  auto found = rmrows::ReadRow(batch, Cf::kRequests, key, &record);
  if (!found.ok()) return found.status();
  const pdl::v1::RightsRequestRecord previous = record;
  const int64_t old_due = record.has_due_at() ? Micros(record.due_at()) : rmkeys::kNoDue;
  const bool was_open = *found && !record.has_closed_at();
  record.set_subject_id(e.subject().id());
  record.set_request_id(request_id);

  if (e.has_rights_request_opened()) {
    if (!record.has_opened_at() || Micros(e.occurred_at()) < Micros(record.opened_at())) {
      *record.mutable_opened_at() = e.occurred_at();
      *record.mutable_opened_by() = rmrows::RefOf(sealed);
      const absl::Time due = options_.due_at != nullptr ? options_.due_at(sealed)
                                                        : ResponseDueAt(absl::FromUnixMicros(Micros(e.occurred_at())));
      rmrows::SetMicros(record.mutable_due_at(), absl::ToUnixMicros(due));
      record.set_policy_version(sealed.policy_version);
      record.set_right(e.rights_request_opened().right());
    }
  } else {
    const auto& c = e.rights_request_closed();
    *record.mutable_closed_at() = e.occurred_at();
    *record.mutable_closed_by() = rmrows::RefOf(sealed);
    record.set_outcome(c.outcome());
    if (record.right() == pdl::v1::SUBJECT_RIGHT_UNSPECIFIED) record.set_right(c.right());
  }

  const int64_t due = record.has_due_at() ? Micros(record.due_at()) : rmkeys::kNoDue;
  const std::string value = rmrows::Bytes(record);
  batch.Put(Cf::kRequests, key, value);
  if (*found && old_due != due)
    batch.Delete(Cf::kRequestsByDue, rmkeys::RequestDueKey(old_due, e.subject().id(), request_id));
  batch.Put(Cf::kRequestsByDue, rmkeys::RequestDueKey(due, e.subject().id(), request_id), value);
  if (was_open && (old_due != due || record.has_closed_at())) {
    batch.Delete(Cf::kRequestsOpen, rmkeys::RequestDueKey(old_due, e.subject().id(), request_id));
    // The sweep may have found it overdue as it was: no longer open, or opened earlier and so due earlier now.
    if (old_due != rmkeys::kNoDue) OverdueFinding(previous, /*put=*/false, batch);
  }
  if (!record.has_closed_at()) {
    batch.Put(Cf::kRequestsOpen, rmkeys::RequestDueKey(due, e.subject().id(), request_id), value);
    // Opened after the log passed its deadline (an event arriving late): overdue at once; the sweep has passed.
    if (due != rmkeys::kNoDue && (*clock)->swept.has_value() && due < *(*clock)->swept) {
      OverdueFinding(record, /*put=*/true, batch);
    }
  }
  return absl::OkStatus();
}

absl::Status RightsRequestsModel::Finish(BatchWriter& batch) {
  auto clock = rmrows::LogClockRow(batch, Cf::kRequestsOpen);
  if (!clock.ok()) return clock.status();
  // Open requests due before the log's instant (kNoDue rows, a close without an open, are never due).
  const auto range = rmrows::SweepRange(**clock, rmkeys::kNoDue + 1);
  if (!range.has_value()) return absl::OkStatus();
  (*clock)->swept = (*clock)->now;
  auto open = batch.Scan(Cf::kRequestsOpen, range->first, range->second);
  if (!open.ok()) return open.status();
  for (const auto& [key, bytes] : *open) {
    pdl::v1::RightsRequestRecord record;
    if (!record.ParseFromString(bytes)) return absl::DataLossError("requests_open: a row does not parse");
    OverdueFinding(record, /*put=*/true, batch);
  }
  return absl::OkStatus();
}

}  // namespace pdl
