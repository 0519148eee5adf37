#include "services/ctl/ctl_common.h"

#include <cstdlib>
#include <thread>
#include <fstream>
#include <iostream>
#include <sstream>

#include "ledger/sv.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "ledger/event_codec.h"
#include "pdl/v1/admin_service.grpc.pb.h"
#include "pdl/v1/audit_service.grpc.pb.h"
#include "pdl/v1/ingest_service.grpc.pb.h"

namespace pdl::ctl {
namespace {

// One JSON object, a JSON array of objects, or one object per line (NDJSON).
absl::StatusOr<std::vector<pdl::v1::PrivacyEvent>> ParseEvents(const std::string& text) {
  std::vector<pdl::v1::PrivacyEvent> events;
  absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (trimmed.empty()) return absl::InvalidArgumentError("no event in the input");
  google::protobuf::util::JsonParseOptions options;
  auto parse_one = [&](absl::string_view json, absl::string_view where) -> absl::Status {
    pdl::v1::PrivacyEvent event;
    auto s = google::protobuf::util::JsonStringToMessage(std::string(json), &event, options);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": not a pdl.v1.PrivacyEvent in protobuf JSON: ", s.message().as_string()));
    }
    events.push_back(std::move(event));
    return absl::OkStatus();
  };
  if (trimmed.front() == '[') {
    google::protobuf::Value list;
    auto s = google::protobuf::util::JsonStringToMessage(std::string(trimmed), &list, options);
    if (!s.ok() || !list.has_list_value()) return absl::InvalidArgumentError("input is not a JSON array of events");
    for (int i = 0; i < list.list_value().values_size(); ++i) {
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(list.list_value().values(i), &json);
      if (absl::Status st = parse_one(json, absl::StrCat("element ", i)); !st.ok()) return st;
    }
    return events;
  }
  // A single (possibly multi-line) object, else NDJSON.
  if (parse_one(trimmed, "input").ok()) return events;
  events.clear();
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(trimmed, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (absl::Status st = parse_one(line, absl::StrCat("line ", line_no)); !st.ok()) return st;
  }
  return events;
}

void PrintReceipt(const pdl::v1::PublishReceipt& r, bool json) {
  if (json) {
    std::cout << ToJson(r, false) << "\n";
    return;
  }
  std::cout << absl::StrFormat("%-36s partition=%u offset=%d%s%s\n", r.event_id(), r.partition(), r.offset(),
                               r.has_seq() ? absl::StrCat(" seq=", r.seq()) : "",
                               r.duplicate() ? " (duplicate: already sealed, not applied again)" : "");
}

int CmdPublish(const Globals& g, const std::string& path, const std::string& wait) {
  auto text = ReadInput(path);
  if (!text.ok()) {
    std::cerr << "ledgerctl: " << text.status().message() << "\n";
    return kExitUsage;
  }
  auto events = ParseEvents(*text);
  if (!events.ok()) {
    std::cerr << "ledgerctl: " << events.status().message() << "\n";
    return kExitUsage;
  }
  const auto mode = wait == "sealed" ? pdl::v1::PUBLISH_WAIT_SEALED : pdl::v1::PUBLISH_WAIT_DURABLE;
  auto stub = pdl::v1::IngestService::NewStub(Connect(g));
  if (events->size() == 1) {
    grpc::ClientContext context;
    SetDeadline(&context, g);
    pdl::v1::PublishRequest request;
    *request.mutable_event() = (*events)[0];
    request.set_wait(mode);
    pdl::v1::PublishReceipt receipt;
    grpc::Status status = stub->Publish(&context, request, &receipt);
    if (!status.ok()) return Report(status, g, context);
    PrintReceipt(receipt, g.json);
    return kExitOk;
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(g.timeout_s + events->size() / 100));
  auto stream = stub->PublishStream(&context);
  std::thread writer([&] {
    for (const auto& event : *events) {
      pdl::v1::PublishRequest request;
      *request.mutable_event() = event;
      request.set_wait(mode);
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  pdl::v1::PublishReceipt receipt;
  size_t received = 0;
  while (stream->Read(&receipt)) {
    PrintReceipt(receipt, g.json);
    if (++received % 10000 == 0 && !g.json) std::cerr << "published " << received << "/" << events->size() << "\n";
  }
  writer.join();
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    std::cerr << "ledgerctl: " << received << " of " << events->size() << " events acknowledged before the error\n";
    return Report(status, g, context);
  }
  if (!g.json) std::cerr << "published " << received << " events\n";
  return kExitOk;
}

absl::StatusOr<absl::Time> ParseTimeFlag(const std::string& flag, const std::string& value) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, value, &t, &err)) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " '", value, "': want RFC 3339, e.g. 2023-05-08T10:00:00Z"));
  }
  return t;
}

