#ifndef PDL_LEDGER_POLICY_FACTS_H_
#define PDL_LEDGER_POLICY_FACTS_H_

// What the finding rules need to know about a subject's past: consents with their purposes and times, the
// completion of an erasure, and whether the subject was seen to be a minor. Built by folding the subject's events
// in the order they were sealed (UpdateFacts), so the same log gives the same facts. Times are the events'
// occurred_at, so rules ask "was the consent live when this event happened?".
//
// Value types; pure functions; thread-compatible.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "pdl/v1/event.pb.h"

namespace pdl::policy {

struct ConsentPurpose {
  std::string purpose;
  // Set once a withdrawal covered this purpose.
  std::optional<absl::Time> withdrawn_at;

  bool operator==(const ConsentPurpose&) const = default;
};

// One grant of a consent (a ConsentGiven), or a withdrawal of a consent never seen given (given_at unset).
struct ConsentFact {
  std::string consent_id;
  std::string scope;
  std::optional<absl::Time> given_at;
  std::vector<ConsentPurpose> purposes;

  bool operator==(const ConsentFact&) const = default;
};

// A rights request opened and not closed yet.
struct OpenRequest {
  std::string request_id;
  pdl::v1::SubjectRight right = pdl::v1::SUBJECT_RIGHT_UNSPECIFIED;
  absl::Time opened_at;
  bool operator==(const OpenRequest&) const = default;
};

// What the consent grants say of one purpose as of their latest change; derived from SubjectFacts::consents.
struct ConsentPurposeSummary {
  std::string purpose;
  // The latest given_at or withdrawn_at among the grants' entries for this purpose.
  absl::Time last_change = absl::InfinitePast();
  // Entries given and not withdrawn, and entries withdrawn.
  int live = 0;
  int withdrawn = 0;
};

struct SubjectFacts {
  // In the order they were recorded.
  std::vector<ConsentFact> consents;
  // The earliest fulfilled erasure request (RightsRequestClosed, right erasure, outcome fulfilled).
  std::optional<absl::Time> erasure_completed_at;
  // Some event flagged the subject as a minor.
  bool minor = false;
  // The latest non-zero birth_year seen; 0 when none.
  int32_t birth_year = 0;
  // Rights requests still open, in the order they were opened.
  std::vector<OpenRequest> open_requests;

  // Derived from `consents` by IndexConsents (UpdateFacts keeps it current), so that asking about an instant after
  // the latest consent change costs one entry per distinct purpose rather than a scan of the subject's whole
  // consent history. Not part of the facts' value.
  std::vector<ConsentPurposeSummary> consent_index;
  bool consent_indexed = false;

  bool operator==(const SubjectFacts& other) const {
    return consents == other.consents && erasure_completed_at == other.erasure_completed_at &&
           minor == other.minor && birth_year == other.birth_year && open_requests == other.open_requests;
  }
};

// Rebuilds facts->consent_index from facts->consents (after decoding stored facts).
void IndexConsents(SubjectFacts* facts);

// Folds `event` into `facts`. Returns true when `facts` changed. Folding the same event twice changes nothing the
// second time, so a judge and a rebuild may both fold it.
//  - ConsentGiven adds a grant with its purposes at occurred_at (none when a grant of that consent_id at that
//    instant is already known).
//  - ConsentWithdrawn marks the purposes it lists (all when it lists none) of every earlier grant with the same
//    consent_id as withdrawn at occurred_at (a withdrawal before a grant's given_at does not touch it); a consent
//    never seen given is recorded as withdrawn for the purposes the withdrawal lists.
//  - RightsRequestOpened adds an open request (none when its request_id is open already); RightsRequestClosed
//    removes it.
//  - RightsRequestClosed {erasure, fulfilled} sets erasure_completed_at (the earliest one is kept).
//  - subject.minor and subject.birth_year of any event are remembered.
bool UpdateFacts(const pdl::v1::PrivacyEvent& event, SubjectFacts* facts);

// True when a grant given at or before `t` covers `purpose` (the granted purpose is `purpose` or an ancestor) and
// that purpose was not withdrawn at or before `t`.
bool ConsentLive(const SubjectFacts& facts, std::string_view purpose, absl::Time t);

// True when some consent covering `purpose` was withdrawn at or before `t`.
bool ConsentWithdrawnBy(const SubjectFacts& facts, std::string_view purpose, absl::Time t);

// The open request `request_id`, or nullptr.
const OpenRequest* FindOpenRequest(const SubjectFacts& facts, std::string_view request_id);

}  // namespace pdl::policy

#endif  // PDL_LEDGER_POLICY_FACTS_H_
