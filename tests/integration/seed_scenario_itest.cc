// The seed scenario end to end: the real `ledgerctl demo` against a real ledgerd (embedded Kafka, RocksDB in a temp
// dir), then the answers over gRPC checked against expectations written by hand from the policy
// (examples/policies/iqunet-2023-05-08.yaml) and the storylines of the named subjects: one person's Art. 15
// report, the Art. 30 records of processing, the finding of every deliberate breach, overdue requests, and a
// rebuild of the read models that changes no byte. Each test starts its own ledgerd (ctest runs each test in its
// own process).

#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/event_codec.h"
#include "pdl/v1/admin_service.grpc.pb.h"
#include "pdl/v1/audit_service.grpc.pb.h"
#include "pdl/v1/ingest_service.grpc.pb.h"
#include "tests/testing/ledgerd_process.h"
#include "tests/testing/metrics_scrape.h"
#include "tests/testing/shell.h"
#include "tests/testing/temp_dir.h"

namespace pdl {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

using testing::CommandResult;
using testing::Shell;

absl::Time T(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << rfc3339 << ": " << err;
  return t;
}

std::string When(const google::protobuf::Timestamp& ts) { return FormatRfc3339(ToTime(ts)); }

// RFC 3339 as FormatRfc3339 writes it (microseconds), for comparisons that print well.
std::string W(const std::string& rfc3339) { return FormatRfc3339(T(rfc3339)); }

template <typename Enums>
std::vector<int> Ints(const Enums& values) {
  return std::vector<int>(values.begin(), values.end());
}

std::string Deterministic(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

constexpr char kPolicyVersion[] = "2023-05-08";
constexpr char kGaScc[] = "SCC 2021/914, module 2";
// Events of the named subjects (see services/ctl/demo_scenario.cc): 26 of demo-alice, 10 of demo-bob, 7 of
// demo-carol, 4 of demo-minor, 8 of demo-breach-after-withdrawal, 7 of demo-breach-after-erasure, 4 each of
// demo-breach-unnamed-processor and demo-breach-late-answer, 3 each of the other seven.
constexpr int kCastEvents = 92;

class SeedScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledgerd_ = std::make_unique<testing::LedgerdProcess>(PDL_LEDGERD_PATH, tmp_.path() + "/data");
    ASSERT_TRUE(ledgerd_->Start().ok()) << ledgerd_->output();
    audit_ = pdl::v1::AuditService::NewStub(ledgerd_->channel());
    admin_ = pdl::v1::AdminService::NewStub(ledgerd_->channel());
  }

  // `ledgerctl demo ARGS` against the test's ledgerd, publishing the seed policy from the source tree.
  CommandResult Demo(const std::string& args, bool with_policy = true) {
    return Shell(absl::StrCat(
        PDL_LEDGERCTL_PATH, " --server ", ledgerd_->grpc_address(), " --timeout 60 demo ",
        with_policy ? absl::StrCat("--policy ", PDL_SOURCE_DIR, "/examples/policies/iqunet-2023-05-08.yaml ") : "",
        args));
  }

