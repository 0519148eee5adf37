// GetSubjectReport: the Art. 15 answer, assembled from the subject's rows in one snapshot: holdings, consents,
// requests, findings_by_subject, subject_index (identity, kinds, policy versions, disclosures, transfers) and the
// subject timeline (event count). Everything is filtered to occurred_at <= as_of.

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "ledger/field_error.h"
#include "ledger/sv.h"
#include "ledger/vault/identity_cipher.h"
#include "projections/audit_queries.h"
#include "projections/keys.h"
#include "projections/queries/internal/finding_records.h"
#include "projections/queries/internal/paging.h"
#include "projections/read_models/consents.h"
#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"
#include "projections/read_models/rights_requests.h"
#include "projections/store.h"
#include "projections/vault_store.h"

namespace pdl {
namespace {

using rmrows::Micros;

// Calls `fn(key, value)` for every row of `family` in [lower, upper) as of `snapshot`.
template <typename Fn>
absl::Status Scan(const Store& store, const rocksdb::Snapshot* snapshot, Cf family, const std::string& lower,
                  const std::string& upper, Fn&& fn) {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  rocksdb::Slice upper_slice(upper);
  read.iterate_upper_bound = &upper_slice;
  auto it = store.NewIterator(family, read);
  for (it->Seek(lower); it->Valid(); it->Next()) {
    if (absl::Status s = fn(std::string_view(it->key().data(), it->key().size()),
                            std::string_view(it->value().data(), it->value().size()));
        !s.ok()) {
      return s;
    }
  }
  return FromRocks(it->status(), absl::StrCat("scanning ", Sv(CfName(family))));
}

template <typename Message>
absl::Status Parse(std::string_view value, Message* message, std::string_view family) {
  if (message->ParseFromArray(value.data(), static_cast<int>(value.size()))) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(Sv(family), ": row does not parse"));
}

// Rows of a subject_index tag whose position is at or before as_of: [prefix, prefix + (as_of + 1µs)).
std::string TagUpper(const std::string& prefix, int64_t as_of) {
  std::string upper = prefix;
  if (as_of == INT64_MAX) return keys::PrefixSuccessor(prefix);
  keys::AppendI64(&upper, as_of + 1);
  return upper;
}

void SetMin(google::protobuf::Timestamp* ts, const google::protobuf::Timestamp& v, bool first) {
  if (first || Micros(v) < Micros(*ts)) *ts = v;
}
void SetMax(google::protobuf::Timestamp* ts, const google::protobuf::Timestamp& v, bool first) {
  if (first || Micros(v) > Micros(*ts)) *ts = v;
}

// retain_until as of the report's instant of the way at an index of a period, when its stored value may come from
// later events (the way's retained_at is after as_of): from the subject's retention steps; std::nullopt for none.
using RetainAsOf = std::function<absl::StatusOr<std::optional<int64_t>>(const pdl::v1::HoldingPeriod&, int)>;

absl::Status AddHolding(const pdl::v1::HoldingPeriod& period, int64_t as_of, const RetainAsOf& retain_as_of,
                        pdl::v1::GetSubjectReportResponse* report,
                        std::map<std::pair<std::string, int>, pdl::v1::DataSource>* sources) {
  if (Micros(period.since()) > as_of) return absl::OkStatus();
  pdl::v1::Holding* h = report->add_holdings();
  h->set_system(period.system());
  h->set_category(period.category());
  *h->mutable_since() = period.since();
  const bool deleted = period.has_deleted_at() && Micros(period.deleted_at()) <= as_of;
  h->set_status(deleted ? pdl::v1::HOLDING_STATUS_DELETED : pdl::v1::HOLDING_STATUS_HELD);
  bool first_way = true;
  for (int w = 0; w < period.collections_size(); ++w) {
    const pdl::v1::HoldingCollection& way = period.collections(w);
    if (Micros(way.first_seen()) > as_of) continue;
    for (const auto& p : way.purposes()) rmrows::InsertSorted(h->mutable_purposes(), p);
    rmrows::InsertSorted(h->mutable_legal_bases(), way.legal_basis());
    rmrows::InsertSorted(h->mutable_methods(), way.method());
    rmrows::InsertSorted(h->mutable_sources(), way.source());
    if (!way.consent_id().empty()) rmrows::InsertSorted(h->mutable_consent_ids(), way.consent_id());
    if (!way.retention_rule().empty()) rmrows::InsertSorted(h->mutable_retention_rules(), way.retention_rule());
    std::optional<int64_t> retain;
    if (way.has_retained_at() && Micros(way.retained_at()) > as_of) {
      auto then = retain_as_of(period, w);
      if (!then.ok()) return then.status();
      retain = *then;
    } else if (way.has_retain_until()) {
      retain = Micros(way.retain_until());
    }
    if (retain.has_value() && (!h->has_retain_until() || *retain > Micros(h->retain_until()))) {
      rmrows::SetMicros(h->mutable_retain_until(), *retain);
    }
    if (first_way || Micros(way.first_event().occurred_at()) < Micros(h->collected_by().occurred_at())) {
      *h->mutable_collected_by() = way.first_event();
    }
    first_way = false;
    auto [it, fresh] = sources->try_emplace(std::make_pair(way.source(), static_cast<int>(way.method())));
    pdl::v1::DataSource& source = it->second;
    source.set_source(way.source());
    source.set_method(way.method());
    rmrows::InsertSorted(source.mutable_categories(), period.category());
    SetMin(source.mutable_first_seen(), way.first_seen(), fresh);
  }
  if (deleted) {
    *h->mutable_deleted_at() = period.deleted_at();
    h->set_deletion_reason(period.deletion_reason());
    h->set_deletion_request_id(period.deletion_request_id());
    h->set_deletion_notice_id(period.deletion_notice_id());
    *h->mutable_deleted_by() = period.deleted_by();
  }
  return absl::OkStatus();
}

// The evidence of an erasure: the first fulfilled erasure request's close at or after the identity was recorded
// (`fulfilled_erasures`: every close of the subject's, whatever as_of: the key is destroyed now, even when the
// report describes an instant before), else the latest deletion the subject asked for up to as_of.
std::optional<pdl::v1::EventRef> ErasureEvidence(const pdl::v1::GetSubjectReportResponse& report,
                                                 const std::vector<pdl::v1::EventRef>& fulfilled_erasures,
                                                 const pdl::v1::EventRef& recorded_by) {
  std::optional<pdl::v1::EventRef> best;
  for (const pdl::v1::EventRef& closed : fulfilled_erasures) {
    if (Micros(closed.occurred_at()) < Micros(recorded_by.occurred_at())) continue;
    if (!best.has_value() || Micros(closed.occurred_at()) < Micros(best->occurred_at())) best = closed;
  }
  if (best.has_value()) return best;
  for (const auto& h : report.holdings()) {
    if (h.status() == pdl::v1::HOLDING_STATUS_DELETED &&
        h.deletion_reason() == pdl::v1::DELETION_REASON_SUBJECT_REQUEST &&
        (!best.has_value() || Micros(h.deleted_by().occurred_at()) > Micros(best->occurred_at()))) {
      best = h.deleted_by();
    }
  }
  return best;
}

}  // namespace