std::string Summary(const pdl::v1::PrivacyEvent& e) {
  auto cats = [](const auto& repeated) { return absl::StrJoin(repeated, ","); };
  switch (e.action_case()) {
    case pdl::v1::PrivacyEvent::kDataCollected:
      return absl::StrCat(cats(e.data_collected().categories()), " for ", cats(e.data_collected().purposes()),
                          " in ", e.data_collected().system());
    case pdl::v1::PrivacyEvent::kDataUsed:
      return absl::StrCat(cats(e.data_used().categories()), " for ", cats(e.data_used().purposes()));
    case pdl::v1::PrivacyEvent::kDataShared:
      return absl::StrCat(cats(e.data_shared().categories()), " -> ", e.data_shared().recipient().name(), " (",
                          e.data_shared().recipient().category(), ")");
    case pdl::v1::PrivacyEvent::kDataTransferred:
      return absl::StrCat(cats(e.data_transferred().categories()), " -> ", e.data_transferred().destination_country(),
                          " via ", pdl::v1::TransferMechanism_Name(e.data_transferred().mechanism()));
    case pdl::v1::PrivacyEvent::kDataRectified:
      return absl::StrCat(cats(e.data_rectified().categories()), " in ", e.data_rectified().system());
    case pdl::v1::PrivacyEvent::kDataDeleted:
      return absl::StrCat(e.data_deleted().categories().empty() ? "all" : cats(e.data_deleted().categories()),
                          " from ", e.data_deleted().system());
    case pdl::v1::PrivacyEvent::kConsentGiven:
      return absl::StrCat(e.consent_given().consent_id(), " for ", cats(e.consent_given().purposes()));
    case pdl::v1::PrivacyEvent::kConsentWithdrawn:
      return e.consent_withdrawn().consent_id();
    case pdl::v1::PrivacyEvent::kRightsRequestOpened:
      return absl::StrCat(e.rights_request_opened().request_id(), " ",
                          pdl::v1::SubjectRight_Name(e.rights_request_opened().right()));
    case pdl::v1::PrivacyEvent::kRightsRequestClosed:
      return absl::StrCat(e.rights_request_closed().request_id(), " ",
                          pdl::v1::RequestOutcome_Name(e.rights_request_closed().outcome()));
    default:
      return "";
  }
}

