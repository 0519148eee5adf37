// The read models (projections/read_models/) through the real Applier on a real RocksDB in a temp dir, the audit
// queries over them (projections/audit_queries.h), and the rebuild from the log (projections/rebuild.h).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event_codec.h"
#include "ledger/field_error.h"
#include "ledger/vault/identity_cipher.h"
#include "pdl/v1/store.pb.h"
#include "projections/applier.h"
#include "projections/audit_queries.h"
#include "projections/history.h"
#include "projections/keys.h"
#include "projections/read_models/all.h"
#include "projections/read_models/read_model_keys.h"
#include "projections/read_models/rights_requests.h"
#include "projections/rebuild.h"
#include "projections/store.h"
#include "projections/vault_store.h"
#include "rocksdb/write_batch.h"
#include "tests/testing/event_builder.h"
#include "tests/testing/scenario_builder.h"
#include "tests/testing/store_rows.h"
#include "tests/testing/temp_dir.h"

namespace pdl {
namespace {

using testing::CollectedInto;
using testing::ConsentGivenFor;
using testing::ConsentWithdrawnFor;
using testing::DeletedFrom;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::RequestClosed;
using testing::RequestOpened;
using testing::SharedWith;
using testing::TransferredTo;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;
using testing::UsedFor;

absl::Time Utc(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), absl::UTCTimeZone());
}

absl::Time T(const google::protobuf::Timestamp& ts) { return ToTime(ts); }

void ExpectFieldError(const absl::Status& status, absl::StatusCode code, std::string_view field) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(ErrorField(status), field) << status;
}

// Attaches fixed findings to chosen events and a policy version to all.
class FixedJudge final : public Judge {
 public:
  absl::Status Evaluate(SealedEventView* view, BatchWriter&) override {
    view->policy_version = "2023-05-08";
    if (auto it = findings.find(view->event->event_id()); it != findings.end()) view->findings = it->second;
    return absl::OkStatus();
  }
  std::map<std::string, std::vector<pdl::v1::Finding>> findings;
};

pdl::v1::Finding MakeFinding(std::string_view rule, pdl::v1::Severity severity) {
  pdl::v1::Finding f;
  f.set_rule_id(std::string(rule));
  f.set_severity(severity);
  f.set_explanation("breach of " + std::string(rule));
  return f;
}

constexpr int kPartitions = 3;

class ReadModelsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(tmp_.path() + "/db"); }

  // `models_on_own_thread` as ApplierOptions (ledgerd's default: true).
  void Open(const std::string& path, bool models_on_own_thread = true) {
    applier_.reset();
    store_.reset();
    auto store = Store::Open({.path = path});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    models_ = MakeReadModels(model_options_);
    auto applier = Applier::Create(store_.get(), "cluster-1", kPartitions,
                                   ApplierOptions{.judge = &judge_,
                                                  .read_models = ModelPointers(models_),
                                                  .models_on_own_thread = models_on_own_thread});
    ASSERT_TRUE(applier.ok()) << applier.status();
    applier_ = std::move(*applier);
    sequencer_ = testing::RecordSequencer(kPartitions);
  }

  // Applies `events` in one batch; every one must be sealed.
  void Apply(const std::vector<pdl::v1::PrivacyEvent>& events) {
    std::vector<InputRecord> records;
    for (const auto& e : events) records.push_back(sequencer_.Next(e));
    auto prepared = applier_->Prepare(std::move(records));
    ASSERT_TRUE(prepared.ok()) << prepared.status();
    for (const auto& r : prepared->rejections()) ADD_FAILURE() << "rejected: " << r.field << ": " << r.reason;
    ASSERT_TRUE(applier_->Commit(std::move(*prepared)).ok());
  }

  pdl::v1::GetSubjectReportResponse Report(const std::string& subject, std::optional<absl::Time> as_of = {}) {
    pdl::v1::GetSubjectReportRequest request;
    request.set_subject_id(subject);
    if (as_of.has_value()) SetTimestamp(request.mutable_as_of(), *as_of);
    auto report = GetSubjectReport(*store_, vault_.get(), request, kNow);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : pdl::v1::GetSubjectReportResponse();
  }

  // Every page of ListFindings for `request` in pages of `page_size` (at most 10 pages): each finding as
  // "event_id:rule_id"; *page_count, when given, is set to the pages read.
  std::vector<std::string> FindingPages(pdl::v1::ListFindingsRequest request, int page_size,
                                        int* page_count = nullptr) {
    request.set_page_size(page_size);
    std::vector<std::string> out;
    int page = 0;
    while (page < 10) {
      auto r = ListFindings(*store_, request);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) break;
      ++page;
      EXPECT_LE(r->findings_size(), page_size == 0 ? 100 : page_size);
      for (const auto& f : r->findings()) out.push_back(absl::StrCat(f.event().event_id(), ":", f.rule_id()));
      if (r->next_page_token().empty()) break;
      request.set_page_token(r->next_page_token());
    }
    if (page_count != nullptr) *page_count = page;
    return out;
  }

  // Removes every row of `family` (to prove a query does not read it).
  void Wipe(Cf family) {
    rocksdb::WriteBatch batch;
    auto it = store_->NewIterator(family);
    for (it->SeekToFirst(); it->Valid(); it->Next()) batch.Delete(store_->cf(family), it->key());
    ASSERT_TRUE(store_->Write(&batch).ok());
  }

  // Seals `events` into a fresh store under `dir` in one batch (no sweep before the end), then rebuilds its read
  // models in batches of `rebuild_batch`: both must give the read models whose digest is `live`.
  void ExpectSameRowsInOneBatchAndRebuilt(const std::string& dir, const std::vector<pdl::v1::PrivacyEvent>& events,
                                          const std::string& live, size_t rebuild_batch) {
    Open(tmp_.path() + "/" + dir);
    Apply(events);
    auto one = ReadModelDigest(*store_, ReadModelFamilies());
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(*one, live);
    auto rebuilt =
        RebuildReadModels(*store_, ModelPointers(models_), ReadModelFamilies(), {.batch_events = rebuild_batch});
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
    EXPECT_EQ(rebuilt->digest_after, live);
  }

  // The findings of `rule`, each as "subject<sep>what@date" where `what` is what `describe` says of it.
  std::vector<std::string> FindingsOf(std::string_view rule,
                                      const std::function<std::string(const pdl::v1::FindingRecord&)>& describe) {
    pdl::v1::ListFindingsRequest request;
    request.set_rule_id(std::string(rule));
    auto r = ListFindings(*store_, request);
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const auto& f : r->findings()) {
      out.push_back(absl::StrCat(f.subject_id(), describe(f), "@",
                                 absl::FormatTime("%Y-%m-%d", T(f.occurred_at()), absl::UTCTimeZone())));
    }
    return out;
  }

  // The retention.overdue findings, as "subject/category@overdue_at" (dates only).
  std::vector<std::string> OverdueFindings() {
    return FindingsOf("retention.overdue", [](const pdl::v1::FindingRecord& f) {
      const std::string category = f.explanation().substr(f.explanation().find('\'') + 1);
      return absl::StrCat("/", category.substr(0, category.find('\'')));
    });
  }

  const absl::Time kNow = Utc(2024, 6, 1);
  testing::TempDir tmp_;
  FixedJudge judge_;
  ReadModelOptions model_options_;
  std::vector<std::unique_ptr<ReadModel>> models_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Applier> applier_;
  std::unique_ptr<VaultStore> vault_;
  testing::RecordSequencer sequencer_{kPartitions};
};

