// ledgerctl's tamper-evidence commands: `checkpoint`, `export`, `verify` (bundles, offline; consistency of two
// checkpoints) and `monitor`. The checking itself is in ledger/evidence (pure); these handlers fetch, read files
// and print.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/event_codec.h"
#include "ledger/evidence/bundle.h"
#include "ledger/evidence/checkpoints.h"
#include "ledger/merkle/hasher.h"
#include "ledger/sv.h"
#include "nlohmann/json.hpp"
#include "pdl/v1/audit_service.grpc.pb.h"
#include "pdl/v1/proof_service.grpc.pb.h"
#include "services/ctl/ctl_common.h"

namespace pdl::ctl {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// The evidence was checked and does not hold (a signature, a proof or a record), or the monitor saw the log break.
constexpr int kExitNotVerified = 4;
constexpr std::string_view kMonitorStateFormat = "pdl.monitor-state.v1";
constexpr int kExportPageSize = 100;
constexpr uint32_t kMaxProbedPartitions = 4096;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    buffer << in.rdbuf();
  }
  return buffer.str();
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot rename ", tmp, " to ", path, ": ", ec.message()));
  return absl::OkStatus();
}

// --key: a verifier key, or a file holding one (e.g. <data-dir>/checkpoint.key.pub).
absl::StatusOr<checkpoint::NoteVerifier> LoadKey(const std::string& key_or_file) {
  std::string text = key_or_file;
  std::error_code ec;
  if (fs::is_regular_file(key_or_file, ec)) {
    auto content = ReadFile(key_or_file);
    if (!content.ok()) return content.status();
    text = std::string(absl::StripAsciiWhitespace(*content));
  }
  auto verifier = checkpoint::NoteVerifier::FromKey(text);
  if (!verifier.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--key '", key_or_file,
                                                   "' is neither a note verifier key nor a "
                                                   "file holding one: ",
                                                   verifier.status().message()));
  }
  return verifier;
}

int Fail(const absl::Status& status, int code) {
  std::cerr << "ledgerctl: " << status.message() << "\n";
  return code;
}

std::vector<merkle::Hash> ToHashes(const google::protobuf::RepeatedPtrField<std::string>& bytes, bool* ok) {
  std::vector<merkle::Hash> out;
  *ok = true;
  for (const std::string& b : bytes) {
    auto h = merkle::HashFromBytes(b);
    if (!h.ok()) {
      *ok = false;
      return {};
    }
    out.push_back(*h);
  }
  return out;
}

// --- checkpoint ---

