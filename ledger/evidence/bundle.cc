#include "ledger/evidence/bundle.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/event_codec.h"
#include "ledger/evidence/checkpoints.h"
#include "ledger/merkle/verify.h"
#include "ledger/sv.h"
#include "nlohmann/json.hpp"

namespace pdl::evidence {
namespace {

using Json = nlohmann::json;

constexpr int kIndent = 2;
// Bundles nest a few levels (the deepest is an event's sealed identity); deeper input is refused before it is
// parsed, because rendering JSON recurses once per level.
constexpr int kMaxNesting = 32;

bool NestingWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

std::string Base64(std::string_view bytes) { return absl::Base64Escape(Sv(bytes)); }

// The bytes `text` encodes, only if `text` is their one canonical spelling.
std::optional<std::string> Base64Canonical(std::string_view text) {
  std::string out;
  if (!absl::Base64Unescape(Sv(text), &out) || absl::Base64Escape(out) != Sv(text)) return std::nullopt;
  return out;
}

absl::StatusOr<std::string> Canonical(const Json& doc) {
  try {
    return doc.dump(kIndent, ' ', /*ensure_ascii=*/false) + "\n";
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("bundle: cannot be rendered as JSON: ", e.what()));
  }
}

absl::Status Error(absl::StatusCode code, std::string_view path, std::string_view message) {
  return absl::Status(code, absl::StrCat("bundle: ", Sv(path), ": ", Sv(message)));
}

absl::Status Malformed(std::string_view path, std::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, path, message);
}

absl::Status Altered(std::string_view path, std::string_view message) {
  return Error(absl::StatusCode::kDataLoss, path, message);
}

