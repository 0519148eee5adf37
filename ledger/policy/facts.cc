#include "ledger/policy/facts.h"

#include <algorithm>

#include "ledger/event_codec.h"
#include "ledger/policy/declarations.h"

namespace pdl::policy {

namespace {

bool Fold(const pdl::v1::PrivacyEvent& event, SubjectFacts* facts) {
  bool changed = false;
  const absl::Time at = ToTime(event.occurred_at());
  if (event.subject().minor() && !facts->minor) {
    facts->minor = true;
    changed = true;
  }
  if (event.subject().birth_year() != 0 && event.subject().birth_year() != facts->birth_year) {
    facts->birth_year = event.subject().birth_year();
    changed = true;
  }
  switch (event.action_case()) {
    case pdl::v1::PrivacyEvent::kConsentGiven: {
      const auto& given = event.consent_given();
      for (const ConsentFact& fact : facts->consents) {
        if (fact.consent_id == given.consent_id() && fact.given_at == at) return changed;  // Folded already.
      }
      ConsentFact fact{.consent_id = given.consent_id(), .scope = given.scope(), .given_at = at, .purposes = {}};
      for (const auto& p : given.purposes()) fact.purposes.push_back({p, std::nullopt});
      facts->consents.push_back(std::move(fact));
      return true;
    }
    case pdl::v1::PrivacyEvent::kConsentWithdrawn: {
      const auto& withdrawn = event.consent_withdrawn();
      auto withdraws = [&](const std::string& purpose) {
        if (withdrawn.purposes().empty()) return true;
        for (const auto& w : withdrawn.purposes()) {
          if (KeyCovers(w, purpose)) return true;
        }
        return false;
      };
      bool matched = false;
      for (ConsentFact& fact : facts->consents) {
        if (fact.consent_id != withdrawn.consent_id()) continue;
        if (!fact.given_at.has_value()) {
          // A withdrawal of a consent never seen given, recorded before: the same withdrawal folded again.
          bool same = !fact.purposes.empty();
          for (const ConsentPurpose& p : fact.purposes) same &= p.withdrawn_at == at;
          matched |= same;
          continue;
        }
        if (*fact.given_at > at) continue;
        matched = true;
        for (ConsentPurpose& p : fact.purposes) {
          if (!p.withdrawn_at.has_value() && withdraws(p.purpose)) {
            p.withdrawn_at = at;
            changed = true;
          }
        }
      }
      if (!matched && !withdrawn.purposes().empty()) {
        ConsentFact fact{
            .consent_id = withdrawn.consent_id(), .scope = withdrawn.scope(), .given_at = std::nullopt, .purposes = {}};
        for (const auto& p : withdrawn.purposes()) fact.purposes.push_back({p, at});
        facts->consents.push_back(std::move(fact));
        changed = true;
      }
      return changed;
    }
    case pdl::v1::PrivacyEvent::kRightsRequestOpened: {
      const auto& opened = event.rights_request_opened();
      if (FindOpenRequest(*facts, opened.request_id()) != nullptr) return changed;
      facts->open_requests.push_back({opened.request_id(), opened.right(), at});
      return true;
    }
    case pdl::v1::PrivacyEvent::kRightsRequestClosed: {
      const auto& closed = event.rights_request_closed();
      auto& open = facts->open_requests;
      const auto before = open.size();
      open.erase(std::remove_if(open.begin(), open.end(),
                                [&](const OpenRequest& r) { return r.request_id == closed.request_id(); }),
                 open.end());
      changed |= open.size() != before;
      if (IsFulfilledErasure(event) && (!facts->erasure_completed_at.has_value() || at < *facts->erasure_completed_at)) {
        facts->erasure_completed_at = at;
        return true;
      }
      return changed;
    }
    default:
      return changed;
  }
}

// The consent index's answer for `purpose` at `t`, or std::nullopt when some grant covering it changed after `t`
// (then only the history can tell). `live` chooses between ConsentLive and ConsentWithdrawnBy.
std::optional<bool> FromIndex(const SubjectFacts& facts, std::string_view purpose, absl::Time t, bool live) {
  if (!facts.consent_indexed) return std::nullopt;
  bool answer = false;
  for (const ConsentPurposeSummary& s : facts.consent_index) {
    if (!KeyCovers(s.purpose, purpose)) continue;
    if (t < s.last_change) return std::nullopt;
    // Every covering entry was given (if ever) and withdrawn (if ever) at or before t.
    answer |= live ? s.live > 0 : s.withdrawn > 0;
  }
  return answer;
}

}  // namespace

bool UpdateFacts(const pdl::v1::PrivacyEvent& event, SubjectFacts* facts) {
  const bool changed = Fold(event, facts);
  if (changed || !facts->consent_indexed) IndexConsents(facts);
  return changed;
}

void IndexConsents(SubjectFacts* facts) {
  facts->consent_index.clear();
  for (const ConsentFact& fact : facts->consents) {
    for (const ConsentPurpose& p : fact.purposes) {
      auto it = std::find_if(facts->consent_index.begin(), facts->consent_index.end(),
                             [&](const ConsentPurposeSummary& s) { return s.purpose == p.purpose; });
      if (it == facts->consent_index.end()) {
        facts->consent_index.push_back({.purpose = p.purpose});
        it = facts->consent_index.end() - 1;
      }
      if (fact.given_at.has_value()) it->last_change = std::max(it->last_change, *fact.given_at);
      if (p.withdrawn_at.has_value()) {
        it->last_change = std::max(it->last_change, *p.withdrawn_at);
        ++it->withdrawn;
      } else if (fact.given_at.has_value()) {
        ++it->live;
      }
    }
  }
  facts->consent_indexed = true;
}

bool ConsentLive(const SubjectFacts& facts, std::string_view purpose, absl::Time t) {
  if (auto indexed = FromIndex(facts, purpose, t, /*live=*/true)) return *indexed;
  for (const ConsentFact& fact : facts.consents) {
    if (!fact.given_at.has_value() || *fact.given_at > t) continue;
    for (const ConsentPurpose& p : fact.purposes) {
      if (KeyCovers(p.purpose, purpose) && (!p.withdrawn_at.has_value() || *p.withdrawn_at > t)) return true;
    }
  }
  return false;
}

bool ConsentWithdrawnBy(const SubjectFacts& facts, std::string_view purpose, absl::Time t) {
  if (auto indexed = FromIndex(facts, purpose, t, /*live=*/false)) return *indexed;
  for (const ConsentFact& fact : facts.consents) {
    for (const ConsentPurpose& p : fact.purposes) {
      if (KeyCovers(p.purpose, purpose) && p.withdrawn_at.has_value() && *p.withdrawn_at <= t) return true;
    }
  }
  return false;
}

const OpenRequest* FindOpenRequest(const SubjectFacts& facts, std::string_view request_id) {
  for (const OpenRequest& r : facts.open_requests) {
    if (r.request_id == request_id) return &r;
  }
  return nullptr;
}

}  // namespace pdl::policy
