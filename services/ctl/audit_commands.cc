// ledgerctl commands over the read models: report, ropa, transfers, disclosures, findings, requests,
// retention-due (AuditService), and rebuild (over gRPC, or offline on a stopped node's data directory).

#include <filesystem>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "ledger/event_codec.h"
#include "ledger/sv.h"
#include "pdl/v1/admin_service.grpc.pb.h"
#include "pdl/v1/audit_service.grpc.pb.h"
#include "projections/policy_judge.h"
#include "projections/read_models/all.h"
#include "projections/rebuild.h"
#include "projections/store.h"
#include "services/ctl/ctl_common.h"

namespace pdl::ctl {
namespace {

absl::StatusOr<absl::Time> ParseTime(const std::string& flag, const std::string& value) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, value, &t, &err)) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " '", value, "': want RFC 3339, e.g. 2023-05-08T10:00:00Z"));
  }
  return t;
}

// "1 transfer", "2 transfers".
std::string Counted(size_t n, std::string_view noun) { return absl::StrCat(n, " ", Sv(noun), n == 1 ? "" : "s"); }

// Sets the timestamp that `target()` returns from an RFC 3339 flag value when one was given (an absent flag
// leaves the field unset); false (after printing why) when it does not parse.
template <typename Target>
bool SetTimeFlag(const std::string& flag, const std::string& value, Target&& target) {
  if (value.empty()) return true;
  auto t = ParseTime(flag, value);
  if (!t.ok()) {
    std::cerr << "ledgerctl: " << t.status().message() << "\n";
    return false;
  }
  SetTimestamp(target(), *t);
  return true;
}

// "LEGAL_BASIS_LEGITIMATE_INTERESTS" -> "legitimate_interests".
std::string Word(const std::string& enum_name, std::string_view prefix) {
  std::string_view name = enum_name;
  if (name.substr(0, prefix.size()) == prefix) name.remove_prefix(prefix.size());
  return absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
}
std::string Basis(int v) { return Word(pdl::v1::LegalBasis_Name(v), "LEGAL_BASIS_"); }
std::string Mechanism(int v) { return Word(pdl::v1::TransferMechanism_Name(v), "TRANSFER_MECHANISM_"); }
std::string Method(int v) { return Word(pdl::v1::CollectionMethod_Name(v), "COLLECTION_METHOD_"); }
std::string Right(int v) { return Word(pdl::v1::SubjectRight_Name(v), "SUBJECT_RIGHT_"); }
std::string Outcome(int v) { return Word(pdl::v1::RequestOutcome_Name(v), "REQUEST_OUTCOME_"); }
std::string SeverityWord(int v) { return Word(pdl::v1::Severity_Name(v), "SEVERITY_"); }
std::string DeclarationWord(int v) { return Word(pdl::v1::Declaration_Name(v), "DECLARATION_"); }
std::string Reason(int v) { return Word(pdl::v1::DeletionReason_Name(v), "DELETION_REASON_"); }

std::string When(const google::protobuf::Timestamp& ts) { return FormatRfc3339(ToTime(ts)); }
std::string Day(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d", ToTime(ts), absl::UTCTimeZone());
}

template <typename Enums, typename Fn>
std::string JoinEnums(const Enums& values, Fn&& fn) {
  std::vector<std::string> words;
  for (int v : values) words.push_back(fn(v));
  return absl::StrJoin(words, ",");
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& values) { return absl::StrJoin(values, ","); }

std::string RecipientName(const pdl::v1::Recipient& r) {
  std::string out = r.name().empty() ? r.id() : r.name();
  if (!r.id().empty() && r.id() != out) absl::StrAppend(&out, " [", r.id(), "]");
  return out;
}

std::string RefText(const pdl::v1::EventRef& ref) {
  return absl::StrCat(ref.event_id(), " (partition ", ref.partition(), ", seq ", ref.seq(), ")");
}

