// GetRecordsOfProcessing: every `ropa` shape expanded into purpose x (category, subject kind, recipient category,
// destination) entries and grouped by purpose into activities, optionally merged with and marked against a
// policy's declarations. The shapes are few (one per distinct kind of event), so each page reads them all. Pages
// hold whole activities in purpose order; the resume key is the last activity's encoded purpose.

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "ledger/field_error.h"
#include "ledger/sv.h"
#include "ledger/taxonomy.h"
#include "projections/audit_queries.h"
#include "projections/keys.h"
#include "projections/queries/internal/paging.h"
#include "projections/read_models/internal/rows.h"
#include "projections/read_models/read_model_keys.h"
#include "projections/store.h"

namespace pdl {
namespace {

using pdl::v1::ProcessingActivity;
using pdl::v1::RopaEntry;
using rmrows::Micros;

bool Covers(std::string_view parent, std::string_view key) {
  return key == parent ||
         (key.size() > parent.size() && key.substr(0, parent.size()) == parent && key[parent.size()] == '.');
}

bool CoveredByAny(const std::vector<std::string>& declared, std::string_view key) {
  return std::any_of(declared.begin(), declared.end(), [&](const std::string& d) { return Covers(d, key); });
}

bool InPurposeFilter(std::string_view filter, std::string_view purpose) {
  return filter.empty() || Covers(filter, purpose);
}

// What `entry` (of `purpose`) uses that `declared` does not declare.
std::vector<std::string> Undeclared(const RopaDeclarations& declared, std::string_view purpose,
                                    const RopaEntry& entry) {
  std::vector<std::string> out;
  if (!purpose.empty() && !CoveredByAny(declared.purposes, purpose))
    out.push_back(absl::StrCat("purpose ", Sv(purpose)));
  if (!CoveredByAny(declared.categories, entry.category())) out.push_back(absl::StrCat("category ", entry.category()));
  const auto& rc = declared.recipient_categories;
  if (!entry.recipient_category().empty() && std::find(rc.begin(), rc.end(), entry.recipient_category()) == rc.end()) {
    out.push_back(absl::StrCat("recipient_category ", entry.recipient_category()));
  }
  const auto& dest = declared.destinations;
  if (!entry.destination_country().empty() && !taxonomy::IsEea(entry.destination_country()) &&
      std::find(dest.begin(), dest.end(), "*") == dest.end() &&
      std::find(dest.begin(), dest.end(), entry.destination_country()) == dest.end()) {
    out.push_back(absl::StrCat("destination ", entry.destination_country()));
  }
  return out;
}

void AddSorted(google::protobuf::RepeatedPtrField<std::string>* set, std::string_view v) {
  if (!v.empty()) rmrows::InsertSorted(set, v);
}

// Folds `entry` into `activity`'s summary fields.
void Fold(ProcessingActivity* activity, const RopaEntry& entry) {
  AddSorted(activity->mutable_categories(), entry.category());
  AddSorted(activity->mutable_subject_kinds(), entry.subject_kind());
  AddSorted(activity->mutable_recipient_categories(), entry.recipient_category());
  AddSorted(activity->mutable_destination_countries(), entry.destination_country());
  for (int b : entry.legal_bases()) rmrows::InsertSorted(activity->mutable_legal_bases(), b);
  for (const auto& r : entry.retention_rules()) rmrows::InsertSorted(activity->mutable_retention_rules(), r);
  for (const auto& u : entry.undeclared()) rmrows::InsertSorted(activity->mutable_undeclared(), u);
  if (activity->event_count() == 0 || Micros(entry.first_seen()) < Micros(activity->first_seen())) {
    *activity->mutable_first_seen() = entry.first_seen();
  }
  if (activity->event_count() == 0 || Micros(entry.last_seen()) > Micros(activity->last_seen())) {
    *activity->mutable_last_seen() = entry.last_seen();
  }
  activity->set_event_count(activity->event_count() + entry.event_count());
}

// Folds `cell` into `entry`.
void Merge(RopaEntry* entry, const pdl::v1::RopaCell& cell) {
  const bool first = entry->event_count() == 0;
  if (first || Micros(cell.first_seen()) < Micros(entry->first_seen()))
    *entry->mutable_first_seen() = cell.first_seen();
  if (first || Micros(cell.last_seen()) > Micros(entry->last_seen())) *entry->mutable_last_seen() = cell.last_seen();
  entry->set_event_count(entry->event_count() + cell.count());
  for (int b : cell.legal_bases()) rmrows::InsertSorted(entry->mutable_legal_bases(), b);
  for (const auto& r : cell.retention_rules()) rmrows::InsertSorted(entry->mutable_retention_rules(), r);
  for (int a : cell.actions()) rmrows::InsertSorted(entry->mutable_actions(), a);
}

}  // namespace

RopaDeclarations DeclarationsOf(const pdl::v1::Policy& policy) {
  std::set<std::string> purposes, categories, recipients, destinations;
  for (const auto& p : policy.purposes()) purposes.insert(p.key());
  for (const auto& c : policy.collections()) categories.insert(c.categories().begin(), c.categories().end());
  for (const auto& r : policy.recipients()) recipients.insert(r.category());
  for (const auto& t : policy.transfer_rules()) destinations.insert(t.destinations().begin(), t.destinations().end());
  return RopaDeclarations{.policy_version = policy.version(),
                          .purposes = {purposes.begin(), purposes.end()},
                          .categories = {categories.begin(), categories.end()},
                          .recipient_categories = {recipients.begin(), recipients.end()},
                          .destinations = {destinations.begin(), destinations.end()}};
}

absl::StatusOr<pdl::v1::GetRecordsOfProcessingResponse> GetRecordsOfProcessing(
    const Store& store, const pdl::v1::GetRecordsOfProcessingRequest& request, const RopaDeclarations* declared) {
  auto page_size = queries::PageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  const std::string& filter = request.purpose();
  const uint64_t fingerprint = queries::FingerprintOf("GetRecordsOfProcessing", request);
  std::optional<std::string> after;  // The last purpose of the previous page.
  if (!request.page_token().empty()) {
    auto cursor = DecodePageToken(request.page_token(), fingerprint);
    if (!cursor.ok()) return cursor.status();
    std::string_view resume = cursor->resume_after;
    std::string purpose;
    if (!keys::ConsumeString(&resume, &purpose) || !resume.empty() || !InPurposeFilter(filter, purpose)) {
      return InvalidField("page_token", "page token does not belong to this request's range");
    }
    after = std::move(purpose);
  }

  // Every shape expanded into purpose x (category, subject kind, recipient category, destination).
  using EntryKey = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<std::string, std::map<EntryKey, RopaEntry>> observed;
  std::set<std::string> observed_anywhere;
  {
    auto it = store.NewIterator(Cf::kRopa);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      pdl::v1::RopaCell cell;
      if (!cell.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError("ropa: row does not parse");
      }
      std::vector<std::string> purposes(cell.purposes().begin(), cell.purposes().end());
      if (purposes.empty()) purposes.emplace_back();  // Transfers name no purpose.
      for (const std::string& purpose : purposes) {
        observed_anywhere.insert(purpose);
        if (!InPurposeFilter(filter, purpose) || (after.has_value() && purpose <= *after)) continue;
        auto& entries = observed[purpose];
        for (const std::string& category : cell.categories()) {
          RopaEntry& entry =
              entries[EntryKey{category, cell.subject_kind(), cell.recipient_category(), cell.destination()}];
          Merge(&entry, cell);
        }
      }
    }
    if (!it->status().ok()) return FromRocks(it->status(), "scanning ropa");
  }

