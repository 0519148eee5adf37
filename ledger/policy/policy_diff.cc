#include "ledger/policy/policy_diff.h"

#include <map>
#include <set>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "ledger/event_codec.h"
#include "ledger/policy/declarations.h"
#include "ledger/policy/period.h"
#include "ledger/sv.h"

namespace pdl::policy {
namespace {

using StringSet = std::set<std::string>;

class Differ {
 public:
  std::vector<DiffLine> lines;

  void Value(const std::string& where, const std::string& from, const std::string& to) {
    if (from == to) return;
    lines.push_back({'~', where, absl::StrCat(Shown(from), " -> ", Shown(to))});
  }

  void Sets(const std::string& where, const StringSet& from, const StringSet& to) {
    for (const auto& v : from) {
      if (to.count(v) == 0) lines.push_back({'-', where, v});
    }
    for (const auto& v : to) {
      if (from.count(v) == 0) lines.push_back({'+', where, v});
    }
  }

  // Entries keyed by `key`: added and removed ones as a line each, common ones compared by `compare`.
  template <typename T, typename Key, typename Describe, typename Compare>
  void Keyed(const std::string& field, const google::protobuf::RepeatedPtrField<T>& from,
             const google::protobuf::RepeatedPtrField<T>& to, Key key, Describe describe, Compare compare) {
    std::map<std::string, const T*> a;
    std::map<std::string, const T*> b;
    for (const T& e : from) a.emplace(key(e), &e);
    for (const T& e : to) b.emplace(key(e), &e);
    for (const auto& [k, e] : a) {
      if (b.count(k) == 0) lines.push_back({'-', absl::StrCat(field, "[", k, "]"), describe(*e)});
    }
    for (const auto& [k, e] : b) {
      auto it = a.find(k);
      if (it == a.end()) {
        lines.push_back({'+', absl::StrCat(field, "[", k, "]"), describe(*e)});
      } else {
        compare(absl::StrCat(field, "[", k, "]"), *it->second, *e);
      }
    }
  }