void PrintReport(const pdl::v1::GetSubjectReportResponse& r) {
  std::cout << "Subject " << r.subject_id() << " as of " << When(r.as_of()) << "\n"
            << "  events: " << r.event_count() << "   kinds: " << Join(r.subject_kinds())
            << "   policy versions: " << (r.policy_versions().empty() ? "-" : Join(r.policy_versions())) << "\n\n";

  const auto& id = r.identity();
  std::cout << "Identity: ";
  switch (id.status()) {
    case pdl::v1::IDENTITY_STATUS_AVAILABLE: {
      std::vector<std::string> parts;
      if (!id.identity().name().empty()) parts.push_back(absl::StrCat("name ", id.identity().name()));
      if (!id.identity().email().empty()) parts.push_back(absl::StrCat("e-mail ", id.identity().email()));
      if (!id.identity().phone().empty()) parts.push_back(absl::StrCat("phone ", id.identity().phone()));
      if (!id.identity().profile_picture_url().empty()) {
        parts.push_back(absl::StrCat("picture ", id.identity().profile_picture_url()));
      }
      for (const auto& [k, v] : id.identity().other()) parts.push_back(absl::StrCat(k, " ", v));
      std::cout << absl::StrJoin(parts, ", ") << "  (recorded by " << RefText(id.recorded_by()) << ")\n";
      break;
    }
    case pdl::v1::IDENTITY_STATUS_ERASED:
      std::cout << "ERASED (the subject's key was destroyed)";
      if (id.has_erasure_evidence()) std::cout << "; evidence: " << RefText(id.erasure_evidence());
      std::cout << "\n";
      break;
    case pdl::v1::IDENTITY_STATUS_NONE:
      std::cout << "none recorded\n";
      break;
    default:
      std::cout << "not available on this server\n";
  }

  std::cout << "\nHeld data (where, what, since, why, legal basis, until when):\n";
  if (r.holdings().empty()) std::cout << "  none\n";
  for (const auto& h : r.holdings()) {
    std::cout << absl::StrFormat("  %-16s %-32s %-8s since %s  for %s  basis %s  retain until %s\n", h.system(),
                                 h.category(), h.status() == pdl::v1::HOLDING_STATUS_HELD ? "held" : "deleted",
                                 Day(h.since()), Join(h.purposes()), JoinEnums(h.legal_bases(), Basis),
                                 h.has_retain_until() ? Day(h.retain_until()) : "-");
    if (h.status() == pdl::v1::HOLDING_STATUS_DELETED) {
      std::cout << "      deleted " << When(h.deleted_at()) << " (" << Reason(h.deletion_reason()) << ") by "
                << RefText(h.deleted_by()) << "\n";
    }
  }

  std::cout << "\nSources:\n";
  if (r.sources().empty()) std::cout << "  none\n";
  for (const auto& s : r.sources()) {
    std::cout << "  " << s.source() << " (" << Method(s.method()) << "): " << Join(s.categories()) << ", since "
              << Day(s.first_seen()) << "\n";
  }

  std::cout << "\nRecipients:\n";
  if (r.recipients().empty()) std::cout << "  none\n";
  for (const auto& rc : r.recipients()) {
    std::cout << "  " << RecipientName(rc.recipient()) << " (" << rc.recipient().category()
              << (rc.recipient().country().empty() ? "" : absl::StrCat(", ", rc.recipient().country()))
              << "): " << Join(rc.categories());
    if (!rc.purposes().empty()) std::cout << " for " << Join(rc.purposes());
    std::cout << "; " << rc.disclosures() << " disclosure(s), " << rc.transfers() << " transfer(s), "
              << Day(rc.first_at()) << " .. " << Day(rc.last_at()) << "\n";
  }

  std::cout << "\nTransfers to other countries (with their safeguard):\n";
  if (r.transfers().empty()) std::cout << "  none\n";
  for (const auto& t : r.transfers()) {
    std::cout << "  " << t.destination_country() << " to " << RecipientName(t.recipient()) << " under "
              << (t.mechanism() == pdl::v1::TRANSFER_MECHANISM_UNSPECIFIED ? "NO MECHANISM" : Mechanism(t.mechanism()))
              << (t.mechanism_ref().empty() ? "" : absl::StrCat(" (", t.mechanism_ref(), ")")) << ": "
              << Join(t.categories()) << "; " << t.count() << " time(s), " << Day(t.first_at()) << " .. "
              << Day(t.last_at()) << "\n";
  }

  std::cout << "\nConsents:\n";
  if (r.consents().empty()) std::cout << "  none\n";
  for (const auto& c : r.consents()) {
    std::cout << "  " << c.consent_id() << (c.scope().empty() ? "" : absl::StrCat(" (", c.scope(), ")")) << ": "
              << (c.status() == pdl::v1::CONSENT_STATUS_GIVEN ? "given" : "withdrawn");
    if (c.has_given_at()) std::cout << ", given " << When(c.given_at());
    if (c.has_withdrawn_at()) std::cout << ", withdrawn " << When(c.withdrawn_at());
    if (!c.purposes().empty()) std::cout << ", for " << Join(c.purposes());
    std::cout << "\n";
  }

  std::cout << "\nRights requests:\n";
  if (r.rights_requests().empty()) std::cout << "  none\n";
  for (const auto& q : r.rights_requests()) {
    std::cout << "  " << q.request_id() << " (" << Right(q.right()) << ")";
    if (q.has_opened_at()) std::cout << ": opened " << When(q.opened_at()) << ", due " << When(q.due_at());
    if (q.status() == pdl::v1::RIGHTS_REQUEST_STATUS_CLOSED) {
      std::cout << ", closed " << When(q.closed_at()) << " (" << Outcome(q.outcome()) << ")";
    } else {
      std::cout << (q.overdue() ? ", OPEN AND OVERDUE" : ", open");
    }
    std::cout << "\n";
  }

  std::cout << "\nFindings:\n";
  if (r.findings().empty()) std::cout << "  none\n";
  for (const auto& f : r.findings()) {
    std::cout << "  " << When(f.occurred_at()) << " " << SeverityWord(f.severity()) << " " << f.rule_id() << ": "
              << f.explanation() << " (event " << f.event().event_id() << ", policy "
              << (f.policy_version().empty() ? "none" : f.policy_version()) << ")\n";
  }
}

