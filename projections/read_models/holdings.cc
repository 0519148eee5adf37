#include "projections/read_models/holdings.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "ledger/policy/findings.h"
#include "ledger/policy/period.h"
#include "ledger/sv.h"
#include "pdl/v1/read_models.pb.h"
#include "projections/keys.h"
#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl {
namespace {

using pdl::v1::HoldingCollection;
using pdl::v1::HoldingPeriod;
using pdl::v1::HoldingSet;
using rmrows::Micros;
using rmrows::SetMicros;

rmkeys::EventPos OpenedPos(const HoldingPeriod& period) {
  return rmkeys::EventPos{Micros(period.opened_by().occurred_at()), period.opened_by().partition(),
                          period.opened_by().seq()};
}

std::vector<std::string> Distinct(const google::protobuf::RepeatedPtrField<std::string>& values) {
  std::vector<std::string> out(values.begin(), values.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Records that the event now applied gave `way` (the collection at `way_index` of `period`) the retain_until
// `retain` (µs), for reports as of an earlier instant: one step in `steps`, and the way's retained_at.
void AddStep(const HoldingPeriod& period, int way_index, HoldingCollection& way, int64_t retain, int64_t occurred,
             pdl::v1::RetentionSteps* steps) {
  auto* step = steps->add_steps();
  step->set_system(period.system());
  step->set_category(period.category());
  step->set_opened_partition(period.opened_by().partition());
  step->set_opened_seq(period.opened_by().seq());
  step->set_way(static_cast<uint32_t>(way_index));
  SetMicros(step->mutable_retain_until(), retain);
  if (!way.has_retained_at() || occurred > Micros(way.retained_at())) SetMicros(way.mutable_retained_at(), occurred);
}

// Writes the event's steps, if any, at its position in the subject index.
void PutSteps(const SealedEventView& sealed, const pdl::v1::RetentionSteps& steps, BatchWriter& batch) {
  if (steps.steps().empty()) return;
  batch.Put(Cf::kSubjectIndex,
            rmkeys::SubjectTagPosKey(sealed.event->subject().id(), rmkeys::kTagRetention, rmrows::PosOf(sealed)),
            rmrows::Bytes(steps));
}

// The open periods of one subject in one system: one row, kept decoded for the batch (BatchWriter::Row), since a
// subject's collections into a system come in runs. No row once nothing is open.
absl::StatusOr<HoldingSet*> OpenSet(BatchWriter& batch, std::string_view subject_id, std::string_view system) {
  return rmrows::MessageRow<HoldingSet>(batch, Cf::kHoldings, rmkeys::HoldingSystemKey(subject_id, system));
}

// The open period of `category` in `set`, or where it would be inserted.
int Find(const HoldingSet& set, const std::string& category, bool* found) {
  auto it = std::lower_bound(set.open().begin(), set.open().end(), category,
                             [](const HoldingPeriod& p, const std::string& c) { return p.category() < c; });
  *found = it != set.open().end() && it->category() == category;
  return static_cast<int>(it - set.open().begin());
}

// `rule`: the retention rule that governs the collection (RetentionRuleOf).
bool SameWay(const HoldingCollection& c, const pdl::v1::PrivacyEvent& e, std::string_view rule) {
  const auto& d = e.data_collected();
  return c.legal_basis() == d.legal_basis() && c.method() == d.method() && c.source() == e.source() &&
         c.retention_rule() == rule && c.consent_id() == d.consent_id() &&
         std::equal(c.purposes().begin(), c.purposes().end(), d.purposes().begin(), d.purposes().end());
}

std::string DueKey(const HoldingPeriod& period) {
  return rmkeys::RetentionDueKey(Micros(period.retain_until()), period.subject_id(), period.system(), period.category(),
                                 OpenedPos(period));
}

pdl::v1::RetentionDueRecord DueRecord(const HoldingPeriod& period, std::string_view due_key) {
  pdl::v1::RetentionDueRecord due;
  *due.mutable_retain_until() = period.retain_until();
  due.set_subject_id(period.subject_id());
  due.set_system(period.system());
  due.set_category(period.category());
  *due.mutable_since() = period.since();
  for (const auto& c : period.collections()) {
    for (const auto& p : c.purposes()) rmrows::InsertSorted(due.mutable_purposes(), p);
    if (!c.retention_rule().empty()) rmrows::InsertSorted(due.mutable_retention_rules(), c.retention_rule());
  }
  if (period.has_overdue_at()) *due.mutable_overdue_at() = period.overdue_at();
  due.set_notice_id(absl::StrCat("due-", absl::BytesToHexString(Sv(Sha256(due_key).substr(0, 12)))));
  return due;
}

std::string OverdueKey(const HoldingPeriod& period) {
  return rmkeys::RetentionDueKey(Micros(period.overdue_at()), period.subject_id(), period.system(),
                                 period.category(), OpenedPos(period));
}

// The retention_overdue entry: which period the key names (the key's fields, decoded).
std::string OverdueEntry(const HoldingPeriod& period) {
  HoldingPeriod entry;
  entry.set_subject_id(period.subject_id());
  entry.set_system(period.system());
  entry.set_category(period.category());
  *entry.mutable_opened_by() = period.opened_by();
  *entry.mutable_overdue_at() = period.overdue_at();
  return rmrows::Bytes(entry);
}

// The policy version whose retention rule gives the period its retain_until: that of the collection with the latest
// retain_until (the first such; the first collection when none has one).
std::string_view GoverningPolicyVersion(const HoldingPeriod& period) {
  const pdl::v1::HoldingCollection* governing = nullptr;
  for (const auto& c : period.collections()) {
    const bool later = governing == nullptr ||
                       (c.has_retain_until() && (!governing->has_retain_until() ||
                                                 Micros(c.retain_until()) > Micros(governing->retain_until())));
    if (later) governing = &c;
  }
  return governing != nullptr ? std::string_view(governing->policy_version()) : std::string_view();
}

// The retention.overdue finding of `period` at its overdue_at (put, or retracted when a later event shows the
// period was not open then). A function of the period's identity and overdue_at only, so that it is the same row
// whichever of the sweep, a collection or the deletion writes it.
void OverdueFinding(const HoldingPeriod& period, bool put, BatchWriter& batch) {
  // One opening event opens a period per category (and system): the index tells them apart, from a hash of the two.
  const std::string id = Sha256(absl::StrCat(period.system(), absl::string_view("\0", 1), period.category()));
  uint32_t index = 0;
  for (int i = 0; i < 4; ++i) index = (index << 8) | static_cast<uint8_t>(id[i]);
  rmrows::TimeDrivenFinding(
      batch, policy::RetentionOverdueFinding(period.category(), period.system(), ToTime(period.overdue_at())),
      period.subject_id(), Micros(period.overdue_at()), period.opened_by(), pdl::v1::EVENT_ACTION_DATA_COLLECTED,
      GoverningPolicyVersion(period), index | 0x80000000u, put);
}

// Reports `period` overdue now: its finding, and it leaves the retention_overdue index (`indexed`: it is there).
void ReportOverdue(HoldingPeriod& period, BatchWriter& batch, bool indexed = true) {
  OverdueFinding(period, /*put=*/true, batch);
  if (indexed) batch.Delete(Cf::kRetentionOverdue, OverdueKey(period));
  period.set_overdue_reported(true);
}

absl::StatusOr<rmrows::LogClock*> WatermarkRow(BatchWriter& batch) {
  return rmrows::LogClockRow(batch, Cf::kRetentionOverdue);
}

// Extends `period` to `retain` and `overdue` (each std::nullopt when the event gives none), as of an event that
// occurred at `occurred`, and keeps its retention_due row (key `old_due` before the event; rewritten when
// `due_changed` or when the event moves it) and its retention_overdue entry in step. `existed`: the period was
// open before the event.
absl::Status Extend(HoldingPeriod& period, bool existed, std::optional<int64_t> retain,
                    std::optional<int64_t> overdue, int64_t occurred, bool due_changed,
                    const std::optional<std::string>& old_due, BatchWriter& batch) {
  if (retain.has_value() && (!period.has_retain_until() || *retain > Micros(period.retain_until()))) {
    SetMicros(period.mutable_retain_until(), *retain);
    due_changed = true;
  }

  // Overdue by event time: open past its overdue_at when this event happened.
  const bool had_overdue = existed && period.has_overdue_at();
  if (had_overdue && occurred > Micros(period.overdue_at()) && !period.overdue_reported()) {
    ReportOverdue(period, batch);
  }
  if (overdue.has_value() && (!period.has_overdue_at() || *overdue > Micros(period.overdue_at()))) {
    if (had_overdue) {
      if (!period.overdue_reported()) {
        batch.Delete(Cf::kRetentionOverdue, OverdueKey(period));
      } else if (occurred <= Micros(period.overdue_at())) {
        // The sweep reported it because the log had passed overdue_at, but this event, from before then, extends
        // the retention: it was not overdue.
        OverdueFinding(period, /*put=*/false, batch);
      }
    }
    SetMicros(period.mutable_overdue_at(), *overdue);
    period.set_overdue_reported(false);
    auto watermark = WatermarkRow(batch);
    if (!watermark.ok()) return watermark.status();
    if ((*watermark)->now.has_value() && *overdue < *(*watermark)->now) {
      ReportOverdue(period, batch, /*indexed=*/false);  // the log is past it already
    } else {
      batch.Put(Cf::kRetentionOverdue, OverdueKey(period), OverdueEntry(period));
    }
    due_changed = true;
  }

  if (period.has_retain_until() && due_changed) {
    const std::string due_key = DueKey(period);
    if (old_due.has_value() && *old_due != due_key) batch.Delete(Cf::kRetentionDue, *old_due);
    batch.Put(Cf::kRetentionDue, due_key, rmrows::Bytes(DueRecord(period, due_key)));
  }
  return absl::OkStatus();
}

// The systems in which the subject has open holdings: the keys of its HoldingSet rows, which sort before its closed
// periods (read_model_keys.h).
absl::StatusOr<std::vector<std::string>> OpenSystems(BatchWriter& batch, std::string_view subject_id) {
  const std::string prefix = rmkeys::HoldingSubjectPrefix(subject_id);
  auto rows = batch.Scan(Cf::kHoldings, prefix, rmkeys::HoldingOpenEnd(subject_id));
  if (!rows.ok()) return rows.status();
  std::vector<std::string> systems;
  for (const auto& [key, value] : *rows) {
    std::string_view rest(key);
    rest.remove_prefix(prefix.size());
    std::string system;
    if (!keys::ConsumeString(&rest, &system) || !rest.empty()) {
      return absl::DataLossError("holdings: an open set's key does not decode");
    }
    systems.push_back(std::move(system));
  }
  return systems;
}

// The event that ends an until-event retention happened (account closure, or the withdrawal of `consent_id`):
// every open collection of the subject under such a rule gets retain_until = occurred_at + the rule's period.
absl::Status EndUntilEvent(const SealedEventView& sealed, pdl::v1::RetentionEvent ending, std::string_view consent_id,
                           BatchWriter& batch) {
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  const int64_t occurred = Micros(e.occurred_at());
  auto systems = OpenSystems(batch, e.subject().id());
  if (!systems.ok()) return systems.status();
  pdl::v1::RetentionSteps steps;
  for (const std::string& system : *systems) {
    auto open = OpenSet(batch, e.subject().id(), system);
    if (!open.ok()) return open.status();
    for (HoldingPeriod& period : *(*open)->mutable_open()) {
      std::optional<int64_t> retain, overdue;
      const std::optional<std::string> old_due =
          period.has_retain_until() ? std::optional<std::string>(DueKey(period)) : std::nullopt;
      for (int w = 0; w < period.collections_size(); ++w) {
        HoldingCollection& way = *period.mutable_collections(w);
        if (way.until_event().event() != ending || way.has_retain_until()) continue;
        if (ending == pdl::v1::RETENTION_EVENT_CONSENT_WITHDRAWAL && way.consent_id() != consent_id) continue;
        const absl::Time until = policy::AddPeriod(ToTime(e.occurred_at()), way.until_event().plus());
        SetMicros(way.mutable_retain_until(), absl::ToUnixMicros(until));
        const int64_t due = absl::ToUnixMicros(until);
        AddStep(period, w, way, due, occurred, &steps);
        const int64_t late = absl::ToUnixMicros(policy::RetentionOverdueAt(until, way.until_grace()));
        retain = retain.has_value() ? std::max(*retain, due) : due;
        overdue = overdue.has_value() ? std::max(*overdue, late) : late;
      }
      if (!retain.has_value()) continue;
      if (absl::Status s = Extend(period, /*existed=*/true, retain, overdue, occurred, false, old_due, batch);
          !s.ok()) {
        return s;
      }
    }
  }
  PutSteps(sealed, steps, batch);
  return absl::OkStatus();
}

}  // namespace

absl::Status HoldingsModel::Apply(const SealedEventView& sealed, BatchWriter& batch) {
  if (auto clock = rmrows::AdvanceLogClock(batch, Cf::kRetentionOverdue, sealed); !clock.ok()) return clock.status();
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  switch (e.action_case()) {
    case pdl::v1::PrivacyEvent::kDataCollected:
      return Collect(sealed, batch);
    case pdl::v1::PrivacyEvent::kDataDeleted: {
      if (absl::Status s = Delete(sealed, batch); !s.ok()) return s;
      // Deleting everything of one system at the subject's request closes the account: the other systems' data
      // kept "until account closure" now has an end.
      if (e.data_deleted().categories().empty() &&
          e.data_deleted().reason() == pdl::v1::DELETION_REASON_SUBJECT_REQUEST) {
        return EndUntilEvent(sealed, pdl::v1::RETENTION_EVENT_ACCOUNT_CLOSURE, "", batch);
      }
      return absl::OkStatus();
    }
    case pdl::v1::PrivacyEvent::kConsentWithdrawn:
      return EndUntilEvent(sealed, pdl::v1::RETENTION_EVENT_CONSENT_WITHDRAWAL, e.consent_withdrawn().consent_id(),
                           batch);
    case pdl::v1::PrivacyEvent::kRightsRequestClosed:
      if (IsFulfilledErasure(e)) return EndUntilEvent(sealed, pdl::v1::RETENTION_EVENT_ACCOUNT_CLOSURE, "", batch);
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

absl::Status HoldingsModel::Collect(const SealedEventView& sealed, BatchWriter& batch) {
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  const pdl::v1::DataCollected& c = e.data_collected();
  const int64_t occurred = Micros(e.occurred_at());
  auto open = OpenSet(batch, e.subject().id(), c.system());
  if (!open.ok()) return open.status();
  HoldingSet& set = **open;

  pdl::v1::RetentionSteps steps;
  for (const std::string& category : Distinct(c.categories())) {
    std::optional<int64_t> retain;
    if (c.has_retain_until()) retain = Micros(c.retain_until());
    if (e.subject().minor()) retain = retain.has_value() ? std::min(*retain, occurred) : occurred;
    CollectedRetention rules;
    if (options_.retain_until) {
      auto computed = options_.retain_until(sealed, category, batch);
      if (!computed.ok()) return computed.status();
      rules = std::move(*computed);
    }
    if (!retain.has_value() && rules.retain_until.has_value()) retain = absl::ToUnixMicros(*rules.retain_until);
    // The rule the policy applies (the one the event names, or the first that covers it), else what the event says.
    const std::string_view rule = rules.rule_id.empty() ? std::string_view(c.retention_rule()) : rules.rule_id;
    std::optional<int64_t> overdue;
    if (retain.has_value()) {
      overdue = absl::ToUnixMicros(policy::RetentionOverdueAt(absl::FromUnixMicros(*retain), rules.grace));
    }

    bool found = false;
    const int index = Find(set, category, &found);
    if (!found) {
      set.add_open();
      for (int i = set.open_size() - 1; i > index; --i) set.mutable_open()->SwapElements(i, i - 1);
      HoldingPeriod* fresh = set.mutable_open(index);
      fresh->set_subject_id(e.subject().id());
      fresh->set_system(c.system());
      fresh->set_category(category);
      fresh->set_subject_kind(e.subject().kind());
      *fresh->mutable_since() = e.occurred_at();
      *fresh->mutable_opened_by() = rmrows::RefOf(sealed);
    }
    HoldingPeriod& period = *set.mutable_open(index);
    const std::optional<std::string> old_due =
        period.has_retain_until() ? std::optional<std::string>(DueKey(period)) : std::nullopt;
    // Whether this collection changes what the retention_due row shows (purposes, rules, since, retain_until).
    bool due_changed = !found;

    HoldingCollection* way = nullptr;
    int way_index = 0;
    for (; way_index < period.collections_size(); ++way_index) {
      if (SameWay(period.collections(way_index), e, rule)) {
        way = period.mutable_collections(way_index);
        break;
      }
    }
    if (way == nullptr) {
      way_index = period.collections_size();
      way = period.add_collections();
      *way->mutable_purposes() = c.purposes();
      way->set_legal_basis(c.legal_basis());
      way->set_method(c.method());
      way->set_source(e.source());
      way->set_retention_rule(std::string(rule));
      way->set_consent_id(c.consent_id());
      *way->mutable_first_seen() = e.occurred_at();
      *way->mutable_first_event() = rmrows::RefOf(sealed);
      due_changed = true;
    } else if (occurred < Micros(way->first_seen())) {
      *way->mutable_first_seen() = e.occurred_at();
      *way->mutable_first_event() = rmrows::RefOf(sealed);
    }
    if (retain.has_value() && (!way->has_retain_until() || *retain > Micros(way->retain_until()))) {
      SetMicros(way->mutable_retain_until(), *retain);
    }
    if (retain.has_value()) AddStep(period, way_index, *way, *retain, occurred, &steps);
    if (!sealed.policy_version.empty() && way->policy_version() != sealed.policy_version) {
      way->set_policy_version(sealed.policy_version);
    }
    // (An unchanged row is not rewritten: BatchWriter::Row compares the bytes.)
    if (rules.until.has_value() && !way->has_retain_until()) {
      *way->mutable_until_event() = *rules.until;
      *way->mutable_until_grace() = rules.grace;
    }
    if (occurred < Micros(period.since())) {
      *period.mutable_since() = e.occurred_at();
      due_changed = true;
    }
    if (absl::Status s = Extend(period, found, retain, overdue, occurred, due_changed, old_due, batch); !s.ok()) {
      return s;
    }
  }
  PutSteps(sealed, steps, batch);
  return absl::OkStatus();
}

absl::Status HoldingsModel::Delete(const SealedEventView& sealed, BatchWriter& batch) {
  const pdl::v1::PrivacyEvent& e = *sealed.event;
  const pdl::v1::DataDeleted& d = e.data_deleted();
  auto open = OpenSet(batch, e.subject().id(), d.system());
  if (!open.ok()) return open.status();
  HoldingSet& set = **open;
  const std::vector<std::string> categories = Distinct(d.categories());
  google::protobuf::RepeatedPtrField<HoldingPeriod> kept;
  for (HoldingPeriod& period : *set.mutable_open()) {
    if (!categories.empty() && !std::binary_search(categories.begin(), categories.end(), period.category())) {
      kept.Add()->Swap(&period);
      continue;
    }
    if (period.has_retain_until()) batch.Delete(Cf::kRetentionDue, DueKey(period));
    *period.mutable_deleted_at() = Micros(e.occurred_at()) < Micros(period.since()) ? period.since() : e.occurred_at();
    if (period.has_overdue_at()) {
      const bool late = Micros(period.deleted_at()) > Micros(period.overdue_at());
      if (!period.overdue_reported()) {
        batch.Delete(Cf::kRetentionOverdue, OverdueKey(period));
        if (late) OverdueFinding(period, /*put=*/true, batch);
      } else if (!late) {
        OverdueFinding(period, /*put=*/false, batch);  // reported by the sweep, but deleted in time
      }
      period.set_overdue_reported(late);
    }
    period.set_deletion_reason(d.reason());
    period.set_deletion_request_id(d.request_id());
    period.set_deletion_notice_id(d.notice_id());
    *period.mutable_deleted_by() = rmrows::RefOf(sealed);
    batch.Put(Cf::kHoldings,
              rmkeys::HoldingClosedKey(period.subject_id(), period.system(), period.category(), OpenedPos(period)),
              rmrows::Bytes(period));
  }
  set.mutable_open()->Swap(&kept);
  return absl::OkStatus();
}

absl::Status HoldingsModel::Finish(BatchWriter& batch) {
  auto watermark = WatermarkRow(batch);
  if (!watermark.ok()) return watermark.status();
  // Every open period whose overdue_at is before the watermark (overdue: open after that instant).
  const auto range = rmrows::SweepRange(**watermark, INT64_MIN);
  if (!range.has_value()) return absl::OkStatus();
  (*watermark)->swept = (*watermark)->now;
  auto entries = batch.Scan(Cf::kRetentionOverdue, range->first, range->second);
  if (!entries.ok()) return entries.status();
  for (const auto& [key, bytes] : *entries) {
    HoldingPeriod entry;
    if (!entry.ParseFromString(bytes)) return absl::DataLossError("retention_overdue: entry does not parse");
    auto open = OpenSet(batch, entry.subject_id(), entry.system());
    if (!open.ok()) return open.status();
    bool found = false;
    const int index = Find(**open, entry.category(), &found);
    HoldingPeriod* period = found ? (*open)->mutable_open(index) : nullptr;
    if (period == nullptr || OverdueKey(*period) != key || period->overdue_reported()) {
      return absl::DataLossError("retention_overdue: an entry names no open period that is due");
    }
    ReportOverdue(*period, batch);
  }
  return absl::OkStatus();
}

}  // namespace pdl