const pdl::v1::Holding* FindHolding(const pdl::v1::GetSubjectReportResponse& report, std::string_view system,
                                    std::string_view category, pdl::v1::HoldingStatus status) {
  for (const auto& h : report.holdings()) {
    if (h.system() == system && h.category() == category && h.status() == status) return &h;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------------------
// Staged rows.

TEST_F(ReadModelsTest, WritesToWriteOnlyFamiliesKeepTheirOrderAndCannotBeReadBack) {
  ASSERT_TRUE(IsWriteOnlyInBatch(Cf::kTransfers));
  ASSERT_FALSE(IsWriteOnlyInBatch(Cf::kHoldings));
  StagedRows rows;
  BatchWriter batch(store_.get(), &rows);
  batch.Put(Cf::kTransfers, "b", "1");
  batch.Put(Cf::kTransfers, "a", "2");
  batch.Delete(Cf::kTransfers, "b");
  batch.Put(Cf::kTransfers, "c", "x");
  batch.Put(Cf::kTransfers, "c", "y");
  batch.Delete(Cf::kTransfers, "d");
  batch.Put(Cf::kTransfers, "d", "z");
  batch.Put(Cf::kHoldings, "k", "v");
  EXPECT_EQ(rows.size(), 8u);
  EXPECT_THAT(rows.families(), ElementsAre(Cf::kHoldings, Cf::kTransfers));

  // A read would miss the batch's own writes, so there is none.
  EXPECT_EQ(batch.Get(Cf::kTransfers, "a").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(batch.Scan(Cf::kTransfers, "a", "z").status().code(), absl::StatusCode::kInternal);
  auto holding = batch.Get(Cf::kHoldings, "k");
  ASSERT_TRUE(holding.ok()) << holding.status();
  EXPECT_EQ(*holding, std::optional<std::string>("v"));

  // Written in key order; of two writes to one key, the later wins.
  rocksdb::WriteBatch out;
  ASSERT_TRUE(rows.AppendTo(*store_, &out).ok());
  ASSERT_TRUE(store_->Write(&out).ok());
  using Row = std::pair<std::string, std::string>;
  std::vector<Row> stored;
  auto it = store_->NewIterator(Cf::kTransfers);
  for (it->SeekToFirst(); it->Valid(); it->Next()) stored.emplace_back(it->key().ToString(), it->value().ToString());
  EXPECT_THAT(stored, ElementsAre(Row("a", "2"), Row("c", "y"), Row("d", "z")));
  EXPECT_EQ(rows.size(), 1u);  // the holdings row stays readable as the next batch's base
}

TEST_F(ReadModelsTest, ScansSeeTheBatchsRowsOverTheStoredOnesInKeyOrderWithinTheBounds) {
  // Holdings keep their staged keys in order (IsScannedInBatch); records_of_processing is sorted when scanned.
  ASSERT_TRUE(IsScannedInBatch(Cf::kHoldings));
  ASSERT_FALSE(IsScannedInBatch(Cf::kRopa));
  for (Cf family : {Cf::kHoldings, Cf::kRopa}) {
    SCOPED_TRACE(CfName(family));
    rocksdb::WriteBatch stored;
    stored.Put(store_->cf(family), "a1", "s1");
    stored.Put(store_->cf(family), "a3", "s3");
    stored.Put(store_->cf(family), "a5", "s5");
    ASSERT_TRUE(store_->Write(&stored).ok());
    StagedRows base;
    base.Put(family, "a5", "base5");
    base.Put(family, "a6", "base6");
    StagedRows rows;
    BatchWriter batch(store_.get(), &rows, &base);
    batch.Put(family, "a4", "n4");
    batch.Put(family, "b1", "above");
    batch.Put(family, "a2", "n2");
    batch.Delete(family, "a3");
    batch.Put(family, "a0", "below");
    batch.Put(family, "a6", "n6");
    auto scanned = batch.Scan(family, "a1", "b");
    ASSERT_TRUE(scanned.ok()) << scanned.status();
    using Row = std::pair<std::string, std::string>;
    EXPECT_THAT(*scanned, ElementsAre(Row("a1", "s1"), Row("a2", "n2"), Row("a4", "n4"), Row("a5", "base5"),
                                      Row("a6", "n6")));
    auto inner = batch.Scan(family, "a2", "a4");
    ASSERT_TRUE(inner.ok()) << inner.status();
    EXPECT_THAT(*inner, ElementsAre(Row("a2", "n2")));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Holdings and retention due.

// A way collected again later extends its retain_until; a report as of an instant between shows the retain_until
// the collections up to then gave, including one that arrived out of order, and the rows after a rebuild are the
// same.
TEST_F(ReadModelsTest, RetainUntilAsOfAnInstantIsWhatTheCollectionsUpToThenGave) {
  const auto visit = [](const std::string& id, absl::Time at, absl::Time until) {
    return CollectedInto(id, "s1", at, "web", {"user.device.cookie_id"}, {"analytics.reporting"},
                         pdl::v1::LEGAL_BASIS_CONSENT, until, "usage-data");
  };
  Apply({visit("v1", Utc(2024, 1, 15), Utc(2025, 3, 15))});
  Apply({visit("v3", Utc(2024, 9, 30), Utc(2025, 11, 30))});
  // Sealed last, occurred in between.
  Apply({visit("v2", Utc(2024, 2, 20), Utc(2025, 4, 20))});
  const auto retain_as_of = [&](std::optional<absl::Time> as_of) -> std::optional<absl::Time> {
    auto report = Report("s1", as_of);
    const auto* cookie = FindHolding(report, "web", "user.device.cookie_id", pdl::v1::HOLDING_STATUS_HELD);
    if (cookie == nullptr || !cookie->has_retain_until()) return std::nullopt;
    return T(cookie->retain_until());
  };
  EXPECT_EQ(retain_as_of(Utc(2024, 1, 16)), Utc(2025, 3, 15));
  EXPECT_EQ(retain_as_of(Utc(2024, 3, 11)), Utc(2025, 4, 20));
  EXPECT_EQ(retain_as_of(Utc(2024, 9, 29)), Utc(2025, 4, 20));
  EXPECT_EQ(retain_as_of(Utc(2024, 9, 30)), Utc(2025, 11, 30));
  EXPECT_EQ(retain_as_of(Utc(2026, 1, 1)), Utc(2025, 11, 30));
  EXPECT_EQ(retain_as_of(std::nullopt), Utc(2025, 4, 20));  // Now is kNow, 2024-06-01.
  EXPECT_EQ(retain_as_of(Utc(2024, 1, 14)), std::nullopt);  // Not collected yet: no holding at all.

  auto rebuilt = RebuildReadModels(*store_, ModelPointers(models_), ReadModelFamilies());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(rebuilt->digest_before, rebuilt->digest_after);
  EXPECT_EQ(retain_as_of(Utc(2024, 3, 11)), Utc(2025, 4, 20));
}

TEST_F(ReadModelsTest, HoldingsOpenJoinAndCloseWithTheirTimes) {
  const absl::Time t1 = Utc(2023, 1, 10), t2 = Utc(2023, 2, 10), t3 = Utc(2023, 3, 10), t4 = Utc(2023, 4, 10);
  Apply({CollectedInto("c1", "s1", t1, "accounts-db", {"user.contact.email", "user.name"}, {"essential.service"},
                       pdl::v1::LEGAL_BASIS_CONTRACT, Utc(2025, 1, 1), "account-life")});
  Apply({CollectedInto("c2", "s1", t2, "accounts-db", {"user.contact.email"}, {"essential.service.notifications"},
                       pdl::v1::LEGAL_BASIS_CONSENT, Utc(2026, 1, 1))});
  Apply({DeletedFrom("d1", "s1", t3, "accounts-db", {"user.contact.email"}, pdl::v1::DELETION_REASON_SUBJECT_REQUEST,
                     "req-1")});

  // As of between the two collections: only the first one's purpose, basis and retain_until.
  auto early = Report("s1", t1 + absl::Hours(1));
  const auto* email = FindHolding(early, "accounts-db", "user.contact.email", pdl::v1::HOLDING_STATUS_HELD);
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(T(email->since()), t1);
  EXPECT_THAT(email->purposes(), ElementsAre("essential.service"));
  EXPECT_THAT(email->legal_bases(), ElementsAre(pdl::v1::LEGAL_BASIS_CONTRACT));
  EXPECT_EQ(T(email->retain_until()), Utc(2025, 1, 1));
  EXPECT_THAT(email->retention_rules(), ElementsAre("account-life"));
  EXPECT_EQ(email->collected_by().event_id(), "c1");

  auto middle = Report("s1", t2 + absl::Hours(1));
  email = FindHolding(middle, "accounts-db", "user.contact.email", pdl::v1::HOLDING_STATUS_HELD);
  ASSERT_NE(email, nullptr);
  EXPECT_THAT(email->purposes(), ElementsAre("essential.service", "essential.service.notifications"));
  EXPECT_EQ(T(email->retain_until()), Utc(2026, 1, 1));

  auto late = Report("s1", t3 + absl::Hours(1));
  email = FindHolding(late, "accounts-db", "user.contact.email", pdl::v1::HOLDING_STATUS_DELETED);
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(T(email->deleted_at()), t3);
  EXPECT_EQ(email->deletion_reason(), pdl::v1::DELETION_REASON_SUBJECT_REQUEST);
  EXPECT_EQ(email->deletion_request_id(), "req-1");
  EXPECT_EQ(email->deleted_by().event_id(), "d1");
  EXPECT_NE(FindHolding(late, "accounts-db", "user.name", pdl::v1::HOLDING_STATUS_HELD), nullptr);

  // Collecting again opens a second period; deleting with no categories closes everything of that system.
  Apply({CollectedInto("c3", "s1", t4, "accounts-db", {"user.contact.email"}, {"essential.service"})});
  auto now = Report("s1");
  EXPECT_NE(FindHolding(now, "accounts-db", "user.contact.email", pdl::v1::HOLDING_STATUS_DELETED), nullptr);
  EXPECT_NE(FindHolding(now, "accounts-db", "user.contact.email", pdl::v1::HOLDING_STATUS_HELD), nullptr);
  Apply({DeletedFrom("d2", "s1", t4 + absl::Hours(1), "accounts-db", {})});
  now = Report("s1");
  for (const auto& h : now.holdings()) EXPECT_EQ(h.status(), pdl::v1::HOLDING_STATUS_DELETED) << h.category();
  EXPECT_EQ(now.holdings_size(), 3);
  ASSERT_EQ(now.sources_size(), 1);
  EXPECT_EQ(now.sources(0).source(), "connect-app");
  EXPECT_EQ(now.sources(0).method(), pdl::v1::COLLECTION_METHOD_REGISTRATION);
  EXPECT_EQ(T(now.sources(0).first_seen()), t1);
}

TEST_F(ReadModelsTest, RetentionDueFollowsOpenHoldingsAndMinorsAreDueAtOnce) {
  const absl::Time t1 = Utc(2023, 1, 10);
  pdl::v1::PrivacyEvent minor = CollectedInto("m1", "kid", t1, "accounts-db", {"user.name"}, {"essential.service"});
  minor.mutable_subject()->set_minor(true);
  Apply({CollectedInto("c1", "s1", t1, "accounts-db", {"user.contact.email", "user.name"}, {"essential.service"},
                       pdl::v1::LEGAL_BASIS_CONTRACT, Utc(2024, 1, 1), "account-life"),
         CollectedInto("c2", "s2", t1, "crm", {"user.name"}, {"essential.service"}, pdl::v1::LEGAL_BASIS_CONTRACT,
                       Utc(2023, 6, 1)),
         CollectedInto("c3", "s3", t1, "crm", {"user.name"}, {"essential.service"}),  // no retain_until: not due
         minor});

  pdl::v1::ListRetentionDueRequest request;
  auto all = ListRetentionDue(*store_, request);
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> order;
  for (const auto& d : all->due()) order.push_back(absl::StrCat(d.subject_id(), "/", d.category()));
  EXPECT_THAT(order, ElementsAre("kid/user.name", "s2/user.name", "s1/user.contact.email", "s1/user.name"));
  EXPECT_EQ(T(all->due(0).retain_until()), t1);
  EXPECT_THAT(all->due(2).retention_rules(), ElementsAre("account-life"));
  EXPECT_THAT(all->due(2).notice_id(), HasSubstr("due-"));

  SetTimestamp(request.mutable_due_before(), Utc(2023, 12, 31));
  request.set_system("crm");
  auto crm = ListRetentionDue(*store_, request);
  ASSERT_TRUE(crm.ok());
  ASSERT_EQ(crm->due_size(), 1);
  EXPECT_EQ(crm->due(0).subject_id(), "s2");

  // Deleting closes the holding and drops its due row.
  Apply({DeletedFrom("d1", "s1", Utc(2024, 1, 2), "accounts-db", {"user.contact.email"},
                     pdl::v1::DELETION_REASON_RETENTION_EXPIRED, "", all->due(2).notice_id())});
  all = ListRetentionDue(*store_, pdl::v1::ListRetentionDueRequest());
  ASSERT_TRUE(all.ok());
  order.clear();
  for (const auto& d : all->due()) order.push_back(absl::StrCat(d.subject_id(), "/", d.category()));
  EXPECT_THAT(order, ElementsAre("kid/user.name", "s2/user.name", "s1/user.name"));
  const auto report = Report("s1");
  const auto* deleted = FindHolding(report, "accounts-db", "user.contact.email", pdl::v1::HOLDING_STATUS_DELETED);
  ASSERT_NE(deleted, nullptr);
  EXPECT_THAT(deleted->deletion_notice_id(), HasSubstr("due-"));
}

TEST_F(ReadModelsTest, RetentionOverdueIsFoundOnceTheLogPassesRetainUntilPlusGrace) {
  // A 30-day grace from the retention rules (no policy here).
  model_options_.retain_until = [](const SealedEventView&, std::string_view, const BatchWriter&) {
    CollectedRetention r;
    r.grace.set_days(30);
    return absl::StatusOr<CollectedRetention>(r);
  };
  Open(tmp_.path() + "/graced");
  const absl::Time until = Utc(2023, 6, 1), overdue = Utc(2023, 7, 1);
  Apply({CollectedInto("c1", "s1", Utc(2023, 1, 10), "crm", {"user.name"}, {"essential.service"},
                       pdl::v1::LEGAL_BASIS_CONTRACT, until)});
  auto due = ListRetentionDue(*store_, pdl::v1::ListRetentionDueRequest());
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->due_size(), 1);
  EXPECT_EQ(T(due->due(0).overdue_at()), overdue);

  // Nothing of s1 happens; other subjects' events move the log's time. Exactly at overdue_at: not overdue yet.
  Apply({UsedFor("u1", "s2", until + absl::Hours(1), "crm", {"user.name"}, {"essential.service"})});
  Apply({UsedFor("u2", "s2", overdue, "crm", {"user.name"}, {"essential.service"})});
  EXPECT_THAT(OverdueFindings(), IsEmpty());
  Apply({UsedFor("u3", "s2", overdue + absl::Seconds(1), "crm", {"user.name"}, {"essential.service"})});
  EXPECT_THAT(OverdueFindings(), ElementsAre("s1/user.name@2023-07-01"));

  pdl::v1::ListFindingsRequest request;
  request.set_rule_id("retention.overdue");
  auto listed = ListFindings(*store_, request);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->findings_size(), 1);
  const auto& f = listed->findings(0);
  EXPECT_EQ(f.severity(), pdl::v1::SEVERITY_MEDIUM);
  EXPECT_EQ(f.event().event_id(), "c1");
  EXPECT_EQ(f.policy_version(), "2023-05-08");  // the version whose rule set retain_until
  EXPECT_THAT(f.explanation(), HasSubstr("system 'crm'"));
  EXPECT_THAT(f.explanation(), HasSubstr("ended on 2023-07-01"));
  EXPECT_EQ(Report("s1").findings_size(), 1);
  EXPECT_EQ(Report("s1", overdue - absl::Seconds(1)).findings_size(), 0);

  // Later events do not report it again; deleting it late keeps the finding.
  Apply({UsedFor("u4", "s2", Utc(2023, 8, 1), "crm", {"user.name"}, {"essential.service"}),
         DeletedFrom("d1", "s1", Utc(2023, 8, 2), "crm", {}, pdl::v1::DELETION_REASON_RETENTION_EXPIRED)});
  EXPECT_THAT(OverdueFindings(), ElementsAre("s1/user.name@2023-07-01"));
}

TEST_F(ReadModelsTest, UntilEventRetentionEndsWhenItsEventHappens) {
  // Credentials are kept until their consent is withdrawn; everything else until the account is closed, plus 30
  // days. Grace: 10 days.
  model_options_.retain_until = [](const SealedEventView&, std::string_view category, const BatchWriter&) {
    CollectedRetention r;
    r.grace.set_days(10);
    pdl::v1::RetentionUntil until;
    if (category == "user.authorization.credentials") {
      until.set_event(pdl::v1::RETENTION_EVENT_CONSENT_WITHDRAWAL);
      r.rule_id = "google-authorization";
    } else {
      until.set_event(pdl::v1::RETENTION_EVENT_ACCOUNT_CLOSURE);
      until.mutable_plus()->set_days(30);
      r.rule_id = "account";
    }
    r.until = until;
    return absl::StatusOr<CollectedRetention>(r);
  };
  Open(tmp_.path() + "/until");
  const absl::Time t0 = Utc(2023, 1, 10);
  auto token = [&](const std::string& id, const std::string& consent) {
    auto e = CollectedInto(id, "s1", t0, "sheets", {"user.authorization.credentials"}, {"essential.service"},
                           pdl::v1::LEGAL_BASIS_CONSENT);
    e.mutable_data_collected()->set_consent_id(consent);
    return e;
  };
  Apply({CollectedInto("acc", "s1", t0, "accounts-db", {"user.name"}, {"essential.service"}),
         CollectedInto("crm", "s1", t0, "crm", {"user.name"}, {"essential.service"}), token("tok-a", "sheets-a"),
         CollectedInto("other", "s2", t0, "crm", {"user.name"}, {"essential.service"})});
  auto due = [&] {
    auto r = ListRetentionDue(*store_, pdl::v1::ListRetentionDueRequest());
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<std::string> out;
    for (const auto& d : r->due()) {
      out.push_back(absl::StrCat(d.subject_id(), "/", d.system(), "@",
                                 absl::FormatTime("%Y-%m-%d", T(d.retain_until()), absl::UTCTimeZone()), "+",
                                 absl::FormatTime("%Y-%m-%d", T(d.overdue_at()), absl::UTCTimeZone())));
    }
    return out;
  };
  EXPECT_THAT(due(), IsEmpty());  // nothing has an end yet

  // Withdrawing another consent ends nothing; withdrawing the token's ends it that day (+0).
  Apply({ConsentWithdrawnFor("cw-x", "s1", Utc(2023, 2, 1), "sheets-x")});
  EXPECT_THAT(due(), IsEmpty());
  Apply({ConsentWithdrawnFor("cw-a", "s1", Utc(2023, 3, 1), "sheets-a")});
  EXPECT_THAT(due(), ElementsAre("s1/sheets@2023-03-01+2023-03-11"));

  // Deleting everything of one system at the subject's request closes the account: the other systems' data is
  // due 30 days later; s2 is untouched.
  Apply({DeletedFrom("del", "s1", Utc(2023, 4, 1), "accounts-db", {}, pdl::v1::DELETION_REASON_SUBJECT_REQUEST)});
  EXPECT_THAT(due(), ElementsAre("s1/sheets@2023-03-01+2023-03-11", "s1/crm@2023-05-01+2023-05-11"));
  const auto report = Report("s1");
  const auto* crm = FindHolding(report, "crm", "user.name", pdl::v1::HOLDING_STATUS_HELD);
  ASSERT_NE(crm, nullptr);
  EXPECT_EQ(T(crm->retain_until()), Utc(2023, 5, 1));
  // The events name no rule: the holding shows the one the policy applies.
  EXPECT_THAT(crm->retention_rules(), ElementsAre("account"));

  // Past the grace, still held: overdue. Rebuilt from the log: the same rows.
  Apply({UsedFor("tick", "s2", Utc(2023, 6, 1), "crm", {"user.name"}, {"essential.service"})});
  EXPECT_THAT(OverdueFindings(), ElementsAre("s1/user.authorization.credentials@2023-03-11", "s1/user.name@2023-05-11"));
  auto live = ReadModelDigest(*store_, ReadModelFamilies());
  ASSERT_TRUE(live.ok());
  auto rebuilt = RebuildReadModels(*store_, ModelPointers(models_), ReadModelFamilies(), {.batch_events = 2});
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(rebuilt->digest_after, *live);
}

// Every way a period can be found overdue, or not, by event time; the same rows whatever the batches.
std::vector<pdl::v1::PrivacyEvent> OverdueScenario() {
  const absl::Time until = Utc(2023, 6, 1);  // no grace: overdue after retain_until
  auto collect = [&](const std::string& id, const std::string& subject, absl::Time at, absl::Time retain) {
    return CollectedInto(id, subject, at, "crm", {"user.name", "user.contact.email"}, {"essential.service"},
                         pdl::v1::LEGAL_BASIS_CONTRACT, retain);
  };
  auto tick = [](const std::string& id, absl::Time at) {
    return UsedFor(id, "clock", at, "crm", {"user.name"}, {"essential.service"});
  };
  return {
      collect("late-c", "late", Utc(2023, 1, 1), until),  // deleted after retain_until: overdue
      collect("intime-c", "intime", Utc(2023, 1, 1), until),  // deleted in time, reported after the log passed
      collect("ext-c", "ext", Utc(2023, 1, 1), until),  // extended by a collection from before retain_until
      collect("again-c", "again", Utc(2023, 1, 1), until),  // collected again after retain_until: overdue once
      collect("open-c", "open", Utc(2023, 1, 1), until),  // nobody touches it: overdue by the sweep
      collect("future-c", "future", Utc(2023, 1, 1), Utc(2024, 1, 1)),  // not due yet
      DeletedFrom("late-d", "late", Utc(2023, 6, 5), "crm", {"user.name"}),
      tick("tick-1", Utc(2023, 7, 1)),
      DeletedFrom("intime-d", "intime", Utc(2023, 5, 30), "crm", {}),
      collect("back-c", "back", Utc(2023, 1, 2), until),  // arrives after the log passed its end: overdue at once
      collect("ext-c2", "ext", Utc(2023, 5, 20), Utc(2023, 12, 1)),
      collect("again-c2", "again", Utc(2023, 6, 20), Utc(2023, 12, 1)),
      tick("tick-2", Utc(2023, 9, 1)),
  };
}

TEST_F(ReadModelsTest, RetentionOverdueByEventTimeRetractedWhenEarlyAndTheSameWhateverTheBatches) {
  const auto events = OverdueScenario();
  for (const auto& e : events) Apply({e});  // one event per batch: the sweep runs after each
  const std::vector<std::string> expected = {
      "again/user.contact.email@2023-06-01", "again/user.name@2023-06-01", "back/user.contact.email@2023-06-01",
      "back/user.name@2023-06-01",          "late/user.contact.email@2023-06-01", "late/user.name@2023-06-01",
      "open/user.contact.email@2023-06-01", "open/user.name@2023-06-01"};
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(OverdueFindings()), expected);
  // The late deletion closed the period reported; the one deleted in time is not; the rest of "late" is still open.
  const auto late = Report("late");
  const auto* email = FindHolding(late, "crm", "user.contact.email", pdl::v1::HOLDING_STATUS_HELD);
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(Report("intime").findings_size(), 0);
  EXPECT_EQ(Report("ext").findings_size(), 0);
  EXPECT_EQ(Report("future").findings_size(), 0);
  auto live = ReadModelDigest(*store_, ReadModelFamilies());
  ASSERT_TRUE(live.ok());

  // "late": its name deleted late, its e-mail still open when the log passed retain_until.
  EXPECT_EQ(late.findings_size(), 2);

  // All in one batch (no sweep before the end), and rebuilt partition by partition in batches of 3: the same rows.
  ExpectSameRowsInOneBatchAndRebuilt("one-batch", events, *live, 3);
  EXPECT_EQ(sorted(OverdueFindings()), expected);
}

// ---------------------------------------------------------------------------------------------------------------
// Disclosures and transfers.

TEST_F(ReadModelsTest, DisclosuresByRecipientByCategoryAndAll) {
  const absl::Time t = Utc(2023, 5, 1);
  Apply({SharedWith("s-1", "a", t, "mailer", "service_provider", "BE", {"user.contact.email"},
                    {"essential.service.notifications"}),
         SharedWith("s-2", "b", t + absl::Hours(1), "mailer", "service_provider", "BE", {"user.contact.email"},
                    {"essential.service.notifications"}),
         SharedWith("s-3", "a", t + absl::Hours(2), "lawyer", "professional_advisor", "BE", {"user.name"},
                    {"essential.legal_obligation"}),
         SharedWith("s-4", "c", t + absl::Hours(3), "ads", "business_partner", "NL", {"user.contact.email"},
                    {"marketing"})});

  pdl::v1::ListDisclosuresRequest request;
  request.set_recipient_id("mailer");
  auto mailer = ListDisclosures(*store_, request);
  ASSERT_TRUE(mailer.ok()) << mailer.status();
  ASSERT_EQ(mailer->disclosures_size(), 2);
  EXPECT_EQ(mailer->disclosures(0).event().event_id(), "s-1");
  EXPECT_EQ(mailer->disclosures(1).subject_id(), "b");
  EXPECT_EQ(mailer->disclosures(1).agreement_ref(), "dpa-1");
  EXPECT_EQ(mailer->disclosures(1).policy_version(), "2023-05-08");

  request.clear_recipient_id();
  request.set_recipient_category("professional_advisor");
  auto advisors = ListDisclosures(*store_, request);
  ASSERT_TRUE(advisors.ok());
  ASSERT_EQ(advisors->disclosures_size(), 1);
  EXPECT_EQ(advisors->disclosures(0).recipient().id(), "lawyer");

  request.clear_recipient_category();
  SetTimestamp(request.mutable_time_range()->mutable_start_time(), t + absl::Minutes(30));
  SetTimestamp(request.mutable_time_range()->mutable_end_time(), t + absl::Hours(3));
  auto window = ListDisclosures(*store_, request);
  ASSERT_TRUE(window.ok());
  std::vector<std::string> ids;
  for (const auto& d : window->disclosures()) ids.push_back(d.event().event_id());
  EXPECT_THAT(ids, ElementsAre("s-3", "s-2"));  // recipient order: lawyer, mailer

  request.set_recipient_id("mailer");
  request.set_recipient_category("service_provider");
  ExpectFieldError(ListDisclosures(*store_, request).status(), absl::StatusCode::kInvalidArgument,
                   "recipient_category");
  request.clear_recipient_id();
  request.set_recipient_category("friends");
  ExpectFieldError(ListDisclosures(*store_, request).status(), absl::StatusCode::kInvalidArgument,
                   "recipient_category");
}

TEST_F(ReadModelsTest, ListTransfersIsACoveringRangeScanThatNeverReadsTheLog) {
  std::vector<pdl::v1::PrivacyEvent> events;
  for (int day = 1; day <= 28; ++day) {
    events.push_back(TransferredTo(
        absl::StrCat("us-", day), absl::StrCat("s", day % 5), Utc(2023, 3, day), "ga", "US",
        day % 7 == 0 ? pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED : pdl::v1::TRANSFER_MECHANISM_SCC, "GA-DPA"));
    events.push_back(TransferredTo(absl::StrCat("in-", day), "s9", Utc(2023, 3, day), "support", "IN",
                                   pdl::v1::TRANSFER_MECHANISM_BCR, "BCR-1"));
  }
  events.push_back(
      TransferredTo("us-april", "s1", Utc(2023, 4, 1), "ga", "US", pdl::v1::TRANSFER_MECHANISM_SCC, "GA-DPA"));
  events.push_back(TransferredTo("us-feb", "s1", Utc(2023, 2, 28, 23, 59, 59), "ga", "US",
                                 pdl::v1::TRANSFER_MECHANISM_SCC, "GA-DPA"));
  Apply(events);

  // The log and the timeline are gone: the answer must come from the transfers family alone.
  Wipe(Cf::kLog);
  Wipe(Cf::kSubjectTimeline);

  pdl::v1::ListTransfersRequest request;
  request.set_destination_country("US");
  SetTimestamp(request.mutable_time_range()->mutable_start_time(), Utc(2023, 3, 1));
  SetTimestamp(request.mutable_time_range()->mutable_end_time(), Utc(2023, 4, 1));
  request.set_page_size(1000);
  auto march = ListTransfers(*store_, request);
  ASSERT_TRUE(march.ok()) << march.status();
  ASSERT_EQ(march->transfers_size(), 28);
  EXPECT_TRUE(march->next_page_token().empty());
  EXPECT_EQ(march->transfers(0).event().event_id(), "us-1");
  EXPECT_EQ(march->transfers(27).event().event_id(), "us-28");
  EXPECT_EQ(march->transfers(0).mechanism(), pdl::v1::TRANSFER_MECHANISM_SCC);
  EXPECT_EQ(march->transfers(0).mechanism_ref(), "GA-DPA");
  EXPECT_EQ(march->transfers(0).recipient().id(), "ga");
  EXPECT_EQ(T(march->transfers(0).occurred_at()), Utc(2023, 3, 1));

  pdl::v1::ListTransfersRequest count = request;
  count.set_count_only(true);
  auto counted = ListTransfers(*store_, count);
  ASSERT_TRUE(counted.ok()) << counted.status();
  EXPECT_EQ(counted->total_size(), 28);
  EXPECT_THAT(counted->transfers(), IsEmpty());
  EXPECT_TRUE(counted->next_page_token().empty());
  count.add_mechanisms(pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED);
  counted = ListTransfers(*store_, count);
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->total_size(), 4);

  request.add_mechanisms(pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED);
  auto unsafe = ListTransfers(*store_, request);
  ASSERT_TRUE(unsafe.ok());
  std::vector<std::string> ids;
  for (const auto& t : unsafe->transfers()) ids.push_back(t.event().event_id());
  EXPECT_THAT(ids, ElementsAre("us-7", "us-14", "us-21", "us-28"));

  // Every destination, one day: destination order.
  pdl::v1::ListTransfersRequest all;
  SetTimestamp(all.mutable_time_range()->mutable_start_time(), Utc(2023, 3, 5));
  SetTimestamp(all.mutable_time_range()->mutable_end_time(), Utc(2023, 3, 6));
  auto day = ListTransfers(*store_, all);
  ASSERT_TRUE(day.ok());
  ids.clear();
  for (const auto& t : day->transfers()) ids.push_back(t.event().event_id());
  EXPECT_THAT(ids, ElementsAre("in-5", "us-5"));
  all.set_count_only(true);
  auto all_count = ListTransfers(*store_, all);
  ASSERT_TRUE(all_count.ok());
  EXPECT_EQ(all_count->total_size(), 2);

  request.set_destination_country("XX");
  ExpectFieldError(ListTransfers(*store_, request).status(), absl::StatusCode::kInvalidArgument, "destination_country");
  request.set_destination_country("US");
  request.add_mechanisms(static_cast<pdl::v1::TransferMechanism>(99));
  ExpectFieldError(ListTransfers(*store_, request).status(), absl::StatusCode::kInvalidArgument, "mechanisms[1]");
  request.clear_mechanisms();
  SetTimestamp(request.mutable_time_range()->mutable_end_time(), Utc(2023, 1, 1));
  ExpectFieldError(ListTransfers(*store_, request).status(), absl::StatusCode::kInvalidArgument, "time_range");
}

TEST_F(ReadModelsTest, ListsPageAsAip158) {
  std::vector<pdl::v1::PrivacyEvent> events;
  for (int i = 0; i < 25; ++i) {
    events.push_back(TransferredTo(absl::StrCat("t-", i), absl::StrCat("s", i), Utc(2023, 3, 1) + absl::Minutes(i),
                                   "ga", i % 2 == 0 ? "US" : "CA", pdl::v1::TRANSFER_MECHANISM_SCC, "ref"));
  }
  Apply(events);

  for (const std::string destination : {"", "US"}) {
    pdl::v1::ListTransfersRequest request;
    request.set_destination_country(destination);
    request.set_page_size(5);
    std::vector<std::string> seen;
    int pages = 0;
    do {
      auto page = ListTransfers(*store_, request);
      ASSERT_TRUE(page.ok()) << page.status();
      EXPECT_LE(page->transfers_size(), 5);
      for (const auto& t : page->transfers()) seen.push_back(t.event().event_id());
      request.set_page_token(page->next_page_token());
      ++pages;
    } while (!request.page_token().empty());
    const size_t expected = destination.empty() ? 25 : 13;
    EXPECT_EQ(seen.size(), expected) << destination;
    EXPECT_EQ(pages, destination.empty() ? 5 : 3) << "the last full page must not leave a token behind";
    std::vector<std::string> unique = seen;
    std::sort(unique.begin(), unique.end());
    EXPECT_EQ(std::unique(unique.begin(), unique.end()), unique.end());
  }

  pdl::v1::ListTransfersRequest request;
  request.set_destination_country("US");
  request.set_page_size(5);
  auto first = ListTransfers(*store_, request);
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  request.set_destination_country("CA");
  auto status = ListTransfers(*store_, request).status();
  ExpectFieldError(status, absl::StatusCode::kInvalidArgument, "page_token");
  EXPECT_THAT(status.message(), HasSubstr("different request"));
  request.set_page_token("not a token");
  ExpectFieldError(ListTransfers(*store_, request).status(), absl::StatusCode::kInvalidArgument, "page_token");
  request.set_page_token("");
  request.set_page_size(-1);
  ExpectFieldError(ListTransfers(*store_, request).status(), absl::StatusCode::kInvalidArgument, "page_size");
  // A different page size keeps the token valid (AIP-158).
  request.set_destination_country("US");
  request.set_page_size(7);
  request.set_page_token(first->next_page_token());
  auto rest = ListTransfers(*store_, request);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->transfers_size(), 7);
  EXPECT_EQ(rest->transfers(0).event().event_id(), "t-10");
}