int CmdReport(const Globals& g, const std::string& subject, const std::string& as_of, bool json) {
  pdl::v1::GetSubjectReportRequest request;
  request.set_subject_id(subject);
  if (!SetTimeFlag("--as-of", as_of, [&] { return request.mutable_as_of(); })) return kExitUsage;
  auto stub = pdl::v1::AuditService::NewStub(Connect(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  pdl::v1::GetSubjectReportResponse response;
  grpc::Status status = stub->GetSubjectReport(&context, request, &response);
  if (!status.ok()) return Report(status, g, context);
  if (json || g.json) {
    std::cout << ToJson(response, true) << "\n";
  } else {
    PrintReport(response);
  }
  return kExitOk;
}

// Fetches every page of a list call: `call(context, request, response)` then `each(response)`.
template <typename Request, typename Response, typename Call, typename Each>
int AllPages(const Globals& g, Request request, Call&& call, Each&& each, const std::string& header = "") {
  bool first = true;
  do {
    grpc::ClientContext context;
    SetDeadline(&context, g);
    Response response;
    grpc::Status status = call(&context, request, &response);
    if (!status.ok()) return Report(status, g, context);
    if (first) std::cout << header;  // Once the server has answered: no table head above an error.
    first = false;
    each(response);
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return kExitOk;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\"", "\"\""}}), "\"");
}

int CmdRopa(const Globals& g, const std::string& format, const std::string& purpose) {
  pdl::v1::GetRecordsOfProcessingRequest request;
  request.set_purpose(purpose);
  request.set_page_size(1000);
  auto stub = pdl::v1::AuditService::NewStub(Connect(g));
  pdl::v1::GetRecordsOfProcessingResponse all;
  const int rc = AllPages<pdl::v1::GetRecordsOfProcessingRequest, pdl::v1::GetRecordsOfProcessingResponse>(
      g, request, [&](grpc::ClientContext* c, const auto& q, auto* r) { return stub->GetRecordsOfProcessing(c, q, r); },
      [&](const pdl::v1::GetRecordsOfProcessingResponse& page) {
        for (const auto& a : page.activities()) *all.add_activities() = a;
        all.set_policy_version(page.policy_version());
      });
  if (rc != kExitOk) return rc;
  if (format == "json" || (format.empty() && g.json)) {
    std::cout << ToJson(all, true) << "\n";
    return kExitOk;
  }
  if (format == "csv") {
    std::cout << "purpose,category,subject_kind,recipient_category,destination_country,event_count,first_seen,"
                 "last_seen,legal_bases,retention_rules,declaration,undeclared\n";
    for (const auto& a : all.activities()) {
      auto row = [&](const std::vector<std::string>& cells) {
        std::vector<std::string> quoted;
        for (const auto& c : cells) quoted.push_back(CsvField(c));
        std::cout << absl::StrJoin(quoted, ",") << "\n";
      };
      if (a.entries().empty()) {
        row({a.purpose(), "", "", "", "", "0", "", "", "", "", DeclarationWord(a.declaration()), ""});
      }
      for (const auto& e : a.entries()) {
        row({a.purpose(), e.category(), e.subject_kind(), e.recipient_category(), e.destination_country(),
             absl::StrCat(e.event_count()), When(e.first_seen()), When(e.last_seen()),
             JoinEnums(e.legal_bases(), Basis), absl::StrJoin(e.retention_rules(), ";"),
             DeclarationWord(e.declaration()), absl::StrJoin(e.undeclared(), ";")});
      }
    }
    return kExitOk;
  }
  std::cout << "Records of processing (GDPR Art. 30), as observed"
            << (all.policy_version().empty() ? "" : absl::StrCat(", compared with policy ", all.policy_version()))
            << "\n";
  for (const auto& a : all.activities()) {
    std::cout << "\n" << (a.purpose().empty() ? "(transfers; no purpose stated)" : a.purpose());
    if (a.declaration() != pdl::v1::DECLARATION_UNSPECIFIED)
      std::cout << "  [" << DeclarationWord(a.declaration()) << "]";
    std::cout << "\n  events:          " << a.event_count();
    if (a.event_count() > 0) std::cout << " (" << Day(a.first_seen()) << " .. " << Day(a.last_seen()) << ")";
    std::cout << "\n  categories:      " << Join(a.categories()) << "\n  subject kinds:   " << Join(a.subject_kinds())
              << "\n  recipients:      " << (a.recipient_categories().empty() ? "-" : Join(a.recipient_categories()))
              << "\n  destinations:    " << (a.destination_countries().empty() ? "-" : Join(a.destination_countries()))
              << "\n  legal bases:     " << (a.legal_bases().empty() ? "-" : JoinEnums(a.legal_bases(), Basis))
              << "\n  retention rules: " << (a.retention_rules().empty() ? "-" : Join(a.retention_rules())) << "\n";
    if (!a.undeclared().empty()) std::cout << "  undeclared:      " << Join(a.undeclared()) << "\n";
  }
  return kExitOk;
}

