// The policy judge inside the batch applier, on a real RocksDB in a temp dir, against the seed's policy: findings
// land in the sealed record, facts of earlier events (in the same batch too) are seen, the selection follows
// recorded_at, a second run over the same records gives the same bytes, and published policies are stored once.

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event_codec.h"
#include "ledger/field_error.h"
#include "ledger/policy/findings.h"
#include "ledger/policy/policy_yaml.h"
#include "projections/applier.h"
#include "projections/audit_queries.h"
#include "projections/history.h"
#include "projections/keys.h"
#include "projections/policy_judge.h"
#include "projections/read_models/all.h"
#include "projections/store.h"
#include "tests/testing/event_builder.h"
#include "tests/testing/scenario_builder.h"
#include "tests/testing/temp_dir.h"

namespace pdl {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
namespace rules = policy::rules;

const absl::TimeZone kUtc = absl::UTCTimeZone();
const absl::Time kPublished = absl::FromCivil(absl::CivilDay(2023, 5, 8), kUtc);
const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2023, 6, 1, 10, 0, 0), kUtc);

pdl::v1::Policy SeedPolicy() {
  const auto path = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "examples" /
                    "policies" / "iqunet-2023-05-08.yaml";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto policy = policy::ParsePolicyYaml(text.str());
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : pdl::v1::Policy();
}

// A record as the sealer consumes it, recorded one hour after the event happened.
InputRecord Record(const pdl::v1::PrivacyEvent& event, int64_t offset, absl::Time recorded = absl::InfinitePast()) {
  if (recorded == absl::InfinitePast()) recorded = ToTime(event.occurred_at()) + absl::Hours(1);
  InputRecord r;
  r.partition = 0;
  r.offset = offset;
  r.timestamp_ms = absl::ToUnixMillis(recorded);
  r.key = event.subject().id();
  r.value = event.SerializeAsString();
  return r;
}

pdl::v1::PrivacyEvent Registration(std::string id, absl::Time at) {
  auto e = testing::Collected(id, "user-1042", at);
  auto* c = e.mutable_data_collected();
  c->add_categories("user.content.self_image");
  c->add_purposes("essential.service.authentication");
  c->set_retention_rule("account");
  return e;
}

pdl::v1::PrivacyEvent PartnerConsent(std::string id, absl::Time at) {
  auto e = testing::Consent(id, "user-1042", at);
  e.mutable_consent_given()->set_consent_id("promo-1");
  e.mutable_consent_given()->set_purposes(0, "marketing");
  e.mutable_consent_given()->set_scope("partner-promotions");
  return e;
}

pdl::v1::PrivacyEvent PartnerConsentWithdrawn(std::string id, absl::Time at) {
  auto e = PartnerConsent(std::move(id), at);
  e.clear_consent_given();
  e.mutable_consent_withdrawn()->set_consent_id("promo-1");
  return e;
}

// Shared with a third party on the strength of the subject's consent.
pdl::v1::PrivacyEvent SharedWithConsent(std::string id, absl::Time at) {
  auto e = testing::Shared(id, "user-1042", at);
  auto* s = e.mutable_data_shared();
  s->mutable_recipient()->set_category("consented_third_party");
  s->mutable_recipient()->set_id("partner-7");
  s->set_purposes(0, "marketing");
  s->set_legal_basis(pdl::v1::LEGAL_BASIS_CONSENT);
  return e;
}

pdl::v1::PrivacyEvent TransferWithoutMechanism(std::string id, absl::Time at) {
  auto e = testing::Transferred(id, "user-1042", at);
  e.mutable_data_transferred()->mutable_recipient()->set_category("service_provider");
  e.mutable_data_transferred()->mutable_recipient()->set_id("google-analytics");
  e.mutable_data_transferred()->set_mechanism(pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED);
  return e;
}

std::vector<std::string> RuleIds(const pdl::v1::SealedEvent& sealed) {
  std::vector<std::string> ids;
  for (const auto& f : sealed.findings()) ids.push_back(f.rule_id());
  return ids;
}

// One node's store, policy registry, judge and applier.
class Node {
 public:
  explicit Node(const std::string& path) {
    auto store = Store::Open({.path = path});
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto registry = PolicyRegistry::Open(store_.get());
    EXPECT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    judge_ = std::make_unique<PolicyJudge>(registry_.get());
  }

