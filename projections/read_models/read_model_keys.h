#ifndef PDL_PROJECTIONS_READ_MODELS_READ_MODEL_KEYS_H_
#define PDL_PROJECTIONS_READ_MODELS_READ_MODEL_KEYS_H_

// Key layouts of the read-model column families, shared by the models that write them and the queries that scan
// them. Every field is encoded with projections/keys.h (order-preserving), times as µs since the Unix epoch, so
// each query is a prefix or range scan. Builders named ...Prefix return the encoding of the leading fields, to be
// extended with keys::Append* for a range bound. Thread-safe (pure functions).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pdl/v1/event.pb.h"

namespace pdl::rmkeys {

// Where an event sits: (occurred_at µs, partition, seq); unique per event, ordered by time.
struct EventPos {
  int64_t micros = 0;
  uint32_t partition = 0;
  uint64_t seq = 0;
};
void AppendPos(std::string* out, const EventPos& pos);

// The recipient's key in `disclosures`: its id, or its name when the id is empty.
std::string_view RecipientKey(const pdl::v1::Recipient& recipient);

// holdings: the open periods of a system at (subject, system) -> HoldingSet; each closed period at (subject,
// kClosedTag, system, category, opened) -> HoldingPeriod, with opened = the opening event's position. The tag
// (a byte no UTF-8 string holds) puts every closed period after the subject's open sets, so the sets alone are
// the range [HoldingSubjectPrefix, HoldingOpenEnd).
inline constexpr char kClosedTag = '\xff';
std::string HoldingSubjectPrefix(std::string_view subject_id);
std::string HoldingOpenEnd(std::string_view subject_id);
std::string HoldingSystemKey(std::string_view subject_id, std::string_view system);
std::string HoldingClosedKey(std::string_view subject_id, std::string_view system, std::string_view category,
                             const EventPos& opened);

// retention_due: retain_until, subject, system, category, opened.
std::string RetentionDueKey(int64_t retain_until_micros, std::string_view subject_id, std::string_view system,
                            std::string_view category, const EventPos& opened);

// disclosures / disclosures_by_category: head (recipient key or recipient category), then the event's position.
std::string HeadPrefix(std::string_view head);
std::string HeadTimeKey(std::string_view head, const EventPos& pos);

// transfers: destination country, the event's position, then the mechanism (u32), so that counting and filtering
// by mechanism read keys only.
std::string TransferKey(std::string_view destination, const EventPos& pos, int mechanism);
// The mechanism at the end of a transfers key; false when the key is too short.
[[nodiscard]] bool TransferKeyMechanism(std::string_view key, int* mechanism);

// consents: subject, consent_id, then the change's position (AppendPos).
std::string SubjectPrefix(std::string_view subject_id);
std::string ConsentKey(std::string_view subject_id, std::string_view consent_id);

// requests: subject, request_id. requests_by_due / requests_open: due_at (kNoDue when unknown), subject,
// request_id.
inline constexpr int64_t kNoDue = INT64_MIN;
std::string RequestKey(std::string_view subject_id, std::string_view request_id);
std::string RequestDueKey(int64_t due_micros, std::string_view subject_id, std::string_view request_id);

// ropa: the shape of the events: subject kind, recipient category ("" inside the organisation), destination
// country ("" when none or unknown), then the sorted distinct purposes and categories (each list as its length,
// u32, and its strings).
std::string RopaShapeKey(std::string_view subject_kind, std::string_view recipient_category,
                         std::string_view destination, const std::vector<std::string>& purposes,
                         const std::vector<std::string>& categories);

// findings: occurred_at, partition, seq — one row for the findings of a sealed event — or instant, partition, seq,
// index — a finding time raised (TimeDrivenFinding), after the event row at the same instant.
std::string EventFindingsKey(const EventPos& pos);
std::string TimeFindingKey(const EventPos& pos, uint32_t index);
// findings_by_subject: subject, occurred_at, partition, seq — one row for the findings of a sealed event — or
// subject, occurred_at, partition, seq, index — a finding time raised (TimeDrivenFinding).
std::string SubjectEventFindingsKey(std::string_view subject_id, const EventPos& pos);
std::string SubjectFindingKey(std::string_view subject_id, const EventPos& pos, uint32_t index);
// A findings key, decoded (index set for a finding time raised); nullopt when it does not decode.
struct FindingKeyParts {
  EventPos pos;
  std::optional<uint32_t> index;
};
std::optional<FindingKeyParts> ParseFindingKey(std::string_view key);
// A findings_by_subject key, decoded (index set for a finding time raised); nullopt when it does not decode.
struct SubjectFindingKeyParts {
  std::string subject_id;
  EventPos pos;
  std::optional<uint32_t> index;
};
std::optional<SubjectFindingKeyParts> ParseSubjectFindingKey(std::string_view key);

// subject_index: subject, tag, then per tag:
//   kTagIdentity   occurred_at, partition, seq -> IdentityRecord
//   kTagMeta       (nothing)                   -> SubjectMeta (kinds and policy versions, first seen)
//   kTagDisclosure occurred_at, partition, seq -> DisclosureRecord
//   kTagTransfer   occurred_at, partition, seq -> TransferRecord
//   kTagRetention  occurred_at, partition, seq -> RetentionSteps (written by the holdings model)
inline constexpr char kTagIdentity = 'I';
inline constexpr char kTagMeta = 'M';
inline constexpr char kTagDisclosure = 'S';
inline constexpr char kTagTransfer = 'T';
inline constexpr char kTagRetention = 'R';
std::string SubjectTagPrefix(std::string_view subject_id, char tag);
std::string SubjectTagPosKey(std::string_view subject_id, char tag, const EventPos& pos);

}  // namespace pdl::rmkeys

#endif  // PDL_PROJECTIONS_READ_MODELS_READ_MODEL_KEYS_H_