int CmdTransfers(const Globals& g, const std::string& destination, const std::vector<std::string>& mechanisms,
                 const std::string& from, const std::string& to, bool json, bool count) {
  pdl::v1::ListTransfersRequest request;
  request.set_destination_country(destination);
  request.set_page_size(1000);
  request.set_count_only(count);
  for (const auto& m : mechanisms) {
    pdl::v1::TransferMechanism value;
    if (!pdl::v1::TransferMechanism_Parse("TRANSFER_MECHANISM_" + absl::AsciiStrToUpper(m), &value)) {
      return UsageError(absl::StrCat("--mechanism '", m,
                                     "': want unspecified, adequacy, scc, bcr, code_of_conduct, certification, "
                                     "derogation_consent, derogation_contract or derogation_other"));
    }
    request.add_mechanisms(value);
  }
  if (!SetTimeFlag("--from", from, [&] { return request.mutable_time_range()->mutable_start_time(); }) ||
      !SetTimeFlag("--to", to, [&] { return request.mutable_time_range()->mutable_end_time(); })) {
    return kExitUsage;
  }
  if (count) {
    auto stub = pdl::v1::AuditService::NewStub(Connect(g));
    grpc::ClientContext context;
    SetDeadline(&context, g);
    pdl::v1::ListTransfersResponse response;
    grpc::Status status = stub->ListTransfers(&context, request, &response);
    if (!status.ok()) return Report(status, g, context);
    std::cout << response.total_size() << "\n";
    return kExitOk;
  }
  const std::string header =
      json || g.json ? std::string()
                     : absl::StrFormat("%-27s %-4s %-20s %-24s %-24s %-20s %s\n", "OCCURRED_AT", "TO", "MECHANISM",
                                       "REFERENCE", "RECIPIENT", "SUBJECT", "CATEGORIES");
  auto stub = pdl::v1::AuditService::NewStub(Connect(g));
  size_t shown = 0;
  const int rc = AllPages<pdl::v1::ListTransfersRequest, pdl::v1::ListTransfersResponse>(
      g, request, [&](grpc::ClientContext* c, const auto& q, auto* r) { return stub->ListTransfers(c, q, r); },
      [&](const pdl::v1::ListTransfersResponse& page) {
        for (const auto& t : page.transfers()) {
          ++shown;
          if (json || g.json) {
            std::cout << ToJson(t, false) << "\n";
            continue;
          }
          std::cout << absl::StrFormat("%-27s %-4s %-20s %-24s %-24s %-20s %s\n", When(t.occurred_at()),
                                       t.destination_country(), t.mechanism() == 0 ? "NONE" : Mechanism(t.mechanism()),
                                       t.mechanism_ref(), RecipientName(t.recipient()), t.subject_id(),
                                       Join(t.categories()));
        }
      },
      header);
  if (rc == kExitOk && !json && !g.json) std::cerr << Counted(shown, "transfer") << "\n";
  return rc;
}