// ---------------------------------------------------------------------------------------------------------------
// Consents and rights requests.

TEST_F(ReadModelsTest, ConsentsKeepEveryChangeAndAnswerAsOf) {
  const absl::Time t1 = Utc(2023, 1, 1), t2 = Utc(2023, 2, 1), t3 = Utc(2023, 3, 1);
  Apply({ConsentGivenFor("g1", "s1", t1, "consent-sheets", {"essential.service"}, "google-sheets")});
  Apply({ConsentWithdrawnFor("w1", "s1", t2, "consent-sheets")});
  Apply({ConsentGivenFor("g2", "s1", t3, "consent-sheets", {"essential.service", "analytics"}, "google-sheets")});

  auto at = [&](absl::Time t) {
    auto report = Report("s1", t);
    EXPECT_EQ(report.consents_size(), 1);
    return report.consents_size() == 1 ? report.consents(0) : pdl::v1::ConsentRecord();
  };
  EXPECT_THAT(Report("s1", t1 - absl::Seconds(1)).consents(), IsEmpty());
  auto given = at(t1);
  EXPECT_EQ(given.status(), pdl::v1::CONSENT_STATUS_GIVEN);
  EXPECT_EQ(given.scope(), "google-sheets");
  EXPECT_THAT(given.purposes(), ElementsAre("essential.service"));
  EXPECT_EQ(given.changes_size(), 1);
  auto withdrawn = at(t2 + absl::Hours(1));
  EXPECT_EQ(withdrawn.status(), pdl::v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_EQ(T(withdrawn.withdrawn_at()), t2);
  EXPECT_EQ(T(withdrawn.given_at()), t1);
  auto again = at(t3);
  EXPECT_EQ(again.status(), pdl::v1::CONSENT_STATUS_GIVEN);
  EXPECT_THAT(again.purposes(), ElementsAre("essential.service", "analytics"));
  EXPECT_FALSE(again.has_withdrawn_at());
  EXPECT_EQ(again.changes_size(), 3);
  EXPECT_EQ(again.changes(1).event().event_id(), "w1");
}

TEST_F(ReadModelsTest, ResponseDeadlineIsOneCalendarMonth) {
  EXPECT_EQ(ResponseDueAt(Utc(2023, 1, 31, 10)), Utc(2023, 2, 28, 10));
  EXPECT_EQ(ResponseDueAt(Utc(2024, 1, 31, 10)), Utc(2024, 2, 29, 10));
  EXPECT_EQ(ResponseDueAt(Utc(2023, 3, 15, 8, 30)), Utc(2023, 4, 15, 8, 30));
  EXPECT_EQ(ResponseDueAt(Utc(2023, 12, 31)), Utc(2024, 1, 31));
  EXPECT_EQ(ResponseDueAt(Utc(2023, 3, 15) + absl::Microseconds(7)), Utc(2023, 4, 15) + absl::Microseconds(7));
}

TEST_F(ReadModelsTest, RightsRequestsOpenClosedAndOverdueAsOf) {
  Apply({RequestOpened("o1", "s1", Utc(2023, 1, 31), "r1", pdl::v1::SUBJECT_RIGHT_ACCESS),
         RequestOpened("o2", "s2", Utc(2023, 2, 10), "r2", pdl::v1::SUBJECT_RIGHT_ERASURE),
         RequestOpened("o3", "s3", Utc(2023, 3, 1), "r3", pdl::v1::SUBJECT_RIGHT_RECTIFICATION)});
  Apply({RequestClosed("x1", "s1", Utc(2023, 2, 20), "r1", pdl::v1::SUBJECT_RIGHT_ACCESS,
                       pdl::v1::REQUEST_OUTCOME_FULFILLED),
         RequestClosed("x2", "s2", Utc(2023, 3, 20), "r2", pdl::v1::SUBJECT_RIGHT_ERASURE,
                       pdl::v1::REQUEST_OUTCOME_FULFILLED)});

  auto ids = [](const pdl::v1::ListRightsRequestsResponse& r) {
    std::vector<std::string> out;
    for (const auto& q : r.requests()) out.push_back(q.request_id());
    return out;
  };
  pdl::v1::ListRightsRequestsRequest request;
  auto all = ListRightsRequests(*store_, request, kNow);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(ids(*all), ElementsAre("r1", "r2", "r3"));  // due order
  EXPECT_EQ(T(all->requests(0).due_at()), Utc(2023, 2, 28));
  EXPECT_EQ(all->requests(0).status(), pdl::v1::RIGHTS_REQUEST_STATUS_CLOSED);
  EXPECT_EQ(all->requests(0).outcome(), pdl::v1::REQUEST_OUTCOME_FULFILLED);
  EXPECT_EQ(all->requests(0).closed_by().event_id(), "x1");

  // Now: only r3 is open, and overdue (due 2023-04-01).
  request.set_status(pdl::v1::RIGHTS_REQUEST_STATUS_OPEN);
  auto open = ListRightsRequests(*store_, request, kNow);
  ASSERT_TRUE(open.ok());
  EXPECT_THAT(ids(*open), ElementsAre("r3"));
  EXPECT_TRUE(open->requests(0).overdue());

  // As of 2023-03-15: r2 (due 03-10) was open and overdue, r3 open and not yet due.
  request.clear_status();
  request.set_overdue_only(true);
  SetTimestamp(request.mutable_as_of(), Utc(2023, 3, 15));
  auto overdue = ListRightsRequests(*store_, request, kNow);
  ASSERT_TRUE(overdue.ok());
  EXPECT_THAT(ids(*overdue), ElementsAre("r2"));
  EXPECT_EQ(T(overdue->as_of()), Utc(2023, 3, 15));
  request.set_overdue_only(false);
  request.set_status(pdl::v1::RIGHTS_REQUEST_STATUS_OPEN);
  auto open_then = ListRightsRequests(*store_, request, kNow);
  ASSERT_TRUE(open_then.ok());
  EXPECT_THAT(ids(*open_then), ElementsAre("r2", "r3"));
  EXPECT_TRUE(open_then->requests(0).overdue());
  EXPECT_FALSE(open_then->requests(1).overdue());

  pdl::v1::ListRightsRequestsRequest one;
  one.set_subject_id("s2");
  auto mine = ListRightsRequests(*store_, one, kNow);
  ASSERT_TRUE(mine.ok());
  EXPECT_THAT(ids(*mine), ElementsAre("r2"));

  one.set_status(static_cast<pdl::v1::RightsRequestStatus>(7));
  ExpectFieldError(ListRightsRequests(*store_, one, kNow).status(), absl::StatusCode::kInvalidArgument, "status");
}

// ---------------------------------------------------------------------------------------------------------------
// Records of processing.

TEST_F(ReadModelsTest, AnUnansweredRequestIsAStoredFindingOnceTheLogPassesItsDeadline) {
  // As "subject:opening event@due date".
  auto overdue = [&] {
    return FindingsOf("request.overdue",
                      [](const pdl::v1::FindingRecord& f) { return absl::StrCat(":", f.event().event_id()); });
  };
  auto tick = [](const std::string& id, absl::Time at) {
    return UsedFor(id, "clock", at, "crm", {"user.name"}, {"essential.service"});
  };
  const std::vector<pdl::v1::PrivacyEvent> events = {
      RequestOpened("o1", "s1", Utc(2023, 1, 10, 9), "r1", pdl::v1::SUBJECT_RIGHT_ACCESS),   // due 2023-02-10 09:00
      RequestOpened("o2", "s2", Utc(2023, 1, 12, 9), "r2", pdl::v1::SUBJECT_RIGHT_ERASURE),  // due 2023-02-12 09:00
      tick("t1", Utc(2023, 2, 10, 9)),                                                       // exactly s1's deadline
      tick("t2", Utc(2023, 2, 11)),
      RequestClosed("c2", "s2", Utc(2023, 2, 11, 12), "r2", pdl::v1::SUBJECT_RIGHT_ERASURE,
                    pdl::v1::REQUEST_OUTCOME_FULFILLED),  // answered in time
      tick("t3", Utc(2023, 3, 1)),
      // Opened in January, recorded only now: the log is past its deadline already.
      RequestOpened("o3", "s3", Utc(2023, 1, 20), "r3", pdl::v1::SUBJECT_RIGHT_ACCESS),
      // Reported behind the log too, then an earlier opening of the same request arrives: due earlier, and the
      // finding follows the opening that counts.
      RequestOpened("o5a", "s5", Utc(2023, 1, 25), "r5", pdl::v1::SUBJECT_RIGHT_ACCESS),
      RequestOpened("o5b", "s5", Utc(2023, 1, 5), "r5", pdl::v1::SUBJECT_RIGHT_ACCESS),
  };
  Apply({events[0], events[1]});
  Apply({events[2]});
  EXPECT_THAT(overdue(), IsEmpty());
  Apply({events[3]});
  EXPECT_THAT(overdue(), ElementsAre("s1:o1@2023-02-10"));
  Apply({events[4]});
  Apply({events[5]});
  Apply({events[6]});
  EXPECT_THAT(overdue(), ElementsAre("s1:o1@2023-02-10", "s3:o3@2023-02-20"));
  Apply({events[7]});
  EXPECT_THAT(overdue(), ElementsAre("s1:o1@2023-02-10", "s3:o3@2023-02-20", "s5:o5a@2023-02-25"));
  Apply({events[8]});
  EXPECT_THAT(overdue(), ElementsAre("s5:o5b@2023-02-05", "s1:o1@2023-02-10", "s3:o3@2023-02-20"));
  pdl::v1::ListFindingsRequest by_subject;
  by_subject.set_subject_id("s1");
  auto s1 = ListFindings(*store_, by_subject);
  ASSERT_TRUE(s1.ok());
  ASSERT_EQ(s1->findings_size(), 1);
  EXPECT_EQ(s1->findings(0).severity(), pdl::v1::SEVERITY_HIGH);
  EXPECT_EQ(s1->findings(0).action(), pdl::v1::EVENT_ACTION_RIGHTS_REQUEST_OPENED);
  EXPECT_EQ(s1->findings(0).policy_version(), "2023-05-08");  // the version that judged the opening
  EXPECT_THAT(s1->findings(0).explanation(), HasSubstr("still open after its response deadline of 2023-02-10"));

  // Answered late: the stored finding is withdrawn (the judge seals one on the closing event).
  const auto late = RequestClosed("c1", "s1", Utc(2023, 3, 2), "r1", pdl::v1::SUBJECT_RIGHT_ACCESS,
                                  pdl::v1::REQUEST_OUTCOME_FULFILLED);
  Apply({late});
  EXPECT_THAT(overdue(), ElementsAre("s5:o5b@2023-02-05", "s3:o3@2023-02-20"));
  auto live = ReadModelDigest(*store_, ReadModelFamilies());
  ASSERT_TRUE(live.ok());

  // The same events in one batch, and rebuilt: the same rows.
  std::vector<pdl::v1::PrivacyEvent> all = events;
  all.push_back(late);
  ExpectSameRowsInOneBatchAndRebuilt("requests-one-batch", all, *live, 2);
  EXPECT_THAT(overdue(), ElementsAre("s5:o5b@2023-02-05", "s3:o3@2023-02-20"));

  // ListRightsRequests over requests_open does not see the model's clock row.
  pdl::v1::ListRightsRequestsRequest open;
  open.set_status(pdl::v1::RIGHTS_REQUEST_STATUS_OPEN);
  auto listed = ListRightsRequests(*store_, open, kNow);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->requests_size(), 2);
  EXPECT_EQ(listed->requests(0).request_id(), "r5");  // by due date
  EXPECT_EQ(listed->requests(1).request_id(), "r3");
}

