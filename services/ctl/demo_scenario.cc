#include "services/ctl/demo_scenario.h"

#include <algorithm>
#include <array>
#include <deque>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "ledger/event_codec.h"
#include "ledger/sv.h"

namespace pdl::ctl::demo {
namespace {

using pdl::v1::PrivacyEvent;
using Keys = std::initializer_list<const char*>;

// Systems that hold data (DataCollected.system and friends).
constexpr char kAccounts[] = "connect-accounts";
constexpr char kSecurity[] = "connect-security";
constexpr char kWeb[] = "connect-web";
constexpr char kSheets[] = "sheets-export";
constexpr char kLooker[] = "looker-connector";
constexpr char kSupport[] = "support-desk";
constexpr char kMailer[] = "connect-mailer";
constexpr char kMlLab[] = "ml-lab";

// Publishing systems (PrivacyEvent.source).
constexpr char kConnectApp[] = "connect-app";
constexpr char kSheetsAddon[] = "sheets-addon";
constexpr char kLookerSource[] = "looker-connector";
constexpr char kSupportSource[] = "support-desk";
constexpr char kPrivacyDesk[] = "privacy-desk";

constexpr char kGaTerms[] = "Google Ads Data Processing Terms";
// The EU standard contractual clauses (Commission Implementing Decision 2021/914), controller to processor.
constexpr char kGaScc[] = "SCC 2021/914, module 2";

constexpr auto kFirstNames = std::to_array<std::string_view>({
    "Jan",  "Marie", "Pieter", "Sofie",  "Luc",    "Emma",   "Tom",    "Lotte", "Koen",  "Nathalie",
    "Els",  "Bart",  "Julie",  "Thomas", "Laura",  "Dirk",   "Ines",   "Stijn", "Hugo",  "Camille",
    "Wout", "Noor",  "Arne",   "Eline",  "Jeroen", "Fatima", "Mehmet", "Ana",   "Lucas", "Chloe",
});
constexpr auto kLastNames = std::to_array<std::string_view>({
    "Peeters", "Janssens", "Maes",   "Jacobs",  "Mertens",  "Willems",   "Claes",     "Goossens",
    "Wouters", "De Smet",  "Dubois", "Lambert", "Dupont",   "Martin",    "Vermeulen", "Van den Bossche",
    "Hermans", "Michiels", "Aerts",  "Segers",  "Van Dyck", "El Amrani",
});

absl::Time At(int year, int month, int day, int hour, int minute, int second = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second), absl::UTCTimeZone());
}

constexpr absl::Duration kDay = absl::Hours(24);

// splitmix64: the generator is written out, rather than taken from <random>, because the standard distributions
// may differ between library implementations and the scenario must be the same everywhere.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix(state_);
  }
  // Uniform in [0, n). Requires n > 0.
  int64_t Below(int64_t n) { return static_cast<int64_t>(Next() % static_cast<uint64_t>(n)); }
  bool Percent(int p) { return Below(100) < p; }
  // An instant in [from, to), whole seconds after `from`; std::nullopt when the window is shorter than a minute.
  std::optional<absl::Time> Between(absl::Time from, absl::Time to) {
    if (to - from < absl::Minutes(1)) return std::nullopt;
    return from + absl::Seconds(Below(absl::ToInt64Seconds(to - from)));
  }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& values) {
    return values[Below(N)];
  }

 private:
  uint64_t state_;
};

// The events of one subject, added in any order and emitted in occurred_at order (ties keep the order they were
// added in) with ids "<prefix>-01", "<prefix>-02", ...
class Timeline {
 public:
  Timeline(std::string subject_id, std::string id_prefix)
      : subject_id_(std::move(subject_id)), id_prefix_(std::move(id_prefix)) {}

  void SetMinor(int birth_year) {
    minor_ = true;
    birth_year_ = birth_year;
  }

  // A new event at `at` from `source`; the caller sets its action. The reference stays valid until Emit.
  PrivacyEvent& Add(absl::Time at, std::string_view source) {
    Entry& entry = entries_.emplace_back();
    entry.at = at;
    entry.event.set_source(std::string(source));
    return entry.event;
  }

  // Drops the DataUsed events at or after `t`.
  void DropUsesFrom(absl::Time t) {
    std::erase_if(entries_, [t](const Entry& e) { return e.event.has_data_used() && e.at >= t; });
  }

  void Emit(std::vector<PrivacyEvent>* out) {
    std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.at < b.at; });
    const bool wide = entries_.size() >= 100;
    for (size_t i = 0; i < entries_.size(); ++i) {
      PrivacyEvent& e = entries_[i].event;
      e.set_event_id(wide ? absl::StrFormat("%s-%03d", id_prefix_, i + 1)
                          : absl::StrFormat("%s-%02d", id_prefix_, i + 1));
      SetTimestamp(e.mutable_occurred_at(), entries_[i].at);
      e.set_policy_version(kPolicyVersion);
      pdl::v1::Subject* subject = e.mutable_subject();
      subject->set_id(subject_id_);
      subject->set_kind("user");
      subject->set_minor(minor_);
      subject->set_birth_year(birth_year_);
      out->push_back(std::move(e));
    }
    entries_.clear();
  }

 private:
  struct Entry {
    absl::Time at;
    PrivacyEvent event;
  };
  std::string subject_id_;
  std::string id_prefix_;
  bool minor_ = false;
  int birth_year_ = 0;
  std::deque<Entry> entries_;
};