int CmdDisclosures(const Globals& g, const std::string& recipient, const std::string& category, const std::string& from,
                   const std::string& to, bool json) {
  pdl::v1::ListDisclosuresRequest request;
  request.set_recipient_id(recipient);
  request.set_recipient_category(category);
  request.set_page_size(1000);
  if (!SetTimeFlag("--from", from, [&] { return request.mutable_time_range()->mutable_start_time(); }) ||
      !SetTimeFlag("--to", to, [&] { return request.mutable_time_range()->mutable_end_time(); })) {
    return kExitUsage;
  }
  const std::string header =
      json || g.json ? std::string()
                     : absl::StrFormat("%-27s %-28s %-22s %-20s %-30s %s\n", "OCCURRED_AT", "RECIPIENT", "CATEGORY",
                                       "SUBJECT", "DATA", "PURPOSES");
  auto stub = pdl::v1::AuditService::NewStub(Connect(g));
  size_t shown = 0;
  const int rc = AllPages<pdl::v1::ListDisclosuresRequest, pdl::v1::ListDisclosuresResponse>(
      g, request, [&](grpc::ClientContext* c, const auto& q, auto* r) { return stub->ListDisclosures(c, q, r); },
      [&](const pdl::v1::ListDisclosuresResponse& page) {
        for (const auto& d : page.disclosures()) {
          ++shown;
          if (json || g.json) {
            std::cout << ToJson(d, false) << "\n";
            continue;
          }
          std::cout << absl::StrFormat("%-27s %-28s %-22s %-20s %-30s %s\n", When(d.occurred_at()),
                                       RecipientName(d.recipient()), d.recipient().category(), d.subject_id(),
                                       Join(d.categories()), Join(d.purposes()));
        }
      },
      header);
  if (rc == kExitOk && !json && !g.json) std::cerr << Counted(shown, "disclosure") << "\n";
  return rc;
}

int CmdFindings(const Globals& g, const std::string& from, const std::string& to, const std::string& rule,
                const std::string& severity, const std::string& subject, bool json) {
  pdl::v1::ListFindingsRequest request;
  request.set_rule_id(rule);
  request.set_subject_id(subject);
  request.set_page_size(1000);
  if (!severity.empty()) {
    pdl::v1::Severity value;
    if (!pdl::v1::Severity_Parse("SEVERITY_" + absl::AsciiStrToUpper(severity), &value)) {
      return UsageError(absl::StrCat("--min-severity '", severity, "': want info, low, medium or high"));
    }
    request.set_min_severity(value);
  }
  if (!SetTimeFlag("--from", from, [&] { return request.mutable_time_range()->mutable_start_time(); }) ||
      !SetTimeFlag("--to", to, [&] { return request.mutable_time_range()->mutable_end_time(); })) {
    return kExitUsage;
  }
  const std::string header =
      json || g.json ? std::string()
                     : absl::StrFormat("%-27s %-8s %-32s %-20s %-24s %-12s %s\n", "OCCURRED_AT", "SEVERITY", "RULE",
                                       "SUBJECT", "EVENT", "POLICY", "EXPLANATION");
  auto stub = pdl::v1::AuditService::NewStub(Connect(g));
  size_t shown = 0;
  const int rc = AllPages<pdl::v1::ListFindingsRequest, pdl::v1::ListFindingsResponse>(
      g, request, [&](grpc::ClientContext* c, const auto& q, auto* r) { return stub->ListFindings(c, q, r); },
      [&](const pdl::v1::ListFindingsResponse& page) {
        for (const auto& f : page.findings()) {
          ++shown;
          if (json || g.json) {
            std::cout << ToJson(f, false) << "\n";
            continue;
          }
          std::cout << absl::StrFormat("%-27s %-8s %-32s %-20s %-24s %-12s %s\n", When(f.occurred_at()),
                                       SeverityWord(f.severity()), f.rule_id(), f.subject_id(), f.event().event_id(),
                                       f.policy_version().empty() ? "-" : f.policy_version(), f.explanation());
        }
      },
      header);
  if (rc == kExitOk && !json && !g.json) std::cerr << Counted(shown, "finding") << "\n";
  return rc;
}