TEST_F(ReadModelsTest, RecordsOfProcessingAggregateAndMarkAgainstDeclarations) {
  const absl::Time t = Utc(2023, 5, 1);
  Apply({CollectedInto("c1", "s1", t, "accounts-db", {"user.contact.email", "user.name"}, {"essential.service"},
                       pdl::v1::LEGAL_BASIS_CONTRACT, std::nullopt, "account-life"),
         CollectedInto("c2", "s2", t + absl::Hours(1), "accounts-db", {"user.contact.email"}, {"essential.service"}),
         UsedFor("u1", "s1", t + absl::Hours(2), "analytics-db", {"user.device.cookie_id"}, {"analytics.reporting"}),
         SharedWith("sh1", "s1", t + absl::Hours(3), "ga", "processor", "US", {"user.device.cookie_id"},
                    {"analytics.reporting"}),
         TransferredTo("tr1", "s1", t + absl::Hours(4), "ga", "US", pdl::v1::TRANSFER_MECHANISM_SCC, "GA"),
         SharedWith("sh2", "s2", t + absl::Hours(5), "broker", "business_partner", "CN", {"user.contact.email"},
                    {"marketing"})});

  pdl::v1::GetRecordsOfProcessingRequest request;
  auto ropa = GetRecordsOfProcessing(*store_, request);
  ASSERT_TRUE(ropa.ok()) << ropa.status();
  std::vector<std::string> purposes;
  for (const auto& a : ropa->activities()) purposes.push_back(a.purpose());
  EXPECT_THAT(purposes, ElementsAre("", "analytics.reporting", "essential.service", "marketing"));
  const auto& essential = ropa->activities(2);
  EXPECT_EQ(essential.event_count(), 3u);  // c1 twice (two categories), c2 once
  EXPECT_THAT(essential.categories(), ElementsAre("user.contact.email", "user.name"));
  EXPECT_THAT(essential.subject_kinds(), ElementsAre("user"));
  EXPECT_THAT(essential.retention_rules(), ElementsAre("account-life"));
  EXPECT_THAT(essential.legal_bases(), ElementsAre(pdl::v1::LEGAL_BASIS_CONTRACT));
  EXPECT_EQ(T(essential.first_seen()), t);
  EXPECT_EQ(T(essential.last_seen()), t + absl::Hours(1));
  ASSERT_EQ(essential.entries_size(), 2);
  EXPECT_EQ(essential.entries(0).category(), "user.contact.email");
  EXPECT_EQ(essential.entries(0).event_count(), 2u);
  EXPECT_EQ(essential.declaration(), pdl::v1::DECLARATION_UNSPECIFIED);
  const auto& analytics = ropa->activities(1);
  EXPECT_THAT(analytics.recipient_categories(), ElementsAre("processor"));
  EXPECT_THAT(analytics.destination_countries(), ElementsAre("US"));
  EXPECT_THAT(ropa->activities(0).destination_countries(), ElementsAre("US"));

  RopaDeclarations declared{.policy_version = "2023-05-08",
                            .purposes = {"essential", "analytics", "functional"},
                            .categories = {"user.contact", "user.name", "user.device"},
                            .recipient_categories = {"processor"},
                            .destinations = {"US"}};
  auto marked = GetRecordsOfProcessing(*store_, request, &declared);
  ASSERT_TRUE(marked.ok()) << marked.status();
  EXPECT_EQ(marked->policy_version(), "2023-05-08");
  std::map<std::string, const pdl::v1::ProcessingActivity*> by_purpose;
  for (const auto& a : marked->activities()) by_purpose[a.purpose()] = &a;
  ASSERT_EQ(by_purpose.size(), 5u);
  EXPECT_EQ(by_purpose["essential.service"]->declaration(), pdl::v1::DECLARATION_OBSERVED_AND_DECLARED);
  EXPECT_EQ(by_purpose["analytics.reporting"]->declaration(), pdl::v1::DECLARATION_OBSERVED_AND_DECLARED);
  EXPECT_EQ(by_purpose[""]->declaration(), pdl::v1::DECLARATION_OBSERVED_AND_DECLARED);
  EXPECT_EQ(by_purpose["marketing"]->declaration(), pdl::v1::DECLARATION_OBSERVED_BUT_UNDECLARED);
  EXPECT_THAT(by_purpose["marketing"]->undeclared(),
              UnorderedElementsAre("purpose marketing", "recipient_category business_partner", "destination CN"));
  EXPECT_EQ(by_purpose["functional"]->declaration(), pdl::v1::DECLARATION_DECLARED_BUT_NEVER_OBSERVED);
  EXPECT_EQ(by_purpose["functional"]->event_count(), 0u);

  // Paging by activity, declared-only purposes included, in purpose order.
  request.set_page_size(2);
  std::vector<std::string> paged;
  do {
    auto page = GetRecordsOfProcessing(*store_, request, &declared);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->activities_size(), 2);
    for (const auto& a : page->activities()) paged.push_back(a.purpose());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  EXPECT_THAT(paged, ElementsAre("", "analytics.reporting", "essential.service", "functional", "marketing"));

  pdl::v1::GetRecordsOfProcessingRequest only;
  only.set_purpose("analytics");
  auto filtered = GetRecordsOfProcessing(*store_, only);
  ASSERT_TRUE(filtered.ok());
  ASSERT_EQ(filtered->activities_size(), 1);
  EXPECT_EQ(filtered->activities(0).purpose(), "analytics.reporting");
}