// The actions -----------------------------------------------------------------------------------------------------

template <typename Repeated>
void Fill(Repeated* out, Keys keys) {
  for (const char* k : keys) out->Add(k);
}

void Collect(PrivacyEvent& e, std::string_view system, Keys categories, pdl::v1::CollectionMethod method, Keys purposes,
             pdl::v1::LegalBasis basis, std::string_view rule, std::string_view consent_id = "") {
  auto* a = e.mutable_data_collected();
  Fill(a->mutable_categories(), categories);
  a->set_method(method);
  Fill(a->mutable_purposes(), purposes);
  a->set_legal_basis(basis);
  a->set_system(std::string(system));
  a->set_retention_rule(std::string(rule));
  a->set_consent_id(std::string(consent_id));
}

void Use(PrivacyEvent& e, std::string_view system, Keys categories, Keys purposes) {
  auto* a = e.mutable_data_used();
  Fill(a->mutable_categories(), categories);
  Fill(a->mutable_purposes(), purposes);
  a->set_system(std::string(system));
}

void Share(PrivacyEvent& e, const pdl::v1::Recipient& recipient, Keys categories, Keys purposes,
           pdl::v1::LegalBasis basis, std::string_view agreement_ref) {
  auto* a = e.mutable_data_shared();
  Fill(a->mutable_categories(), categories);
  *a->mutable_recipient() = recipient;
  Fill(a->mutable_purposes(), purposes);
  a->set_legal_basis(basis);
  a->set_agreement_ref(std::string(agreement_ref));
}

void Transfer(PrivacyEvent& e, const pdl::v1::Recipient& recipient, Keys categories, std::string_view country,
              pdl::v1::TransferMechanism mechanism, std::string_view mechanism_ref) {
  auto* a = e.mutable_data_transferred();
  Fill(a->mutable_categories(), categories);
  *a->mutable_recipient() = recipient;
  a->set_destination_country(std::string(country));
  a->set_mechanism(mechanism);
  a->set_mechanism_ref(std::string(mechanism_ref));
}

// Deletes `categories` of `system` (all it holds of the subject when empty).
void Delete(PrivacyEvent& e, std::string_view system, pdl::v1::DeletionReason reason, std::string_view request_id = "",
            Keys categories = {}) {
  auto* a = e.mutable_data_deleted();
  Fill(a->mutable_categories(), categories);
  a->set_system(std::string(system));
  a->set_reason(reason);
  a->set_request_id(std::string(request_id));
}

void Give(PrivacyEvent& e, std::string_view consent_id, Keys purposes, std::string_view scope) {
  auto* a = e.mutable_consent_given();
  a->set_consent_id(std::string(consent_id));
  Fill(a->mutable_purposes(), purposes);
  a->set_scope(std::string(scope));
  a->set_policy_version(kPolicyVersion);
}

// Withdraws every purpose of the consent.
void Withdraw(PrivacyEvent& e, std::string_view consent_id, std::string_view scope) {
  auto* a = e.mutable_consent_withdrawn();
  a->set_consent_id(std::string(consent_id));
  a->set_scope(std::string(scope));
  a->set_policy_version(kPolicyVersion);
}

void Open(PrivacyEvent& e, std::string_view request_id, pdl::v1::SubjectRight right) {
  auto* a = e.mutable_rights_request_opened();
  a->set_request_id(std::string(request_id));
  a->set_right(right);
}

void Close(PrivacyEvent& e, std::string_view request_id, pdl::v1::SubjectRight right,
           pdl::v1::RequestOutcome outcome = pdl::v1::REQUEST_OUTCOME_FULFILLED) {
  auto* a = e.mutable_rights_request_closed();
  a->set_request_id(std::string(request_id));
  a->set_right(right);
  a->set_outcome(outcome);
}

void Rectify(PrivacyEvent& e, std::string_view system, Keys categories, std::string_view request_id) {
  auto* a = e.mutable_data_rectified();
  Fill(a->mutable_categories(), categories);
  a->set_system(std::string(system));
  a->set_request_id(std::string(request_id));
}

// The recipients ----------------------------------------------------------------------------------------------------

pdl::v1::Recipient MakeRecipient(std::string_view id, std::string_view name, std::string_view category,
                                 std::string_view country) {
  pdl::v1::Recipient r;
  r.set_id(std::string(id));
  r.set_name(std::string(name));
  r.set_category(std::string(category));
  r.set_country(std::string(country));
  return r;
}