int CmdCheckpoint(const Globals& g, uint32_t partition, const std::string& out) {
  auto stub = pdl::v1::ProofService::NewStub(Connect(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  pdl::v1::GetCheckpointRequest request;
  request.set_partition(partition);
  pdl::v1::GetCheckpointResponse response;
  grpc::Status status = stub->GetCheckpoint(&context, request, &response);
  if (!status.ok()) return Report(status, g, context);
  if (g.json) {
    std::cout << ToJson(response, true) << "\n";
    return kExitOk;
  }
  if (out.empty() || out == "-") {
    std::cout << response.signed_checkpoint();
    return kExitOk;
  }
  if (absl::Status s = WriteFileAtomically(out, response.signed_checkpoint()); !s.ok()) return Fail(s, kExitUsage);
  std::cerr << "checkpoint of partition " << partition << " (size " << response.size() << ") written to " << out
            << "\n";
  return kExitOk;
}

// --- export ---

int CmdExport(const Globals& g, const std::string& subject, const std::string& out) {
  auto channel = Connect(g);
  auto audit = pdl::v1::AuditService::NewStub(channel);
  auto proofs = pdl::v1::ProofService::NewStub(channel);

  std::vector<pdl::v1::HistoryEntry> entries;
  // Per partition: the largest checkpoint seen; the tree size each entry's proof is against.
  std::map<uint32_t, pdl::v1::PartitionCheckpoint> latest;
  std::vector<uint64_t> proven_size;
  pdl::v1::GetSubjectHistoryRequest request;
  request.set_subject_id(subject);
  request.set_with_proofs(true);
  request.set_page_size(kExportPageSize);
  do {
    grpc::ClientContext context;
    SetDeadline(&context, g);
    pdl::v1::GetSubjectHistoryResponse response;
    grpc::Status status = audit->GetSubjectHistory(&context, request, &response);
    if (!status.ok()) return Report(status, g, context);
    std::map<uint32_t, uint64_t> page_size;
    for (const auto& cp : response.checkpoints()) {
      page_size[cp.partition()] = cp.size();
      auto it = latest.find(cp.partition());
      if (it == latest.end() || it->second.size() < cp.size()) latest[cp.partition()] = cp;
    }
    for (auto& e : *response.mutable_entries()) {
      auto size = page_size.find(e.partition());
      if (size == page_size.end() || e.sealed_record().empty()) {
        std::cerr << "ledgerctl: the server returned an entry without proof (partition " << e.partition() << ", seq "
                  << e.seq() << "); does it support with_proofs?\n";
        return kExitServerError;
      }
      proven_size.push_back(size->second);
      entries.push_back(std::move(e));
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  if (entries.empty()) {
    std::cerr << "ledgerctl: the ledger holds no event of subject '" << subject << "'; nothing to export\n";
    return kExitServerError;
  }

  // Pages may have been read at different tree sizes: prove every entry against its partition's latest checkpoint.
  evidence::Bundle bundle;
  bundle.subject_id = subject;
  for (size_t i = 0; i < entries.size(); ++i) {
    const pdl::v1::HistoryEntry& e = entries[i];
    const uint64_t target = latest[e.partition()].size();
    evidence::BundleEntry entry{
        .partition = e.partition(), .leaf_index = e.leaf_index(), .sealed_record = e.sealed_record()};
    bool ok = true;
    if (proven_size[i] == target) {
      entry.inclusion_proof = ToHashes(e.inclusion_proof(), &ok);
    } else {
      grpc::ClientContext context;
      SetDeadline(&context, g);
      pdl::v1::GetInclusionProofRequest proof_request;
      proof_request.set_partition(e.partition());
      proof_request.set_seq(e.leaf_index());
      proof_request.set_tree_size(target);
      pdl::v1::GetInclusionProofResponse proof;
      grpc::Status status = proofs->GetInclusionProof(&context, proof_request, &proof);
      if (!status.ok()) return Report(status, g, context);
      entry.inclusion_proof = ToHashes(proof.hashes(), &ok);
    }
    if (!ok) {
      std::cerr << "ledgerctl: the server returned a proof hash that is not 32 bytes\n";
      return kExitServerError;
    }
    bundle.entries.push_back(std::move(entry));
  }
  for (const auto& [partition, cp] : latest) {
    bundle.checkpoints.push_back({.partition = partition, .signed_note = cp.signed_checkpoint()});
  }
  {
    grpc::ClientContext context;
    SetDeadline(&context, g);
    pdl::v1::GetCheckpointRequest cp_request;
    cp_request.set_partition(latest.begin()->first);
    pdl::v1::GetCheckpointResponse cp_response;
    grpc::Status status = proofs->GetCheckpoint(&context, cp_request, &cp_response);
    if (!status.ok()) return Report(status, g, context);
    bundle.verifier_key = cp_response.verifier_key();
  }

  auto text = evidence::WriteBundle(bundle);
  if (!text.ok()) return Fail(text.status(), kExitServerError);
  // The server's own key checks what it handed out; a regulator checks again with the key it trusts.
  auto server_key = checkpoint::NoteVerifier::FromKey(bundle.verifier_key);
  if (!server_key.ok()) return Fail(server_key.status(), kExitServerError);
  if (auto verified = evidence::VerifyBundle(*text, *server_key); !verified.ok()) {
    std::cerr << "ledgerctl: the evidence the server returned does not verify: " << verified.status().message() << "\n";
    return kExitNotVerified;
  }
  if (out.empty() || out == "-") {
    std::cout << *text;
  } else if (absl::Status s = WriteFileAtomically(out, *text); !s.ok()) {
    return Fail(s, kExitUsage);
  }
  std::cerr << "exported " << bundle.entries.size() << " events of the subject in " << bundle.checkpoints.size()
            << " partition(s)" << (out.empty() || out == "-" ? "" : absl::StrCat(" to ", out))
            << "; check it with `ledgerctl verify BUNDLE --key KEY`\n";
  return kExitOk;
}

// --- verify ---

int CmdVerifyBundle(const Globals& g, const std::string& path, const checkpoint::NoteVerifier& key) {
  auto text = ReadFile(path);
  if (!text.ok()) return Fail(text.status(), kExitUsage);
  auto verified = evidence::VerifyBundle(*text, key);
  if (!verified.ok()) {
    std::cerr << "ledgerctl: bundle does NOT verify (" << absl::StatusCodeToString(verified.status().code())
              << "): " << verified.status().message() << "\n";
    return kExitNotVerified;
  }
  if (g.json) {
    Json summary = {{"verified", true},
                    {"subject_id", verified->subject_id},
                    {"events", verified->entries.size()},
                    {"checkpoints", verified->checkpoints.size()},
                    {"key", key.name()}};
    std::cout << summary.dump() << "\n";
    return kExitOk;
  }
  for (const auto& cp : verified->checkpoints) {
    std::cout << absl::StrFormat("checkpoint %s size %d root %s: signature ok\n", cp.origin, cp.size,
                                 merkle::HashToHex(cp.root_hash));
  }
  for (const auto& e : verified->entries) {
    std::cout << absl::StrFormat("partition %u seq %d %s %-22s %s: included, record matches\n", e.partition, e.seq,
                                 FormatRfc3339(ToTime(e.event.occurred_at())), ActionName(ActionOf(e.event)),
                                 e.event.event_id());
  }
  std::cout << "bundle verified: " << verified->entries.size() << " events of subject '" << verified->subject_id
            << "' against " << verified->checkpoints.size() << " checkpoint(s) signed by " << key.name() << "\n";
  return kExitOk;
}

// The consistency proof between the two sizes: from --proof FILE (the protobuf JSON of a GetConsistencyProofResponse,
// as grpcurl prints it) or from the server.
absl::StatusOr<std::vector<merkle::Hash>> ConsistencyProofFor(const Globals& g, uint32_t partition, uint64_t first,
                                                              uint64_t second, const std::string& proof_file,
                                                              int* exit_code) {
  pdl::v1::GetConsistencyProofResponse response;
  *exit_code = kExitUsage;
  if (!proof_file.empty()) {
    auto text = ReadFile(proof_file);
    if (!text.ok()) return text.status();
    google::protobuf::util::JsonParseOptions options;
    if (!google::protobuf::util::JsonStringToMessage(*text, &response, options).ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--proof ", proof_file, ": not a pdl.v1.GetConsistencyProofResponse in protobuf JSON"));
    }
    if (response.first_size() != first || response.second_size() != second) {
      return absl::InvalidArgumentError(absl::StrCat("--proof ", proof_file, " is for sizes ", response.first_size(),
                                                     " -> ", response.second_size(), ", the checkpoints are ", first,
                                                     " -> ", second));
    }
  } else {
    auto stub = pdl::v1::ProofService::NewStub(Connect(g));
    grpc::ClientContext context;
    SetDeadline(&context, g);
    pdl::v1::GetConsistencyProofRequest request;
    request.set_partition(partition);
    request.set_first_size(first);
    request.set_second_size(second);
    grpc::Status status = stub->GetConsistencyProof(&context, request, &response);
    if (!status.ok()) {
      *exit_code = Report(status, g, context);
      return absl::UnavailableError("no proof");
    }
  }
  bool ok = true;
  std::vector<merkle::Hash> hashes = ToHashes(response.hashes(), &ok);
  if (!ok) {
    *exit_code = kExitNotVerified;
    return absl::DataLossError("the consistency proof holds a hash that is not 32 bytes");
  }
  return hashes;
}

int CmdVerifyConsistency(const Globals& g, const std::string& old_path, const std::string& new_path,
                         const checkpoint::NoteVerifier& key, const std::string& proof_file) {
  auto old_note = ReadFile(old_path);
  if (!old_note.ok()) return Fail(old_note.status(), kExitUsage);
  auto new_note = ReadFile(new_path);
  if (!new_note.ok()) return Fail(new_note.status(), kExitUsage);
  auto old_cp = evidence::OpenAnyCheckpoint(*old_note, key);
  if (!old_cp.ok())
    return Fail(absl::Status(old_cp.status().code(), absl::StrCat(old_path, ": ", old_cp.status().message())),
                kExitNotVerified);
  auto new_cp = evidence::OpenAnyCheckpoint(*new_note, key);
  if (!new_cp.ok())
    return Fail(absl::Status(new_cp.status().code(), absl::StrCat(new_path, ": ", new_cp.status().message())),
                kExitNotVerified);
  std::vector<merkle::Hash> proof;
  if (old_cp->origin == new_cp->origin && old_cp->size <= new_cp->size) {
    int exit_code = kExitUsage;
    auto fetched = ConsistencyProofFor(g, *evidence::PartitionOfOrigin(old_cp->origin), old_cp->size, new_cp->size,
                                       proof_file, &exit_code);
    if (!fetched.ok()) {
      if (absl::IsUnavailable(fetched.status())) return exit_code;
      return Fail(fetched.status(), exit_code);
    }
    proof = std::move(*fetched);
  }
  if (absl::Status s = evidence::VerifyCheckpointConsistency(*old_note, *new_note, key, proof); !s.ok()) {
    std::cerr << "ledgerctl: NOT consistent (" << absl::StatusCodeToString(s.code()) << "): " << s.message() << "\n";
    return kExitNotVerified;
  }
  std::cout << "consistent: log " << old_cp->origin << " grew from " << old_cp->size << " to " << new_cp->size
            << " leaves without changing any of the first " << old_cp->size << "\n";
  return kExitOk;
}

// --- monitor ---

struct MonitorState {
  std::string verifier_key;
  std::map<uint32_t, std::string> trusted;  // partition -> signed checkpoint
};

absl::StatusOr<MonitorState> LoadState(const std::string& path, const checkpoint::NoteVerifier& key) {
  MonitorState state;
  state.verifier_key = key.Key();
  std::error_code ec;
  if (!fs::exists(path, ec)) return state;
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  const Json doc = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("format", "") != kMonitorStateFormat ||
      !doc.contains("checkpoints") || !doc["checkpoints"].is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("--state ", path, " is not a ", Sv(kMonitorStateFormat), " file"));
  }
  if (doc.value("verifier_key", "") != key.Key()) {
    return absl::InvalidArgumentError(absl::StrCat("--state ", path, " was kept for another key (",
                                                   doc.value("verifier_key", ""), "); use a new state file"));
  }
  for (const auto& [partition, note] : doc["checkpoints"].items()) {
    auto p = evidence::PartitionOfOrigin(absl::StrCat("/", partition));
    if (!p.ok() || !note.is_string()) {
      return absl::InvalidArgumentError(absl::StrCat("--state ", path, ": bad entry '", partition, "'"));
    }
    // A state file is trusted input, but still only signed checkpoints go in.
    if (auto cp = evidence::OpenPartitionCheckpoint(note.get<std::string>(), *p, key); !cp.ok()) {
      return absl::DataLossError(absl::StrCat("--state ", path, ": the checkpoint of partition ", *p,
                                              " does not verify: ", cp.status().message()));
    }
    state.trusted[*p] = note.get<std::string>();
  }
  return state;
}

absl::Status SaveState(const std::string& path, const MonitorState& state) {
  Json doc = {{"format", std::string(kMonitorStateFormat)}, {"verifier_key", state.verifier_key}};
  doc["checkpoints"] = Json::object();
  for (const auto& [partition, note] : state.trusted) doc["checkpoints"][absl::StrCat(partition)] = note;
  return WriteFileAtomically(path, doc.dump(2) + "\n");
}

// One round over every partition. Returns kExitOk, kExitNotVerified (an alarm was raised) or the exit code of an
// unreachable / failing server. Trusted checkpoints advance only after their consistency proof verified.
int MonitorRound(const Globals& g, const checkpoint::NoteVerifier& key, MonitorState& state,
                 const std::string& state_path) {
  auto stub = pdl::v1::ProofService::NewStub(Connect(g));
  int result = kExitOk;
  // Learnt from the first checkpoint; until then partitions are probed until one is refused as out of range.
  std::optional<uint32_t> count;
  int advanced = 0, unchanged = 0, first_seen = 0, empty = 0;
  auto alarm = [&](uint32_t partition, std::string_view what) {
    std::cerr << "ALARM ledgerctl monitor: partition=" << partition << ": " << what << "\n";
    std::cout << "ALARM partition=" << partition << ": " << what << "\n";
    result = kExitNotVerified;
  };
  for (uint32_t p = 0; count.has_value() ? p < *count : p < kMaxProbedPartitions; ++p) {
    grpc::ClientContext context;
    SetDeadline(&context, g);
    pdl::v1::GetCheckpointRequest request;
    request.set_partition(p);
    pdl::v1::GetCheckpointResponse response;
    grpc::Status status = stub->GetCheckpoint(&context, request, &response);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      ++empty;
      if (state.trusted.contains(p)) alarm(p, "the server has no checkpoint for a partition it signed before");
      continue;
    }
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT && !count.has_value() && p > 0) {
      count = p;
      break;
    }
    if (!status.ok()) return result == kExitOk ? Report(status, g, context) : result;
    count = response.partition_count();
    auto fresh = evidence::OpenPartitionCheckpoint(response.signed_checkpoint(), p, key);
    if (!fresh.ok()) {
      alarm(p,
            absl::StrCat("the server's checkpoint does not verify with the trusted key: ", fresh.status().message()));
      continue;
    }
    auto trusted = state.trusted.find(p);
    if (trusted == state.trusted.end()) {
      state.trusted[p] = response.signed_checkpoint();
      ++first_seen;
      std::cout << "partition " << p << ": trusting the first checkpoint seen, size " << fresh->size << "\n";
      continue;
    }
    auto old_cp = evidence::OpenPartitionCheckpoint(trusted->second, p, key);
    if (!old_cp.ok()) return Fail(old_cp.status(), kExitUsage);
    if (old_cp->size == fresh->size && old_cp->root_hash == fresh->root_hash) {
      ++unchanged;
      continue;
    }
    std::vector<merkle::Hash> proof;
    if (old_cp->size < fresh->size) {
      grpc::ClientContext proof_context;
      SetDeadline(&proof_context, g);
      pdl::v1::GetConsistencyProofRequest proof_request;
      proof_request.set_partition(p);
      proof_request.set_first_size(old_cp->size);
      proof_request.set_second_size(fresh->size);
      pdl::v1::GetConsistencyProofResponse proof_response;
      grpc::Status proof_status = stub->GetConsistencyProof(&proof_context, proof_request, &proof_response);
      if (proof_status.error_code() == grpc::StatusCode::UNAVAILABLE) {
        return result == kExitOk ? Report(proof_status, g, proof_context) : result;
      }
      if (!proof_status.ok()) {
        alarm(p, absl::StrCat("the server cannot prove that size ", fresh->size, " extends the trusted size ",
                              old_cp->size, ": ", proof_status.error_message()));
        continue;
      }
      bool ok = true;
      proof = ToHashes(proof_response.hashes(), &ok);
      if (!ok) {
        alarm(p, "the consistency proof holds a hash that is not 32 bytes");
        continue;
      }
    }
    if (absl::Status s =
            evidence::VerifyCheckpointConsistency(trusted->second, response.signed_checkpoint(), key, proof);
        !s.ok()) {
      alarm(p, StdSv(s.message()));
      continue;
    }
    trusted->second = response.signed_checkpoint();
    ++advanced;
  }
  if (absl::Status s = SaveState(state_path, state); !s.ok()) return Fail(s, kExitUsage);
  for (const auto& [partition, note] : state.trusted) {
    if (partition >= count.value_or(0)) alarm(partition, "the server no longer serves a partition it signed before");
  }
  std::cout << FormatRfc3339(absl::Now()) << " monitor: " << count.value_or(0) << " partitions: " << advanced
            << " grew consistently, " << unchanged << " unchanged, " << first_seen << " first seen, " << empty
            << " empty" << (result == kExitNotVerified ? "; ALARM raised" : "") << "\n";
  std::cout.flush();
  return result;
}