// ---------------------------------------------------------------------------------------------------------------
// Findings.

TEST_F(ReadModelsTest, FindingsByTimeRuleSeverityAndSubject) {
  judge_.findings["x1"] = {MakeFinding("transfer.no_mechanism", pdl::v1::SEVERITY_HIGH)};
  judge_.findings["x2"] = {MakeFinding("purpose.undeclared", pdl::v1::SEVERITY_MEDIUM),
                           MakeFinding("transfer.no_mechanism", pdl::v1::SEVERITY_HIGH)};
  judge_.findings["x3"] = {MakeFinding("purpose.undeclared", pdl::v1::SEVERITY_LOW)};
  Apply({TransferredTo("x1", "s1", Utc(2023, 1, 1), "ga", "US", pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED, ""),
         TransferredTo("x2", "s2", Utc(2023, 2, 1), "ga", "US", pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED, ""),
         UsedFor("x3", "s1", Utc(2023, 3, 1), "crm", {"user.name"}, {"marketing"}),
         UsedFor("ok", "s1", Utc(2023, 3, 2), "crm", {"user.name"}, {"essential.service"})});

  auto list = [&](pdl::v1::ListFindingsRequest request) {
    auto r = ListFindings(*store_, request);
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& f : r->findings()) out.push_back(absl::StrCat(f.event().event_id(), ":", f.rule_id()));
    }
    return out;
  };
  pdl::v1::ListFindingsRequest request;
  EXPECT_THAT(list(request), ElementsAre("x1:transfer.no_mechanism", "x2:purpose.undeclared",
                                         "x2:transfer.no_mechanism", "x3:purpose.undeclared"));
  // A page of one finding at a time: the pages resume inside x2's row.
  {
    int pages = 0;
    EXPECT_THAT(FindingPages(pdl::v1::ListFindingsRequest(), 1, &pages),
                ElementsAre("x1:transfer.no_mechanism", "x2:purpose.undeclared", "x2:transfer.no_mechanism",
                            "x3:purpose.undeclared"));
    EXPECT_EQ(pages, 4);
  }
  request.set_rule_id("purpose.undeclared");
  EXPECT_THAT(list(request), ElementsAre("x2:purpose.undeclared", "x3:purpose.undeclared"));
  request.set_rule_id("transfer.no_mechanism");
  request.set_page_size(1);
  auto second = ListFindings(*store_, request);
  ASSERT_TRUE(second.ok()) << second.status();
  request.set_page_token(second->next_page_token());
  EXPECT_THAT(list(request), ElementsAre("x2:transfer.no_mechanism"));  // the second item of x2's row
  request.clear_page_token();
  request.clear_page_size();
  request.clear_rule_id();
  request.set_min_severity(pdl::v1::SEVERITY_HIGH);
  EXPECT_THAT(list(request), ElementsAre("x1:transfer.no_mechanism", "x2:transfer.no_mechanism"));
  request.clear_min_severity();
  SetTimestamp(request.mutable_time_range()->mutable_start_time(), Utc(2023, 1, 15));
  SetTimestamp(request.mutable_time_range()->mutable_end_time(), Utc(2023, 3, 1));
  EXPECT_THAT(list(request), ElementsAre("x2:purpose.undeclared", "x2:transfer.no_mechanism"));
  request.Clear();
  request.set_subject_id("s1");
  EXPECT_THAT(list(request), ElementsAre("x1:transfer.no_mechanism", "x3:purpose.undeclared"));

  auto one = ListFindings(*store_, pdl::v1::ListFindingsRequest());
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->findings(0).subject_id(), "s1");
  EXPECT_EQ(one->findings(0).severity(), pdl::v1::SEVERITY_HIGH);
  EXPECT_EQ(one->findings(0).policy_version(), "2023-05-08");
  EXPECT_EQ(one->findings(0).action(), pdl::v1::EVENT_ACTION_DATA_TRANSFERRED);
  EXPECT_THAT(one->findings(0).explanation(), HasSubstr("transfer.no_mechanism"));

  request.Clear();
  request.set_min_severity(static_cast<pdl::v1::Severity>(42));
  ExpectFieldError(ListFindings(*store_, request).status(), absl::StatusCode::kInvalidArgument, "min_severity");
  // A rule the catalogue does not hold (a typo) is an error that lists the rules, not an empty list.
  request.Clear();
  request.set_rule_id("transfer.no_mechanis");
  const absl::Status typo = ListFindings(*store_, request).status();
  ExpectFieldError(typo, absl::StatusCode::kInvalidArgument, "rule_id");
  EXPECT_THAT(typo.message(), HasSubstr("transfer.no_mechanism, "));

  auto report = Report("s1", Utc(2023, 2, 1));
  ASSERT_EQ(report.findings_size(), 1);
  EXPECT_EQ(report.findings(0).rule_id(), "transfer.no_mechanism");

  // One row per event by subject holding the event's findings, and one row per event by time holding only each
  // finding's rule and severity: ListFindings over time builds each record from the sealed record the key names
  // (so a missing record is data loss, not a silently shorter list), while the subject report reads only the
  // subject's rows.
  std::vector<std::string> by_time;
  std::vector<std::string> by_subject;
  std::optional<rmkeys::FindingKeyParts> first;
  {
    auto it = store_->NewIterator(Cf::kFindings);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto at = rmkeys::ParseFindingKey(it->key().ToString());
      ASSERT_TRUE(at.has_value());
      EXPECT_FALSE(at->index.has_value());
      pdl::v1::FindingsAtRow row;
      ASSERT_TRUE(row.ParseFromString(it->value().ToString()));
      EXPECT_TRUE(row.subject_key().empty());
      std::string tags;
      for (const auto& tag : row.findings()) absl::StrAppend(&tags, "|", tag.rule_id(), "/", tag.severity());
      by_time.push_back(tags);
      if (!first.has_value()) first = at;
    }
  }
  {
    auto it = store_->NewIterator(Cf::kFindingsBySubject);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto parts = rmkeys::ParseSubjectFindingKey(it->key().ToString());
      ASSERT_TRUE(parts.has_value());
      EXPECT_FALSE(parts->index.has_value());
      pdl::v1::EventFindingsRow row;
      ASSERT_TRUE(row.ParseFromString(it->value().ToString()));
      by_subject.push_back(absl::StrCat(parts->subject_id, ":", row.event_id(), ":", row.findings_size()));
    }
  }
  EXPECT_THAT(by_time, ElementsAre("|transfer.no_mechanism/4", "|purpose.undeclared/3|transfer.no_mechanism/4",
                                   "|purpose.undeclared/2"));
  EXPECT_THAT(by_subject, ElementsAre("s1:x1:1", "s1:x3:1", "s2:x2:2"));
  ASSERT_TRUE(first.has_value());
  // A row whose rule is not the sealed record's finding is data loss, not a finding under another rule.
  const std::string first_key = rmkeys::EventFindingsKey(first->pos);
  std::string kept;
  ASSERT_TRUE(store_->db()->Get(rocksdb::ReadOptions(), store_->cf(Cf::kFindings), first_key, &kept).ok());
  pdl::v1::FindingsAtRow forged;
  forged.add_findings()->set_rule_id("purpose.undeclared");
  forged.mutable_findings(0)->set_severity(pdl::v1::SEVERITY_HIGH);
  ASSERT_TRUE(store_->db()->Put(rocksdb::WriteOptions(), store_->cf(Cf::kFindings), first_key,
                                forged.SerializeAsString()).ok());
  EXPECT_EQ(ListFindings(*store_, pdl::v1::ListFindingsRequest()).status().code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(store_->db()->Put(rocksdb::WriteOptions(), store_->cf(Cf::kFindings), first_key, kept).ok());
  EXPECT_TRUE(ListFindings(*store_, pdl::v1::ListFindingsRequest()).ok());
  rocksdb::WriteBatch lose;
  lose.Delete(store_->cf(Cf::kLog), keys::LogKey(first->pos.partition, first->pos.seq));
  ASSERT_TRUE(store_->Write(&lose).ok());
  EXPECT_EQ(ListFindings(*store_, pdl::v1::ListFindingsRequest()).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Report("s1", Utc(2024, 1, 1)).findings_size(), 2);
}

