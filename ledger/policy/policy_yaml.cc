#include "ledger/policy/policy_yaml.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "ledger/event_codec.h"
#include "ledger/field_error.h"
#include "ledger/policy/declarations.h"
#include "ledger/policy/period.h"
#include "ledger/policy/policy_validator.h"
#include "ledger/sv.h"
#include "yaml-cpp/yaml.h"

namespace pdl::policy {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

struct Position {
  int line = 0;  // 1-based
  int column = 0;
};

Position PositionOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

absl::Status WithPosition(const absl::Status& status, Position pos) {
  if (pos.line == 0) return status;
  absl::Status out(status.code(), absl::StrCat("line ", pos.line, ", column ", pos.column, ": ", status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

std::string Join(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", Sv(name));
}

// The enclosing path: "a.b[2]" -> "a.b", "a.b" -> "a", "a" -> "".
std::string Parent(const std::string& path) {
  if (!path.empty() && path.back() == ']') return path.substr(0, path.rfind('['));
  const size_t dot = path.rfind('.');
  return dot == std::string::npos ? std::string() : path.substr(0, dot);
}

bool IsNullish(std::string_view s) {
  std::string lower = absl::AsciiStrToLower(Sv(s));
  return s.empty() || s == "~" || lower == "null";
}

std::string EnumChoices(const EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 1; i < type->value_count(); ++i) names.push_back(EnumName(type, type->value(i)->number()));
  return absl::StrJoin(names, ", ");
}

bool IsTimestamp(const Descriptor* d) { return d == google::protobuf::Timestamp::descriptor(); }
bool IsPeriod(const Descriptor* d) { return d == pdl::v1::Period::descriptor(); }

absl::StatusOr<absl::Time> ParseTimestampText(const std::string& text) {
  absl::Time t;
  std::string err;
  if (text.size() == 10 && absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) return t;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return t;
  return absl::InvalidArgumentError(absl::StrCat(
      "'", text, "' is not a date (2023-05-08, midnight UTC) or an RFC 3339 time (2023-05-08T00:00:00+02:00)"));
}

// Maps a YAML tree onto a message by reflection, remembering where each field path was written.
class Loader {
 public:
  absl::Status FillMessage(const YAML::Node& node, Message* message, const std::string& path) {
    const Descriptor* descriptor = message->GetDescriptor();
    if (!node.IsMap()) {
      return Error(node, path.empty() ? "policy" : path,
                   absl::StrCat("expected a mapping of ", descriptor->name(), " fields"));
    }
    std::set<const FieldDescriptor*> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) return Error(key, path.empty() ? "policy" : path, "mapping keys must be plain names");
      const std::string name = key.Scalar();
      const FieldDescriptor* field = descriptor->FindFieldByName(name);
      if (field == nullptr) field = descriptor->FindFieldByCamelcaseName(name);
      if (field == nullptr) {
        std::vector<std::string> known;
        for (int i = 0; i < descriptor->field_count(); ++i) known.push_back(descriptor->field(i)->name());
        return Error(key, Join(path, name),
                     absl::StrCat("unknown field of ", descriptor->name(), "; known: ", absl::StrJoin(known, ", ")));
      }
      const std::string field_path = Join(path, field->name());
      if (!seen.insert(field).second) return Error(key, field_path, "is given twice");
      if (const auto* oneof = field->containing_oneof(); oneof != nullptr) {
        for (int i = 0; i < oneof->field_count(); ++i) {
          const FieldDescriptor* other = oneof->field(i);
          if (other != field && seen.count(other) > 0) {
            return Error(key, field_path,
                         absl::StrCat("only one of ", other->name(), " and ", field->name(), " may be given"));
          }
        }
      }
      positions_[field_path] = PositionOf(value.IsNull() ? key : value);
      if (absl::Status s = FillField(value, message, field, field_path); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  // The position of `path`, or of its closest enclosing path that was written.
  Position Find(std::string path) const {
    while (true) {
      if (auto it = positions_.find(path); it != positions_.end()) return it->second;
      if (path.empty()) return {};
      path = Parent(path);
    }
  }

  void set_root(const YAML::Node& root) { positions_[""] = PositionOf(root); }

 private:
  absl::Status Error(const YAML::Node& node, std::string_view field, std::string_view reason) {
    return WithPosition(InvalidField(field, reason), PositionOf(node));
  }

  absl::Status FillField(const YAML::Node& value, Message* message, const FieldDescriptor* field,
                         const std::string& path) {
    if (value.IsNull()) return absl::OkStatus();
    if (!field->is_repeated()) return SetValue(value, message, field, path, /*add=*/false);
    if (!value.IsSequence()) return Error(value, path, "expected a list ([a, b], or one '- item' per line)");
    for (size_t i = 0; i < value.size(); ++i) {
      const YAML::Node element = value[i];
      const std::string element_path = absl::StrCat(path, "[", i, "]");
      positions_[element_path] = PositionOf(element);
      if (element.IsNull()) return Error(element, element_path, "list items must not be empty");
      if (absl::Status s = SetValue(element, message, field, element_path, /*add=*/true); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status SetValue(const YAML::Node& node, Message* message, const FieldDescriptor* field, const std::string& path,
                        bool add) {
    const Reflection* r = message->GetReflection();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      Message* sub = add ? r->AddMessage(message, field) : r->MutableMessage(message, field);
      const Descriptor* type = field->message_type();
      if (IsTimestamp(type)) {
        if (!node.IsScalar()) return Error(node, path, "expected a date or an RFC 3339 time");
        auto t = ParseTimestampText(node.Scalar());
        if (!t.ok()) return Error(node, path, StdSv(t.status().message()));
        SetTimestamp(static_cast<google::protobuf::Timestamp*>(sub), *t);
        return absl::OkStatus();
      }
      if (IsPeriod(type) && node.IsScalar()) {
        auto period = ParsePeriod(node.Scalar());
        if (!period.ok()) return Error(node, path, StdSv(period.status().message()));
        sub->CopyFrom(*period);
        return absl::OkStatus();
      }
      return FillMessage(node, sub, path);
    }
    if (!node.IsScalar()) return Error(node, path, "expected a single value, not a list or a mapping");
    const std::string& text = node.Scalar();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (!IsUtf8(text)) return Error(node, path, "is not valid UTF-8 text");
        add ? r->AddString(message, field, text) : r->SetString(message, field, text);
        return absl::OkStatus();
      case FieldDescriptor::CPPTYPE_INT32: {
        int32_t v = 0;
        if (!absl::SimpleAtoi(text, &v)) return Error(node, path, absl::StrCat("'", text, "' is not a whole number"));
        add ? r->AddInt32(message, field, v) : r->SetInt32(message, field, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v = 0;
        if (!absl::SimpleAtoi(text, &v)) return Error(node, path, absl::StrCat("'", text, "' is not a whole number"));
        add ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint32_t v = 0;
        if (!absl::SimpleAtoi(text, &v)) return Error(node, path, absl::StrCat("'", text, "' is not a whole number"));
        add ? r->AddUInt32(message, field, v) : r->SetUInt32(message, field, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t v = 0;
        if (!absl::SimpleAtoi(text, &v)) return Error(node, path, absl::StrCat("'", text, "' is not a whole number"));
        add ? r->AddUInt64(message, field, v) : r->SetUInt64(message, field, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double v = 0;
        if (!absl::SimpleAtod(text, &v)) return Error(node, path, absl::StrCat("'", text, "' is not a number"));
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
          add ? r->AddDouble(message, field, v) : r->SetDouble(message, field, v);
        } else {
          add ? r->AddFloat(message, field, static_cast<float>(v)) : r->SetFloat(message, field, static_cast<float>(v));
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        const std::string lower = absl::AsciiStrToLower(text);
        bool v;
        if (lower == "true" || lower == "yes" || lower == "on") {
          v = true;
        } else if (lower == "false" || lower == "no" || lower == "off") {
          v = false;
        } else {
          return Error(node, path, absl::StrCat("'", text, "' is not true or false"));
        }
        add ? r->AddBool(message, field, v) : r->SetBool(message, field, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const EnumDescriptor* type = field->enum_type();
        const std::string upper = absl::AsciiStrToUpper(text);
        const google::protobuf::EnumValueDescriptor* v = type->FindValueByName(upper);
        if (v == nullptr) {
          std::string prefix = type->value(0)->name();
          prefix.resize(prefix.size() - std::string_view("UNSPECIFIED").size());
          v = type->FindValueByName(prefix + upper);
        }
        if (v == nullptr || v->number() == 0) {
          return Error(node, path, absl::StrCat("'", text, "' is not one of: ", EnumChoices(type)));
        }
        add ? r->AddEnumValue(message, field, v->number()) : r->SetEnumValue(message, field, v->number());
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;
    }
    return Error(node, path, "has a type policies do not use");
  }

  std::map<std::string, Position> positions_;
};

// Writing ---------------------------------------------------------------------------------------------------------

std::string TimestampText(const google::protobuf::Timestamp& ts) {
  const absl::Time t = ToTime(ts);
  const absl::CivilSecond cs = absl::ToCivilSecond(t, absl::UTCTimeZone());
  if (absl::FromCivil(absl::CivilDay(cs), absl::UTCTimeZone()) == t) {
    return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
  }
  return FormatRfc3339(t);
}

// True for text a YAML reader would take for a number, a date, a boolean or null if written plain.
bool LooksTyped(const std::string& s) {
  if (IsNullish(s)) return true;
  const std::string lower = absl::AsciiStrToLower(s);
  if (lower == "true" || lower == "false" || lower == "yes" || lower == "no" || lower == "on" || lower == "off") {
    return true;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':' || c == '+' || c == 'T' || c == 'Z';
  });
}

void EmitString(YAML::Emitter& out, const std::string& s) {
  if (LooksTyped(s)) {
    out << YAML::DoubleQuoted << s;
  } else {
    out << s;
  }
}

void EmitMessage(YAML::Emitter& out, const Message& message);

void EmitSingle(YAML::Emitter& out, const Message& message, const FieldDescriptor* field, int index) {
  const Reflection* r = message.GetReflection();
  const bool repeated = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      EmitString(out, repeated ? r->GetRepeatedString(message, field, index) : r->GetString(message, field));
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      out << (repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      out << (repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      out << (repeated ? r->GetRepeatedUInt32(message, field, index) : r->GetUInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      out << (repeated ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      out << (repeated ? r->GetRepeatedDouble(message, field, index) : r->GetDouble(message, field));
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      out << (repeated ? r->GetRepeatedFloat(message, field, index) : r->GetFloat(message, field));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out << ((repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field)) ? "true" : "false");
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      out << EnumName(field->enum_type(),
                      repeated ? r->GetRepeatedEnumValue(message, field, index) : r->GetEnumValue(message, field));
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& sub = repeated ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field);
      if (IsTimestamp(field->message_type())) {
        out << TimestampText(static_cast<const google::protobuf::Timestamp&>(sub));
      } else if (IsPeriod(field->message_type())) {
        out << FormatPeriod(static_cast<const pdl::v1::Period&>(sub));
      } else {
        EmitMessage(out, sub);
      }
      break;
    }
  }
}

bool IsCompact(const FieldDescriptor* field) {
  return field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || IsTimestamp(field->message_type()) ||
         IsPeriod(field->message_type());
}

void EmitMessage(YAML::Emitter& out, const Message& message) {
  const Reflection* r = message.GetReflection();
  const Descriptor* d = message.GetDescriptor();
  out << YAML::BeginMap;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    if (field->is_repeated()) {
      const int n = r->FieldSize(message, field);
      if (n == 0) continue;
      out << YAML::Key << field->name() << YAML::Value;
      if (IsCompact(field)) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (int j = 0; j < n; ++j) EmitSingle(out, message, field, j);
      out << YAML::EndSeq;
    } else {
      // A message field set to its default (an empty Period, say) is still written, so that it reads back equal.
      if (!r->HasField(message, field)) continue;
      out << YAML::Key << field->name() << YAML::Value;
      EmitSingle(out, message, field, -1);
    }
  }
  out << YAML::EndMap;
}

}  // namespace

absl::StatusOr<pdl::v1::Policy> ParsePolicyYaml(std::string_view text) {
  pdl::v1::Policy policy;
  Loader loader;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsDefined() || root.IsNull()) {
      return absl::InvalidArgumentError(
          "the policy document is empty; it needs at least version, effective_from, "
          "controller, legal_bases, purposes and collections");
    }
    loader.set_root(root);
    if (absl::Status s = loader.FillMessage(root, &policy, ""); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    const Position pos{e.mark.line + 1, e.mark.column + 1};
    absl::Status syntax = absl::InvalidArgumentError(absl::StrCat("not valid YAML: ", e.msg));
    return e.mark.is_null() ? syntax : WithPosition(syntax, pos);
  }
  if (absl::Status s = ValidatePolicy(policy); !s.ok()) return WithPosition(s, loader.Find(ErrorField(s)));
  return policy;
}

std::string PolicyToYaml(const pdl::v1::Policy& policy) {
  YAML::Emitter out;
  out.SetIndent(2);
  EmitMessage(out, policy);
  return std::string(out.c_str()) + "\n";
}

}  // namespace pdl::policy