int CmdRequests(const Globals& g, const std::string& status, bool overdue, const std::string& as_of,
                const std::string& subject, bool json) {
  pdl::v1::ListRightsRequestsRequest request;
  if (status == "open") request.set_status(pdl::v1::RIGHTS_REQUEST_STATUS_OPEN);
  if (status == "closed") request.set_status(pdl::v1::RIGHTS_REQUEST_STATUS_CLOSED);
  request.set_overdue_only(overdue);
  request.set_subject_id(subject);
  request.set_page_size(1000);
  if (!SetTimeFlag("--as-of", as_of, [&] { return request.mutable_as_of(); })) return kExitUsage;
  const std::string header =
      json || g.json ? std::string()
                     : absl::StrFormat("%-24s %-20s %-14s %-27s %-27s %-8s %s\n", "REQUEST", "SUBJECT", "RIGHT",
                                       "OPENED", "DUE", "STATUS", "CLOSED");
  auto stub = pdl::v1::AuditService::NewStub(Connect(g));
  size_t shown = 0;
  const int rc = AllPages<pdl::v1::ListRightsRequestsRequest, pdl::v1::ListRightsRequestsResponse>(
      g, request, [&](grpc::ClientContext* c, const auto& q, auto* r) { return stub->ListRightsRequests(c, q, r); },
      [&](const pdl::v1::ListRightsRequestsResponse& page) {
        for (const auto& q : page.requests()) {
          ++shown;
          if (json || g.json) {
            std::cout << ToJson(q, false) << "\n";
            continue;
          }
          const bool closed = q.status() == pdl::v1::RIGHTS_REQUEST_STATUS_CLOSED;
          std::cout << absl::StrFormat(
              "%-24s %-20s %-14s %-27s %-27s %-8s %s\n", q.request_id(), q.subject_id(), Right(q.right()),
              q.has_opened_at() ? When(q.opened_at()) : "-", q.has_due_at() ? When(q.due_at()) : "-",
              closed ? "closed" : (q.overdue() ? "OVERDUE" : "open"),
              closed ? absl::StrCat(When(q.closed_at()), " (", Outcome(q.outcome()), ")") : "");
        }
      },
      header);
  if (rc == kExitOk && !json && !g.json) std::cerr << Counted(shown, "request") << "\n";
  return rc;
}

int CmdRetentionDue(const Globals& g, const std::string& before, const std::string& system, bool json) {
  pdl::v1::ListRetentionDueRequest request;
  request.set_system(system);
  request.set_page_size(1000);
  if (!SetTimeFlag("--before", before, [&] { return request.mutable_due_before(); })) return kExitUsage;
  const std::string header =
      json || g.json ? std::string()
                     : absl::StrFormat("%-27s %-27s %-20s %-16s %-32s %s\n", "RETAIN_UNTIL", "OVERDUE_AFTER",
                                       "SUBJECT", "SYSTEM", "CATEGORY", "NOTICE");
  auto stub = pdl::v1::AuditService::NewStub(Connect(g));
  size_t shown = 0;
  const int rc = AllPages<pdl::v1::ListRetentionDueRequest, pdl::v1::ListRetentionDueResponse>(
      g, request, [&](grpc::ClientContext* c, const auto& q, auto* r) { return stub->ListRetentionDue(c, q, r); },
      [&](const pdl::v1::ListRetentionDueResponse& page) {
        for (const auto& d : page.due()) {
          ++shown;
          if (json || g.json) {
            std::cout << ToJson(d, false) << "\n";
            continue;
          }
          std::cout << absl::StrFormat("%-27s %-27s %-20s %-16s %-32s %s\n", When(d.retain_until()),
                                       d.has_overdue_at() ? When(d.overdue_at()) : "-", d.subject_id(), d.system(),
                                       d.category(), d.notice_id());
        }
      },
      header);
  if (rc == kExitOk && !json && !g.json) std::cerr << Counted(shown, "holding") << " due\n";
  return rc;
}

void PrintRebuild(const pdl::v1::RebuildProjectionsResponse& r, bool digest_only, bool json) {
  if (json) {
    std::cout << ToJson(r, false) << "\n";
    return;
  }
  if (digest_only) {
    std::cout << "read-model digest: " << r.digest_after() << "\n";
    return;
  }
  std::cout << "rebuilt the read models from " << r.events() << " sealed events in " << r.duration_ms() << " ms\n"
            << "digest before: " << r.digest_before() << "\n"
            << "digest after:  " << r.digest_after() << "\n"
            << (r.identical() ? "identical: the read models equal a replay of the log\n"
                              : "DIFFERENT: the read models did not match the log; they are now rebuilt from it\n");
}