 private:
  static std::string Shown(const std::string& v) { return v.empty() ? "(none)" : v; }
};

template <typename Strings>
StringSet Set(const Strings& values) {
  return StringSet(values.begin(), values.end());
}

StringSet EnumSet(const google::protobuf::RepeatedField<int>& values, const google::protobuf::EnumDescriptor* type) {
  StringSet out;
  for (int v : values) out.insert(EnumName(type, v));
  return out;
}

std::string Date(const google::protobuf::Timestamp& ts) { return FormatRfc3339(ToTime(ts)); }

std::string Limit(const pdl::v1::RetentionRule& r) {
  switch (r.limit_case()) {
    case pdl::v1::RetentionRule::kPeriod:
      return absl::StrCat("period ", FormatPeriod(r.period()));
    case pdl::v1::RetentionRule::kUntil:
      return absl::StrCat("until ", EnumName(pdl::v1::RetentionEvent_descriptor(), r.until().event()), " plus ",
                          FormatPeriod(r.until().plus()));
    case pdl::v1::RetentionRule::LIMIT_NOT_SET:
      break;
  }
  return "";
}

std::string CollectionKey(const pdl::v1::CollectionDeclaration& c) {
  return c.consent_scope().empty() ? MethodName(c.method())
                                   : absl::StrCat(MethodName(c.method()), "/", c.consent_scope());
}

std::string Joined(const StringSet& s) { return absl::StrJoin(s, ", "); }

}  // namespace

std::vector<DiffLine> DiffPolicies(const pdl::v1::Policy& from, const pdl::v1::Policy& to) {
  Differ d;
  d.Value("effective_from", Date(from.effective_from()), Date(to.effective_from()));
  d.Value("title", from.title(), to.title());
  d.Value("source", from.source(), to.source());
  d.Value("language", from.language(), to.language());
  d.Value("controller.name", from.controller().name(), to.controller().name());
  d.Value("controller.address", from.controller().address(), to.controller().address());
  d.Value("controller.country", from.controller().country(), to.controller().country());
  d.Value("controller.contact", from.controller().contact(), to.controller().contact());

  // Collections with the same method and scope are merged: what matters is what may be collected how.
  auto merged = [](const pdl::v1::Policy& p) {
    std::map<std::string, std::pair<StringSet, StringSet>> out;
    for (const auto& c : p.collections()) {
      auto& [categories, purposes] = out[CollectionKey(c)];
      categories.insert(c.categories().begin(), c.categories().end());
      purposes.insert(c.purposes().begin(), c.purposes().end());
    }
    return out;
  };
  const auto ca = merged(from);
  const auto cb = merged(to);
  for (const auto& [k, v] : ca) {
    if (cb.count(k) == 0) {
      d.lines.push_back({'-', absl::StrCat("collections[", k, "]"), absl::StrCat("categories ", Joined(v.first))});
    }
  }
  for (const auto& [k, v] : cb) {
    auto it = ca.find(k);
    const std::string where = absl::StrCat("collections[", k, "]");
    if (it == ca.end()) {
      d.lines.push_back({'+', where, absl::StrCat("categories ", Joined(v.first))});
      continue;
    }
    d.Sets(where + ".categories", it->second.first, v.first);
    d.Sets(where + ".purposes", it->second.second, v.second);
  }

  d.Keyed(
      "purposes", from.purposes(), to.purposes(), [](const auto& p) { return p.key(); },
      [](const auto& p) { return p.description(); },
      [&](const std::string& where, const auto& a, const auto& b) {
        d.Sets(where + ".legal_bases", EnumSet(a.legal_bases(), pdl::v1::LegalBasis_descriptor()),
               EnumSet(b.legal_bases(), pdl::v1::LegalBasis_descriptor()));
        d.Value(where + ".description", a.description(), b.description());
      });
  d.Sets("legal_bases", EnumSet(from.legal_bases(), pdl::v1::LegalBasis_descriptor()),
         EnumSet(to.legal_bases(), pdl::v1::LegalBasis_descriptor()));

  d.Keyed(
      "recipients", from.recipients(), to.recipients(), [](const auto& r) { return r.category(); },
      [](const auto& r) { return r.description(); },
      [&](const std::string& where, const auto& a, const auto& b) {
        d.Sets(where + ".categories", Set(a.categories()), Set(b.categories()));
        d.Sets(where + ".purposes", Set(a.purposes()), Set(b.purposes()));
        d.Value(where + ".description", a.description(), b.description());
      });

  d.Keyed(
      "processors", from.processors(), to.processors(), [](const auto& p) { return p.id(); },
      [](const auto& p) { return absl::StrCat(p.name(), " (", p.category(), ", ", p.country(), ")"); },
      [&](const std::string& where, const auto& a, const auto& b) {
        d.Value(where + ".name", a.name(), b.name());
        d.Value(where + ".category", a.category(), b.category());
        d.Value(where + ".country", a.country(), b.country());
        d.Sets(where + ".purposes", Set(a.purposes()), Set(b.purposes()));
      });

  auto destinations = [](const pdl::v1::Policy& p) {
    std::map<std::string, StringSet> out;
    for (const auto& rule : p.transfer_rules()) {
      for (const auto& dest : rule.destinations()) {
        out[dest] = EnumSet(rule.mechanisms(), pdl::v1::TransferMechanism_descriptor());
      }
    }
    return out;
  };
  const auto ta = destinations(from);
  const auto tb = destinations(to);
  for (const auto& [k, v] : ta) {
    if (tb.count(k) == 0) d.lines.push_back({'-', absl::StrCat("transfer_rules[", k, "]"), Joined(v)});
  }
  for (const auto& [k, v] : tb) {
    auto it = ta.find(k);
    if (it == ta.end()) {
      d.lines.push_back({'+', absl::StrCat("transfer_rules[", k, "]"), Joined(v)});
    } else {
      d.Sets(absl::StrCat("transfer_rules[", k, "].mechanisms"), it->second, v);
    }
  }

  d.Keyed(
      "retention_rules", from.retention_rules(), to.retention_rules(), [](const auto& r) { return r.id(); },
      [](const auto& r) { return absl::StrCat(Limit(r), " for ", absl::StrJoin(r.categories(), ", ")); },
      [&](const std::string& where, const auto& a, const auto& b) {
        d.Value(where + ".limit", Limit(a), Limit(b));
        d.Sets(where + ".categories", Set(a.categories()), Set(b.categories()));
        d.Sets(where + ".purposes", Set(a.purposes()), Set(b.purposes()));
        d.Value(where + ".grace", a.has_grace() ? FormatPeriod(a.grace()) : "",
                b.has_grace() ? FormatPeriod(b.grace()) : "");
      });
  d.Value("retention_grace", FormatPeriod(from.retention_grace()), FormatPeriod(to.retention_grace()));
  d.Value("minimum_age", absl::StrCat(from.minimum_age()), absl::StrCat(to.minimum_age()));
  d.Sets("rights.offered", EnumSet(from.rights().offered(), pdl::v1::SubjectRight_descriptor()),
         EnumSet(to.rights().offered(), pdl::v1::SubjectRight_descriptor()));
  d.Value("rights.response_deadline", FormatPeriod(from.rights().response_deadline()),
          FormatPeriod(to.rights().response_deadline()));
  d.Value("rights.channel", from.rights().channel(), to.rights().channel());
  d.Value("sells_personal_data", from.sells_personal_data() ? "true" : "false",
          to.sells_personal_data() ? "true" : "false");
  return std::move(d.lines);
}

std::string FormatDiff(const pdl::v1::Policy& from, const pdl::v1::Policy& to, const std::vector<DiffLine>& lines) {
  auto header = [](const pdl::v1::Policy& p) {
    return absl::StrCat("policy ", p.version(), " (effective ",
                        absl::FormatTime("%Y-%m-%d", ToTime(p.effective_from()), absl::UTCTimeZone()), ")");
  };
  std::string out = absl::StrCat("--- ", header(from), "\n+++ ", header(to), "\n");
  if (lines.empty()) return absl::StrCat(out, "no differences in the declarations\n");
  for (const DiffLine& line : lines) {
    absl::StrAppend(&out, std::string(1, line.op), " ", line.where, ": ", line.text, "\n");
  }
  return out;
}

}  // namespace pdl::policy