TEST_F(ReadModelsTest, FindingsOfOneSubjectPageInsideAnEvent) {
  // Three findings on one event, two on the next: pages of one and of two end inside an event's findings, and
  // every page together gives the unpaged list, in order, each finding once.
  judge_.findings["a"] = {MakeFinding("purpose.undeclared", pdl::v1::SEVERITY_MEDIUM),
                          MakeFinding("category.undeclared", pdl::v1::SEVERITY_LOW),
                          MakeFinding("transfer.no_mechanism", pdl::v1::SEVERITY_HIGH)};
  judge_.findings["b"] = {MakeFinding("consent.missing", pdl::v1::SEVERITY_HIGH),
                          MakeFinding("purpose.undeclared", pdl::v1::SEVERITY_MEDIUM)};
  Apply({UsedFor("a", "s1", Utc(2023, 1, 1), "crm", {"user.name"}, {"marketing"}),
         UsedFor("other", "s2", Utc(2023, 1, 2), "crm", {"user.name"}, {"marketing"}),
         UsedFor("b", "s1", Utc(2023, 1, 3), "crm", {"user.name"}, {"marketing"})});
  auto pages = [&](pdl::v1::ListFindingsRequest request, int page_size) {
    request.set_subject_id("s1");
    return FindingPages(std::move(request), page_size);
  };
  const std::vector<std::string> all = {"a:purpose.undeclared", "a:category.undeclared", "a:transfer.no_mechanism",
                                        "b:consent.missing", "b:purpose.undeclared"};
  EXPECT_EQ(pages({}, 0), all);
  EXPECT_EQ(pages({}, 1), all);
  EXPECT_EQ(pages({}, 2), all);
  pdl::v1::ListFindingsRequest high;
  high.set_min_severity(pdl::v1::SEVERITY_HIGH);
  EXPECT_THAT(pages(high, 1), ElementsAre("a:transfer.no_mechanism", "b:consent.missing"));
  pdl::v1::ListFindingsRequest rule;
  rule.set_rule_id("purpose.undeclared");
  EXPECT_THAT(pages(rule, 1), ElementsAre("a:purpose.undeclared", "b:purpose.undeclared"));

  // The last page holds exactly the rest: no token after the last finding.
  pdl::v1::ListFindingsRequest five;
  five.set_subject_id("s1");
  five.set_page_size(5);
  auto whole = ListFindings(*store_, five);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->findings_size(), 5);
  EXPECT_TRUE(whole->next_page_token().empty());
  // A token from inside event a's findings resumes at its next finding.
  five.set_page_size(2);
  auto first = ListFindings(*store_, five);
  ASSERT_TRUE(first.ok());
  five.set_page_token(first->next_page_token());
  auto second = ListFindings(*store_, five);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->findings_size(), 2);
  EXPECT_EQ(second->findings(0).rule_id(), "transfer.no_mechanism");
  EXPECT_EQ(second->findings(1).rule_id(), "consent.missing");

  // The report lists the same five, and each record, read from the subject's rows, equals byte for byte the one
  // ListFindings over time builds from the sealed record and its event.
  auto report = Report("s1", Utc(2024, 1, 1));
  std::vector<std::string> reported;
  for (const auto& f : report.findings()) reported.push_back(absl::StrCat(f.event().event_id(), ":", f.rule_id()));
  EXPECT_EQ(reported, all);
  auto by_time = ListFindings(*store_, pdl::v1::ListFindingsRequest());
  ASSERT_TRUE(by_time.ok());
  std::vector<std::string> from_report, from_time;
  for (const auto& f : report.findings()) from_report.push_back(f.SerializeAsString());
  for (const auto& f : by_time->findings()) {
    if (f.subject_id() == "s1") from_time.push_back(f.SerializeAsString());
  }
  EXPECT_THAT(from_report, UnorderedElementsAreArray(from_time));
  ASSERT_EQ(report.findings_size(), 5);
  EXPECT_EQ(report.findings(2).action(), pdl::v1::EVENT_ACTION_DATA_USED);
  EXPECT_EQ(report.findings(2).event().seq(), by_time->findings(0).event().seq());
  EXPECT_EQ(report.findings(2).explanation(), "breach of transfer.no_mechanism");
  EXPECT_EQ(report.findings(2).policy_version(), "2023-05-08");
  EXPECT_TRUE(report.findings(2).has_recorded_at());
}

// ---------------------------------------------------------------------------------------------------------------
// The subject report.