  pdl::v1::GetSubjectReportResponse Report(const std::string& subject, const std::string& as_of) {
    pdl::v1::GetSubjectReportRequest request;
    request.set_subject_id(subject);
    SetTimestamp(request.mutable_as_of(), T(as_of));
    grpc::ClientContext context;
    pdl::v1::GetSubjectReportResponse response;
    grpc::Status status = audit_->GetSubjectReport(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::vector<pdl::v1::FindingRecord> Findings() {
    std::vector<pdl::v1::FindingRecord> out;
    pdl::v1::ListFindingsRequest request;
    request.set_page_size(1000);
    do {
      grpc::ClientContext context;
      pdl::v1::ListFindingsResponse response;
      grpc::Status status = audit_->ListFindings(&context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      out.insert(out.end(), response.findings().begin(), response.findings().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return out;
  }

  pdl::v1::GetRecordsOfProcessingResponse Ropa() {
    pdl::v1::GetRecordsOfProcessingRequest request;
    request.set_page_size(1000);
    grpc::ClientContext context;
    pdl::v1::GetRecordsOfProcessingResponse response;
    grpc::Status status = audit_->GetRecordsOfProcessing(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(response.next_page_token().empty());
    return response;
  }

  std::vector<pdl::v1::RightsRequestRecord> Overdue(const std::string& as_of) {
    pdl::v1::ListRightsRequestsRequest request;
    request.set_overdue_only(true);
    request.set_page_size(1000);
    if (!as_of.empty()) SetTimestamp(request.mutable_as_of(), T(as_of));
    grpc::ClientContext context;
    pdl::v1::ListRightsRequestsResponse response;
    grpc::Status status = audit_->ListRightsRequests(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.requests().begin(), response.requests().end()};
  }

  pdl::v1::GetStatsResponse Stats() {
    grpc::ClientContext context;
    pdl::v1::GetStatsResponse stats;
    grpc::Status status = admin_->GetStats(&context, pdl::v1::GetStatsRequest(), &stats);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return stats;
  }

  testing::TempDir tmp_;
  std::unique_ptr<testing::LedgerdProcess> ledgerd_;
  std::unique_ptr<pdl::v1::AuditService::Stub> audit_;
  std::unique_ptr<pdl::v1::AdminService::Stub> admin_;
};

// demo-alice's Art. 15 report at the start of the next year, written out from her storyline and the policy:
// retention "account" lasts until the account is closed (+30 days), so registration data has no end yet;
// "usage-data" keeps cookies and usage 14 months after the latest collection; "usage-data-security" keeps the
// captcha's IP address 2 years; "support" keeps the support contact 2 years; "google-authorization" keeps a token
// until its consent is withdrawn.
TEST_F(SeedScenarioTest, AliceArt15ReportIsWhatThePolicyAndHerStorySay) {
  const CommandResult run = Demo("--subjects 0");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr(absl::StrCat(kCastEvents, " events of 15 subjects (15 named, 0 random)")));
  EXPECT_THAT(run.output, HasSubstr("demo-alice"));
  EXPECT_THAT(run.output, Not(HasSubstr("BUT THE LEDGER RECORDED"))) << run.output;
  // Names and e-mail addresses travel inside the events only.
  EXPECT_THAT(run.output, Not(HasSubstr("@example.org")));
  EXPECT_THAT(run.output, Not(HasSubstr("Peeters")));

  const auto r = Report("demo-alice", "2025-01-01T00:00:00Z");
  EXPECT_EQ(r.subject_id(), "demo-alice");
  EXPECT_EQ(r.event_count(), 26u);
  EXPECT_THAT(r.subject_kinds(), ElementsAre("user"));
  EXPECT_THAT(r.policy_versions(), ElementsAre(kPolicyVersion));

  // Identity: the latest one recorded, from the rectification of her name.
  EXPECT_EQ(r.identity().status(), pdl::v1::IDENTITY_STATUS_AVAILABLE);
  EXPECT_EQ(r.identity().identity().name(), "Alice Peeters-Janssens");
  EXPECT_EQ(r.identity().identity().email(), "alice.peeters@example.org");
  EXPECT_EQ(r.identity().identity().profile_picture_url(), "https://connect.iqunet.com/avatars/demo-alice.png");
  EXPECT_EQ(r.identity().recorded_by().event_id(), "demo-alice-2024-20");
  EXPECT_EQ(When(r.identity().recorded_by().occurred_at()), W("2024-08-16T09:00:00Z"));

  struct Expected {
    pdl::v1::HoldingStatus status;
    std::string since;
    std::vector<std::string> purposes;
    pdl::v1::LegalBasis basis;
    std::string retain_until;  // "" when the rule has no end yet.
    std::string rule;
    pdl::v1::CollectionMethod method;
    std::string source;
    std::vector<std::string> consents;
  };
  const Expected account{.status = pdl::v1::HOLDING_STATUS_HELD,
                         .since = "2024-01-15T09:00:00Z",
                         .purposes = {"essential.service", "essential.service.authentication"},
                         .basis = pdl::v1::LEGAL_BASIS_CONTRACT,
                         .retain_until = "",
                         .rule = "account",
                         .method = pdl::v1::COLLECTION_METHOD_REGISTRATION,
                         .source = "connect-app",
                         .consents = {}};
  // Collected 2024-01-15 and 2024-09-30: 14 months after the latest collection.
  const Expected usage{.status = pdl::v1::HOLDING_STATUS_HELD,
                       .since = "2024-01-15T09:01:00Z",
                       .purposes = {"analytics", "functional.service.improve"},
                       .basis = pdl::v1::LEGAL_BASIS_LEGITIMATE_INTERESTS,
                       .retain_until = "2025-11-30T14:00:00Z",
                       .rule = "usage-data",
                       .method = pdl::v1::COLLECTION_METHOD_AUTOMATIC,
                       .source = "connect-app",
                       .consents = {}};
  const Expected support{.status = pdl::v1::HOLDING_STATUS_HELD,
                         .since = "2024-04-02T15:20:00Z",
                         .purposes = {"essential.service.operations.support"},
                         .basis = pdl::v1::LEGAL_BASIS_CONTRACT,
                         .retain_until = "2026-04-02T15:20:00Z",
                         .rule = "support",
                         .method = pdl::v1::COLLECTION_METHOD_CONTACT,
                         .source = "support-desk",
                         .consents = {}};
  const Expected captcha{.status = pdl::v1::HOLDING_STATUS_HELD,
                         .since = "2024-01-15T09:00:02Z",
                         .purposes = {"essential.service.security"},
                         .basis = pdl::v1::LEGAL_BASIS_LEGITIMATE_INTERESTS,
                         .retain_until = "2026-01-15T09:00:02Z",
                         .rule = "usage-data-security",
                         .method = pdl::v1::COLLECTION_METHOD_AUTOMATIC,
                         .source = "connect-app",
                         .consents = {}};
  const Expected looker_token{.status = pdl::v1::HOLDING_STATUS_DELETED,
                              .since = "2024-03-10T13:00:01Z",
                              .purposes = {"essential.service"},
                              .basis = pdl::v1::LEGAL_BASIS_CONSENT,
                              // The withdrawal (+0 days): the rule lasts until the consent is withdrawn.
                              .retain_until = "2024-10-01T08:00:00Z",
                              .rule = "google-authorization",
                              .method = pdl::v1::COLLECTION_METHOD_INTEGRATION_CONSENT,
                              .source = "looker-connector",
                              .consents = {"looker-demo-alice"}};
  const Expected sheets_token{.status = pdl::v1::HOLDING_STATUS_HELD,
                              .since = "2024-02-01T10:00:01Z",
                              .purposes = {"essential.service"},
                              .basis = pdl::v1::LEGAL_BASIS_CONSENT,
                              .retain_until = "",
                              .rule = "google-authorization",
                              .method = pdl::v1::COLLECTION_METHOD_INTEGRATION_CONSENT,
                              .source = "sheets-addon",
                              .consents = {"sheets-demo-alice"}};
  const std::map<std::pair<std::string, std::string>, Expected> expected = {
      {{"connect-accounts", "user.account"}, account},
      {{"connect-accounts", "user.authorization.password"}, account},
      {{"connect-accounts", "user.contact.email"}, account},
      {{"connect-accounts", "user.content.self_image"}, account},
      {{"connect-accounts", "user.name"}, account},
      {{"connect-security", "user.device.ip_address"}, captcha},
      {{"connect-web", "user.behavior.browsing_history"}, usage},
      {{"connect-web", "user.device.cookie_id"}, usage},
      {{"looker-connector", "user.authorization.credentials"}, looker_token},
      {{"sheets-export", "user.authorization.credentials"}, sheets_token},
      {{"support-desk", "user.contact.email"}, support},
      {{"support-desk", "user.content.private"}, support},
      {{"support-desk", "user.name"}, support},
  };
  ASSERT_EQ(r.holdings_size(), static_cast<int>(expected.size()));
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& h : r.holdings()) {
    SCOPED_TRACE(absl::StrCat(h.system(), " ", h.category()));
    const auto key = std::make_pair(h.system(), h.category());
    ASSERT_TRUE(seen.insert(key).second);
    auto it = expected.find(key);
    ASSERT_NE(it, expected.end());
    const Expected& e = it->second;
    EXPECT_EQ(h.status(), e.status);
    EXPECT_EQ(When(h.since()), W(e.since));
    EXPECT_THAT(h.purposes(), ElementsAreArray(e.purposes));
    EXPECT_THAT(Ints(h.legal_bases()), ElementsAre(e.basis));
    EXPECT_THAT(h.retention_rules(), ElementsAre(e.rule));
    EXPECT_THAT(Ints(h.methods()), ElementsAre(e.method));
    EXPECT_THAT(h.sources(), ElementsAre(e.source));
    EXPECT_THAT(h.consent_ids(), ElementsAreArray(e.consents));
    if (e.retain_until.empty()) {
      EXPECT_FALSE(h.has_retain_until()) << When(h.retain_until());
    } else {
      ASSERT_TRUE(h.has_retain_until());
      EXPECT_EQ(When(h.retain_until()), W(e.retain_until));
    }
  }
  const auto& looker = *std::find_if(r.holdings().begin(), r.holdings().end(),
                                     [](const pdl::v1::Holding& h) { return h.system() == "looker-connector"; });
  EXPECT_EQ(When(looker.deleted_at()), W("2024-10-01T08:00:01Z"));
  EXPECT_EQ(looker.deletion_reason(), pdl::v1::DELETION_REASON_CONSENT_WITHDRAWN);
  EXPECT_EQ(looker.deleted_by().event_id(), "demo-alice-2024-26");
  EXPECT_EQ(looker.collected_by().event_id(), "demo-alice-2024-12");

  // Sources: publishing system x method, with the categories each brought.
  std::map<std::pair<std::string, int>, pdl::v1::DataSource> sources;
  for (const auto& s : r.sources()) sources[{s.source(), s.method()}] = s;
  ASSERT_EQ(sources.size(), 5u);
  const auto& registration = sources[{"connect-app", pdl::v1::COLLECTION_METHOD_REGISTRATION}];
  EXPECT_THAT(registration.categories(), ElementsAre("user.account", "user.authorization.password",
                                                     "user.contact.email", "user.content.self_image", "user.name"));
  EXPECT_EQ(When(registration.first_seen()), W("2024-01-15T09:00:00Z"));
  const auto& automatic = sources[{"connect-app", pdl::v1::COLLECTION_METHOD_AUTOMATIC}];
  EXPECT_THAT(automatic.categories(),
              ElementsAre("user.behavior.browsing_history", "user.device.cookie_id", "user.device.ip_address"));
  EXPECT_EQ(When(automatic.first_seen()), W("2024-01-15T09:00:02Z"));
  const auto& sheets = sources[{"sheets-addon", pdl::v1::COLLECTION_METHOD_INTEGRATION_CONSENT}];
  EXPECT_THAT(sheets.categories(), ElementsAre("user.authorization.credentials"));
  EXPECT_EQ(When(sheets.first_seen()), W("2024-02-01T10:00:01Z"));
  const auto& looker_source = sources[{"looker-connector", pdl::v1::COLLECTION_METHOD_INTEGRATION_CONSENT}];
  EXPECT_THAT(looker_source.categories(), ElementsAre("user.authorization.credentials"));
  EXPECT_EQ(When(looker_source.first_seen()), W("2024-03-10T13:00:01Z"));
  const auto& contact = sources[{"support-desk", pdl::v1::COLLECTION_METHOD_CONTACT}];
  EXPECT_THAT(contact.categories(), ElementsAre("user.contact.email", "user.content.private", "user.name"));
  EXPECT_EQ(When(contact.first_seen()), W("2024-04-02T15:20:00Z"));

  // Recipients: Google Analytics (disclosed and transferred twice), the partner (once, with consent), the other
  // users of server SN1042 (once).
  std::map<std::string, pdl::v1::RecipientSummary> recipients;
  for (const auto& rc : r.recipients()) recipients[rc.recipient().id()] = rc;
  ASSERT_EQ(recipients.size(), 3u);
  const auto& ga = recipients["google-analytics"];
  EXPECT_EQ(ga.recipient().category(), "service_provider");
  EXPECT_EQ(ga.recipient().country(), "US");
  EXPECT_THAT(ga.categories(), ElementsAre("user.behavior.browsing_history", "user.device.cookie_id"));
  EXPECT_THAT(ga.purposes(), ElementsAre("analytics"));
  EXPECT_THAT(Ints(ga.legal_bases()), ElementsAre(pdl::v1::LEGAL_BASIS_LEGITIMATE_INTERESTS));
  EXPECT_EQ(ga.disclosures(), 2u);
  EXPECT_EQ(ga.transfers(), 2u);
  EXPECT_THAT(ga.destination_countries(), ElementsAre("US"));
  EXPECT_EQ(When(ga.first_at()), W("2024-01-15T09:01:05Z"));
  EXPECT_EQ(When(ga.last_at()), W("2024-09-30T14:00:06Z"));
  const auto& partner = recipients["partner-condition-monitoring"];
  EXPECT_EQ(partner.recipient().category(), "business_partner");
  EXPECT_THAT(partner.categories(), ElementsAre("user.contact.email", "user.name"));
  EXPECT_THAT(partner.purposes(), ElementsAre("marketing"));
  EXPECT_THAT(Ints(partner.legal_bases()), ElementsAre(pdl::v1::LEGAL_BASIS_CONSENT));
  EXPECT_EQ(partner.disclosures(), 1u);
  EXPECT_EQ(partner.transfers(), 0u);
  const auto& server = recipients["server-sn1042-users"];
  EXPECT_EQ(server.recipient().category(), "other_users");
  EXPECT_THAT(server.categories(), ElementsAre("user.contact.email"));
  EXPECT_THAT(server.purposes(), ElementsAre("essential.service"));
  EXPECT_THAT(Ints(server.legal_bases()), ElementsAre(pdl::v1::LEGAL_BASIS_CONTRACT));
  EXPECT_EQ(When(server.first_at()), W("2024-02-20T08:30:00Z"));

  // Transfers: to the US under the SCCs of Google's processing terms, as the "*" rule of the policy allows.
  ASSERT_EQ(r.transfers_size(), 1);
  const auto& t = r.transfers(0);
  EXPECT_EQ(t.recipient().id(), "google-analytics");
  EXPECT_EQ(t.destination_country(), "US");
  EXPECT_EQ(t.mechanism(), pdl::v1::TRANSFER_MECHANISM_SCC);
  EXPECT_EQ(t.mechanism_ref(), kGaScc);
  EXPECT_THAT(t.categories(), ElementsAre("user.behavior.browsing_history", "user.device.cookie_id"));
  EXPECT_EQ(t.count(), 2u);
  EXPECT_EQ(When(t.first_at()), W("2024-01-15T09:01:06Z"));
  EXPECT_EQ(When(t.last_at()), W("2024-09-30T14:00:06Z"));
  EXPECT_EQ(t.last_event().event_id(), "demo-alice-2024-24");

  // Consents, in consent_id order.
  ASSERT_EQ(r.consents_size(), 3);
  EXPECT_EQ(r.consents(0).consent_id(), "looker-demo-alice");
  EXPECT_EQ(r.consents(0).status(), pdl::v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_EQ(r.consents(0).scope(), "looker-studio");
  EXPECT_THAT(r.consents(0).purposes(), ElementsAre("essential.service"));
  EXPECT_EQ(When(r.consents(0).given_at()), W("2024-03-10T13:00:00Z"));
  EXPECT_EQ(When(r.consents(0).withdrawn_at()), W("2024-10-01T08:00:00Z"));
  EXPECT_EQ(r.consents(0).changes_size(), 2);
  EXPECT_EQ(r.consents(1).consent_id(), "promo-demo-alice");
  EXPECT_EQ(r.consents(1).status(), pdl::v1::CONSENT_STATUS_GIVEN);
  EXPECT_EQ(r.consents(1).scope(), "partner-promotions");
  EXPECT_THAT(r.consents(1).purposes(), ElementsAre("marketing"));
  EXPECT_EQ(When(r.consents(1).given_at()), W("2024-05-05T11:00:00Z"));
  EXPECT_EQ(r.consents(2).consent_id(), "sheets-demo-alice");
  EXPECT_EQ(r.consents(2).status(), pdl::v1::CONSENT_STATUS_GIVEN);
  EXPECT_EQ(r.consents(2).scope(), "google-sheets");
  EXPECT_EQ(When(r.consents(2).given_at()), W("2024-02-01T10:00:00Z"));
  EXPECT_FALSE(r.consents(2).has_withdrawn_at());

  // Requests: access and rectification, each answered within its month (Art. 12(3)).
  ASSERT_EQ(r.rights_requests_size(), 2);
  const auto& access = r.rights_requests(0);
  EXPECT_EQ(access.request_id(), "req-demo-alice-access");
  EXPECT_EQ(access.right(), pdl::v1::SUBJECT_RIGHT_ACCESS);
  EXPECT_EQ(When(access.opened_at()), W("2024-07-01T09:00:00Z"));
  EXPECT_EQ(When(access.due_at()), W("2024-08-01T09:00:00Z"));
  EXPECT_EQ(When(access.closed_at()), W("2024-07-12T16:00:00Z"));
  EXPECT_EQ(access.outcome(), pdl::v1::REQUEST_OUTCOME_FULFILLED);
  EXPECT_EQ(access.status(), pdl::v1::RIGHTS_REQUEST_STATUS_CLOSED);
  EXPECT_FALSE(access.overdue());
  const auto& rectification = r.rights_requests(1);
  EXPECT_EQ(rectification.request_id(), "req-demo-alice-rectification");
  EXPECT_EQ(rectification.right(), pdl::v1::SUBJECT_RIGHT_RECTIFICATION);
  EXPECT_EQ(When(rectification.due_at()), W("2024-09-15T10:00:00Z"));
  EXPECT_EQ(When(rectification.closed_at()), W("2024-08-16T09:00:01Z"));
  EXPECT_EQ(rectification.status(), pdl::v1::RIGHTS_REQUEST_STATUS_CLOSED);

  // The model user breaks nothing.
  EXPECT_THAT(r.findings(), IsEmpty());

  // As of before the withdrawal, the Looker Studio token is still held and its consent given.
  const auto before = Report("demo-alice", "2024-09-01T00:00:00Z");
  EXPECT_EQ(before.event_count(), 21u);
  for (const auto& h : before.holdings()) {
    EXPECT_EQ(h.status(), pdl::v1::HOLDING_STATUS_HELD) << h.system() << " " << h.category();
  }
  EXPECT_EQ(before.consents(0).status(), pdl::v1::CONSENT_STATUS_GIVEN);
  EXPECT_EQ(before.transfers(0).count(), 1u);

  // As of 2024-03-11 each retain_until is what the events up to then gave: usage data 14 months after her one
  // visit so far (2024-01-15; the September visit extends it later), the consent-based tokens without an end
  // (their consents are withdrawn later).
  const auto march = Report("demo-alice", "2024-03-11T00:00:00Z");
  std::map<std::string, std::string> until;
  for (const auto& h : march.holdings()) {
    until[absl::StrCat(h.system(), " ", h.category())] = h.has_retain_until() ? When(h.retain_until()) : "-";
  }
  EXPECT_EQ(until["connect-web user.device.cookie_id"], W("2025-03-15T09:01:00Z"));
  EXPECT_EQ(until["connect-web user.behavior.browsing_history"], W("2025-03-15T09:01:00Z"));
  EXPECT_EQ(until["looker-connector user.authorization.credentials"], "-");
  EXPECT_EQ(until["sheets-export user.authorization.credentials"], "-");
  EXPECT_EQ(until["connect-security user.device.ip_address"], W("2026-01-15T09:00:02Z"));
}

// The Art. 30 record of the named subjects alone, against the policy's declarations. Entry counts are per data
// category: a collection of two categories adds one to each of two entries.
TEST_F(SeedScenarioTest, RecordsOfProcessingOfTheCastAreMarkedAgainstThePolicy) {
  const CommandResult run = Demo("--subjects 0");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto ropa = Ropa();
  EXPECT_EQ(ropa.policy_version(), kPolicyVersion);
  std::map<std::string, pdl::v1::ProcessingActivity> activities;
  for (const auto& a : ropa.activities()) ASSERT_TRUE(activities.emplace(a.purpose(), a).second) << a.purpose();

  using Row = std::tuple<std::string, std::string, std::string, uint64_t, pdl::v1::Declaration, std::string>;
  auto rows = [&](const std::string& purpose) {
    std::vector<Row> out;
    auto it = activities.find(purpose);
    EXPECT_NE(it, activities.end()) << purpose;
    if (it == activities.end()) return out;
    for (const auto& e : it->second.entries()) {
      EXPECT_EQ(e.subject_kind(), "user");
      out.emplace_back(e.category(), e.recipient_category(), e.destination_country(), e.event_count(), e.declaration(),
                       absl::StrJoin(e.undeclared(), ";"));
    }
    return out;
  };
  constexpr auto kDeclared = pdl::v1::DECLARATION_OBSERVED_AND_DECLARED;
  constexpr auto kUndeclared = pdl::v1::DECLARATION_OBSERVED_BUT_UNDECLARED;

  // Analytics: cookies and usage of three visits (demo-alice twice, demo-bob once), each collected and disclosed
  // to Google Analytics (US).
  EXPECT_THAT(rows("analytics"),
              UnorderedElementsAre(Row{"user.behavior.browsing_history", "", "", 3, kDeclared, ""},
                                   Row{"user.device.cookie_id", "", "", 3, kDeclared, ""},
                                   Row{"user.behavior.browsing_history", "service_provider", "US", 3, kDeclared, ""},
                                   Row{"user.device.cookie_id", "service_provider", "US", 3, kDeclared, ""}));
  EXPECT_EQ(activities["analytics"].declaration(), kDeclared);
  EXPECT_THAT(activities["analytics"].retention_rules(), ElementsAre("usage-data"));

  // Improving the apps: the same collections, and the precise location the policy never mentions.
  EXPECT_THAT(
      rows("functional.service.improve"),
      UnorderedElementsAre(Row{"user.behavior.browsing_history", "", "", 3, kDeclared, ""},
                           Row{"user.device.cookie_id", "", "", 3, kDeclared, ""},
                           Row{"user.location.precise", "", "", 1, kUndeclared, "category user.location.precise"}));
  EXPECT_EQ(activities["functional.service.improve"].declaration(), kUndeclared);
  EXPECT_THAT(activities["functional.service.improve"].undeclared(), ElementsAre("category user.location.precise"));

  // Transfers name no purpose: Google Analytics under SCCs (3 visits) and without a mechanism (one cookie id),
  // and the account data to the US affiliate. The "*" transfer rule declares every destination, so the record
  // marks them declared; the missing or disallowed mechanisms are findings, not records.
  EXPECT_THAT(rows(""),
              UnorderedElementsAre(Row{"user.behavior.browsing_history", "service_provider", "US", 3, kDeclared, ""},
                                   Row{"user.device.cookie_id", "service_provider", "US", 4, kDeclared, ""},
                                   Row{"user.account", "affiliate", "US", 1, kDeclared, ""},
                                   Row{"user.contact.email", "affiliate", "US", 1, kDeclared, ""},
                                   Row{"user.name", "affiliate", "US", 1, kDeclared, ""}));
  EXPECT_THAT(Ints(activities[""].legal_bases()), IsEmpty());

  EXPECT_THAT(rows("marketing"),
              UnorderedElementsAre(Row{"user.contact.email", "business_partner", "BE", 1, kDeclared, ""},
                                   Row{"user.name", "business_partner", "BE", 1, kDeclared, ""}));
  EXPECT_THAT(Ints(activities["marketing"].legal_bases()), ElementsAre(pdl::v1::LEGAL_BASIS_CONSENT));

  EXPECT_THAT(rows("third_party_sharing"),
              UnorderedElementsAre(Row{"user.behavior", "consented_third_party", "BE", 1, kDeclared, ""},
                                   Row{"user.contact.email", "consented_third_party", "BE", 1, kDeclared, ""}));

  EXPECT_THAT(rows("essential.legal_obligation"),
              UnorderedElementsAre(Row{"user.contact.email", "professional_advisor", "BE", 1, kDeclared, ""},
                                   Row{"user.content.private", "professional_advisor", "BE", 1, kDeclared, ""},
                                   Row{"user.name", "professional_advisor", "BE", 1, kDeclared, ""}));
  EXPECT_THAT(Ints(activities["essential.legal_obligation"].legal_bases()),
              ElementsAre(pdl::v1::LEGAL_BASIS_LEGAL_OBLIGATION));

  EXPECT_THAT(rows("train_ai_system"),
              ElementsAre(Row{"user.behavior", "", "", 1, kUndeclared, "purpose train_ai_system"}));
  EXPECT_EQ(activities["train_ai_system"].declaration(), kUndeclared);

  // E-mails about server updates: demo-alice's, the one that reached an erased address, and the one to the
  // customer whose erasure request was never answered.
  EXPECT_THAT(rows("essential.service.notifications.email"),
              ElementsAre(Row{"user.contact.email", "", "", 3, kDeclared, ""}));
  EXPECT_THAT(Ints(activities["essential.service.notifications.email"].entries(0).actions()),
              ElementsAre(pdl::v1::EVENT_ACTION_DATA_USED));

  // Support: three contacts (demo-alice, demo-carol, demo-breach-unnamed-processor) and the ticket sent to the
  // helpdesk service in Ireland.
  EXPECT_THAT(rows("essential.service.operations.support"),
              UnorderedElementsAre(Row{"user.contact.email", "", "", 3, kDeclared, ""},
                                   Row{"user.content.private", "", "", 3, kDeclared, ""},
                                   Row{"user.name", "", "", 3, kDeclared, ""},
                                   Row{"user.contact.email", "service_provider", "IE", 1, kDeclared, ""},
                                   Row{"user.content.private", "service_provider", "IE", 1, kDeclared, ""},
                                   Row{"user.name", "service_provider", "IE", 1, kDeclared, ""}));
  EXPECT_THAT(activities["essential.service.operations.support"].retention_rules(), ElementsAre("support"));

  // Other users of a shared server: three e-mail disclosures (demo-alice, demo-carol, and one with the name too).
  std::vector<Row> other_users;
  for (const Row& row : rows("essential.service")) {
    if (std::get<1>(row) == "other_users") other_users.push_back(row);
  }
  EXPECT_THAT(other_users, UnorderedElementsAre(Row{"user.contact.email", "other_users", "", 3, kDeclared, ""},
                                                Row{"user.name", "other_users", "", 1, kDeclared, ""}));

  // Declared and never observed in the scenario.
  ASSERT_TRUE(activities.count("essential.fraud_detection"));
  EXPECT_EQ(activities["essential.fraud_detection"].declaration(), pdl::v1::DECLARATION_DECLARED_BUT_NEVER_OBSERVED);
  EXPECT_THAT(activities["essential.fraud_detection"].entries(), IsEmpty());
}

// Every deliberate breach has exactly its finding, the random population has none, and the requests answered late
// or never show as overdue at the right instants.
TEST_F(SeedScenarioTest, EveryDeliberateBreachHasItsFindingAndNothingElseHasOne) {
  const CommandResult run = Demo("--subjects 25");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("25 users who keep to the policy; 0 findings recorded for them"));
  EXPECT_THAT(run.output, Not(HasSubstr("BUT THE LEDGER RECORDED"))) << run.output;

  struct Expected {
    std::string subject, rule, event_id;
    pdl::v1::EventAction action;
    pdl::v1::Severity severity;
    std::string explains;
  };
  const std::vector<Expected> expected = {
      {"demo-minor", "subject.under_minimum_age", "demo-minor-2024-01", pdl::v1::EVENT_ACTION_DATA_COLLECTED,
       pdl::v1::SEVERITY_HIGH, "under 18"},
      {"demo-minor", "subject.under_minimum_age", "demo-minor-2024-02", pdl::v1::EVENT_ACTION_DATA_COLLECTED,
       pdl::v1::SEVERITY_HIGH, "under 18"},
      {"demo-breach-no-mechanism", "transfer.no_mechanism", "demo-breach-no-mechanism-2024-03",
       pdl::v1::EVENT_ACTION_DATA_TRANSFERRED, pdl::v1::SEVERITY_HIGH, "'US'"},
      {"demo-breach-adequacy-us", "transfer.mechanism_not_allowed", "demo-breach-adequacy-us-2024-03",
       pdl::v1::EVENT_ACTION_DATA_TRANSFERRED, pdl::v1::SEVERITY_HIGH, "'adequacy'"},
      {"demo-breach-after-withdrawal", "consent.withdrawn", "demo-breach-after-withdrawal-2024-07",
       pdl::v1::EVENT_ACTION_DATA_USED, pdl::v1::SEVERITY_HIGH, "'essential.service'"},
      {"demo-breach-no-consent", "sharing.consented_third_party_without_consent", "demo-breach-no-consent-2024-03",
       pdl::v1::EVENT_ACTION_DATA_SHARED, pdl::v1::SEVERITY_HIGH, "'third_party_sharing'"},
      {"demo-breach-undeclared-category", "category.undeclared", "demo-breach-undeclared-category-2024-03",
       pdl::v1::EVENT_ACTION_DATA_COLLECTED, pdl::v1::SEVERITY_HIGH, "'user.location.precise'"},
      {"demo-breach-undeclared-purpose", "purpose.undeclared", "demo-breach-undeclared-purpose-2024-03",
       pdl::v1::EVENT_ACTION_DATA_USED, pdl::v1::SEVERITY_HIGH, "'train_ai_system'"},
      {"demo-breach-after-erasure", "processing.after_erasure", "demo-breach-after-erasure-2024-07",
       pdl::v1::EVENT_ACTION_DATA_USED, pdl::v1::SEVERITY_HIGH, "erasure"},
      {"demo-breach-unnamed-processor", "processor.undeclared", "demo-breach-unnamed-processor-2024-04",
       pdl::v1::EVENT_ACTION_DATA_SHARED, pdl::v1::SEVERITY_LOW, "processors policy 2023-05-08 names"},
      {"demo-breach-other-users-name", "sharing.category_undeclared", "demo-breach-other-users-name-2024-03",
       pdl::v1::EVENT_ACTION_DATA_SHARED, pdl::v1::SEVERITY_MEDIUM, "'user.name'"},
      // Never answered: stored by the rights-requests model once the log passed the deadline (2024-12-04T09:00).
      {"demo-breach-unanswered", "request.overdue", "demo-breach-unanswered-2024-03",
       pdl::v1::EVENT_ACTION_RIGHTS_REQUEST_OPENED, pdl::v1::SEVERITY_HIGH, "still open after its response deadline of 2024-12-04"},
      // Sealed on the closing event: answered 2024-10-28T16:00, due 2024-10-09T10:00.
      {"demo-breach-late-answer", "request.overdue", "demo-breach-late-answer-2024-04",
       pdl::v1::EVENT_ACTION_RIGHTS_REQUEST_CLOSED, pdl::v1::SEVERITY_HIGH, "19 full days late"},
  };
  std::vector<pdl::v1::FindingRecord> findings = Findings();
  std::sort(findings.begin(), findings.end(), [](const auto& a, const auto& b) {
    return std::tie(a.subject_id(), a.event().event_id()) < std::tie(b.subject_id(), b.event().event_id());
  });
  std::vector<Expected> sorted = expected;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::tie(a.subject, a.event_id) < std::tie(b.subject, b.event_id);
  });
  ASSERT_EQ(findings.size(), sorted.size()) << [&] {
    std::string all;
    for (const auto& f : findings) absl::StrAppend(&all, f.subject_id(), " ", f.rule_id(), "\n");
    return all;
  }();
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto& f = findings[i];
    const auto& e = sorted[i];
    SCOPED_TRACE(e.subject);
    EXPECT_EQ(f.subject_id(), e.subject);
    EXPECT_EQ(f.rule_id(), e.rule);
    EXPECT_EQ(f.event().event_id(), e.event_id);
    EXPECT_EQ(f.action(), e.action);
    EXPECT_EQ(f.severity(), e.severity);
    // Every finding names the policy: the judging one, or for the unanswered request (stored as time passes) the one
    // that judged its opening and set its deadline.
    EXPECT_EQ(f.policy_version(), kPolicyVersion);
    EXPECT_THAT(f.explanation(), HasSubstr(e.explains));
  }

  // The same findings through ListFindings' rule filter and a subject's report.
  pdl::v1::ListFindingsRequest by_rule;
  by_rule.set_rule_id("transfer.mechanism_not_allowed");
  grpc::ClientContext context;
  pdl::v1::ListFindingsResponse response;
  ASSERT_TRUE(audit_->ListFindings(&context, by_rule, &response).ok());
  ASSERT_EQ(response.findings_size(), 1);
  EXPECT_EQ(response.findings(0).subject_id(), "demo-breach-adequacy-us");
  // And through ledgerctl, which names the judging policy of each finding.
  const CommandResult listed = Shell(absl::StrCat(PDL_LEDGERCTL_PATH, " --server ", ledgerd_->grpc_address(),
                                                  " findings --rule request.overdue"),
                                     /*with_stderr=*/false);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  const std::vector<std::string> lines = absl::StrSplit(listed.output, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << listed.output;  // the header, the late answer, the unanswered request
  EXPECT_THAT(lines[0], HasSubstr("POLICY"));
  for (const std::string& line : {lines[1], lines[2]}) {
    EXPECT_THAT(line, HasSubstr(absl::StrCat(" ", kPolicyVersion, " "))) << line;
  }
  EXPECT_THAT(listed.output, HasSubstr("demo-breach-unanswered"));
  EXPECT_THAT(listed.output, HasSubstr("demo-breach-late-answer"));
  const auto adequacy = Report("demo-breach-adequacy-us", "2025-01-01T00:00:00Z");
  ASSERT_EQ(adequacy.findings_size(), 1);
  EXPECT_EQ(adequacy.findings(0).rule_id(), "transfer.mechanism_not_allowed");
  ASSERT_EQ(adequacy.transfers_size(), 1);
  EXPECT_EQ(adequacy.transfers(0).mechanism(), pdl::v1::TRANSFER_MECHANISM_ADEQUACY);
  EXPECT_EQ(adequacy.transfers(0).recipient().category(), "affiliate");

  // The minor's data was due the moment it was collected, and deleted two days later.
  const auto minor = Report("demo-minor", "2025-01-01T00:00:00Z");
  ASSERT_EQ(minor.holdings_size(), 5);
  for (const auto& h : minor.holdings()) {
    SCOPED_TRACE(h.category());
    EXPECT_EQ(h.status(), pdl::v1::HOLDING_STATUS_DELETED);
    EXPECT_EQ(h.deletion_reason(), pdl::v1::DELETION_REASON_MINOR_DETECTED);
    EXPECT_EQ(When(h.retain_until()), When(h.since()));
  }

  // The erasure of demo-bob: every holding deleted on request, the request closed as fulfilled within its month.
  const auto bob = Report("demo-bob", "2025-01-01T00:00:00Z");
  ASSERT_EQ(bob.holdings_size(), 7);
  for (const auto& h : bob.holdings()) {
    SCOPED_TRACE(h.system() + " " + h.category());
    EXPECT_EQ(h.status(), pdl::v1::HOLDING_STATUS_DELETED);
    EXPECT_EQ(h.deletion_reason(), pdl::v1::DELETION_REASON_SUBJECT_REQUEST);
    EXPECT_EQ(h.deletion_request_id(), "req-demo-bob-erasure");
    EXPECT_EQ(When(h.deleted_at()).substr(0, 10), "2024-06-10");
  }
  ASSERT_EQ(bob.rights_requests_size(), 1);
  EXPECT_EQ(bob.rights_requests(0).right(), pdl::v1::SUBJECT_RIGHT_ERASURE);
  EXPECT_EQ(bob.rights_requests(0).outcome(), pdl::v1::REQUEST_OUTCOME_FULFILLED);
  EXPECT_FALSE(bob.rights_requests(0).overdue());
  EXPECT_THAT(bob.findings(), IsEmpty());

  // Requests: the unanswered erasure request is overdue now; the late access request was overdue in October
  // (due 2024-10-09, answered 2024-10-28). The population's requests are all answered within the month.
  const auto now = Overdue("");
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].subject_id(), "demo-breach-unanswered");
  EXPECT_EQ(now[0].request_id(), "req-demo-breach-unanswered");
  EXPECT_EQ(now[0].right(), pdl::v1::SUBJECT_RIGHT_ERASURE);
  EXPECT_EQ(When(now[0].due_at()), W("2024-12-04T09:00:00Z"));
  const auto october = Overdue("2024-10-15T00:00:00Z");
  ASSERT_EQ(october.size(), 1u);
  EXPECT_EQ(october[0].request_id(), "req-demo-breach-late-answer");
  EXPECT_EQ(When(october[0].due_at()), W("2024-10-09T10:00:00Z"));
  EXPECT_EQ(october[0].status(), pdl::v1::RIGHTS_REQUEST_STATUS_OPEN);
  EXPECT_THAT(Overdue("2024-11-01T00:00:00Z"), IsEmpty());