// Offline, on a stopped node's data directory: the same models and retention rules as ledgerd's.
absl::StatusOr<pdl::v1::RebuildProjectionsResponse> RebuildOffline(const std::string& data_dir, bool digest_only) {
  const std::string path = (std::filesystem::path(data_dir) / "db").string();
  if (!std::filesystem::exists(path)) {
    return absl::InvalidArgumentError(absl::StrCat("--data-dir: no ledger store at ", path));
  }
  auto store = Store::Open({.path = path});
  if (!store.ok()) {
    return absl::UnavailableError(absl::StrCat(store.status().message(),
                                               "\n(the store is locked while ledgerd runs: stop it first, or run "
                                               "`ledgerctl rebuild` without --data-dir)"));
  }
  pdl::v1::RebuildProjectionsResponse out;
  const absl::Time start = absl::Now();
  if (digest_only) {
    auto digest = ReadModelDigest(**store, ReadModelFamilies());
    if (!digest.ok()) return digest.status();
    out.set_digest_before(*digest);
    out.set_digest_after(*digest);
  } else {
    auto registry = PolicyRegistry::Open(store->get());
    if (!registry.ok()) return registry.status();
    auto models = MakeReadModels(PolicyReadModelOptions(registry->get()));
    auto result = RebuildReadModels(**store, ModelPointers(models), ReadModelFamilies());
    if (!result.ok()) return result.status();
    out.set_events(result->events);
    out.set_digest_before(result->digest_before);
    out.set_digest_after(result->digest_after);
  }
  out.set_identical(out.digest_before() == out.digest_after());
  out.set_duration_ms(absl::ToInt64Milliseconds(absl::Now() - start));
  return out;
}