TEST_F(ReadModelsTest, SubjectReportDecryptsIdentityAndShowsErasure) {
  auto kek = vault::GenerateKey();
  ASSERT_TRUE(kek.ok());
  vault_ = std::make_unique<VaultStore>(store_.get(), *kek);
  auto sealed_event = [&](pdl::v1::PrivacyEvent e, std::string_view email) {
    auto key = vault_->DataKeyFor(e.subject().id());
    EXPECT_TRUE(key.ok()) << key.status();
    pdl::v1::Identity identity;
    identity.set_email(std::string(email));
    identity.set_name("Ann");
    auto sealed = vault::SealIdentity(key->second, key->first, identity, e.event_id());
    EXPECT_TRUE(sealed.ok());
    *e.mutable_subject()->mutable_sealed_identity() = *sealed;
    return e;
  };
  const absl::Time t1 = Utc(2023, 1, 1), t2 = Utc(2023, 6, 1);
  Apply({sealed_event(
             CollectedInto("reg", "ann", t1, "accounts-db", {"user.contact.email", "user.name"}, {"essential.service"}),
             "ann@old.example"),
         SharedWith("sh", "ann", t1 + absl::Hours(1), "other-users", "other_users", "BE", {"user.contact.email"},
                    {"essential.service"}),
         TransferredTo("tr1", "ann", t1 + absl::Hours(2), "ga", "US", pdl::v1::TRANSFER_MECHANISM_SCC, "GA-DPA"),
         TransferredTo("tr2", "ann", t1 + absl::Hours(3), "ga", "US", pdl::v1::TRANSFER_MECHANISM_SCC, "GA-DPA")});
  Apply({sealed_event(CollectedInto("upd", "ann", t2, "accounts-db", {"user.contact.email"}, {"essential.service"}),
                      "ann@new.example")});

  auto early = Report("ann", t1 + absl::Hours(2));
  EXPECT_EQ(early.identity().status(), pdl::v1::IDENTITY_STATUS_AVAILABLE);
  EXPECT_EQ(early.identity().identity().email(), "ann@old.example");
  EXPECT_EQ(early.identity().recorded_by().event_id(), "reg");
  EXPECT_EQ(early.event_count(), 3u);
  EXPECT_THAT(early.subject_kinds(), ElementsAre("user"));
  EXPECT_THAT(early.policy_versions(), ElementsAre("2023-05-08"));
  ASSERT_EQ(early.transfers_size(), 1);
  EXPECT_EQ(early.transfers(0).count(), 1u);
  ASSERT_EQ(early.recipients_size(), 2);
  EXPECT_EQ(early.recipients(0).recipient().id(), "ga");
  EXPECT_EQ(early.recipients(1).recipient().id(), "other-users");
  EXPECT_EQ(early.recipients(1).disclosures(), 1u);

  auto now = Report("ann");
  EXPECT_EQ(now.identity().identity().email(), "ann@new.example");
  EXPECT_EQ(now.event_count(), 5u);
  ASSERT_EQ(now.transfers_size(), 1);
  EXPECT_EQ(now.transfers(0).count(), 2u);
  EXPECT_EQ(now.transfers(0).mechanism(), pdl::v1::TRANSFER_MECHANISM_SCC);
  EXPECT_EQ(now.transfers(0).mechanism_ref(), "GA-DPA");
  EXPECT_EQ(now.transfers(0).last_event().event_id(), "tr2");
  EXPECT_EQ(now.recipients(0).transfers(), 2u);
  EXPECT_THAT(now.recipients(0).destination_countries(), ElementsAre("US"));
  EXPECT_EQ(Report("ann", t1 - absl::Seconds(1)).identity().status(), pdl::v1::IDENTITY_STATUS_NONE);

  // Erasure: the request is fulfilled, and sealing its close destroys the key (crypto-shredding).
  std::string vault_key;
  keys::AppendString(&vault_key, "ann");
  auto stored = store_->Get(Cf::kVault, vault_key);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  pdl::v1::VaultEntry entry;
  ASSERT_TRUE(entry.ParseFromString(**stored));
  const std::string wrapped = entry.wrapped_key();
  ASSERT_GE(wrapped.size(), 32u);
  Apply({RequestOpened("ro", "ann", t2 + absl::Hours(1), "erase-1", pdl::v1::SUBJECT_RIGHT_ERASURE),
         DeletedFrom("del", "ann", t2 + absl::Hours(2), "accounts-db", {}, pdl::v1::DELETION_REASON_SUBJECT_REQUEST,
                     "erase-1"),
         RequestClosed("rc", "ann", t2 + absl::Hours(3), "erase-1", pdl::v1::SUBJECT_RIGHT_ERASURE,
                       pdl::v1::REQUEST_OUTCOME_FULFILLED)});
  stored = store_->Get(Cf::kVault, vault_key);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  ASSERT_TRUE(entry.ParseFromString(**stored));
  EXPECT_TRUE(entry.wrapped_key().empty());
  EXPECT_EQ(entry.key_version(), 1u);
  const auto refused = vault_->DataKeyFor("ann");
  ExpectFieldError(refused.status(), absl::StatusCode::kFailedPrecondition, "subject.identity");
  // No file of the database keeps the wrapped key: not a table, not the write-ahead log.
  size_t files = 0;
  for (const auto& file : std::filesystem::recursive_directory_iterator(store_->path())) {
    if (!file.is_regular_file()) continue;
    ++files;
    std::ifstream in(file.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(wrapped), std::string::npos) << file.path();
  }
  EXPECT_GT(files, 3u);

  auto erased = Report("ann");
  EXPECT_EQ(erased.identity().status(), pdl::v1::IDENTITY_STATUS_ERASED);
  EXPECT_FALSE(erased.identity().has_identity());
  EXPECT_EQ(erased.identity().erasure_evidence().event_id(), "rc");
  ASSERT_EQ(erased.rights_requests_size(), 1);
  EXPECT_EQ(erased.rights_requests(0).status(), pdl::v1::RIGHTS_REQUEST_STATUS_CLOSED);
  for (const auto& h : erased.holdings()) EXPECT_EQ(h.status(), pdl::v1::HOLDING_STATUS_DELETED);
  // As of before the close, the request was open and its close is not shown.
  auto during = Report("ann", t2 + absl::Hours(2));
  ASSERT_EQ(during.rights_requests_size(), 1);
  EXPECT_EQ(during.rights_requests(0).status(), pdl::v1::RIGHTS_REQUEST_STATUS_OPEN);
  EXPECT_FALSE(during.rights_requests(0).has_closed_at());
  // The key is gone whatever the instant described, and the evidence is the close that destroyed it, not the
  // deletion before it (which the report as of then does show).
  EXPECT_EQ(during.identity().status(), pdl::v1::IDENTITY_STATUS_ERASED);
  EXPECT_EQ(during.identity().erasure_evidence().event_id(), "rc");
  auto before_request = Report("ann", t2);
  EXPECT_EQ(before_request.identity().status(), pdl::v1::IDENTITY_STATUS_ERASED);
  EXPECT_EQ(before_request.identity().erasure_evidence().event_id(), "rc");
  EXPECT_TRUE(before_request.rights_requests().empty());

  vault_.reset();
  EXPECT_EQ(Report("ann").identity().status(), pdl::v1::IDENTITY_STATUS_UNAVAILABLE);
}

TEST_F(ReadModelsTest, SubjectReportErrors) {
  Apply({CollectedInto("c1", "s1", Utc(2023, 1, 1), "crm", {"user.name"}, {"essential.service"})});
  pdl::v1::GetSubjectReportRequest request;
  ExpectFieldError(GetSubjectReport(*store_, nullptr, request, kNow).status(), absl::StatusCode::kInvalidArgument,
                   "subject_id");
  request.set_subject_id("nobody");
  ExpectFieldError(GetSubjectReport(*store_, nullptr, request, kNow).status(), absl::StatusCode::kNotFound,
                   "subject_id");
  request.set_subject_id("s1");
  SetTimestamp(request.mutable_as_of(), Utc(2022, 1, 1));
  auto before = GetSubjectReport(*store_, nullptr, request, kNow);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->event_count(), 0u);
  EXPECT_THAT(before->holdings(), IsEmpty());
  EXPECT_THAT(before->subject_kinds(), IsEmpty());
}

// A timestamp outside what google.protobuf.Timestamp allows (years 0001 to 9999) is an error naming its field, in
// every query that takes one: never an instant that wrapped around.
TEST_F(ReadModelsTest, TimestampsOutsideYears1To9999AreInvalidArguments) {
  Apply({CollectedInto("c1", "s1", Utc(2023, 1, 1), "crm", {"user.name"}, {"essential.service"})});
  google::protobuf::Timestamp far;
  far.set_seconds(10000000000000);  // Past 9999-12-31; as µs, past what int64 holds.
  google::protobuf::Timestamp bad_nanos;
  bad_nanos.set_nanos(-1);

  pdl::v1::GetSubjectReportRequest report;
  report.set_subject_id("s1");
  *report.mutable_as_of() = far;
  ExpectFieldError(GetSubjectReport(*store_, nullptr, report, kNow).status(), absl::StatusCode::kInvalidArgument,
                   "as_of");
  *report.mutable_as_of() = bad_nanos;
  ExpectFieldError(GetSubjectReport(*store_, nullptr, report, kNow).status(), absl::StatusCode::kInvalidArgument,
                   "as_of");
  report.mutable_as_of()->set_seconds(253402300799);  // 9999-12-31T23:59:59Z is valid: everything so far.
  report.mutable_as_of()->set_nanos(0);
  auto last = GetSubjectReport(*store_, nullptr, report, kNow);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->event_count(), 1u);

  pdl::v1::ListRightsRequestsRequest requests;
  *requests.mutable_as_of() = far;
  ExpectFieldError(ListRightsRequests(*store_, requests, kNow).status(), absl::StatusCode::kInvalidArgument,
                   "as_of");
  pdl::v1::ListRetentionDueRequest due;
  *due.mutable_due_before() = far;
  ExpectFieldError(ListRetentionDue(*store_, due).status(), absl::StatusCode::kInvalidArgument, "due_before");
  pdl::v1::ListFindingsRequest findings;
  *findings.mutable_time_range()->mutable_end_time() = far;
  ExpectFieldError(ListFindings(*store_, findings).status(), absl::StatusCode::kInvalidArgument,
                   "time_range.end_time");
  pdl::v1::GetSubjectHistoryRequest history;
  history.set_subject_id("s1");
  *history.mutable_time_range()->mutable_start_time() = bad_nanos;
  ExpectFieldError(GetSubjectHistory(*store_, history).status(), absl::StatusCode::kInvalidArgument,
                   "time_range.start_time");
}

// ---------------------------------------------------------------------------------------------------------------
// Rebuild.

// A mixed scenario over several subjects and partitions, applied in batches of `batch` events.
std::vector<pdl::v1::PrivacyEvent> Scenario(int subjects) {
  std::vector<pdl::v1::PrivacyEvent> events;
  const absl::Time t0 = Utc(2023, 1, 1);
  for (int s = 0; s < subjects; ++s) {
    const std::string subject = absl::StrCat("user-", s);
    const absl::Time t = t0 + absl::Hours(s);
    const std::string p = absl::StrCat(s, "-");
    events.push_back(CollectedInto(p + "reg", subject, t, "accounts-db", {"user.contact.email", "user.name"},
                                   {"essential.service"}, pdl::v1::LEGAL_BASIS_CONTRACT, t + absl::Hours(24 * 400),
                                   "account-life"));
    events.push_back(
        ConsentGivenFor(p + "cg", subject, t + absl::Minutes(1), "sheets", {"essential.service"}, "google-sheets"));
    events.push_back(UsedFor(p + "use", subject, t + absl::Minutes(2), "analytics-db", {"user.device.cookie_id"},
                             {"analytics.reporting"}));
    events.push_back(SharedWith(p + "sh", subject, t + absl::Minutes(3), "ga", "processor", "US",
                                {"user.device.cookie_id"}, {"analytics.reporting"}));
    events.push_back(
        TransferredTo(p + "tr", subject, t + absl::Minutes(4), "ga", "US",
                      s % 4 == 0 ? pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED : pdl::v1::TRANSFER_MECHANISM_SCC, "GA"));
    if (s % 3 == 0) {
      events.push_back(RequestOpened(p + "ro", subject, t + absl::Minutes(5), "req", pdl::v1::SUBJECT_RIGHT_ERASURE));
      events.push_back(DeletedFrom(p + "del", subject, t + absl::Minutes(6), "accounts-db", {},
                                   pdl::v1::DELETION_REASON_SUBJECT_REQUEST, "req"));
      events.push_back(RequestClosed(p + "rc", subject, t + absl::Minutes(7), "req", pdl::v1::SUBJECT_RIGHT_ERASURE,
                                     pdl::v1::REQUEST_OUTCOME_FULFILLED));
      events.push_back(ConsentWithdrawnFor(p + "cw", subject, t + absl::Minutes(8), "sheets"));
    }
  }
  return events;
}

TEST_F(ReadModelsTest, RebuildFromTheLogIsByteIdentical) {
  auto events = Scenario(60);
  for (int i = 0; i < 60; i += 7)
    judge_.findings[absl::StrCat(i, "-tr")] = {MakeFinding("transfer.no_mechanism", pdl::v1::SEVERITY_HIGH)};
  for (size_t i = 0; i < events.size(); i += 37) {
    Apply({events.begin() + i, events.begin() + std::min(events.size(), i + 37)});
  }
  auto live = ReadModelDigest(*store_, ReadModelFamilies());
  ASSERT_TRUE(live.ok()) << live.status();

  auto rebuilt = RebuildReadModels(*store_, ModelPointers(models_), ReadModelFamilies(), {.batch_events = 50});
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(rebuilt->events, events.size());
  EXPECT_EQ(rebuilt->digest_before, *live);
  EXPECT_EQ(rebuilt->digest_after, *live);

  // The digest sees a changed byte, and a rebuild repairs it.
  rocksdb::WriteBatch batch;
  batch.Put(store_->cf(Cf::kRopa), "tampered", "x");
  ASSERT_TRUE(store_->Write(&batch).ok());
  auto tampered = ReadModelDigest(*store_, ReadModelFamilies());
  ASSERT_TRUE(tampered.ok());
  EXPECT_NE(*tampered, *live);
  rebuilt = RebuildReadModels(*store_, ModelPointers(models_), ReadModelFamilies());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(rebuilt->digest_after, *live);

  // Findings come from the sealed records: a rebuild without the judge keeps them.
  pdl::v1::ListFindingsRequest findings;
  auto listed = ListFindings(*store_, findings);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->findings_size(), 9);
}