  // ledgerctl lists them under a table head and counts them in the footer, singular for one.
  const std::string ctl = absl::StrCat(PDL_LEDGERCTL_PATH, " --server ", ledgerd_->grpc_address(), " findings ");
  const CommandResult minors = Shell(ctl + "--rule subject.under_minimum_age");
  ASSERT_EQ(minors.exit_code, 0) << minors.output;
  EXPECT_THAT(minors.output, StartsWith("OCCURRED_AT"));
  EXPECT_THAT(minors.output, EndsWith("\n2 findings\n"));
  const CommandResult one = Shell(ctl + "--rule transfer.no_mechanism");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_THAT(one.output, EndsWith("\n1 finding\n"));
}

// Rebuilding the read models from the sealed log reproduces them byte for byte: equal digests, and the same
// report, findings and records of processing before and after.
TEST_F(SeedScenarioTest, RebuildReproducesTheReadModelsAndTheReportByteForByte) {
  const CommandResult run = Demo("--subjects 25");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string as_of = "2025-06-01T00:00:00Z";
  const std::string report_before = Deterministic(Report("demo-alice", as_of));
  const std::string carol_before = Deterministic(Report("demo-carol", as_of));
  const std::string ropa_before = Deterministic(Ropa());
  std::string findings_before;
  for (const auto& f : Findings()) findings_before += Deterministic(f);
  ASSERT_FALSE(report_before.empty());

  const uint64_t sealed = Stats().sealed_total();
  EXPECT_GT(sealed, static_cast<uint64_t>(kCastEvents + 25 * 5));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  pdl::v1::RebuildProjectionsResponse rebuilt;
  grpc::Status status = admin_->RebuildProjections(&context, pdl::v1::RebuildProjectionsRequest(), &rebuilt);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(rebuilt.identical());
  EXPECT_EQ(rebuilt.digest_before(), rebuilt.digest_after());
  EXPECT_EQ(rebuilt.digest_after().size(), 64u);
  EXPECT_EQ(rebuilt.digest_after().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(rebuilt.events(), sealed);

  grpc::ClientContext digest_context;
  pdl::v1::RebuildProjectionsRequest digest_only;
  digest_only.set_digest_only(true);
  pdl::v1::RebuildProjectionsResponse digest;
  ASSERT_TRUE(admin_->RebuildProjections(&digest_context, digest_only, &digest).ok());
  EXPECT_EQ(digest.digest_before(), rebuilt.digest_after());
  EXPECT_EQ(digest.events(), 0u);

  EXPECT_EQ(Deterministic(Report("demo-alice", as_of)), report_before);
  EXPECT_EQ(Deterministic(Report("demo-carol", as_of)), carol_before);
  EXPECT_EQ(Deterministic(Ropa()), ropa_before);
  std::string findings_after;
  for (const auto& f : Findings()) findings_after += Deterministic(f);
  EXPECT_EQ(findings_after, findings_before);
}

// Queries while the read models are rebuilt answer in full or UNAVAILABLE (retry), never from part of them: a
// rebuild drops every read model before it fills them again from the log.
TEST_F(SeedScenarioTest, QueriesDuringARebuildAnswerInFullOrUnavailable) {
  const CommandResult run = Demo("--subjects 200");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const size_t findings = Findings().size();
  ASSERT_EQ(findings, 13u);
  pdl::v1::ListTransfersRequest transfers;
  transfers.set_destination_country("US");
  transfers.set_count_only(true);
  const auto count_us = [&](grpc::Status* status) {
    grpc::ClientContext context;
    pdl::v1::ListTransfersResponse response;
    *status = audit_->ListTransfers(&context, transfers, &response);
    return response.total_size();
  };
  grpc::Status status;
  const int32_t us = count_us(&status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_GT(us, 0);

  std::atomic<int> rebuilds_done{0};
  std::thread rebuilder([&] {
    for (int i = 0; i < 3; ++i) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
      pdl::v1::RebuildProjectionsResponse rebuilt;
      const grpc::Status s = admin_->RebuildProjections(&context, pdl::v1::RebuildProjectionsRequest(), &rebuilt);
      EXPECT_TRUE(s.ok()) << s.error_message();
      EXPECT_TRUE(rebuilt.identical());
      ++rebuilds_done;
    }
  });
  int whole = 0, unavailable = 0;
  while (rebuilds_done < 3) {
    grpc::ClientContext context;
    pdl::v1::ListFindingsRequest request;
    request.set_page_size(1000);
    pdl::v1::ListFindingsResponse response;
    const grpc::Status s = audit_->ListFindings(&context, request, &response);
    if (s.ok()) {
      EXPECT_EQ(static_cast<size_t>(response.findings_size()), findings);
      ++whole;
    } else {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
      EXPECT_THAT(s.error_message(), HasSubstr("being rebuilt"));
      ++unavailable;
    }
    const int32_t counted = count_us(&status);
    if (status.ok()) {
      EXPECT_EQ(counted, us);
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    }
  }
  rebuilder.join();
  EXPECT_GT(whole + unavailable, 0);
  EXPECT_EQ(Findings().size(), findings);
  EXPECT_EQ(count_us(&status), us);
  EXPECT_TRUE(status.ok());
}

// Running the demo again publishes nothing new: every event is acknowledged as a duplicate, the policy already
// published is used without the file, and the ledger's counts do not move.
TEST_F(SeedScenarioTest, RunningItAgainIsIdempotent) {
  const CommandResult first = Demo("--subjects 10");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const auto stats = Stats();
  const uint64_t sealed = stats.sealed_total();
  EXPECT_THAT(first.output, HasSubstr(absl::StrCat(": ", sealed,
                                                   " events of 25 subjects (15 named, 10 random), all "
                                                   "sealed; ",
                                                   sealed, " new, 0 already in the ledger")));

  const CommandResult again = Demo("--subjects 10", /*with_policy=*/false);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("policy 2023-05-08 is published"));
  EXPECT_THAT(again.output, HasSubstr(absl::StrCat("all sealed; 0 new, ", sealed, " already in the ledger")));
  const auto after = Stats();
  EXPECT_EQ(after.sealed_total(), sealed);
  EXPECT_EQ(Findings().size(), 13u);
}