int CmdRebuild(const Globals& g, const std::string& data_dir, bool digest_only, bool json) {
  if (!data_dir.empty()) {
    if (!digest_only) std::cerr << "rebuilding the read models of " << data_dir << " ...\n";
    auto result = RebuildOffline(data_dir, digest_only);
    if (!result.ok()) {
      std::cerr << "ledgerctl: rebuild failed: " << result.status().message() << "\n";
      return result.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitServerError;
    }
    PrintRebuild(*result, digest_only, json || g.json);
    return kExitOk;
  }
  pdl::v1::RebuildProjectionsRequest request;
  request.set_digest_only(digest_only);
  auto stub = pdl::v1::AdminService::NewStub(Connect(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  if (!digest_only) std::cerr << "rebuilding the read models on " << g.server << " (sealing waits meanwhile) ...\n";
  pdl::v1::RebuildProjectionsResponse response;
  grpc::Status status = stub->RebuildProjections(&context, request, &response);
  if (!status.ok()) return Report(status, g, context);
  PrintRebuild(response, digest_only, json || g.json);
  return kExitOk;
}

}  // namespace

void AddAuditCommands(CLI::App& app, const Globals& g, std::vector<Command>& commands) {
  struct ReportArgs {
    std::string subject, as_of;
    bool json = false;
  };
  auto r = std::make_shared<ReportArgs>();
  auto* report = app.add_subcommand("report",
                                    "A data subject's GDPR Art. 15 report: identity, held data, sources, "
                                    "recipients, transfers, consents, requests, findings");
  report->add_option("subject", r->subject, "Subject id (the pseudonym, e.g. an account id)")->required();
  report->add_option("--as-of", r->as_of, "The report as it stood at this RFC 3339 time (default now)");
  report->add_flag("--json", r->json, "The report as protobuf JSON");
  commands.push_back({report, [&g, r] { return CmdReport(g, r->subject, r->as_of, r->json); }});

  struct RopaArgs {
    std::string format = "table", purpose;
  };
  auto ro = std::make_shared<RopaArgs>();
  auto* ropa = app.add_subcommand("ropa", "The GDPR Art. 30 records of processing as observed, per purpose");
  ropa->add_option("--format", ro->format, "table, csv (one line per observed combination) or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "csv", "json"}));
  ropa->add_option("--purpose", ro->purpose, "Only this purpose and those under it");
  commands.push_back({ropa, [&g, ro] { return CmdRopa(g, ro->format, ro->purpose); }});

  struct ListArgs {
    std::string destination, recipient, category, from, to, rule, severity, subject, status, as_of, before, system;
    std::vector<std::string> mechanisms;
    bool overdue = false;
    bool json = false;
    bool count = false;
  };
  auto t = std::make_shared<ListArgs>();
  auto* transfers = app.add_subcommand("transfers", "Transfers by destination country, mechanism and time");
  transfers->add_option("--destination", t->destination, "ISO 3166-1 alpha-2 country (default: all)");
  transfers->add_option("--mechanism", t->mechanisms, "Only this mechanism (repeatable), e.g. scc, unspecified");
  transfers->add_option("--from", t->from, "At or after this RFC 3339 time");
  transfers->add_option("--to", t->to, "Before this RFC 3339 time");
  transfers->add_flag("--json", t->json, "JSON lines");
  transfers->add_flag("--count", t->count, "Only print how many transfers match");
  commands.push_back({transfers, [&g, t] {
                        return CmdTransfers(g, t->destination, t->mechanisms, t->from, t->to, t->json, t->count);
                      }});

  auto d = std::make_shared<ListArgs>();
  auto* disclosures = app.add_subcommand("disclosures", "Disclosures to a recipient or recipient category");
  disclosures->add_option("--recipient", d->recipient, "Recipient id (or name when it has no id)");
  disclosures->add_option("--category", d->category, "Recipient category, e.g. processor");
  disclosures->add_option("--from", d->from, "At or after this RFC 3339 time");
  disclosures->add_option("--to", d->to, "Before this RFC 3339 time");
  disclosures->add_flag("--json", d->json, "JSON lines");
  commands.push_back(
      {disclosures, [&g, d] { return CmdDisclosures(g, d->recipient, d->category, d->from, d->to, d->json); }});

  auto f = std::make_shared<ListArgs>();
  auto* findings = app.add_subcommand("findings", "Policy findings by time, rule, severity or subject");
  findings->add_option("--from", f->from, "At or after this RFC 3339 time");
  findings->add_option("--to", f->to, "Before this RFC 3339 time");
  findings->add_option("--rule", f->rule, "Only this rule id");
  findings->add_option("--min-severity", f->severity, "info, low, medium or high");
  findings->add_option("--subject", f->subject, "Only this subject");
  findings->add_flag("--json", f->json, "JSON lines");
  commands.push_back(
      {findings, [&g, f] { return CmdFindings(g, f->from, f->to, f->rule, f->severity, f->subject, f->json); }});

  auto q = std::make_shared<ListArgs>();
  auto* requests = app.add_subcommand("requests", "Rights requests, their one-month deadlines and overdue ones");
  requests->add_option("--status", q->status, "open or closed (default: both)")
      ->check(CLI::IsMember({"open", "closed"}));
  requests->add_flag("--overdue", q->overdue, "Only requests open past their deadline");
  requests->add_option("--as-of", q->as_of, "Evaluate status and deadlines at this RFC 3339 time (default now)");
  requests->add_option("--subject", q->subject, "Only this subject");
  requests->add_flag("--json", q->json, "JSON lines");
  commands.push_back(
      {requests, [&g, q] { return CmdRequests(g, q->status, q->overdue, q->as_of, q->subject, q->json); }});

  auto due = std::make_shared<ListArgs>();
  auto* retention = app.add_subcommand("retention-due", "Open holdings whose retain_until has passed (or will)");
  retention->add_option("--before", due->before, "Only retain_until before this RFC 3339 time (default: all)");
  retention->add_option("--system", due->system, "Only this system");
  retention->add_flag("--json", due->json, "JSON lines");
  commands.push_back({retention, [&g, due] { return CmdRetentionDue(g, due->before, due->system, due->json); }});

  struct RebuildArgs {
    std::string data_dir;
    bool digest_only = false;
    bool json = false;
  };
  auto rb = std::make_shared<RebuildArgs>();
  auto* rebuild = app.add_subcommand(
      "rebuild",
      "Rebuild every read model from the sealed log and prove it with a digest taken before and after (equal "
      "digests: the read models were exactly what the log implies). Runs on the node over gRPC; with --data-dir, "
      "offline on a stopped node's data directory");
  rebuild->add_option("--data-dir", rb->data_dir, "A stopped node's data directory (ledgerd --data-dir)");
  rebuild->add_flag("--digest-only", rb->digest_only, "Only print the digest of the read models; rebuild nothing");
  rebuild->add_flag("--json", rb->json, "The result as JSON");
  commands.push_back({rebuild, [&g, rb] { return CmdRebuild(g, rb->data_dir, rb->digest_only, rb->json); }});
}

}  // namespace pdl::ctl