// The processor the policy names ("Analytics").
pdl::v1::Recipient GoogleAnalytics() {
  return MakeRecipient("google-analytics", "Google Analytics", "service_provider", "US");
}

// "alle andere geregistreerde Gebruikers die toegang hebben tot deze specifieke Server".
pdl::v1::Recipient ServerUsers(std::string_view serial) {
  return MakeRecipient(absl::StrCat("server-", absl::AsciiStrToLower(Sv(serial)), "-users"),
                       absl::StrCat("Other users of iQunet Server ", Sv(serial)), "other_users", "");
}

// The storylines' building blocks ---------------------------------------------------------------------------------

pdl::v1::Identity Person(std::string_view name, std::string_view email, std::string_view picture = "") {
  pdl::v1::Identity id;
  id.set_name(std::string(name));
  id.set_email(std::string(email));
  id.set_profile_picture_url(std::string(picture));
  return id;
}

// Registration on connect.iqunet.com ("Welke Persoonsgegevens worden verzameld?"): the account data, with the
// identity the ingest API seals, and the captcha's device data.
void Register(Timeline& t, absl::Time at, const pdl::v1::Identity& identity) {
  PrivacyEvent& account = t.Add(at, kConnectApp);
  *account.mutable_subject()->mutable_identity() = identity;
  if (identity.profile_picture_url().empty()) {
    Collect(account, kAccounts, {"user.name", "user.contact.email", "user.authorization.password", "user.account"},
            pdl::v1::COLLECTION_METHOD_REGISTRATION, {"essential.service", "essential.service.authentication"},
            pdl::v1::LEGAL_BASIS_CONTRACT, "account");
  } else {
    Collect(
        account, kAccounts,
        {"user.name", "user.contact.email", "user.content.self_image", "user.authorization.password", "user.account"},
        pdl::v1::COLLECTION_METHOD_REGISTRATION, {"essential.service", "essential.service.authentication"},
        pdl::v1::LEGAL_BASIS_CONTRACT, "account");
  }
  Collect(t.Add(at + absl::Seconds(2), kConnectApp), kSecurity, {"user.device.ip_address"},
          pdl::v1::COLLECTION_METHOD_AUTOMATIC, {"essential.service.security"},
          pdl::v1::LEGAL_BASIS_LEGITIMATE_INTERESTS, "usage-data-security");
}

// A visit of the web app: cookies and usage data, and their copy to Google Analytics in the US under the SCCs of
// Google's processing terms.
void Visit(Timeline& t, absl::Time at) {
  Collect(t.Add(at, kConnectApp), kWeb, {"user.device.cookie_id", "user.behavior.browsing_history"},
          pdl::v1::COLLECTION_METHOD_AUTOMATIC, {"analytics", "functional.service.improve"},
          pdl::v1::LEGAL_BASIS_LEGITIMATE_INTERESTS, "usage-data");
  Share(t.Add(at + absl::Seconds(5), kConnectApp), GoogleAnalytics(),
        {"user.device.cookie_id", "user.behavior.browsing_history"}, {"analytics"},
        pdl::v1::LEGAL_BASIS_LEGITIMATE_INTERESTS, kGaTerms);
  Transfer(t.Add(at + absl::Seconds(6), kConnectApp), GoogleAnalytics(),
           {"user.device.cookie_id", "user.behavior.browsing_history"}, "US", pdl::v1::TRANSFER_MECHANISM_SCC, kGaScc);
}

// An integration permission (the Sheets button on the server's dashboard, the Looker Studio connector): the
// consent, then its OAuth token in the integration's system.
void GrantIntegration(Timeline& t, absl::Time at, std::string_view source, std::string_view system,
                      std::string_view scope, std::string_view consent_id) {
  Give(t.Add(at, source), consent_id, {"essential.service"}, scope);
  Collect(t.Add(at + absl::Seconds(1), source), system, {"user.authorization.credentials"},
          pdl::v1::COLLECTION_METHOD_INTEGRATION_CONSENT, {"essential.service"}, pdl::v1::LEGAL_BASIS_CONSENT,
          "google-authorization", consent_id);
}

void GrantSheets(Timeline& t, absl::Time at, std::string_view consent_id) {
  GrantIntegration(t, at, kSheetsAddon, kSheets, "google-sheets", consent_id);
}

void ExportToSheets(Timeline& t, absl::Time at) {
  Use(t.Add(at, kSheetsAddon), kSheets, {"user.authorization.credentials"}, {"essential.service"});
}

void GrantLooker(Timeline& t, absl::Time at, std::string_view consent_id) {
  GrantIntegration(t, at, kLookerSource, kLooker, "looker-studio", consent_id);
}

void QueryLooker(Timeline& t, absl::Time at) {
  Use(t.Add(at, kLookerSource), kLooker, {"user.authorization.credentials"}, {"essential.service"});
}