int CmdHistory(const Globals& g, const std::string& subject, const std::string& from, const std::string& to,
               const std::vector<std::string>& actions, int page_size) {
  pdl::v1::GetSubjectHistoryRequest request;
  request.set_subject_id(subject);
  request.set_page_size(page_size);
  if (!from.empty()) {
    auto t = ParseTimeFlag("--from", from);
    if (!t.ok()) {
      std::cerr << "ledgerctl: " << t.status().message() << "\n";
      return kExitUsage;
    }
    SetTimestamp(request.mutable_time_range()->mutable_start_time(), *t);
  }
  if (!to.empty()) {
    auto t = ParseTimeFlag("--to", to);
    if (!t.ok()) {
      std::cerr << "ledgerctl: " << t.status().message() << "\n";
      return kExitUsage;
    }
    SetTimestamp(request.mutable_time_range()->mutable_end_time(), *t);
  }
  for (const std::string& a : actions) {
    pdl::v1::EventAction action;
    if (!pdl::v1::EventAction_Parse("EVENT_ACTION_" + absl::AsciiStrToUpper(a), &action) ||
        action == pdl::v1::EVENT_ACTION_UNSPECIFIED) {
      std::cerr << "ledgerctl: --action '" << a << "': want one of data_collected, data_used, data_shared, "
                << "data_transferred, data_rectified, data_deleted, consent_given, consent_withdrawn, "
                << "rights_request_opened, rights_request_closed\n";
      return kExitUsage;
    }
    request.add_actions(action);
  }
  auto stub = pdl::v1::AuditService::NewStub(Connect(g));
  size_t shown = 0;
  if (!g.json) {
    std::cout << absl::StrFormat("%-27s %-22s %-9s %-8s %-8s %-20s %s\n", "OCCURRED_AT", "ACTION", "PARTITION",
                                 "SEQ", "OFFSET", "SOURCE", "WHAT");
  }
  do {
    grpc::ClientContext context;
    SetDeadline(&context, g);
    pdl::v1::GetSubjectHistoryResponse response;
    grpc::Status status = stub->GetSubjectHistory(&context, request, &response);
    if (!status.ok()) return Report(status, g, context);
    for (const auto& entry : response.entries()) {
      ++shown;
      if (g.json) {
        std::cout << ToJson(entry, false) << "\n";
        continue;
      }
      const auto& e = entry.event();
      std::cout << absl::StrFormat("%-27s %-22s %-9u %-8u %-8d %-20s %s%s\n", FormatRfc3339(ToTime(e.occurred_at())),
                                   ActionName(ActionOf(e)), entry.partition(), entry.seq(), entry.kafka_offset(),
                                   e.source(), Summary(e),
                                   e.subject().has_sealed_identity() ? "  [identity sealed]" : "");
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  if (!g.json) std::cerr << shown << " events\n";
  return kExitOk;
}

int CmdStatus(const Globals& g) {
  auto stub = pdl::v1::AdminService::NewStub(Connect(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  pdl::v1::GetStatsResponse stats;
  grpc::Status status = stub->GetStats(&context, pdl::v1::GetStatsRequest(), &stats);
  if (!status.ok()) return Report(status, g, context);
  if (g.json) {
    std::cout << ToJson(stats, true) << "\n";
    return kExitOk;
  }
  std::cout << "kafka:      " << stats.kafka_mode() << " " << stats.kafka_bootstrap() << "\n"
            << "sealed:     " << stats.sealed_total() << "\n"
            << "duplicates: " << stats.duplicates_total() << "\n"
            << "rejected:   " << stats.rejected_total() << " (see topic pdl.events.rejected.v1)\n"
            << "outbox:     " << stats.outbox_pending() << " accepted, not sealed yet\n\n";
  std::cout << absl::StrFormat("%-9s %-12s %-12s %-14s %-8s %s\n", "PARTITION", "SEALED", "NEXT_OFFSET",
                               "HIGH_WATERMARK", "LAG", "STATE");
  for (const auto& p : stats.partitions()) {
    std::cout << absl::StrFormat("%-9u %-12u %-12d %-14d %-8d %s\n", p.partition(), p.sealed_count(), p.next_offset(),
                                 p.high_watermark(), p.lag(), p.stopped() ? "STOPPED AT GAP" : "ok");
  }
  int open = 0;
  for (const auto& gap : stats.gaps()) open += gap.acknowledged() ? 0 : 1;
  std::cout << "\ngaps: " << stats.gaps_size() << " (" << open << " unacknowledged)\n";
  for (const auto& gap : stats.gaps()) {
    std::cout << absl::StrFormat("  partition %u offsets [%d, %d) missing, detected %s%s\n", gap.partition(),
                                 gap.from_offset(), gap.to_offset(), gap.detected_at(),
                                 gap.acknowledged() ? ", acknowledged" : ": ALARM, `ledgerctl gaps ack` when handled");
  }
  return kExitOk;
}

int CmdGapsAck(const Globals& g, uint32_t partition) {
  auto stub = pdl::v1::AdminService::NewStub(Connect(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  pdl::v1::AcknowledgeGapRequest request;
  request.set_partition(partition);
  pdl::v1::AcknowledgeGapResponse response;
  grpc::Status status = stub->AcknowledgeGap(&context, request, &response);
  if (!status.ok()) return Report(status, g, context);
  std::cout << "acknowledged " << response.acknowledged() << " gap(s) of partition " << partition << "\n";
  return kExitOk;
}

}  // namespace

void AddEventCommands(CLI::App& app, const Globals& g, std::vector<Command>& commands) {
  auto publish_path = std::make_shared<std::string>("-");
  auto wait = std::make_shared<std::string>("durable");
  auto* publish = app.add_subcommand("publish", "Publish events given as protobuf JSON (one object, an array, or "
                                                "one object per line) from FILE or stdin");
  publish->add_option("file", *publish_path, "File to read, or - for stdin")->capture_default_str();
  publish->add_option("--wait", *wait, "durable: Kafka acknowledged; sealed: queryable on return")
      ->capture_default_str()
      ->check(CLI::IsMember({"durable", "sealed"}));
  commands.push_back({publish, [&g, publish_path, wait] { return CmdPublish(g, *publish_path, *wait); }});

  struct HistoryArgs {
    std::string subject, from, to;
    std::vector<std::string> actions;
    int page_size = 500;
  };
  auto h = std::make_shared<HistoryArgs>();
  auto* history = app.add_subcommand("history", "A data subject's events in occurred_at order");
  history->add_option("subject", h->subject, "Subject id (the pseudonym, e.g. an account id)")->required();
  history->add_option("--from", h->from, "Only events at or after this RFC 3339 time");
  history->add_option("--to", h->to, "Only events before this RFC 3339 time");
  history->add_option("--action", h->actions, "Only these actions (repeatable), e.g. data_shared");
  history->add_option("--page-size", h->page_size, "Events per request")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  commands.push_back(
      {history, [&g, h] { return CmdHistory(g, h->subject, h->from, h->to, h->actions, h->page_size); }});

  auto* status = app.add_subcommand("status", "Partitions, offsets, sealed/duplicate/rejected counts and gaps");
  commands.push_back({status, [&g] { return CmdStatus(g); }});

  auto gap_partition = std::make_shared<uint32_t>(0);
  auto* gaps = app.add_subcommand("gaps", "Kafka gaps (records deleted before they were sealed)");
  gaps->require_subcommand(1);
  auto* ack = gaps->add_subcommand("ack", "Acknowledge a partition's gaps so that it continues at the log start");
  ack->add_option("partition", *gap_partition, "Partition of pdl.events.v1")->required();
  commands.push_back({ack, [&g, gap_partition] { return CmdGapsAck(g, *gap_partition); }});
}

}  // namespace pdl::ctl