  void UseApplier(ApplierOptions options) {
    auto applier = Applier::Create(store_.get(), "cluster-1", 2, std::move(options));
    ASSERT_TRUE(applier.ok()) << applier.status();
    applier_ = std::move(*applier);
  }

  void UseJudge() { UseApplier({.judge = judge_.get()}); }
  // The judge and every read model, with the options ledgerd gives them.
  void UseJudgeAndModels() {
    models_ = MakeReadModels(PolicyReadModelOptions(registry_.get()));
    UseApplier({.judge = judge_.get(), .read_models = ModelPointers(models_)});
  }

  void Publish(const pdl::v1::Policy& policy, int64_t offset = 0, absl::Time at = kPublished) {
    auto applied = registry_->Apply(policy.SerializeAsString(), offset, at);
    ASSERT_TRUE(applied.ok()) << applied.status();
  }

  void Apply(std::vector<InputRecord> records) {
    auto prepared = applier_->Prepare(std::move(records));
    ASSERT_TRUE(prepared.ok()) << prepared.status();
    ASSERT_THAT(prepared->rejections(), IsEmpty()) << prepared->rejections()[0].reason;
    ASSERT_TRUE(applier_->Commit(std::move(*prepared)).ok());
  }
  // Written behind (Applier::CommitBehind): the next batch is prepared over this one while it is written.
  void ApplyBehind(std::vector<InputRecord> records) {
    auto prepared = applier_->Prepare(std::move(records));
    ASSERT_TRUE(prepared.ok()) << prepared.status();
    ASSERT_THAT(prepared->rejections(), IsEmpty()) << prepared->rejections()[0].reason;
    ASSERT_TRUE(applier_->CommitBehind(std::move(*prepared), nullptr).ok());
  }
  void Drain() { ASSERT_TRUE(applier_->Drain().ok()); }

  pdl::v1::SealedEvent Sealed(uint64_t seq) const {
    auto bytes = store_->Get(Cf::kLog, keys::LogKey(0, seq));
    EXPECT_TRUE(bytes.ok() && bytes->has_value()) << "no sealed record at seq " << seq;
    pdl::v1::SealedEvent sealed;
    if (bytes.ok() && bytes->has_value()) {
      EXPECT_TRUE(sealed.ParseFromString(**bytes));
    }
    return sealed;
  }

  std::map<std::string, std::string> Family(Cf cf) const {
    std::map<std::string, std::string> rows;
    auto it = store_->NewIterator(cf);
    for (it->SeekToFirst(); it->Valid(); it->Next()) rows[it->key().ToString()] = it->value().ToString();
    EXPECT_TRUE(it->status().ok());
    return rows;
  }

  Store& store() { return *store_; }
  PolicyRegistry& registry() { return *registry_; }

 private:
  std::unique_ptr<Store> store_;
  std::unique_ptr<PolicyRegistry> registry_;
  std::unique_ptr<PolicyJudge> judge_;
  std::vector<std::unique_ptr<ReadModel>> models_;
  std::unique_ptr<Applier> applier_;
};

class PolicyJudgeTest : public ::testing::Test {
 protected:
  std::unique_ptr<Node> NewNode() { return std::make_unique<Node>(tmp_.path() + "/db" + std::to_string(nodes_++)); }

  testing::TempDir tmp_;
  int nodes_ = 0;
};

TEST_F(PolicyJudgeTest, FindingsLandInTheSealedRecordAndTheHistory) {
  auto node = NewNode();
  node->Publish(SeedPolicy());
  node->UseJudge();
  node->Apply({Record(Registration("e1", kT0), 0), Record(TransferWithoutMechanism("e2", kT0 + absl::Hours(1)), 1)});

  const pdl::v1::SealedEvent registration = node->Sealed(0);
  EXPECT_EQ(registration.policy_version(), "2023-05-08");
  EXPECT_THAT(RuleIds(registration), IsEmpty());

  const pdl::v1::SealedEvent transfer = node->Sealed(1);
  EXPECT_EQ(transfer.policy_version(), "2023-05-08");
  EXPECT_THAT(RuleIds(transfer), ElementsAre(rules::kTransferNoMechanism));
  EXPECT_EQ(transfer.findings(0).severity(), pdl::v1::SEVERITY_HIGH);

  pdl::v1::GetSubjectHistoryRequest request;
  request.set_subject_id("user-1042");
  auto history = GetSubjectHistory(node->store(), request);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->entries_size(), 2);
  EXPECT_EQ(history->entries(1).policy_version(), "2023-05-08");
  ASSERT_EQ(history->entries(1).findings_size(), 1);
  EXPECT_EQ(history->entries(1).findings(0).rule_id(), rules::kTransferNoMechanism);
}