// Withdrawal of an integration permission; the token is deleted with it.
void Revoke(Timeline& t, absl::Time at, std::string_view source, std::string_view system, std::string_view consent_id,
            std::string_view scope) {
  Withdraw(t.Add(at, source), consent_id, scope);
  Delete(t.Add(at + absl::Seconds(1), source), system, pdl::v1::DELETION_REASON_CONSENT_WITHDRAWN, "",
         {"user.authorization.credentials"});
}

void ContactSupport(Timeline& t, absl::Time at, Keys purposes) {
  Collect(t.Add(at, kSupportSource), kSupport, {"user.name", "user.contact.email", "user.content.private"},
          pdl::v1::COLLECTION_METHOD_CONTACT, purposes, pdl::v1::LEGAL_BASIS_CONTRACT, "support");
}

// An e-mail about an update of the user's iQunet Server.
void Notify(Timeline& t, absl::Time at) {
  Use(t.Add(at, kConnectApp), kMailer, {"user.contact.email"}, {"essential.service.notifications.email"});
}

void JoinServer(Timeline& t, absl::Time at, std::string_view serial) {
  Share(t.Add(at, kConnectApp), ServerUsers(serial), {"user.contact.email"}, {"essential.service"},
        pdl::v1::LEGAL_BASIS_CONTRACT, "");
}

void Promote(Timeline& t, absl::Time at, std::string_view consent_id) {
  Give(t.Add(at, kConnectApp), consent_id, {"marketing"}, "partner-promotions");
  Share(t.Add(at + absl::Seconds(1), kConnectApp),
        MakeRecipient("partner-condition-monitoring", "Condition-monitoring partner", "business_partner", "BE"),
        {"user.name", "user.contact.email"}, {"marketing"}, pdl::v1::LEGAL_BASIS_CONSENT, "partner agreement PA-7");
}

void AskAccess(Timeline& t, absl::Time opened, absl::Time answered, std::string_view request_id) {
  Open(t.Add(opened, kPrivacyDesk), request_id, pdl::v1::SUBJECT_RIGHT_ACCESS);
  Close(t.Add(answered, kPrivacyDesk), request_id, pdl::v1::SUBJECT_RIGHT_ACCESS);
}

// An erasure request: every system in `systems` deletes what it holds at `done` (a second apart), and the request
// is closed as fulfilled a minute later.
void Erase(Timeline& t, absl::Time opened, absl::Time done, std::string_view request_id,
           const std::vector<std::string_view>& systems) {
  Open(t.Add(opened, kPrivacyDesk), request_id, pdl::v1::SUBJECT_RIGHT_ERASURE);
  for (size_t i = 0; i < systems.size(); ++i) {
    Delete(t.Add(done + absl::Seconds(static_cast<int64_t>(i)), kConnectApp), systems[i],
           pdl::v1::DELETION_REASON_SUBJECT_REQUEST, request_id);
  }
  Close(t.Add(done + absl::Minutes(1), kPrivacyDesk), request_id, pdl::v1::SUBJECT_RIGHT_ERASURE);
}

// The user closes the account in the app: every system in `systems` deletes what it holds.
void CloseAccount(Timeline& t, absl::Time at, const std::vector<std::string_view>& systems) {
  for (size_t i = 0; i < systems.size(); ++i) {
    Delete(t.Add(at + absl::Seconds(static_cast<int64_t>(i)), kConnectApp), systems[i],
           pdl::v1::DELETION_REASON_SUBJECT_REQUEST);
  }
}

// The cast ----------------------------------------------------------------------------------------------------------

class Cast {
 public:
  Cast(int year, Scenario* out) : year_(year), out_(out) {}

  void Script() {
    Alice();
    Bob();
    Carol();
    Minor();
    NoMechanism();
    AdequacyUs();
    AfterWithdrawal();
    NoConsent();
    UndeclaredCategory();
    UndeclaredPurpose();
    AfterErasure();
    UnnamedProcessor();
    OtherUsersName();
    LateAnswer();
    Unanswered();
  }

 private:
  absl::Time at(int month, int day, int hour, int minute, int second = 0) const {
    return At(year_, month, day, hour, minute, second);
  }
  Timeline Begin(std::string_view subject) const {
    return Timeline(std::string(subject), absl::StrCat(Sv(subject), "-", year_));
  }
  void End(Timeline& t, std::string_view subject, std::string story, std::vector<std::string> findings = {},
           std::string look = "") {
    t.Emit(&out_->events);
    out_->cast.push_back(CastMember{std::string(subject), std::move(story), std::move(findings), std::move(look)});
  }
  std::string Email(std::string_view local) const { return absl::StrCat(Sv(local), "@example.org"); }