absl::StatusOr<pdl::v1::GetSubjectReportResponse> GetSubjectReport(const Store& store, const VaultStore* vault,
                                                                   const pdl::v1::GetSubjectReportRequest& request,
                                                                   absl::Time now) {
  const std::string& subject = request.subject_id();
  if (subject.empty()) return InvalidField("subject_id", "required");
  auto requested_as_of = queries::TimestampMicros("as_of", request.as_of());
  if (request.has_as_of() && !requested_as_of.ok()) return requested_as_of.status();
  const int64_t as_of = request.has_as_of() ? *requested_as_of : absl::ToUnixMicros(now);

  pdl::v1::GetSubjectReportResponse report;
  report.set_subject_id(subject);
  rmrows::SetMicros(report.mutable_as_of(), as_of);

  const rocksdb::Snapshot* snapshot = store.db()->GetSnapshot();
  struct Release {
    const Store& store;
    const rocksdb::Snapshot* snapshot;
    ~Release() { store.db()->ReleaseSnapshot(snapshot); }
  } release{store, snapshot};

  const std::string subject_prefix = rmkeys::SubjectPrefix(subject);
  const std::string subject_end = keys::PrefixSuccessor(subject_prefix);

  // Event count, and whether the subject exists at all.
  {
    const std::string timeline = keys::TimelinePrefix(subject);
    bool any = false;
    uint64_t count = 0;
    if (absl::Status s = Scan(store, snapshot, Cf::kSubjectTimeline, timeline, keys::PrefixSuccessor(timeline),
                              [&](std::string_view key, std::string_view) {
                                any = true;
                                std::string_view rest = key.substr(timeline.size());
                                int64_t micros = 0;
                                if (!keys::ConsumeI64(&rest, &micros)) {
                                  return absl::DataLossError("subject_timeline: malformed key");
                                }
                                if (micros <= as_of) ++count;
                                return absl::OkStatus();
                              });
        !s.ok()) {
      return s;
    }
    if (!any) return FieldError(absl::StatusCode::kNotFound, "subject_id", "the ledger has no event of this subject");
    report.set_event_count(count);
  }

  std::map<std::pair<std::string, int>, pdl::v1::DataSource> sources;
  // The retention steps up to as_of, read on first need: per way (system, category, opened partition and seq,
  // index), the largest retain_until a step gave it.
  using WayKey = std::tuple<std::string, std::string, uint32_t, uint64_t, uint32_t>;
  std::optional<std::map<WayKey, int64_t>> steps;
  const RetainAsOf retain_as_of = [&](const pdl::v1::HoldingPeriod& period,
                                      int way) -> absl::StatusOr<std::optional<int64_t>> {
    if (!steps.has_value()) {
      steps.emplace();
      const std::string prefix = rmkeys::SubjectTagPrefix(subject, rmkeys::kTagRetention);
      if (absl::Status s = Scan(store, snapshot, Cf::kSubjectIndex, prefix, TagUpper(prefix, as_of),
                                [&](std::string_view, std::string_view value) -> absl::Status {
                                  pdl::v1::RetentionSteps row;
                                  if (absl::Status p = Parse(value, &row, "subject_index"); !p.ok()) return p;
                                  for (const auto& step : row.steps()) {
                                    const WayKey key{step.system(), step.category(), step.opened_partition(),
                                                     step.opened_seq(), step.way()};
                                    auto [it, fresh] = steps->try_emplace(key, Micros(step.retain_until()));
                                    if (!fresh) it->second = std::max(it->second, Micros(step.retain_until()));
                                  }
                                  return absl::OkStatus();
                                });
          !s.ok()) {
        steps.reset();
        return s;
      }
    }
    auto it = steps->find(WayKey{period.system(), period.category(), period.opened_by().partition(),
                                 period.opened_by().seq(), static_cast<uint32_t>(way)});
    if (it == steps->end()) return std::nullopt;
    return it->second;
  };
  // holdings: the set of open periods of each system, then every closed period (read_model_keys.h); shown per
  // system, open before closed.
  if (absl::Status s = Scan(store, snapshot, Cf::kHoldings, subject_prefix, subject_end,
                            [&](std::string_view key, std::string_view value) -> absl::Status {
                              std::string_view rest = key.substr(subject_prefix.size());
                              if (!rest.empty() && rest.front() == rmkeys::kClosedTag) {
                                pdl::v1::HoldingPeriod period;
                                if (absl::Status p = Parse(value, &period, "holdings"); !p.ok()) return p;
                                return AddHolding(period, as_of, retain_as_of, &report, &sources);
                              }
                              std::string system;
                              if (!keys::ConsumeString(&rest, &system) || !rest.empty()) {
                                return absl::DataLossError("holdings: malformed key");
                              }
                              pdl::v1::HoldingSet set;
                              if (absl::Status p = Parse(value, &set, "holdings"); !p.ok()) return p;
                              for (const auto& period : set.open()) {
                                absl::Status added = AddHolding(period, as_of, retain_as_of, &report, &sources);
                                if (!added.ok()) return added;
                              }
                              return absl::OkStatus();
                            });
      !s.ok()) {
    return s;
  }
  std::stable_sort(report.mutable_holdings()->begin(), report.mutable_holdings()->end(),
                   [](const pdl::v1::Holding& a, const pdl::v1::Holding& b) { return a.system() < b.system(); });
  for (auto& [key, source] : sources) *report.add_sources() = std::move(source);

  // consents: the changes of each consent_id, in time order.
  {
    pdl::v1::ConsentRecord consent;
    auto flush = [&] {
      if (consent.changes().empty()) return;
      if (auto at = ConsentAsOf(consent, as_of); at.has_value()) *report.add_consents() = std::move(*at);
      consent.Clear();
    };
    if (absl::Status s = Scan(store, snapshot, Cf::kConsents, subject_prefix, subject_end,
                              [&](std::string_view key, std::string_view value) -> absl::Status {
                                std::string_view rest = key.substr(subject_prefix.size());
                                std::string consent_id;
                                if (!keys::ConsumeString(&rest, &consent_id)) {
                                  return absl::DataLossError("consents: malformed key");
                                }
                                if (consent_id != consent.consent_id()) flush();
                                consent.set_subject_id(subject);
                                consent.set_consent_id(consent_id);
                                return Parse(value, consent.add_changes(), "consents");
                              });
        !s.ok()) {
      return s;
    }
    flush();
  }

  std::vector<pdl::v1::EventRef> fulfilled_erasures;
  if (absl::Status s = Scan(store, snapshot, Cf::kRequests, subject_prefix, subject_end,
                            [&](std::string_view, std::string_view value) -> absl::Status {
                              pdl::v1::RightsRequestRecord record;
                              if (absl::Status p = Parse(value, &record, "requests"); !p.ok()) return p;
                              if (record.right() == pdl::v1::SUBJECT_RIGHT_ERASURE && record.has_closed_by() &&
                                  record.outcome() == pdl::v1::REQUEST_OUTCOME_FULFILLED) {
                                fulfilled_erasures.push_back(record.closed_by());
                              }
                              if (!EvaluateRequestAt(&record, as_of)) return absl::OkStatus();
                              if (record.has_closed_at() && Micros(record.closed_at()) > as_of) {
                                record.clear_closed_at();
                                record.clear_closed_by();
                                record.clear_outcome();
                              }
                              *report.add_rights_requests() = std::move(record);
                              return absl::OkStatus();
                            });
      !s.ok()) {
    return s;
  }

  queries::FindingRecords findings(store, snapshot);
  if (absl::Status s = Scan(store, snapshot, Cf::kFindingsBySubject, subject_prefix, TagUpper(subject_prefix, as_of),
                            [&](std::string_view key, std::string_view value) -> absl::Status {
                              pdl::v1::FindingRecord record;
                              for (uint32_t item = 0;; ++item) {
                                auto found = findings.ReadBySubject(key, value, item, &record);
                                if (!found.ok()) return found.status();
                                if (!*found) return absl::OkStatus();
                                *report.add_findings() = std::move(record);
                              }
                            });
      !s.ok()) {
    return s;
  }

  // subject_index: kinds and policy versions with their first occurred_at.
  {
    const std::string key = rmkeys::SubjectTagPrefix(subject, rmkeys::kTagMeta);
    rocksdb::ReadOptions read;
    read.snapshot = snapshot;
    std::string value;
    const rocksdb::Status got = store.db()->Get(read, store.cf(Cf::kSubjectIndex), key, &value);
    if (!got.ok() && !got.IsNotFound()) return FromRocks(got, "reading subject_index");
    pdl::v1::SubjectMeta meta;
    if (got.ok()) {
      if (absl::Status p = Parse(value, &meta, "subject_index"); !p.ok()) return p;
    }
    for (const auto& kind : meta.kinds()) {
      if (Micros(kind.first_seen()) <= as_of) report.add_subject_kinds(kind.name());
    }
    for (const auto& version : meta.policy_versions()) {
      if (Micros(version.first_seen()) <= as_of) report.add_policy_versions(version.name());
    }
  }

  // Recipients and transfers.
  std::map<std::string, pdl::v1::RecipientSummary> recipients;
  auto recipient = [&](const pdl::v1::Recipient& r, const google::protobuf::Timestamp& at,
                       const google::protobuf::RepeatedPtrField<std::string>& categories) {
    auto [it, fresh] = recipients.try_emplace(std::string(rmkeys::RecipientKey(r)));
    pdl::v1::RecipientSummary& summary = it->second;
    if (fresh) *summary.mutable_recipient() = r;
    for (const auto& c : categories) rmrows::InsertSorted(summary.mutable_categories(), c);
    SetMin(summary.mutable_first_at(), at, fresh);
    SetMax(summary.mutable_last_at(), at, fresh);
    return &summary;
  };
  {
    const std::string prefix = rmkeys::SubjectTagPrefix(subject, rmkeys::kTagDisclosure);
    if (absl::Status s = Scan(store, snapshot, Cf::kSubjectIndex, prefix, TagUpper(prefix, as_of),
                              [&](std::string_view, std::string_view value) -> absl::Status {
                                pdl::v1::DisclosureRecord d;
                                if (absl::Status p = Parse(value, &d, "subject_index"); !p.ok()) return p;
                                pdl::v1::RecipientSummary* summary =
                                    recipient(d.recipient(), d.occurred_at(), d.categories());
                                for (const auto& p : d.purposes()) rmrows::InsertSorted(summary->mutable_purposes(), p);
                                rmrows::InsertSorted(summary->mutable_legal_bases(), d.legal_basis());
                                summary->set_disclosures(summary->disclosures() + 1);
                                return absl::OkStatus();
                              });
        !s.ok()) {
      return s;
    }
  }
  {
    using TransferKey = std::tuple<std::string, std::string, int, std::string>;
    std::map<TransferKey, pdl::v1::TransferSummary> transfers;
    const std::string prefix = rmkeys::SubjectTagPrefix(subject, rmkeys::kTagTransfer);
    if (absl::Status s =
            Scan(store, snapshot, Cf::kSubjectIndex, prefix, TagUpper(prefix, as_of),
                 [&](std::string_view, std::string_view value) -> absl::Status {
                   pdl::v1::TransferRecord t;
                   if (absl::Status p = Parse(value, &t, "subject_index"); !p.ok()) return p;
                   pdl::v1::RecipientSummary* summary = recipient(t.recipient(), t.occurred_at(), t.categories());
                   summary->set_transfers(summary->transfers() + 1);
                   rmrows::InsertSorted(summary->mutable_destination_countries(), t.destination_country());
                   auto [it, fresh] =
                       transfers.try_emplace(TransferKey{std::string(rmkeys::RecipientKey(t.recipient())),
                                                         t.destination_country(), t.mechanism(), t.mechanism_ref()});
                   pdl::v1::TransferSummary& ts = it->second;
                   if (fresh) {
                     *ts.mutable_recipient() = t.recipient();
                     ts.set_destination_country(t.destination_country());
                     ts.set_mechanism(t.mechanism());
                     ts.set_mechanism_ref(t.mechanism_ref());
                   }
                   for (const auto& c : t.categories()) rmrows::InsertSorted(ts.mutable_categories(), c);
                   ts.set_count(ts.count() + 1);
                   SetMin(ts.mutable_first_at(), t.occurred_at(), fresh);
                   if (fresh || Micros(t.occurred_at()) >= Micros(ts.last_at())) {
                     *ts.mutable_last_at() = t.occurred_at();
                     *ts.mutable_last_event() = t.event();
                   }
                   return absl::OkStatus();
                 });
        !s.ok()) {
      return s;
    }
    for (auto& [key, ts] : transfers) *report.add_transfers() = std::move(ts);
  }
  for (auto& [key, summary] : recipients) *report.add_recipients() = std::move(summary);

  // Identity: the latest sealed identity up to as_of.
  pdl::v1::SubjectIdentity* identity = report.mutable_identity();
  {
    const std::string prefix = rmkeys::SubjectTagPrefix(subject, rmkeys::kTagIdentity);
    const std::string upper = TagUpper(prefix, as_of);
    rocksdb::ReadOptions read;
    read.snapshot = snapshot;
    auto it = store.NewIterator(Cf::kSubjectIndex, read);
    it->SeekForPrev(upper);
    if (it->Valid() && it->key() == rocksdb::Slice(upper)) it->Prev();
    if (!it->status().ok()) return FromRocks(it->status(), "reading subject_index");
    if (!it->Valid() || !it->key().starts_with(prefix)) {
      identity->set_status(pdl::v1::IDENTITY_STATUS_NONE);
    } else {
      pdl::v1::IdentityRecord stored;
      if (absl::Status p = Parse(std::string_view(it->value().data(), it->value().size()), &stored, "subject_index");
          !p.ok()) {
        return p;
      }
      *identity->mutable_recorded_by() = stored.event();
      if (vault == nullptr) {
        identity->set_status(pdl::v1::IDENTITY_STATUS_UNAVAILABLE);
      } else {
        auto key = vault->Find(subject, stored.sealed_identity().key_version());
        if (!key.ok()) return key.status();
        if (!key->has_value()) {
          identity->set_status(pdl::v1::IDENTITY_STATUS_ERASED);
          if (auto evidence = ErasureEvidence(report, fulfilled_erasures, stored.event()); evidence.has_value()) {
            *identity->mutable_erasure_evidence() = *evidence;
          }
        } else {
          auto opened = vault::OpenIdentity(**key, stored.sealed_identity(), stored.event().event_id());
          if (!opened.ok()) return opened.status();
          identity->set_status(pdl::v1::IDENTITY_STATUS_AVAILABLE);
          *identity->mutable_identity() = std::move(*opened);
        }
      }
    }
  }
  return report;
}

}  // namespace pdl