// The Prometheus metrics after the scenario, scraped over HTTP as Prometheus does: what was sealed per partition,
// what was published, the judge's findings by rule (every deliberate breach but the one stored as time passed),
// and the due and overdue gauges equal to what the audit queries answer.
TEST_F(SeedScenarioTest, MetricsCountWhatWasSealedPublishedFoundAndIsDue) {
  const CommandResult run = Demo("--subjects 10");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // A publish that fails validation is counted under its code.
  {
    auto ingest = pdl::v1::IngestService::NewStub(ledgerd_->channel());
    grpc::ClientContext context;
    pdl::v1::PublishReceipt receipt;
    EXPECT_EQ(ingest->Publish(&context, pdl::v1::PublishRequest(), &receipt).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  const auto stats = Stats();
  ASSERT_GT(stats.sealed_total(), 0u);
  ASSERT_FALSE(ledgerd_->metrics_address().empty());
  auto body = testing::HttpGet(ledgerd_->metrics_address(), "/metrics");
  ASSERT_TRUE(body.ok()) << body.status();
  auto samples = testing::ParseSamples(*body);

  EXPECT_EQ(samples["pdl_state_up"], 1);
  for (const auto& p : stats.partitions()) {
    EXPECT_EQ(samples[absl::StrCat("pdl_sealed_events_total{partition=\"", p.partition(), "\"}")], p.sealed_count());
    EXPECT_EQ(samples[absl::StrCat("pdl_consumer_lag_records{partition=\"", p.partition(), "\"}")], 0);
  }
  EXPECT_EQ(testing::SumOf(samples, "pdl_sealed_events_total"), stats.sealed_total());
  // ledgerctl demo publishes every event once over gRPC; each batch is made of them alone.
  EXPECT_EQ(samples["pdl_ingest_publishes_total{code=\"OK\"}"], stats.sealed_total());
  EXPECT_EQ(samples["pdl_ingest_publishes_total{code=\"INVALID_ARGUMENT\"}"], 1);
  EXPECT_EQ(samples["pdl_seal_batch_records_sum"], stats.sealed_total());
  EXPECT_GT(samples["pdl_seal_batch_latency_seconds_count"], 0);
  EXPECT_EQ(samples["pdl_rejected_records_total"], 0);
  EXPECT_EQ(samples["pdl_gaps_unacknowledged"], 0);

  // The judge's findings: the deliberate breaches of EveryDeliberateBreachHasItsFindingAndNothingElseHasOne, less
  // the unanswered request (a finding of time passing, stored by the rights-requests model, not the judge).
  std::map<std::string, double> judged;
  for (const auto& [key, value] : samples) {
    if (key.rfind("pdl_findings_total{", 0) == 0) judged[key] = value;
  }
  const auto finding = [](const std::string& rule, const std::string& severity) {
    return absl::StrCat("pdl_findings_total{rule=\"", rule, "\",severity=\"", severity, "\"}");
  };
  EXPECT_THAT(judged, UnorderedElementsAre(
                          std::pair(finding("subject.under_minimum_age", "high"), 2.0),
                          std::pair(finding("transfer.no_mechanism", "high"), 1.0),
                          std::pair(finding("transfer.mechanism_not_allowed", "high"), 1.0),
                          std::pair(finding("consent.withdrawn", "high"), 1.0),
                          std::pair(finding("sharing.consented_third_party_without_consent", "high"), 1.0),
                          std::pair(finding("category.undeclared", "high"), 1.0),
                          std::pair(finding("purpose.undeclared", "high"), 1.0),
                          std::pair(finding("processing.after_erasure", "high"), 1.0),
                          std::pair(finding("processor.undeclared", "low"), 1.0),
                          std::pair(finding("sharing.category_undeclared", "medium"), 1.0),
                          std::pair(finding("request.overdue", "high"), 1.0)));
  EXPECT_EQ(Findings().size(), 13u);

  // The gauges answer what the audit queries answer now.
  EXPECT_EQ(samples["pdl_rights_requests_overdue"], Overdue("").size());
  EXPECT_EQ(samples["pdl_rights_requests_overdue"], 1);
  pdl::v1::ListRightsRequestsRequest open;
  open.set_status(pdl::v1::RIGHTS_REQUEST_STATUS_OPEN);
  open.set_page_size(1000);
  grpc::ClientContext open_context;
  pdl::v1::ListRightsRequestsResponse open_requests;
  ASSERT_TRUE(audit_->ListRightsRequests(&open_context, open, &open_requests).ok());
  EXPECT_EQ(samples["pdl_rights_requests_open"], open_requests.requests_size());
  pdl::v1::ListRetentionDueRequest due;
  SetTimestamp(due.mutable_due_before(), absl::Now());
  due.set_page_size(1000);
  size_t due_count = 0;
  do {
    grpc::ClientContext context;
    pdl::v1::ListRetentionDueResponse page;
    ASSERT_TRUE(audit_->ListRetentionDue(&context, due, &page).ok());
    due_count += page.due_size();
    due.set_page_token(page.next_page_token());
  } while (!due.page_token().empty());
  EXPECT_GT(due_count, 0u);
  EXPECT_EQ(samples["pdl_retention_due_holdings"], due_count);
}

// ledgerctl refuses, before any call, an argument that is not UTF-8 (every string of the API must be) and a
// --timeout below one second.
TEST(SeedScenarioCliTest, ArgumentsThatAreNotUtf8AndTimeoutsBelowOneAreUsageErrors) {
  const std::string ctl = absl::StrCat(PDL_LEDGERCTL_PATH, " --server 127.0.0.1:1 ");
  for (const char* bad : {"\\377\\376", "a\\300\\257", "\\355\\240\\200", "\\342\\202"}) {
    const CommandResult r = Shell(absl::StrCat(ctl, "report \"$(printf '", bad, "')\""));
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr("argument 4 is not valid UTF-8")) << bad;
  }
  // Valid UTF-8 passes the check (and fails only for want of a server: exit 3).
  const CommandResult fine =
      Shell(absl::StrCat(ctl, "--timeout 2 report \"$(printf 'caf\\303\\251-\\360\\237\\230\\200')\""));
  EXPECT_EQ(fine.exit_code, 3) << fine.output;
  for (const char* timeout : {"0", "-5"}) {
    const CommandResult r = Shell(absl::StrCat(ctl, "--timeout ", timeout, " status"));
    EXPECT_EQ(r.exit_code, 2) << timeout << ": " << r.output;
  }
  // A list the server cannot answer prints the error alone, no table head above it.
  const CommandResult unreachable = Shell(ctl + "--timeout 2 findings");
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.output;
  EXPECT_THAT(unreachable.output, Not(HasSubstr("OCCURRED_AT")));
}

// The policy commands say what is wrong with a file argument: not there (with the system's reason), a directory, or
// neither a file nor a version; an empty version is a usage error, not a comparison of the policy in force with itself.
TEST(SeedScenarioCliTest, PolicyCommandsNameAMissingFileOrADirectory) {
  testing::TempDir tmp;
  const std::string ctl = absl::StrCat(PDL_LEDGERCTL_PATH, " --server 127.0.0.1:1 --timeout 2 policy ");
  CommandResult r = Shell(ctl + "validate " + tmp.path() + "/missing.yaml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("cannot read " + tmp.path() + "/missing.yaml: No such file or directory"));
  r = Shell(ctl + "validate " + tmp.path());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(tmp.path() + " is a directory, not a file"));
  r = Shell(ctl + "diff " + tmp.path() + "/missing.yaml 2023-05-08");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("no policy file " + tmp.path() + "/missing.yaml"));
  r = Shell(ctl + "diff '' ''");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("a version or a policy file is required"));
}

