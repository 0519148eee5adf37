#include "projections/policy_judge.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "ledger/field_error.h"
#include "ledger/policy/evaluator.h"
#include "ledger/policy/findings.h"
#include "ledger/policy/policy_selection.h"
#include "ledger/policy/policy_validator.h"
#include "ledger/policy/retention.h"
#include "ledger/sv.h"
#include "pdl/v1/policy_facts.pb.h"
#include "projections/keys.h"
#include "projections/store.h"
#include "rocksdb/write_batch.h"

namespace pdl {
namespace {

constexpr char kVersionTag = 'V';
constexpr char kOrderTag = 'O';

std::string VersionKey(std::string_view version) {
  std::string key(1, kVersionTag);
  keys::AppendString(&key, version);
  return key;
}

std::string OrderKey(const pdl::v1::PublishedPolicy& p) {
  std::string key(1, kOrderTag);
  keys::AppendI64(&key, absl::ToUnixMicros(ToTime(p.published_at())));
  keys::AppendI64(&key, p.offset());
  keys::AppendString(&key, p.policy().version());
  return key;
}

std::string FactsKey(std::string_view subject_id) {
  std::string key;
  keys::AppendString(&key, subject_id);
  return key;
}

void ToProto(const policy::SubjectFacts& facts, pdl::v1::PolicySubjectFacts* out) {
  for (const policy::ConsentFact& c : facts.consents) {
    auto* record = out->add_consents();
    record->set_consent_id(c.consent_id);
    record->set_scope(c.scope);
    if (c.given_at.has_value()) SetTimestamp(record->mutable_given_at(), *c.given_at);
    for (const policy::ConsentPurpose& p : c.purposes) {
      auto* purpose = record->add_purposes();
      purpose->set_purpose(p.purpose);
      if (p.withdrawn_at.has_value()) SetTimestamp(purpose->mutable_withdrawn_at(), *p.withdrawn_at);
    }
  }
  if (facts.erasure_completed_at.has_value()) {
    SetTimestamp(out->mutable_erasure_completed_at(), *facts.erasure_completed_at);
  }
  out->set_minor(facts.minor);
  out->set_birth_year(facts.birth_year);
  for (const policy::OpenRequest& r : facts.open_requests) {
    auto* record = out->add_open_requests();
    record->set_request_id(r.request_id);
    record->set_right(r.right);
    SetTimestamp(record->mutable_opened_at(), r.opened_at);
  }
}

policy::SubjectFacts FromProto(const pdl::v1::PolicySubjectFacts& in) {
  policy::SubjectFacts facts;
  for (const auto& record : in.consents()) {
    policy::ConsentFact c{
        .consent_id = record.consent_id(), .scope = record.scope(), .given_at = std::nullopt, .purposes = {}};
    if (record.has_given_at()) c.given_at = ToTime(record.given_at());
    for (const auto& p : record.purposes()) {
      c.purposes.push_back(
          {p.purpose(), p.has_withdrawn_at() ? std::optional(ToTime(p.withdrawn_at())) : std::nullopt});
    }
    facts.consents.push_back(std::move(c));
  }
  if (in.has_erasure_completed_at()) facts.erasure_completed_at = ToTime(in.erasure_completed_at());
  facts.minor = in.minor();
  facts.birth_year = in.birth_year();
  for (const auto& r : in.open_requests()) {
    facts.open_requests.push_back({r.request_id(),
                                   pdl::v1::SubjectRight_IsValid(r.right())
                                       ? static_cast<pdl::v1::SubjectRight>(r.right())
                                       : pdl::v1::SUBJECT_RIGHT_UNSPECIFIED,
                                   ToTime(r.opened_at())});
  }
  return facts;
}

absl::Status FoldFacts(const pdl::v1::PrivacyEvent& event, BatchWriter& batch) {
  auto facts = SubjectFactsRow(batch, event.subject().id());
  if (!facts.ok()) return facts.status();
  policy::UpdateFacts(event, *facts);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PolicyApplyResult> ApplyPolicyRecord(Store& store, std::string_view value, int64_t offset,
                                                    absl::Time published_at) {
  pdl::v1::Policy policy;
  if (!policy.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return InvalidField("policy", absl::StrCat("record value (", value.size(), " bytes) is not a pdl.v1.Policy"));
  }
  if (absl::Status valid = policy::ValidatePolicy(policy); !valid.ok()) return valid;
  const std::string hash = Sha256(CanonicalBytes(policy));
  auto existing = GetPolicy(store, policy.version());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    if ((*existing)->content_hash() != hash) {
      return FieldError(
          absl::StatusCode::kAlreadyExists, "version",
          absl::StrCat("'", policy.version(), "' was published on ", FormatRfc3339(ToTime((*existing)->published_at())),
                       " with other content; a published version never changes, so publish the "
                       "change under a new version"));
    }
    return PolicyApplyResult{.published = **existing, .duplicate = true};
  }
  PolicyApplyResult result;
  *result.published.mutable_policy() = std::move(policy);
  SetTimestamp(result.published.mutable_published_at(), published_at);
  result.published.set_offset(offset);
  result.published.set_content_hash(hash);
  rocksdb::WriteBatch batch;
  batch.Put(store.cf(Cf::kPolicies), VersionKey(result.published.policy().version()), CanonicalBytes(result.published));
  batch.Put(store.cf(Cf::kPolicies), OrderKey(result.published), "");
  if (absl::Status s = store.Write(&batch); !s.ok()) return s;
  return result;
}

absl::StatusOr<std::vector<pdl::v1::PublishedPolicy>> ListPolicies(const Store& store) {
  std::vector<pdl::v1::PublishedPolicy> out;
  const std::string prefix(1, kOrderTag);
  auto it = store.NewIterator(Cf::kPolicies);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    key.remove_prefix(1);
    int64_t micros = 0;
    int64_t offset = 0;
    std::string version;
    if (!keys::ConsumeI64(&key, &micros) || !keys::ConsumeI64(&key, &offset) || !keys::ConsumeString(&key, &version) ||
        !key.empty()) {
      return absl::DataLossError("policies: malformed publication-order key");
    }
    auto policy = GetPolicy(store, version);
    if (!policy.ok()) return policy.status();
    if (!policy->has_value()) return absl::DataLossError("policies: an indexed version has no record");
    out.push_back(std::move(**policy));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning policies");
  return out;
}

absl::StatusOr<std::optional<pdl::v1::PublishedPolicy>> GetPolicy(const Store& store, std::string_view version) {
  auto stored = store.Get(Cf::kPolicies, VersionKey(version));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  pdl::v1::PublishedPolicy policy;
  if (!policy.ParseFromString(**stored)) return absl::DataLossError("policies: a stored policy does not parse");
  return policy;
}

absl::StatusOr<std::unique_ptr<PolicyRegistry>> PolicyRegistry::Open(Store* store) {
  auto policies = ListPolicies(*store);
  if (!policies.ok()) return policies.status();
  return std::unique_ptr<PolicyRegistry>(
      new PolicyRegistry(store, std::make_shared<const std::vector<pdl::v1::PublishedPolicy>>(std::move(*policies))));
}

absl::StatusOr<PolicyApplyResult> PolicyRegistry::Apply(std::string_view value, int64_t offset,
                                                        absl::Time published_at) {
  std::lock_guard<std::mutex> lock(mu_);
  auto result = ApplyPolicyRecord(*store_, value, offset, published_at);
  if (!result.ok() || result->duplicate) return result;
  auto next = std::make_shared<std::vector<pdl::v1::PublishedPolicy>>(*policies_);
  next->push_back(result->published);
  std::sort(next->begin(), next->end(), policy::PublishedBefore);
  policies_ = std::move(next);
  return result;
}

PolicyRegistry::Snapshot PolicyRegistry::policies() const {
  std::lock_guard<std::mutex> lock(mu_);
  return policies_;
}

std::optional<pdl::v1::PublishedPolicy> PolicyRegistry::Find(std::string_view version) const {
  const Snapshot snapshot = policies();
  for (const auto& p : *snapshot) {
    if (p.policy().version() == version) return p;
  }
  return std::nullopt;
}

namespace {

absl::Status DecodeFacts(const std::optional<std::string>& bytes, policy::SubjectFacts* out) {
  if (!bytes.has_value()) return absl::OkStatus();
  pdl::v1::PolicySubjectFacts record;
  if (!record.ParseFromString(*bytes)) return absl::DataLossError("policy_facts: a subject's facts do not parse");
  *out = FromProto(record);
  policy::IndexConsents(out);
  return absl::OkStatus();
}

std::optional<std::string> EncodeFacts(const policy::SubjectFacts& facts) {
  if (facts == policy::SubjectFacts{}) return std::nullopt;
  pdl::v1::PolicySubjectFacts record;
  ToProto(facts, &record);
  return CanonicalBytes(record);
}

}  // namespace

absl::StatusOr<policy::SubjectFacts*> SubjectFactsRow(BatchWriter& batch, std::string_view subject_id) {
  return batch.Row<policy::SubjectFacts>(Cf::kPolicyFacts, FactsKey(subject_id), &DecodeFacts, &EncodeFacts);
}

absl::Status PolicyJudge::Evaluate(SealedEventView* view, BatchWriter& batch) {
  const pdl::v1::PrivacyEvent& event = *view->event;
  const PolicyRegistry::Snapshot policies = registry_->policies();
  const pdl::v1::PublishedPolicy* selected =
      policy::SelectPolicy(*policies, ToTime(event.occurred_at()), view->recorded_at);
  auto facts = SubjectFactsRow(batch, event.subject().id());
  if (!facts.ok()) return facts.status();
  view->findings = policy::Evaluate(event, selected != nullptr ? &selected->policy() : nullptr, **facts);
  view->policy_version = selected != nullptr ? selected->policy().version() : "";
  policy::UpdateFacts(event, *facts);
  return absl::OkStatus();
}

absl::Status PolicyFactsModel::Apply(const SealedEventView& sealed, BatchWriter& batch) {
  return FoldFacts(*sealed.event, batch);
}

std::function<absl::Time(const SealedEventView& sealed)> PolicyRequestDueAt(const PolicyRegistry* registry) {
  return [registry](const SealedEventView& sealed) -> absl::Time {
    const absl::Time opened = ToTime(sealed.event->occurred_at());
    if (!sealed.policy_version.empty()) {
      const PolicyRegistry::Snapshot policies = registry->policies();
      for (const auto& published : *policies) {
        if (published.policy().version() == sealed.policy_version) {
          return policy::RequestDueAt(&published.policy(), opened);
        }
      }
    }
    return policy::RequestDueAt(nullptr, opened);
  };
}

ReadModelOptions PolicyReadModelOptions(const PolicyRegistry* registry) {
  return {.retain_until = PolicyRetainUntil(registry), .request_due_at = PolicyRequestDueAt(registry)};
}

RetainUntilFn PolicyRetainUntil(const PolicyRegistry* registry) {
  return [registry](const SealedEventView& sealed, std::string_view category,
                    const BatchWriter&) -> absl::StatusOr<CollectedRetention> {
    CollectedRetention out;
    if (sealed.event == nullptr || !sealed.event->has_data_collected() || sealed.policy_version.empty()) return out;
    const PolicyRegistry::Snapshot policies = registry->policies();
    for (const auto& published : *policies) {
      if (published.policy().version() != sealed.policy_version) continue;
      const pdl::v1::RetentionRule* rule =
          policy::RuleForCollection(published.policy(), sealed.event->data_collected(), category);
      out.grace = policy::GraceFor(published.policy(), rule);
      if (rule != nullptr) out.retain_until = policy::RetainUntil(*rule, ToTime(sealed.event->occurred_at()));
      if (rule != nullptr && rule->has_until()) out.until = rule->until();
      if (rule != nullptr) out.rule_id = rule->id();
      return out;
    }
    return out;
  };
}

}  // namespace pdl