// OK when `value` is an object with exactly `keys`.
absl::Status ExpectObject(const Json& value, std::string_view path, std::initializer_list<std::string_view> keys) {
  if (!value.is_object()) return Malformed(path, "want a JSON object");
  for (std::string_view key : keys) {
    if (!value.contains(std::string(key))) return Malformed(path, absl::StrCat("missing key '", Sv(key), "'"));
  }
  for (const auto& [key, unused] : value.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return Malformed(path, absl::StrCat("unexpected key '", key, "'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GetString(const Json& object, std::string_view key, std::string_view path) {
  const Json& value = object.at(std::string(key));
  if (!value.is_string()) return Malformed(absl::StrCat(Sv(path), ".", Sv(key)), "want a string");
  return value.get<std::string>();
}

absl::StatusOr<uint64_t> GetUnsigned(const Json& object, std::string_view key, std::string_view path,
                                     uint64_t max = UINT64_MAX) {
  const Json& value = object.at(std::string(key));
  if (!value.is_number_unsigned() || value.get<uint64_t>() > max) {
    return Malformed(absl::StrCat(Sv(path), ".", Sv(key)), absl::StrCat("want an integer from 0 to ", max));
  }
  return value.get<uint64_t>();
}

absl::StatusOr<std::string> GetBase64(const Json& object, std::string_view key, std::string_view path) {
  auto text = GetString(object, key, path);
  if (!text.ok()) return text.status();
  auto bytes = Base64Canonical(*text);
  if (!bytes) return Malformed(absl::StrCat(Sv(path), ".", Sv(key)), "not canonical padded base64");
  return *bytes;
}

absl::StatusOr<Json> ParseJson(const std::string& text) {
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return absl::InternalError("protobuf JSON output does not parse");
  return value;
}

// The readable view of a sealed record (see bundle.h) and the decoded messages.
absl::StatusOr<Json> RecordView(std::string_view bytes, pdl::v1::SealedEvent* sealed, pdl::v1::PrivacyEvent* event) {
  if (!sealed->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError("does not parse as pdl.v1.SealedEvent");
  }
  auto decoded = DecodeEvent(sealed->event());
  if (!decoded.ok()) return absl::InvalidArgumentError("its event does not parse as pdl.v1.PrivacyEvent");
  *event = std::move(*decoded);
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  pdl::v1::SealedEvent header = *sealed;
  header.clear_event();
  std::string header_json, event_json;
  if (!google::protobuf::util::MessageToJsonString(header, &header_json, options).ok() ||
      !google::protobuf::util::MessageToJsonString(*event, &event_json, options).ok()) {
    return absl::InvalidArgumentError("cannot be rendered as protobuf JSON");
  }
  auto view = ParseJson(header_json);
  if (!view.ok()) return view.status();
  auto event_view = ParseJson(event_json);
  if (!event_view.ok()) return event_view.status();
  (*view)["event"] = std::move(*event_view);
  return view;
}

// The checkpoint text of a signed note, unverified (for writing only).
absl::StatusOr<checkpoint::Checkpoint> UnverifiedCheckpoint(std::string_view note) {
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return absl::InvalidArgumentError("signed note has no signature block");
  return checkpoint::Checkpoint::Parse(note.substr(0, split + 1));
}

std::string FirstDifference(const Json& want, const Json& got) {
  const Json patch = Json::diff(want, got);
  if (patch.empty() || !patch[0].contains("path")) return "";
  return patch[0]["path"].get<std::string>();
}

}  // namespace

absl::StatusOr<std::string> WriteBundle(const Bundle& bundle) {
  std::vector<BundleCheckpoint> checkpoints = bundle.checkpoints;
  std::sort(checkpoints.begin(), checkpoints.end(),
            [](const BundleCheckpoint& a, const BundleCheckpoint& b) { return a.partition < b.partition; });
  Json doc = Json::object();
  doc["format"] = std::string(kBundleFormat);
  doc["subject_id"] = bundle.subject_id;
  doc["verifier_key"] = bundle.verifier_key;
  doc["checkpoints"] = Json::array();
  for (const BundleCheckpoint& c : checkpoints) {
    auto cp = UnverifiedCheckpoint(c.signed_note);
    if (!cp.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint of partition ", c.partition, ": ", cp.status().message()));
    }
    doc["checkpoints"].push_back(Json{{"origin", cp->origin},
                                      {"partition", c.partition},
                                      {"root_hash", Base64(merkle::HashBytes(cp->root_hash))},
                                      {"signed_note", c.signed_note},
                                      {"size", cp->size}});
  }
  doc["entries"] = Json::array();
  for (const BundleEntry& e : bundle.entries) {
    pdl::v1::SealedEvent sealed;
    pdl::v1::PrivacyEvent event;
    auto view = RecordView(e.sealed_record, &sealed, &event);
    if (!view.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("sealed record of partition ", e.partition, " seq ", e.leaf_index,
                                                     ": ", view.status().message()));
    }
    Json proof = Json::array();
    for (const merkle::Hash& h : e.inclusion_proof) proof.push_back(Base64(merkle::HashBytes(h)));
    doc["entries"].push_back(Json{{"inclusion_proof", std::move(proof)},
                                  {"leaf_index", e.leaf_index},
                                  {"partition", e.partition},
                                  {"record", std::move(*view)},
                                  {"sealed_record", Base64(e.sealed_record)}});
  }
  return Canonical(doc);
}

absl::StatusOr<VerifiedBundle> VerifyBundle(std::string_view text, const checkpoint::NoteVerifier& verifier) {
  if (!NestingWithin(text, kMaxNesting)) {
    return Malformed("document", absl::StrCat("nested deeper than ", kMaxNesting, " levels"));
  }
  const Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Malformed("document", "not valid JSON (or not valid UTF-8)");
  auto canonical = Canonical(doc);
  if (!canonical.ok()) return canonical.status();
  if (*canonical != text) {
    size_t at = 0;
    while (at < text.size() && at < canonical->size() && text[at] == (*canonical)[at]) ++at;
    return Malformed("document", absl::StrCat("not in canonical form (sorted keys, 2-space indentation, final "
                                              "newline); first difference at byte ",
                                              at));
  }
  if (absl::Status s =
          ExpectObject(doc, "document", {"checkpoints", "entries", "format", "subject_id", "verifier_key"});
      !s.ok()) {
    return s;
  }
  auto format = GetString(doc, "format", "document");
  if (!format.ok()) return format.status();
  if (*format != kBundleFormat) {
    return Malformed("format", absl::StrCat("'", *format, "' is not ", Sv(kBundleFormat)));
  }
  auto verifier_key = GetString(doc, "verifier_key", "document");
  if (!verifier_key.ok()) return verifier_key.status();
  if (*verifier_key != verifier.Key()) {
    return Error(
        absl::StatusCode::kFailedPrecondition, "verifier_key",
        absl::StrCat("the bundle names key '", *verifier_key, "' but the trusted key is '", verifier.Key(), "'"));
  }
  VerifiedBundle out;
  auto subject = GetString(doc, "subject_id", "document");
  if (!subject.ok()) return subject.status();
  out.subject_id = *subject;

  const Json& checkpoints = doc.at("checkpoints");
  if (!checkpoints.is_array() || checkpoints.empty()) return Malformed("checkpoints", "want a non-empty array");
  std::map<uint32_t, size_t> by_partition;  // partition -> index into out.checkpoints
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    const std::string path = absl::StrCat("checkpoints[", i, "]");
    const Json& c = checkpoints[i];
    if (absl::Status s = ExpectObject(c, path, {"origin", "partition", "root_hash", "signed_note", "size"}); !s.ok()) {
      return s;
    }
    auto partition = GetUnsigned(c, "partition", path, UINT32_MAX);
    if (!partition.ok()) return partition.status();
    if (!by_partition.empty() && by_partition.rbegin()->first >= *partition) {
      return Malformed(path, "checkpoints must be in ascending partition order, one per partition");
    }
    auto note = GetString(c, "signed_note", path);
    if (!note.ok()) return note.status();
    auto cp = OpenPartitionCheckpoint(*note, static_cast<uint32_t>(*partition), verifier);
    if (!cp.ok()) return Error(cp.status().code(), absl::StrCat(path, ".signed_note"), StdSv(cp.status().message()));
    auto origin = GetString(c, "origin", path);
    if (!origin.ok()) return origin.status();
    if (*origin != cp->origin) return Altered(absl::StrCat(path, ".origin"), "differs from the signed note");
    auto size = GetUnsigned(c, "size", path);
    if (!size.ok()) return size.status();
    if (*size != cp->size) return Altered(absl::StrCat(path, ".size"), "differs from the signed note");
    auto root = GetBase64(c, "root_hash", path);
    if (!root.ok()) return root.status();
    if (*root != merkle::HashBytes(cp->root_hash)) {
      return Altered(absl::StrCat(path, ".root_hash"), "differs from the signed note");
    }
    by_partition[static_cast<uint32_t>(*partition)] = out.checkpoints.size();
    out.checkpoints.push_back(std::move(*cp));
  }

  const Json& entries = doc.at("entries");
  if (!entries.is_array() || entries.empty()) {
    return Malformed("entries", "want a non-empty array (a bundle without records proves nothing)");
  }
  std::set<std::pair<uint32_t, uint64_t>> seen;
  std::set<uint32_t> used;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string path = absl::StrCat("entries[", i, "]");
    const Json& e = entries[i];
    if (absl::Status s =
            ExpectObject(e, path, {"inclusion_proof", "leaf_index", "partition", "record", "sealed_record"});
        !s.ok()) {
      return s;
    }
    auto partition = GetUnsigned(e, "partition", path, UINT32_MAX);
    if (!partition.ok()) return partition.status();
    auto cp_index = by_partition.find(static_cast<uint32_t>(*partition));
    if (cp_index == by_partition.end()) {
      return Malformed(absl::StrCat(path, ".partition"), absl::StrCat("no checkpoint of partition ", *partition));
    }
    const checkpoint::Checkpoint& cp = out.checkpoints[cp_index->second];
    auto leaf_index = GetUnsigned(e, "leaf_index", path);
    if (!leaf_index.ok()) return leaf_index.status();
    if (!seen.emplace(static_cast<uint32_t>(*partition), *leaf_index).second) {
      return Malformed(path, absl::StrCat("partition ", *partition, " leaf ", *leaf_index, " appears twice"));
    }
    auto record = GetBase64(e, "sealed_record", path);
    if (!record.ok()) return record.status();
    const Json& proof_json = e.at("inclusion_proof");
    if (!proof_json.is_array()) return Malformed(absl::StrCat(path, ".inclusion_proof"), "want an array");
    std::vector<merkle::Hash> proof;
    for (size_t k = 0; k < proof_json.size(); ++k) {
      const std::string hash_path = absl::StrCat(path, ".inclusion_proof[", k, "]");
      const std::string* encoded = proof_json[k].get_ptr<const std::string*>();
      std::optional<std::string> bytes = encoded == nullptr ? std::nullopt : Base64Canonical(*encoded);
      if (!bytes) return Malformed(hash_path, "want a hash in canonical padded base64");
      auto hash = merkle::HashFromBytes(*bytes);
      if (!hash.ok()) return Malformed(hash_path, StdSv(hash.status().message()));
      proof.push_back(*hash);
    }
    VerifiedEntry verified;
    verified.partition = static_cast<uint32_t>(*partition);
    verified.seq = *leaf_index;
    verified.leaf_hash = merkle::LeafHash(*record);
    if (absl::Status s = merkle::VerifyInclusion(verified.leaf_hash, *leaf_index, cp.size, proof, cp.root_hash);
        !s.ok()) {
      return Error(s.code(), path,
                   absl::StrCat("sealed_record is not leaf ", *leaf_index, " of the signed tree of size ", cp.size,
                                " (", cp.origin, "): ", s.message()));
    }
    auto view = RecordView(*record, &verified.sealed, &verified.event);
    if (!view.ok()) return Altered(absl::StrCat(path, ".sealed_record"), StdSv(view.status().message()));
    if (verified.sealed.partition() != *partition || verified.sealed.seq() != *leaf_index) {
      return Altered(path, absl::StrCat("the sealed record says partition ", verified.sealed.partition(), " seq ",
                                        verified.sealed.seq(), ", not partition ", *partition, " leaf ", *leaf_index));
    }
    if (verified.event.subject().id() != out.subject_id) {
      return Altered(absl::StrCat(path, ".sealed_record"), "is about another subject than subject_id");
    }
    if (*view != e.at("record")) {
      return Altered(absl::StrCat(path, ".record"), absl::StrCat("differs from the sealed record it shows (at ",
                                                                 FirstDifference(*view, e.at("record")), ")"));
    }
    used.insert(verified.partition);
    out.entries.push_back(std::move(verified));
  }
  for (const auto& [partition, index] : by_partition) {
    if (!used.contains(partition)) {
      return Malformed(absl::StrCat("checkpoints[", index, "]"), "proves no entry of the bundle");
    }
  }
  return out;
}

}  // namespace pdl::evidence