  void Alice() {
    constexpr char kId[] = "demo-alice";
    Timeline t = Begin(kId);
    const pdl::v1::Identity identity =
        Person("Alice Peeters", Email("alice.peeters"), "https://connect.iqunet.com/avatars/demo-alice.png");
    Register(t, at(1, 15, 9, 0), identity);
    Visit(t, at(1, 15, 9, 1));
    GrantSheets(t, at(2, 1, 10, 0), "sheets-demo-alice");
    ExportToSheets(t, at(2, 1, 10, 5));
    JoinServer(t, at(2, 20, 8, 30), "SN1042");
    ExportToSheets(t, at(3, 1, 10, 5));
    GrantLooker(t, at(3, 10, 13, 0), "looker-demo-alice");
    ContactSupport(t, at(4, 2, 15, 20), {"essential.service.operations.support"});
    Promote(t, at(5, 5, 11, 0), "promo-demo-alice");
    Notify(t, at(6, 1, 7, 0));
    AskAccess(t, at(7, 1, 9, 0), at(7, 12, 16, 0), "req-demo-alice-access");
    // Rectification of her name (Art. 16): the corrected identity travels with the rectification.
    Open(t.Add(at(8, 15, 10, 0), kPrivacyDesk), "req-demo-alice-rectification", pdl::v1::SUBJECT_RIGHT_RECTIFICATION);
    PrivacyEvent& rectified = t.Add(at(8, 16, 9, 0), kConnectApp);
    Rectify(rectified, kAccounts, {"user.name"}, "req-demo-alice-rectification");
    pdl::v1::Identity renamed = identity;
    renamed.set_name("Alice Peeters-Janssens");
    *rectified.mutable_subject()->mutable_identity() = renamed;
    Close(t.Add(at(8, 16, 9, 0, 1), kPrivacyDesk), "req-demo-alice-rectification",
          pdl::v1::SUBJECT_RIGHT_RECTIFICATION);
    Visit(t, at(9, 30, 14, 0));
    Revoke(t, at(10, 1, 8, 0), kLookerSource, kLooker, "looker-demo-alice", "looker-studio");
    End(t, kId,
        "the model user: registration, cookies and Google Analytics (US, SCCs), Sheets and Looker Studio "
        "permissions, a shared server, support, a partner promotion with consent, access and rectification "
        "answered in time, Looker Studio permission withdrawn and its token deleted",
        {}, "ledgerctl report demo-alice");
  }

  void Bob() {
    constexpr char kId[] = "demo-bob";
    Timeline t = Begin(kId);
    Register(t, at(2, 10, 18, 0), Person("Bob Janssens", Email("bob.janssens")));
    Visit(t, at(2, 10, 18, 1));
    Erase(t, at(6, 3, 9, 0), at(6, 10, 10, 0), "req-demo-bob-erasure", {kAccounts, kSecurity, kWeb});
    End(t, kId, "asks for erasure; every system deletes and the request is closed as fulfilled within the month", {},
        "ledgerctl report demo-bob");
  }

  void Carol() {
    constexpr char kId[] = "demo-carol";
    Timeline t = Begin(kId);
    Register(t, at(2, 20, 8, 0), Person("Carol Maes", Email("carol.maes")));
    JoinServer(t, at(2, 20, 8, 30, 5), "SN1042");
    ContactSupport(t, at(4, 18, 14, 0), {"essential.service.operations.support", "essential.service.operations"});
    Share(t.Add(at(5, 22, 10, 0), kSupportSource),
          MakeRecipient("law-firm-ghent", "Legal counsel (Ghent)", "professional_advisor", "BE"),
          {"user.name", "user.contact.email", "user.content.private"}, {"essential.legal_obligation"},
          pdl::v1::LEGAL_BASIS_LEGAL_OBLIGATION, "engagement letter EL-0522");
    CloseAccount(t, at(11, 28, 9, 0), {kAccounts, kSecurity});
    End(t, kId,
        "shares iQunet Server SN1042 with demo-alice (each sees the other's e-mail), files a complaint that goes "
        "to the company's lawyers, closes her account; the support file stays for its two years",
        {}, "ledgerctl retention-due --system support-desk");
  }

  void Minor() {
    constexpr char kId[] = "demo-minor";
    Timeline t = Begin(kId);
    t.SetMinor(year_ - 15);
    Register(t, at(3, 2, 16, 0), Person("Lotte Willems", Email("lotte.w")));
    Delete(t.Add(at(3, 4, 9, 0), kConnectApp), kAccounts, pdl::v1::DELETION_REASON_MINOR_DETECTED);
    Delete(t.Add(at(3, 4, 9, 0, 1), kConnectApp), kSecurity, pdl::v1::DELETION_REASON_MINOR_DETECTED);
    End(t, kId,
        "a 15-year-old registers (the apps are not for people under 18); the data is due at once and deleted "
        "two days later",
        {"subject.under_minimum_age", "subject.under_minimum_age"});
  }

  void NoMechanism() {
    constexpr char kId[] = "demo-breach-no-mechanism";
    Timeline t = Begin(kId);
    Register(t, at(4, 8, 10, 0), Person("Pieter Claes", Email("pieter.claes")));
    Transfer(t.Add(at(4, 20, 12, 0), kConnectApp), GoogleAnalytics(), {"user.device.cookie_id"}, "US",
             pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED, "");
    End(t, kId, "a second Analytics property copies cookie ids to the US without any safeguard",
        {"transfer.no_mechanism"}, "ledgerctl transfers --destination US --mechanism unspecified");
  }

