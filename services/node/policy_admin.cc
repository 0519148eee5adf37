#include "services/node/policy_admin.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "ledger/field_error.h"
#include "ledger/policy/policy_selection.h"
#include "ledger/policy/policy_validator.h"
#include "ledger/sv.h"
#include "spdlog/spdlog.h"

namespace pdl::policy_admin {
namespace {

// The same error with the field under the request's `policy` field.
absl::Status UnderPolicy(const absl::Status& status) {
  const std::string field = ErrorField(status);
  return FieldError(status.code(), field.empty() ? "policy" : absl::StrCat("policy.", field), ErrorReason(status));
}

pdl::v1::PolicyVersion VersionLine(const pdl::v1::PublishedPolicy& p) {
  pdl::v1::PolicyVersion v;
  v.set_version(p.policy().version());
  *v.mutable_effective_from() = p.policy().effective_from();
  *v.mutable_published_at() = p.published_at();
  return v;
}

}  // namespace

kafka::OutgoingRecord PolicyRecord(const pdl::v1::Policy& policy) {
  kafka::OutgoingRecord record;
  record.topic = kafka::kPoliciesTopic;
  record.partition = 0;
  record.key = policy.version();
  record.value = CanonicalBytes(policy);
  record.headers = {{"ce_specversion", "1.0"},
                    {"ce_id", absl::StrCat("policy-", policy.version())},
                    {"ce_source", "ledgerd"},
                    {"ce_type", "pdl.v1.Policy"},
                    {"content-type", "application/protobuf"}};
  return record;
}

absl::StatusOr<pdl::v1::PublishPolicyResponse> PublishPolicy(const pdl::v1::PublishPolicyRequest& request,
                                                             PolicyRegistry& registry, kafka::Producer& producer,
                                                             absl::Duration timeout) {
  if (!request.has_policy()) return InvalidField("policy", "is required");
  const pdl::v1::Policy& policy = request.policy();
  if (const size_t size = policy.ByteSizeLong(); size > kMaxPolicyBytes) {
    return InvalidField("policy", absl::StrCat("is ", size, " bytes serialized; at most ", kMaxPolicyBytes,
                                               " fit one record of ", kafka::kPoliciesTopic));
  }
  if (absl::Status valid = policy::ValidatePolicy(policy); !valid.ok()) return UnderPolicy(valid);
  pdl::v1::PublishPolicyResponse response;
  if (auto stored = registry.Find(policy.version()); stored.has_value()) {
    if (stored->content_hash() != Sha256(CanonicalBytes(policy))) {
      return FieldError(
          absl::StatusCode::kAlreadyExists, "policy.version",
          absl::StrCat("'", policy.version(), "' was published on ", FormatRfc3339(ToTime(stored->published_at())),
                       " with other content; a published version never changes, so publish the "
                       "change under a new version"));
    }
    *response.mutable_published() = *std::move(stored);
    response.set_duplicate(true);
    return response;
  }
  kafka::OutgoingRecord record = PolicyRecord(policy);
  const std::string value = record.value;
  auto delivery = producer.ProduceSync(std::move(record), timeout);
  if (!delivery.ok()) return delivery.status();
  auto applied = registry.Apply(value, delivery->offset, absl::FromUnixMillis(delivery->timestamp_ms));
  if (!applied.ok()) return UnderPolicy(applied.status());
  spdlog::info("event=policy_published version={} offset={} duplicate={}", policy.version(), delivery->offset,
               applied->duplicate);
  *response.mutable_published() = std::move(applied->published);
  response.set_duplicate(applied->duplicate);
  return response;
}

absl::StatusOr<pdl::v1::GetPolicyResponse> GetPolicy(const PolicyRegistry& registry,
                                                     const pdl::v1::GetPolicyRequest& request, absl::Time now) {
  const PolicyRegistry::Snapshot policies = registry.policies();
  const pdl::v1::PublishedPolicy* found = nullptr;
  if (!request.version().empty()) {
    for (const auto& p : *policies) {
      if (p.policy().version() == request.version()) found = &p;
    }
    if (found == nullptr) {
      return FieldError(absl::StatusCode::kNotFound, "version",
                        absl::StrCat("'", request.version(), "' was never published"));
    }
  } else {
    found = policy::PolicyInForce(*policies, now);
    if (found == nullptr && !policies->empty()) found = &policies->back();
    if (found == nullptr) {
      return FieldError(absl::StatusCode::kNotFound, "version",
                        "no policy has been published yet (ledgerctl policy publish FILE)");
    }
  }
  pdl::v1::GetPolicyResponse response;
  *response.mutable_policy() = *found;
  for (const auto& p : *policies) *response.add_versions() = VersionLine(p);
  return response;
}

absl::StatusOr<std::unique_ptr<PolicyFollower>> PolicyFollower::Create(const kafka::KafkaConfig& config,
                                                                       PolicyRegistry* registry) {
  auto consumer = kafka::Consumer::Create(config, kafka::kPoliciesTopic);
  if (!consumer.ok()) return consumer.status();
  if (absl::Status s = (*consumer)->Assign({{0, 0}}); !s.ok()) return s;
  return std::unique_ptr<PolicyFollower>(new PolicyFollower(std::move(*consumer), registry));
}

absl::StatusOr<int> PolicyFollower::CatchUp(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  auto marks = consumer_->QueryWatermarks(0, timeout);
  if (!marks.ok()) return marks.status();
  int stored = 0;
  while (next_offset_ < marks->high) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat(kafka::kPoliciesTopic, ": read up to offset ", next_offset_,
                                                      " of ", marks->high, " in time; call again"));
    }
    auto polled = consumer_->Poll(1000, std::min(left, absl::Milliseconds(200)));
    if (!polled.ok()) return polled.status();
    for (const kafka::OutOfRange& gap : polled->out_of_range) {
      // Policy records deleted from Kafka (retention set too short): what is stored stays; continue at the start.
      auto now_marks = consumer_->QueryWatermarks(0, std::max(deadline - absl::Now(), absl::Seconds(1)));
      if (!now_marks.ok()) return now_marks.status();
      spdlog::error("event=policy_topic_gap alarm=kafka_gap topic={} missing_offsets=[{},{})", kafka::kPoliciesTopic,
                    gap.requested_offset, now_marks->low);
      if (absl::Status s = consumer_->Seek(0, now_marks->low); !s.ok()) return s;
      next_offset_ = now_marks->low;
    }
    for (const kafka::ConsumedRecord& record : polled->records) {
      if (record.offset < next_offset_) continue;
      next_offset_ = record.offset + 1;
      auto applied = registry_->Apply(record.value, record.offset, absl::FromUnixMillis(record.timestamp_ms));
      if (!applied.ok()) {
        if (applied.status().code() != absl::StatusCode::kInvalidArgument &&
            applied.status().code() != absl::StatusCode::kAlreadyExists) {
          next_offset_ = record.offset;
          (void)consumer_->Seek(0, record.offset);
          return applied.status();
        }
        ++skipped_;
        spdlog::warn("event=policy_record_skipped topic={} offset={} code={} field={}", kafka::kPoliciesTopic,
                     record.offset, absl::StatusCodeToString(applied.status().code()), ErrorField(applied.status()));
        continue;
      }
      if (!applied->duplicate) {
        ++stored;
        spdlog::info("event=policy_stored version={} offset={}", applied->published.policy().version(), record.offset);
      }
    }
  }
  return stored;
}

}  // namespace pdl::policy_admin