// Without a server: --dry-run prints the scenario as NDJSON, the same bytes every time, the population of a
// smaller --subjects a prefix of a larger one's; an unreachable server and a year not over are clear errors.
TEST(SeedScenarioCliTest, DryRunIsDeterministicAndErrorsAreClear) {
  const std::string ctl = absl::StrCat(PDL_LEDGERCTL_PATH, " --server 127.0.0.1:1 --timeout 2 demo ");
  const CommandResult three = Shell(ctl + "--subjects 3 --dry-run", /*with_stderr=*/false);
  ASSERT_EQ(three.exit_code, 0) << three.output;
  EXPECT_EQ(Shell(ctl + "--subjects 3 --dry-run", false).output, three.output);
  const CommandResult five = Shell(ctl + "--subjects 5 --dry-run", false);
  ASSERT_EQ(five.exit_code, 0);
  EXPECT_EQ(five.output.substr(0, three.output.size()), three.output);
  EXPECT_NE(Shell(ctl + "--subjects 3 --seed 7 --dry-run", false).output, three.output);

  std::vector<std::string> lines = absl::StrSplit(three.output, '\n', absl::SkipEmpty());
  std::set<std::string> ids;
  std::map<std::string, absl::Time> last_of_subject;
  int cast = 0;
  for (const std::string& line : lines) {
    pdl::v1::PrivacyEvent event;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &event).ok()) << line;
    EXPECT_TRUE(ids.insert(event.event_id()).second) << event.event_id();
    const absl::Time at = ToTime(event.occurred_at());
    EXPECT_GE(at, T("2024-01-01T00:00:00Z"));
    EXPECT_LT(at, T("2025-01-01T00:00:00Z"));
    auto [it, fresh] = last_of_subject.try_emplace(event.subject().id(), at);
    EXPECT_LE(it->second, at) << event.event_id() << ": a subject's events come in occurred_at order";
    it->second = at;
    if (event.subject().id().starts_with("demo-")) ++cast;
  }
  EXPECT_EQ(cast, kCastEvents);
  EXPECT_EQ(last_of_subject.size(), 15u + 3u);

  const CommandResult unreachable = Shell(ctl + "--subjects 0");
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.output;
  EXPECT_THAT(unreachable.output, HasSubstr("cannot reach ledgerd at 127.0.0.1:1"));

  const CommandResult future = Shell(ctl + "--year 2100 --dry-run");
  EXPECT_EQ(future.exit_code, 2) << future.output;
  EXPECT_THAT(future.output, HasSubstr("--year 2100"));
}

}  // namespace
}  // namespace pdl
