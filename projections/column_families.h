#ifndef PDL_PROJECTIONS_COLUMN_FAMILIES_H_
#define PDL_PROJECTIONS_COLUMN_FAMILIES_H_

// The column families of the one RocksDB instance (DESIGN.md §6) and what each holds.

#include <array>
#include <string_view>

namespace pdl {

enum class Cf : int {
  kDefault = 0,     // meta: schema version, Kafka cluster identity
  kLog,             // partition, seq -> SealedEvent bytes (the sealed log; only grows)
  kOffsets,         // partition -> PartitionCursor (next Kafka offset, next seq, cluster id)
  kEventIds,        // event_id -> EventIdEntry (partition, seq, offset, content fingerprint)
  kSubjectTimeline, // subject, occurred_at, partition, seq -> action
  kVault,           // subject -> wrapped data key (crypto-shredding)
  kOutbox,          // event_id -> OutboxRecord (embedded mode: accepted but not sealed yet)
  kRejected,        // partition, offset -> RejectedRecord (original bytes + reason)
  kGaps,            // partition, cluster, from_offset -> GapRecord
  kTree,            // partition, level, index -> 32-byte hash of a complete Merkle subtree (level 0 = leaf hashes)
  kHeads,           // partition -> TreeHead (tree size, root, signed checkpoint)
  // Policies (projections/policy_judge.h): published policies, and the judge's facts about subjects.
  kPolicies,        // version -> PublishedPolicy, and an index in publication order
  kPolicyFacts,     // subject -> PolicySubjectFacts (what the policy judge remembers of a subject)
  // Read models (projections/read_models/; key layouts in read_models/read_model_keys.h). Rebuildable from kLog.
  kHoldings,              // subject, system -> open HoldingSet; + category, opened -> closed HoldingPeriod
  kRetentionDue,          // retain_until, subject, system, category, opened -> RetentionDueRecord (open holdings)
  kDisclosures,           // recipient, occurred_at, partition, seq -> DisclosureRecord
  kDisclosuresByCategory, // recipient category, occurred_at, partition, seq -> DisclosureRecord
  kTransfers,             // destination country, occurred_at, partition, seq, mechanism -> TransferRecord
  kConsents,              // subject, consent_id, occurred_at, partition, seq -> ConsentChange
  kRequests,              // subject, request_id -> RightsRequestRecord
  kRequestsByDue,         // due_at, subject, request_id -> RightsRequestRecord (all requests)
  kRequestsOpen,          // due_at, subject, request_id -> RightsRequestRecord (open requests only)
  kRopa,                  // event shape (kind, recipient category, destination, purposes, categories) -> RopaCell
  kFindings,              // occurred_at, partition, seq -> FindingsAtRow (each finding's rule and severity; the
                          //   records from the log); or + index -> the same, with a findings_by_subject key
                          //   (a finding time raised)
  kFindingsBySubject,     // subject, occurred_at, partition, seq -> EventFindingsRow (the event's findings); or
                          //   + index -> FindingRecord (a finding time raised)
  kSubjectIndex,          // subject, tag, ... -> identity, kinds, policy versions, disclosures, transfers
  kRetentionOverdue,      // overdue_at, subject, system, category, opened -> open holding not yet reported overdue
  kCount,
};

inline constexpr std::array<std::string_view, static_cast<int>(Cf::kCount)> kCfNames = {
    "default", "log",     "offsets", "event_ids", "subject_timeline", "vault",
    "outbox",  "rejected", "gaps",    "tree",      "heads",            "policies", "policy_facts",
    "holdings", "retention_due", "disclosures", "disclosures_by_category", "transfers", "consents", "requests",
    "requests_by_due", "requests_open", "ropa", "findings", "findings_by_subject", "subject_index", "retention_overdue",
};

inline constexpr std::string_view CfName(Cf cf) { return kCfNames[static_cast<int>(cf)]; }

}  // namespace pdl

#endif  // PDL_PROJECTIONS_COLUMN_FAMILIES_H_