int CmdMonitor(const Globals& g, const checkpoint::NoteVerifier& key, const std::string& state_path, int interval_s,
               bool once) {
  auto state = LoadState(state_path, key);
  if (!state.ok()) {
    return Fail(state.status(), absl::IsDataLoss(state.status()) ? kExitNotVerified : kExitUsage);
  }
  while (true) {
    const int result = MonitorRound(g, key, *state, state_path);
    if (result == kExitNotVerified || once) return result;
    if (result != kExitOk) std::cerr << "ledgerctl monitor: retrying in " << interval_s << " s\n";
    std::this_thread::sleep_for(std::chrono::seconds(interval_s));
  }
}

}  // namespace

void AddEvidenceCommands(CLI::App& app, const Globals& g, std::vector<Command>& commands) {
  struct Args {
    uint32_t partition = 0;
    std::string out, subject, bundle, key, proof, state = "pdl-monitor.json";
    std::vector<std::string> consistency;
    int interval_s = 60;
    bool once = false;
  };
  auto a = std::make_shared<Args>();

  auto* cp = app.add_subcommand("checkpoint", "A partition's latest signed checkpoint (C2SP signed note)");
  cp->add_option("--partition", a->partition, "Partition of pdl.events.v1")->capture_default_str();
  cp->add_option("--out", a->out, "Write the note to FILE (default stdout)");
  commands.push_back({cp, [&g, a] { return CmdCheckpoint(g, a->partition, a->out); }});

  auto* exp = app.add_subcommand(
      "export",
      "Write a self-contained evidence bundle of a subject's events: sealed records, inclusion proofs, "
      "signed checkpoints and the verifier key (JSON; see README)");
  exp->add_option("--subject", a->subject, "Subject id")->required();
  exp->add_option("--out", a->out, "Write the bundle to FILE (default stdout)");
  commands.push_back({exp, [&g, a] { return CmdExport(g, a->subject, a->out); }});

  auto* verify = app.add_subcommand(
      "verify",
      "Check evidence without trusting the server. `verify BUNDLE --key KEY` checks a bundle fully offline: every "
      "checkpoint signature, every inclusion proof, and that each record decodes to the event shown. "
      "`verify --consistency OLD NEW --key KEY` checks that the log of NEW extends the log of OLD (signed "
      "checkpoint files); the proof comes from the server, or offline from --proof FILE. Exit 4 when the "
      "evidence does not verify");
  verify->add_option("bundle", a->bundle, "Evidence bundle file (- for stdin)");
  verify->add_option("--key", a->key, "Trusted note verifier key, or a file holding it (checkpoint.key.pub)")
      ->required();
  auto* consistency =
      verify->add_option("--consistency", a->consistency, "OLD.checkpoint NEW.checkpoint: signed checkpoint files")
          ->expected(2);
  verify
      ->add_option("--proof", a->proof,
                   "With --consistency: the proof as the protobuf JSON of a GetConsistencyProofResponse "
                   "(what grpcurl prints for pdl.v1.ProofService/GetConsistencyProof), instead of asking the "
                   "server")
      ->needs(consistency);
  commands.push_back({verify, [&g, a] {
                        auto key = LoadKey(a->key);
                        if (!key.ok()) return UsageError(std::string(key.status().message()));
                        if (!a->consistency.empty()) {
                          if (!a->bundle.empty()) return UsageError("give either BUNDLE or --consistency, not both");
                          return CmdVerifyConsistency(g, a->consistency[0], a->consistency[1], *key, a->proof);
                        }
                        if (a->bundle.empty()) return UsageError("verify: give BUNDLE or --consistency OLD NEW");
                        return CmdVerifyBundle(g, a->bundle, *key);
                      }});

  auto* monitor = app.add_subcommand(
      "monitor",
      "Watch the ledger's checkpoints like a Certificate Transparency monitor: each round fetches every "
      "partition's checkpoint, checks its signature and its consistency with the last trusted one (kept in "
      "--state), and advances only on success. Prints an ALARM line and exits 4 on any break");
  monitor->add_option("--key", a->key, "Trusted note verifier key, or a file holding it")->required();
  monitor->add_option("--state", a->state, "Where the last trusted checkpoint per partition is kept")
      ->capture_default_str();
  monitor->add_option("--interval", a->interval_s, "Seconds between rounds")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  monitor->add_flag("--once", a->once, "One round, then exit (0 ok, 3 unreachable, 4 alarm); for cron and tests");
  commands.push_back({monitor, [&g, a] {
                        auto key = LoadKey(a->key);
                        if (!key.ok()) return UsageError(std::string(key.status().message()));
                        return CmdMonitor(g, *key, a->state, a->interval_s, a->once);
                      }});
}

}  // namespace pdl::ctl