TEST_F(ReadModelsTest, ReadModelsOfAnotherLayoutAreRebuiltOnce) {
  auto ensure = [&] { return EnsureReadModelLayout(*store_, ModelPointers(models_), ReadModelFamilies()); };
  auto set_layout = [&](std::optional<std::string> value) {
    rocksdb::WriteBatch batch;
    if (value.has_value()) {
      batch.Put(store_->cf(Cf::kDefault), "read_model_layout", *value);
    } else {
      batch.Delete(store_->cf(Cf::kDefault), "read_model_layout");
    }
    ASSERT_TRUE(store_->Write(&batch).ok());
  };
  // An empty store records the layout and rebuilds nothing.
  auto fresh = ensure();
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_FALSE(fresh->has_value());
  EXPECT_EQ(*store_->Get(Cf::kDefault, "read_model_layout"), std::to_string(kReadModelLayout));

  const auto events = Scenario(6);
  Apply(events);
  auto live = ReadModelDigest(*store_, ReadModelFamilies());
  ASSERT_TRUE(live.ok());
  auto same = ensure();
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->has_value());

  // Rows of an older layout (here: a stray row) under an older layout number: rebuilt from the log, once.
  set_layout("1");
  rocksdb::WriteBatch stray;
  stray.Put(store_->cf(Cf::kHoldings), "old-layout-row", "x");
  ASSERT_TRUE(store_->Write(&stray).ok());
  auto rebuilt = ensure();
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  ASSERT_TRUE(rebuilt->has_value());
  EXPECT_EQ((*rebuilt)->events, events.size());
  EXPECT_EQ((*rebuilt)->digest_after, *live);
  auto again = ensure();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());

  // A store of a build from before layouts were recorded, with a log: rebuilt too.
  set_layout(std::nullopt);
  auto unrecorded = ensure();
  ASSERT_TRUE(unrecorded.ok());
  ASSERT_TRUE(unrecorded->has_value());
  EXPECT_EQ((*unrecorded)->digest_after, *live);
}

TEST_F(ReadModelsTest, ReadModelsDoNotDependOnHowPartitionsInterleave) {
  const auto events = Scenario(40);
  std::vector<InputRecord> records;
  for (const auto& e : events) records.push_back(sequencer_.Next(e));
  // Live order: one big batch, partitions interleaved.
  auto prepared = applier_->Prepare(records);
  ASSERT_TRUE(prepared.ok());
  ASSERT_TRUE(applier_->Commit(std::move(*prepared)).ok());
  auto interleaved = ReadModelDigest(*store_, ReadModelFamilies());
  ASSERT_TRUE(interleaved.ok());

  // Another store: partition by partition in reverse, small batches.
  Open(tmp_.path() + "/other");
  std::stable_sort(records.begin(), records.end(),
                   [](const InputRecord& a, const InputRecord& b) { return a.partition > b.partition; });
  for (size_t i = 0; i < records.size(); i += 11) {
    auto p = applier_->Prepare({records.begin() + i, records.begin() + std::min(records.size(), i + 11)});
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(applier_->Commit(std::move(*p)).ok());
  }
  auto by_partition = ReadModelDigest(*store_, ReadModelFamilies());
  ASSERT_TRUE(by_partition.ok());
  EXPECT_EQ(*interleaved, *by_partition);
}

// ---------------------------------------------------------------------------------------------------------------
// The models' own thread (projections/model_stage.h).

TEST_F(ReadModelsTest, ModelsOnTheirOwnThreadWriteWhatTheSealerThreadWould) {
  const auto events = Scenario(60);
  // `behind`: each batch written while the next is prepared (Applier::CommitBehind), as ledgerd does.
  auto seal = [&](const std::string& dir, bool own_thread, size_t batch, bool behind = false) -> std::string {
    Open(tmp_.path() + "/" + dir, own_thread);
    std::vector<InputRecord> records;
    for (const auto& e : events) records.push_back(sequencer_.Next(e));
    for (size_t i = 0; i < records.size(); i += batch) {
      auto p = applier_->Prepare({records.begin() + i, records.begin() + std::min(records.size(), i + batch)});
      EXPECT_TRUE(p.ok()) << p.status();
      if (!p.ok()) return "";
      EXPECT_TRUE((behind ? applier_->CommitBehind(std::move(*p), nullptr) : applier_->Commit(std::move(*p))).ok());
    }
    EXPECT_TRUE(applier_->Drain().ok());
    auto digest = ReadModelDigest(*store_, ReadModelFamilies());
    EXPECT_TRUE(digest.ok());
    return digest.ok() ? *digest : "";
  };
  const std::string inline_rows = seal("inline", false, 1000);
  ASSERT_FALSE(inline_rows.empty());
  // One batch (events handed over in groups, the last one partial) and batches of 7 (fewer than a group).
  EXPECT_EQ(seal("thread-one-batch", true, 1000), inline_rows);
  EXPECT_EQ(seal("thread-batches-of-7", true, 7), inline_rows);
  // Written behind: every batch reads the one before it from memory while that one is being written.
  EXPECT_EQ(seal("behind-inline-batches-of-7", false, 7, true), inline_rows);
  EXPECT_EQ(seal("behind-thread-batches-of-7", true, 7, true), inline_rows);
  // And the rows are those of a rebuild.
  auto rebuilt = RebuildReadModels(*store_, ModelPointers(models_), ReadModelFamilies());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(rebuilt->digest_after, inline_rows);
}

// A model that fails on one event or in its Finish hook, and counts what it saw.
class FailingModel final : public ReadModel {
 public:
  std::string_view name() const override { return "failing"; }
  absl::Status Apply(const SealedEventView& sealed, BatchWriter& batch) override {
    if (sealed.event->event_id() == fail_on) return absl::InternalError("model failed on " + fail_on);
    ++applied;
    batch.Put(Cf::kSubjectIndex, sealed.event->event_id(), "seen");
    return absl::OkStatus();
  }
  absl::Status Finish(BatchWriter&) override {
    return fail_finish ? absl::UnavailableError("finish failed") : absl::OkStatus();
  }
  std::string fail_on;
  bool fail_finish = false;
  int applied = 0;
};

TEST_F(ReadModelsTest, AModelErrorOnItsOwnThreadFailsTheBatchAndWritesNothing) {
  FailingModel failing;
  auto applier = Applier::Create(store_.get(), "cluster-1", kPartitions,
                                 ApplierOptions{.judge = &judge_, .read_models = {&failing}});
  ASSERT_TRUE(applier.ok()) << applier.status();
  const auto events = Scenario(20);  // 100+ events: several groups handed over
  ASSERT_GT(events.size(), 100u);
  std::vector<InputRecord> records;
  for (const auto& e : events) records.push_back(sequencer_.Next(e));

  // The models' error ends the batch in Prepare or, when the thread reaches it after Prepare returned, in Commit.
  auto seal = [&]() -> absl::Status {
    auto prepared = (*applier)->Prepare(records);
    if (!prepared.ok()) return prepared.status();
    return (*applier)->Commit(std::move(*prepared));
  };
  failing.fail_on = events[70].event_id();
  absl::Status failed = seal();
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal) << failed;
  EXPECT_THAT(failed.message(), HasSubstr(events[70].event_id()));
  EXPECT_EQ(failing.applied, 70);  // the events before it; none after

  failing.fail_on.clear();
  failing.fail_finish = true;
  failed = seal();
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;

  // Nothing of the failed batches reached the store; the same records then seal in full.
  EXPECT_EQ(testing::RowCount(*store_, Cf::kLog), 0u);
  failing.fail_finish = false;
  failing.applied = 0;
  auto prepared = (*applier)->Prepare(records);
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  ASSERT_TRUE((*applier)->Commit(std::move(*prepared)).ok());
  EXPECT_EQ(failing.applied, static_cast<int>(events.size()));
  for (const auto& e : events) {
    auto row = store_->Get(Cf::kSubjectIndex, e.event_id());
    ASSERT_TRUE(row.ok());
    EXPECT_TRUE(row->has_value()) << e.event_id();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Write-behind (Applier::CommitBehind): a batch is written while the next one is prepared on top of it.

TEST_F(ReadModelsTest, AFailedWriteDropsTheBatchPreparedOnItAndBothSealAgainFromTheDurableCursors) {
  const auto events = Scenario(40);
  std::vector<InputRecord> records;
  for (const auto& e : events) records.push_back(sequencer_.Next(e));
  std::vector<std::vector<InputRecord>> batches;
  for (size_t i = 0; i < records.size(); i += 11) {
    batches.emplace_back(records.begin() + i, records.begin() + std::min(records.size(), i + 11));
  }
  ASSERT_GE(batches.size(), 6u);

  // The reference: the same batches, each written before the next.
  Open(tmp_.path() + "/reference");
  for (const auto& batch : batches) {
    auto p = applier_->Prepare(batch);
    ASSERT_TRUE(p.ok()) << p.status();
    ASSERT_TRUE(applier_->Commit(std::move(*p)).ok());
  }
  auto reference = ReadModelDigest(*store_, ReadModelFamilies());
  ASSERT_TRUE(reference.ok());
  auto reference_log = ReadModelDigest(*store_, {Cf::kLog, Cf::kTree, Cf::kEventIds, Cf::kSubjectTimeline});
  ASSERT_TRUE(reference_log.ok());

  // The third write fails (a full disk, say); the fourth batch is prepared on top of the third meanwhile.
  Open(tmp_.path() + "/failing");
  int writes = 0;
  Store* store = store_.get();
  auto applier = Applier::Create(
      store, "cluster-1", kPartitions,
      ApplierOptions{.judge = &judge_,
                     .read_models = ModelPointers(models_),
                     .write_for_testing = [&writes, store](rocksdb::WriteBatch* batch) -> absl::Status {
                       if (++writes == 3) return absl::ResourceExhaustedError("no space left on device");
                       return store->Write(batch);
                     }});
  ASSERT_TRUE(applier.ok()) << applier.status();
  // What the on_durable callback reported: calls, and the next offset of each partition.
  int durable_calls = 0;
  std::map<uint32_t, int64_t> durable_offsets;
  auto durable = [&](const std::map<uint32_t, pdl::v1::PartitionCursor>& cursors) {
    ++durable_calls;
    for (const auto& [partition, cursor] : cursors) durable_offsets[partition] = cursor.next_offset();
  };
  for (int b = 0; b < 3; ++b) {
    auto p = (*applier)->Prepare(batches[b]);
    ASSERT_TRUE(p.ok()) << p.status();
    ASSERT_TRUE((*applier)->CommitBehind(std::move(*p), durable).ok()) << "batch " << b;
  }
  // Before the third write is known to have failed, the cursors are where the fourth batch starts.
  std::map<uint32_t, int64_t> after_three;
  for (int b = 0; b < 3; ++b) {
    for (const auto& r : batches[b]) after_three[r.partition] = std::max(after_three[r.partition], r.offset + 1);
  }
  for (const auto& [partition, next] : after_three) EXPECT_EQ((*applier)->cursor(partition).next_offset(), next);
  auto fourth = (*applier)->Prepare(batches[3]);
  ASSERT_TRUE(fourth.ok()) << fourth.status();
  absl::Status failed = (*applier)->CommitBehind(std::move(*fourth), durable);
  EXPECT_EQ(failed.code(), absl::StatusCode::kResourceExhausted) << failed;

  // Back at what is durable: the first two batches, in the store and in the cursors.
  std::map<uint32_t, int64_t> after_two;
  size_t two = 0;
  for (int b = 0; b < 2; ++b) {
    two += batches[b].size();
    for (const auto& r : batches[b]) after_two[r.partition] = std::max(after_two[r.partition], r.offset + 1);
  }
  for (uint32_t p = 0; p < kPartitions; ++p) {
    EXPECT_EQ((*applier)->StartOffsets().at(p), after_two.count(p) ? after_two[p] : 0) << "partition " << p;
  }
  EXPECT_EQ(testing::RowCount(*store_, Cf::kLog), two);
  EXPECT_EQ(durable_calls, 2);  // for the two durable batches only
  EXPECT_EQ(durable_offsets, after_two);

  // The consumer re-reads from there (the second batch again too: below the cursor, skipped) and everything seals
  // once, with the reference's rows.
  for (size_t b = 1; b < batches.size(); ++b) {
    auto p = (*applier)->Prepare(batches[b]);
    ASSERT_TRUE(p.ok()) << p.status();
    for (const auto& r : p->rejections()) ADD_FAILURE() << "rejected: " << r.field << ": " << r.reason;
    ASSERT_TRUE((*applier)->CommitBehind(std::move(*p), durable).ok()) << "batch " << b;
  }
  ASSERT_TRUE((*applier)->Drain().ok());
  auto after = ReadModelDigest(*store_, ReadModelFamilies());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *reference);
  auto after_log = ReadModelDigest(*store_, {Cf::kLog, Cf::kTree, Cf::kEventIds, Cf::kSubjectTimeline});
  ASSERT_TRUE(after_log.ok());
  EXPECT_EQ(*after_log, *reference_log);
  EXPECT_EQ(testing::RowCount(*store_, Cf::kLog), records.size());
  uint64_t seqs = 0;
  for (uint32_t p = 0; p < kPartitions; ++p) seqs += (*applier)->cursor(p).next_seq();
  EXPECT_EQ(seqs, records.size());
}

}  // namespace
}  // namespace pdl