TEST_F(PolicyJudgeTest, FactsOfEarlierEventsInTheSameBatchAreSeen) {
  auto node = NewNode();
  node->Publish(SeedPolicy());
  node->UseJudge();
  // One batch: consent, a share under it, the withdrawal, and a share after the withdrawal.
  node->Apply({Record(PartnerConsent("c1", kT0), 0), Record(SharedWithConsent("s1", kT0 + absl::Minutes(1)), 1),
               Record(PartnerConsentWithdrawn("w1", kT0 + absl::Minutes(2)), 2),
               Record(SharedWithConsent("s2", kT0 + absl::Minutes(3)), 3)});
  EXPECT_THAT(RuleIds(node->Sealed(1)), IsEmpty());
  EXPECT_THAT(RuleIds(node->Sealed(3)),
              ElementsAre(rules::kConsentWithdrawn, rules::kSharingConsentedThirdPartyWithoutConsent));
  // The facts persist into later batches.
  node->Apply({Record(SharedWithConsent("s3", kT0 + absl::Minutes(4)), 4)});
  EXPECT_THAT(RuleIds(node->Sealed(4)),
              ElementsAre(rules::kConsentWithdrawn, rules::kSharingConsentedThirdPartyWithoutConsent));
  // Another subject is not affected by this subject's consent.
  auto other = SharedWithConsent("s4", kT0 + absl::Minutes(5));
  other.mutable_subject()->set_id("user-7");
  node->Apply({Record(other, 5)});
  EXPECT_THAT(RuleIds(node->Sealed(5)), ElementsAre(rules::kSharingConsentedThirdPartyWithoutConsent));
}

TEST_F(PolicyJudgeTest, APolicyPublishedAfterTheEventWasRecordedIsNotUsed) {
  auto node = NewNode();
  const absl::Time published = kT0 + absl::Hours(2);
  node->Publish(SeedPolicy(), 0, published);
  node->UseJudge();
  node->Apply({Record(Registration("early", kT0), 0, published),
               Record(Registration("late", kT0), 1, published + absl::Milliseconds(1))});
  EXPECT_EQ(node->Sealed(0).policy_version(), "");
  EXPECT_THAT(RuleIds(node->Sealed(0)), ElementsAre(rules::kPolicyNoneInForce));
  EXPECT_EQ(node->Sealed(1).policy_version(), "2023-05-08");
  EXPECT_THAT(RuleIds(node->Sealed(1)), IsEmpty());
  // Before the effective date, even when recorded long after publication.
  auto before = Registration("before", absl::FromCivil(absl::CivilDay(2023, 5, 7), kUtc));
  node->Apply({Record(before, 2, published + absl::Hours(1))});
  EXPECT_EQ(node->Sealed(2).policy_version(), "");
}