  void AdequacyUs() {
    constexpr char kId[] = "demo-breach-adequacy-us";
    Timeline t = Begin(kId);
    Register(t, at(5, 13, 10, 0), Person("Sofie Mertens", Email("sofie.mertens")));
    Transfer(t.Add(at(5, 27, 9, 0), kConnectApp),
             MakeRecipient("iqunet-us", "iQunet group company (US)", "affiliate", "US"),
             {"user.name", "user.contact.email", "user.account"}, "US", pdl::v1::TRANSFER_MECHANISM_ADEQUACY,
             "EU-US Data Privacy Framework");
    End(t, kId,
        "account data to a US group company under 'adequacy': policy 2023-05-08 predates the EU-US Data Privacy "
        "Framework and allows only SCCs, BCRs or consent for the US",
        {"transfer.mechanism_not_allowed"}, "ledgerctl transfers --destination US --mechanism adequacy");
  }

  void AfterWithdrawal() {
    constexpr char kId[] = "demo-breach-after-withdrawal";
    constexpr char kConsent[] = "sheets-demo-breach-after-withdrawal";
    Timeline t = Begin(kId);
    Register(t, at(3, 5, 10, 0), Person("Koen Jacobs", Email("koen.jacobs")));
    GrantSheets(t, at(3, 5, 10, 30), kConsent);
    ExportToSheets(t, at(3, 20, 6, 0));
    Withdraw(t.Add(at(5, 1, 12, 0), kSheetsAddon), kConsent, "google-sheets");
    // The nightly export was never switched off.
    ExportToSheets(t, at(5, 15, 6, 0));
    Delete(t.Add(at(5, 16, 9, 0), kSheetsAddon), kSheets, pdl::v1::DELETION_REASON_CONSENT_WITHDRAWN, "",
           {"user.authorization.credentials"});
    End(t, kId, "withdraws the Google Sheets permission; the nightly export still runs two weeks later",
        {"consent.withdrawn"});
  }

  void NoConsent() {
    constexpr char kId[] = "demo-breach-no-consent";
    Timeline t = Begin(kId);
    Register(t, at(6, 3, 10, 0), Person("Els Goossens", Email("els.goossens")));
    Share(t.Add(at(6, 17, 15, 0), kConnectApp),
          MakeRecipient("research-lab", "University research lab", "consented_third_party", "BE"),
          {"user.contact.email", "user.behavior"}, {"third_party_sharing"}, pdl::v1::LEGAL_BASIS_CONSENT,
          "research agreement RA-12");
    End(t, kId, "e-mail and usage data go to a research lab that the policy allows only with consent; none was given",
        {"sharing.consented_third_party_without_consent"}, "ledgerctl disclosures --category consented_third_party");
  }

  void UndeclaredCategory() {
    constexpr char kId[] = "demo-breach-undeclared-category";
    Timeline t = Begin(kId);
    Register(t, at(7, 1, 10, 0), Person("Bart Wouters", Email("bart.wouters")));
    Collect(t.Add(at(7, 8, 12, 0), kConnectApp), kWeb, {"user.location.precise"}, pdl::v1::COLLECTION_METHOD_AUTOMATIC,
            {"functional.service.improve"}, pdl::v1::LEGAL_BASIS_LEGITIMATE_INTERESTS, "usage-data");
    End(t, kId, "the web app starts collecting precise location, which the policy never mentions",
        {"category.undeclared"}, "ledgerctl ropa --purpose functional.service.improve");
  }

  void UndeclaredPurpose() {
    constexpr char kId[] = "demo-breach-undeclared-purpose";
    Timeline t = Begin(kId);
    Register(t, at(7, 15, 10, 0), Person("Julie Dubois", Email("julie.dubois")));
    Use(t.Add(at(7, 29, 2, 0), kMlLab), kMlLab, {"user.behavior"}, {"train_ai_system"});
    End(t, kId, "usage data trains a machine-learning model, a purpose the policy does not state",
        {"purpose.undeclared"}, "ledgerctl ropa --purpose train_ai_system");
  }

  void AfterErasure() {
    constexpr char kId[] = "demo-breach-after-erasure";
    Timeline t = Begin(kId);
    Register(t, at(3, 11, 10, 0), Person("Thomas Lambert", Email("thomas.lambert")));
    Erase(t, at(4, 2, 9, 0), at(4, 9, 10, 0), "req-demo-breach-after-erasure", {kAccounts, kSecurity});
    // The mailing list still had the address.
    Notify(t, at(8, 1, 7, 0));
    End(t, kId, "erased in April; a server-update e-mail still reaches the address in August",
        {"processing.after_erasure"});
  }