  // Declared purposes with no observation of their own or of a purpose under them.
  std::set<std::string> never_observed;
  if (declared != nullptr) {
    for (const auto& d : declared->purposes) {
      if (!InPurposeFilter(filter, d) || (after.has_value() && d <= *after)) continue;
      if (std::none_of(observed_anywhere.begin(), observed_anywhere.end(),
                       [&](const std::string& o) { return Covers(d, o); })) {
        never_observed.insert(d);
      }
    }
  }
  std::set<std::string> purposes = never_observed;
  for (const auto& [purpose, entries] : observed) purposes.insert(purpose);

  pdl::v1::GetRecordsOfProcessingResponse response;
  if (declared != nullptr) response.set_policy_version(declared->policy_version);
  for (const std::string& purpose : purposes) {
    if (response.activities_size() == *page_size) {
      std::string resume;
      keys::AppendString(&resume, response.activities().rbegin()->purpose());
      response.set_next_page_token(EncodePageToken(PageCursor{fingerprint, resume}));
      break;
    }
    ProcessingActivity* activity = response.add_activities();
    activity->set_purpose(purpose);
    auto found = observed.find(purpose);
    if (found == observed.end()) {
      activity->set_declaration(pdl::v1::DECLARATION_DECLARED_BUT_NEVER_OBSERVED);
      continue;
    }
    for (auto& [key, entry] : found->second) {
      const auto& [category, kind, recipient_category, destination] = key;
      entry.set_category(category);
      entry.set_subject_kind(kind);
      entry.set_recipient_category(recipient_category);
      entry.set_destination_country(destination);
      if (declared != nullptr) {
        for (std::string& u : Undeclared(*declared, purpose, entry)) entry.add_undeclared(std::move(u));
        entry.set_declaration(entry.undeclared().empty() ? pdl::v1::DECLARATION_OBSERVED_AND_DECLARED
                                                         : pdl::v1::DECLARATION_OBSERVED_BUT_UNDECLARED);
      }
      Fold(activity, entry);
      *activity->add_entries() = std::move(entry);
    }
    if (declared != nullptr) {
      activity->set_declaration(activity->undeclared().empty() ? pdl::v1::DECLARATION_OBSERVED_AND_DECLARED
                                                               : pdl::v1::DECLARATION_OBSERVED_BUT_UNDECLARED);
    }
  }
  return response;
}

}  // namespace pdl