TEST_F(PolicyJudgeTest, ASecondRunOverTheSameRecordsGivesTheSameBytes) {
  auto minor = Registration("m1", kT0 + absl::Hours(5));
  minor.mutable_subject()->set_id("user-9");
  minor.mutable_subject()->set_minor(true);
  const std::vector<InputRecord> records = {
      Record(Registration("e1", kT0), 0),
      Record(PartnerConsent("c1", kT0 + absl::Hours(1)), 1),
      Record(SharedWithConsent("s1", kT0 + absl::Hours(2)), 2),
      Record(PartnerConsentWithdrawn("w1", kT0 + absl::Hours(3)), 3),
      Record(SharedWithConsent("s2", kT0 + absl::Hours(4)), 4),
      Record(minor, 5),
      Record(TransferWithoutMechanism("t1", kT0 + absl::Hours(6)), 6),
  };
  auto first = NewNode();
  first->Publish(SeedPolicy());
  first->UseJudge();
  first->Apply(records);
  // The second node gets the records in three batches.
  auto second = NewNode();
  second->Publish(SeedPolicy());
  second->UseJudge();
  second->Apply({records.begin(), records.begin() + 2});
  second->Apply({records.begin() + 2, records.begin() + 5});
  second->Apply({records.begin() + 5, records.end()});

  // The third gets one record per batch, each written while the next is judged (which reads its facts).
  auto third = NewNode();
  third->Publish(SeedPolicy());
  third->UseJudge();
  for (const auto& record : records) third->ApplyBehind({record});
  third->Drain();

  EXPECT_EQ(first->Family(Cf::kLog), second->Family(Cf::kLog));
  EXPECT_EQ(first->Family(Cf::kPolicyFacts), second->Family(Cf::kPolicyFacts));
  EXPECT_EQ(first->Family(Cf::kPolicies), second->Family(Cf::kPolicies));
  EXPECT_EQ(first->Family(Cf::kLog), third->Family(Cf::kLog));
  EXPECT_EQ(first->Family(Cf::kPolicyFacts), third->Family(Cf::kPolicyFacts));
  EXPECT_EQ(first->Family(Cf::kLog).size(), records.size());
  size_t with_findings = 0;
  for (uint64_t seq = 0; seq < records.size(); ++seq) with_findings += first->Sealed(seq).findings_size() > 0;
  EXPECT_EQ(with_findings, 3u);

  // Rebuilding the facts from the log, without the judge, gives the same rows.
  auto rebuilt = NewNode();
  PolicyFactsModel facts_model;
  rebuilt->UseApplier({.read_models = {&facts_model}});
  rebuilt->Apply(records);
  EXPECT_EQ(rebuilt->Family(Cf::kPolicyFacts), first->Family(Cf::kPolicyFacts));
}

TEST_F(PolicyJudgeTest, AVersionIsStoredOnceAndNeverChanges) {
  auto node = NewNode();
  const pdl::v1::Policy seed = SeedPolicy();
  auto first = node->registry().Apply(seed.SerializeAsString(), 3, kPublished);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->duplicate);
  EXPECT_EQ(first->published.offset(), 3);
  EXPECT_EQ(first->published.content_hash().size(), 32u);

  auto again = node->registry().Apply(seed.SerializeAsString(), 9, kPublished + absl::Hours(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->published.offset(), 3);

  pdl::v1::Policy changed = seed;
  changed.set_minimum_age(16);
  auto conflict = node->registry().Apply(changed.SerializeAsString(), 10, kPublished + absl::Hours(2));
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorField(conflict.status()), "version");

  auto garbage = node->registry().Apply("\xff\xff\xff", 11, kPublished);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(ErrorField(garbage.status()), "policy");

  pdl::v1::Policy invalid = seed;
  invalid.set_version("2023-06-01");
  invalid.mutable_controller()->set_country("XX");
  auto rejected = node->registry().Apply(invalid.SerializeAsString(), 12, kPublished);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(rejected.status()), "controller.country");

  // A newer version published later; the list is in publication order, also after reopening the store.
  changed.set_version("2024-01-01");
  SetTimestamp(changed.mutable_effective_from(), absl::FromCivil(absl::CivilDay(2024, 1, 1), kUtc));
  ASSERT_TRUE(node->registry().Apply(changed.SerializeAsString(), 13, kPublished + absl::Hours(24 * 30)).ok());
  auto listed = ListPolicies(node->store());
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].policy().version(), "2023-05-08");
  EXPECT_EQ((*listed)[1].policy().version(), "2024-01-01");
  auto reopened = PolicyRegistry::Open(&node->store());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->policies()->size(), 2u);
  ASSERT_TRUE((*reopened)->Find("2024-01-01").has_value());
  EXPECT_EQ((*reopened)->Find("2024-01-01")->policy().minimum_age(), 16);
  auto missing = GetPolicy(node->store(), "1999");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(PolicyJudgeTest, RetainUntilFollowsThePeriodRuleOfTheJudgingPolicy) {
  auto node = NewNode();
  node->Publish(SeedPolicy());
  const RetainUntilFn retain_until = PolicyRetainUntil(&node->registry());
  auto usage = testing::Collected("u1", "user-1042", kT0);
  auto* c = usage.mutable_data_collected();
  c->clear_categories();
  c->add_categories("user.device.cookie_id");
  c->set_method(pdl::v1::COLLECTION_METHOD_AUTOMATIC);
  c->set_purposes(0, "analytics");
  SealedEventView view{.recorded_at = kT0, .event = &usage, .policy_version = "2023-05-08"};
  StagedRows rows;
  const BatchWriter batch(&node->store(), &rows);
  auto usage_retention = retain_until(view, "user.device.cookie_id", batch);
  ASSERT_TRUE(usage_retention.ok());
  EXPECT_EQ(usage_retention->retain_until, absl::FromCivil(absl::CivilSecond(2024, 8, 1, 10, 0, 0), kUtc));  // 14 months
  EXPECT_EQ(usage_retention->grace.days(), 30);  // the policy's retention_grace
  EXPECT_EQ(usage_retention->rule_id, "usage-data");  // the first rule covering the category and purpose
  // An until-event rule (account closure) has no end yet, but the policy's grace; no policy, no answer.
  auto registration = Registration("r1", kT0);
  view.event = &registration;
  auto account = retain_until(view, "user.name", batch);
  ASSERT_TRUE(account.ok());
  EXPECT_EQ(account->retain_until, std::nullopt);
  EXPECT_EQ(account->grace.days(), 30);
  EXPECT_EQ(account->rule_id, "account");
  view.event = &usage;
  view.policy_version = "";
  auto none = retain_until(view, "user.device.cookie_id", batch);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->retain_until, std::nullopt);
  EXPECT_EQ(none->grace.days(), 0);
  EXPECT_EQ(none->rule_id, "");
}