  void UnnamedProcessor() {
    constexpr char kId[] = "demo-breach-unnamed-processor";
    Timeline t = Begin(kId);
    Register(t, at(8, 5, 10, 0), Person("Laura Dupont", Email("laura.dupont")));
    ContactSupport(t, at(8, 12, 10, 0), {"essential.service.operations.support"});
    Share(t.Add(at(8, 12, 10, 5), kSupportSource),
          MakeRecipient("helpdesk-saas", "Helpdesk SaaS", "service_provider", "IE"),
          {"user.name", "user.contact.email", "user.content.private"}, {"essential.service.operations.support"},
          pdl::v1::LEGAL_BASIS_CONTRACT, "");
    End(t, kId, "the support ticket goes to a helpdesk service the policy does not name as a processor",
        {"processor.undeclared"}, "ledgerctl disclosures --recipient helpdesk-saas");
  }

  void OtherUsersName() {
    constexpr char kId[] = "demo-breach-other-users-name";
    Timeline t = Begin(kId);
    Register(t, at(8, 19, 10, 0), Person("Dirk Hermans", Email("dirk.hermans")));
    Share(t.Add(at(8, 26, 9, 0), kConnectApp), ServerUsers("SN2077"), {"user.contact.email", "user.name"},
          {"essential.service"}, pdl::v1::LEGAL_BASIS_CONTRACT, "");
    End(t, kId, "other users of a shared server see the name too, where the policy promises only the e-mail",
        {"sharing.category_undeclared"});
  }

  void LateAnswer() {
    constexpr char kId[] = "demo-breach-late-answer";
    Timeline t = Begin(kId);
    Register(t, at(9, 2, 8, 0), Person("Ines Segers", Email("ines.segers")));
    AskAccess(t, at(9, 9, 10, 0), at(10, 28, 16, 0), "req-demo-breach-late-answer");
    End(t, kId, "an access request answered after seven weeks, past its one-month deadline", {"request.overdue"},
        absl::StrFormat("ledgerctl requests --overdue --as-of %d-10-15T00:00:00Z", year_));
  }

  void Unanswered() {
    constexpr char kId[] = "demo-breach-unanswered";
    Timeline t = Begin(kId);
    Register(t, at(10, 7, 10, 0), Person("Stijn Aerts", Email("stijn.aerts")));
    Open(t.Add(at(11, 4, 9, 0), kPrivacyDesk), "req-demo-breach-unanswered", pdl::v1::SUBJECT_RIGHT_ERASURE);
    // Still a customer in December: the server-update e-mails go on.
    Notify(t, at(12, 16, 7, 0));
    End(t, kId, "an erasure request that was never answered: due 4 December, still open at the end of the year",
        {"request.overdue"}, "ledgerctl requests --overdue");
  }

  int year_;
  Scenario* out_;
};

// The population -------------------------------------------------------------------------------------------------

std::string PopulationId(const Options& options, int index) {
  const uint64_t tag = Mix(options.seed ^ Mix(static_cast<uint64_t>(options.year)));
  return absl::StrFormat("user-%08x-%05d", static_cast<uint32_t>(tag), index);
}

