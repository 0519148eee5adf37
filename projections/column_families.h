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
  kCount,
};

inline constexpr std::array<std::string_view, static_cast<int>(Cf::kCount)> kCfNames = {
    "default", "log",     "offsets", "event_ids", "subject_timeline", "vault",
    "outbox",  "rejected", "gaps",    "tree",      "heads",            "policies", "policy_facts",
};

inline constexpr std::string_view CfName(Cf cf) { return kCfNames[static_cast<int>(cf)]; }

}  // namespace pdl

#endif  // PDL_PROJECTIONS_COLUMN_FAMILIES_H_
