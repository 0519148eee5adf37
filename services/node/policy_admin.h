#ifndef PDL_SERVICES_NODE_POLICY_ADMIN_H_
#define PDL_SERVICES_NODE_POLICY_ADMIN_H_

// The server side of policies: AdminService.PublishPolicy and GetPolicy as plain functions (the gRPC adapter
// converts their Status with ToGrpc), the Kafka form of a published policy, and the follower that applies
// pdl.policies.v1 to the node's PolicyRegistry.
//
// Messages never contain personal data (policies hold none) and name the offending field.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pdl/v1/policy.pb.h"
#include "projections/policy_judge.h"
#include "services/kafka/consumer.h"
#include "services/kafka/kafka_config.h"
#include "services/kafka/producer.h"

namespace pdl::policy_admin {

// The record of `policy` on pdl.policies.v1: key = version, value = the policy's deterministic serialization,
// CloudEvents binary headers (ce_specversion 1.0, ce_id "policy-<version>", ce_source "ledgerd",
// ce_type "pdl.v1.Policy", content-type application/protobuf). Partition 0 (the topic has one).
kafka::OutgoingRecord PolicyRecord(const pdl::v1::Policy& policy);

// A policy's serialized size at most: one record of pdl.policies.v1, well under Kafka's default message.max.bytes.
inline constexpr size_t kMaxPolicyBytes = 512 * 1024;

// PublishPolicy: validates the policy (INVALID_ARGUMENT naming the field, e.g. "policy.retention_rules[1].id", or
// "policy" when it is larger than kMaxPolicyBytes);
// when the version is already stored answers with it (duplicate = true, nothing produced) if the content is equal,
// ALREADY_EXISTS field "policy.version" if not; otherwise produces PolicyRecord, waits for the acknowledgement
// (DEADLINE_EXCEEDED after `timeout`: the outcome is unknown and publishing again is safe) and applies the record
// to `registry` with its offset and timestamp, exactly as the follower will, so GetPolicy sees it at once.
// Thread-safe.
[[nodiscard]] absl::StatusOr<pdl::v1::PublishPolicyResponse> PublishPolicy(const pdl::v1::PublishPolicyRequest& request,
                                                                           PolicyRegistry& registry,
                                                                           kafka::Producer& producer,
                                                                           absl::Duration timeout = absl::Seconds(30));

// GetPolicy: the policy of request.version (NOT_FOUND field "version" when it was never published), or, with no
// version, the one in force at `now` (the latest published when none is in force yet; NOT_FOUND when nothing is
// published); with the list of every published version. Thread-safe.
[[nodiscard]] absl::StatusOr<pdl::v1::GetPolicyResponse> GetPolicy(const PolicyRegistry& registry,
                                                                   const pdl::v1::GetPolicyRequest& request,
                                                                   absl::Time now);

// Applies pdl.policies.v1 to a registry. The topic is read from offset 0 on every start: it is small, and applying
// a record twice changes nothing (projections/policy_judge.h), so no offset needs to be stored. Not thread-safe:
// one thread (the sealer's, before each batch) calls CatchUp.
class PolicyFollower {
 public:
  // `registry` must outlive the follower.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PolicyFollower>> Create(const kafka::KafkaConfig& config,
                                                                              PolicyRegistry* registry);

  // Applies every record up to the end of the topic as it is when called (its high watermark), waiting at most
  // `timeout` for them. A record that is not a valid policy, or that changes a stored version, is skipped and
  // logged with its offset and field (never its content). Returns how many new versions were stored;
  // DEADLINE_EXCEEDED when the end was not reached in time (what was read is applied; call again).
  [[nodiscard]] absl::StatusOr<int> CatchUp(absl::Duration timeout);

  // Records skipped because they were not valid policies or changed a stored version.
  uint64_t skipped() const { return skipped_; }

 private:
  PolicyFollower(std::unique_ptr<kafka::Consumer> consumer, PolicyRegistry* registry)
      : consumer_(std::move(consumer)), registry_(registry) {}

  std::unique_ptr<kafka::Consumer> consumer_;
  PolicyRegistry* registry_;
  int64_t next_offset_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace pdl::policy_admin

#endif  // PDL_SERVICES_NODE_POLICY_ADMIN_H_