// One user of the year, compliant with the policy by construction: everything happens between registration and
// the end of the year or the closing of the account; exports and e-mails stop when the only consent they could
// rest on is withdrawn; requests are answered within the month.
void PopulationSubject(const Options& options, int index, Scenario* out) {
  const std::string id = PopulationId(options, index);
  Rng rng(Mix(Mix(options.seed) ^ Mix(static_cast<uint64_t>(options.year) << 32 | static_cast<uint32_t>(index))));
  const int year = options.year;
  const absl::Time year_end = At(year, 12, 31, 23, 0);
  Timeline t(id, id);

  // Registration in the first eleven months, so that everyone has some history.
  const absl::Time registered = *rng.Between(At(year, 1, 1, 0, 0), At(year, 12, 1, 0, 0));
  const bool closes = rng.Percent(6) && registered + 60 * kDay < year_end;
  // The start of the account's closing, or the end of the year; all other activity comes before it.
  absl::Time last = year_end;
  if (closes) last = *rng.Between(registered + 30 * kDay, year_end - 25 * kDay);
  const absl::Time active_until = last - absl::Minutes(1);

  const std::string_view first = rng.Pick(kFirstNames);
  const std::string_view family = rng.Pick(kLastNames);
  const std::string email =
      absl::StrCat(absl::AsciiStrToLower(Sv(first)), ".",
                   absl::StrReplaceAll(absl::AsciiStrToLower(Sv(family)), {{" ", ""}}), ".", index, "@example.org");
  const std::string picture =
      rng.Percent(40) ? absl::StrCat("https://connect.iqunet.com/avatars/", id, ".png") : std::string();
  Register(t, registered, Person(absl::StrCat(Sv(first), " ", Sv(family)), email, picture));
  std::vector<std::string_view> held = {kAccounts, kSecurity, kWeb};

  Visit(t, registered + absl::Minutes(1));
  for (int64_t i = 0, n = rng.Below(6); i < n; ++i) {
    if (auto v = rng.Between(registered + kDay, active_until)) Visit(t, *v);
  }

  if (rng.Percent(55)) {
    if (auto j = rng.Between(registered + absl::Hours(1), std::min(registered + 10 * kDay, active_until))) {
      JoinServer(t, *j, absl::StrFormat("SN%04d", 3000 + rng.Below(1000)));
    }
  }

  bool looker = false;
  if (rng.Percent(15)) {
    if (auto l = rng.Between(registered + absl::Hours(1), active_until - kDay)) {
      looker = true;
      held.push_back(kLooker);
      GrantLooker(t, *l, absl::StrCat("looker-", id));
      for (int64_t i = 0, n = 1 + rng.Below(3); i < n; ++i) {
        if (auto q = rng.Between(*l + absl::Hours(1), active_until)) QueryLooker(t, *q);
      }
    }
  }

  std::optional<absl::Time> withdrawn;
  if (rng.Percent(35)) {
    if (auto s = rng.Between(registered + absl::Hours(1), active_until - kDay)) {
      const std::string consent = absl::StrCat("sheets-", id);
      GrantSheets(t, *s, consent);
      for (int64_t i = 0, n = 1 + rng.Below(6); i < n; ++i) {
        if (auto e = rng.Between(*s + absl::Hours(1), active_until)) ExportToSheets(t, *e);
      }
      // Only users without the Looker Studio permission withdraw: its consent covers the same purpose, and a
      // withdrawal is only interesting when it leaves no consent in force.
      if (!looker && rng.Percent(12)) {
        if (auto w = rng.Between(*s + kDay, active_until)) {
          withdrawn = *w;
          Revoke(t, *w, kSheetsAddon, kSheets, consent, "google-sheets");
        }
      }
      if (!withdrawn.has_value()) held.push_back(kSheets);
    }
  }

  if (rng.Percent(50)) {
    for (int64_t i = 0, n = 1 + rng.Below(3); i < n; ++i) {
      if (auto m = rng.Between(registered + kDay, active_until)) Notify(t, *m);
    }
  }

  if (rng.Percent(18)) {
    bool contacted = false;
    for (int64_t i = 0, n = 1 + rng.Below(2); i < n; ++i) {
      if (auto c = rng.Between(registered + absl::Hours(1), active_until)) {
        ContactSupport(t, *c, {"essential.service.operations.support"});
        contacted = true;
      }
    }
    if (contacted) held.push_back(kSupport);
  }

  if (rng.Percent(6)) {
    if (auto p = rng.Between(registered + kDay, active_until)) Promote(t, *p, absl::StrCat("promo-", id));
  }

  if (rng.Percent(4)) {
    // Answered within 2 to 25 days: always before the one-month deadline and before the account closes.
    if (auto o = rng.Between(registered + 7 * kDay, active_until - 26 * kDay)) {
      AskAccess(t, *o, *o + absl::Hours(48 + rng.Below(23 * 24)), absl::StrCat("req-", id, "-access"));
    }
  }

  if (rng.Percent(3)) {
    if (auto o = rng.Between(registered + kDay, active_until - 3 * kDay)) {
      const std::string request = absl::StrCat("req-", id, "-rectification");
      Open(t.Add(*o, kPrivacyDesk), request, pdl::v1::SUBJECT_RIGHT_RECTIFICATION);
      Rectify(t.Add(*o + kDay, kConnectApp), kAccounts, {"user.name"}, request);
      Close(t.Add(*o + kDay + absl::Hours(1), kPrivacyDesk), request, pdl::v1::SUBJECT_RIGHT_RECTIFICATION);
    }
  }

  if (closes) {
    if (rng.Percent(50)) {
      Erase(t, last, last + absl::Hours(48 + rng.Below(18 * 24)), absl::StrCat("req-", id, "-erasure"), held);
    } else {
      CloseAccount(t, last, held);
    }
  }
  if (withdrawn.has_value()) t.DropUsesFrom(*withdrawn);

  t.Emit(&out->events);
  out->population.push_back(id);
}

}  // namespace

absl::StatusOr<Scenario> BuildScenario(const Options& options, absl::Time now) {
  if (options.subjects < 0 || options.subjects > kMaxSubjects) {
    return absl::InvalidArgumentError(
        absl::StrCat("--subjects ", options.subjects, ": want a number from 0 to ", kMaxSubjects));
  }
  const int this_year = static_cast<int>(absl::ToCivilYear(now, absl::UTCTimeZone()).year());
  if (options.year < kFirstYear || options.year >= this_year) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--year ", options.year, ": want a year from ", kFirstYear, " (the first whole year under policy ",
        kPolicyVersion, ") to ", this_year - 1, " (the scenario's year must be over, so no event lies in the future)"));
  }
  Scenario scenario;
  Cast(options.year, &scenario).Script();
  scenario.population.reserve(options.subjects);
  for (int i = 0; i < options.subjects; ++i) PopulationSubject(options, i, &scenario);
  return scenario;
}

}  // namespace pdl::ctl::demo