TEST_F(PolicyJudgeTest, ARightsRequestIsDueByTheResponseDeadlineOfTheJudgingPolicy) {
  auto node = NewNode();
  pdl::v1::Policy policy = SeedPolicy();
  policy.mutable_rights()->mutable_response_deadline()->Clear();
  policy.mutable_rights()->mutable_response_deadline()->set_days(10);
  node->Publish(policy);
  node->UseJudgeAndModels();
  const auto erasure = pdl::v1::SUBJECT_RIGHT_ERASURE;
  const auto fulfilled = pdl::v1::REQUEST_OUTCOME_FULFILLED;
  const absl::Duration day = absl::Hours(24);
  node->Apply({Record(testing::RequestOpened("o1", "user-1042", kT0, "r1", erasure), 0),
               Record(testing::RequestOpened("o2", "user-1042", kT0 + day, "r2", erasure), 1),
               Record(testing::RequestClosed("c2", "user-1042", kT0 + 9 * day, "r2", erasure, fulfilled), 2),
               Record(testing::RequestClosed("c1", "user-1042", kT0 + 11 * day, "r1", erasure, fulfilled), 3)});

  // The read model's due dates are the policy's ten days, not the default month...
  auto listed = ListRightsRequests(node->store(), pdl::v1::ListRightsRequestsRequest(), kT0 + 60 * day);
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::map<std::string, absl::Time> due;
  for (const auto& r : listed->requests()) {
    due[r.request_id()] = ToTime(r.due_at());
    EXPECT_EQ(r.policy_version(), "2023-05-08");
  }
  EXPECT_EQ(due["r1"], kT0 + 10 * day);
  EXPECT_EQ(due["r2"], kT0 + 11 * day);
  // ...the same deadline the judge applies to the closes: the late one has a finding, the one in time none.
  EXPECT_THAT(RuleIds(node->Sealed(3)), ElementsAre(rules::kRequestOverdue));
  EXPECT_THAT(RuleIds(node->Sealed(2)), IsEmpty());

  // Without a judging policy (or with one that sets no deadline): one calendar month.
  const absl::Time january_31 = absl::FromCivil(absl::CivilSecond(2023, 1, 31, 9, 0, 0), kUtc);
  const auto opened = testing::RequestOpened("o3", "user-1042", january_31, "r3", erasure);
  const SealedEventView view{.recorded_at = kT0, .event = &opened, .policy_version = ""};
  EXPECT_EQ(PolicyRequestDueAt(&node->registry())(view),
            absl::FromCivil(absl::CivilSecond(2023, 2, 28, 9, 0, 0), kUtc));
}

}  // namespace
}  // namespace pdl
