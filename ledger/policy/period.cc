#include "ledger/policy/period.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "ledger/sv.h"

namespace pdl::policy {
namespace {

constexpr int kMaxPart = 10000;

absl::Status NotAPeriod(std::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat("'", Sv(text),
                                                 "' is not a period; want e.g. '1 month', '30 days', "
                                                 "'2 years 6 months' or ISO 8601 'P1Y6M'"));
}

// Adds `n` of `unit` to `period`; false for an unknown unit.
bool AddPart(std::string_view unit, int64_t n, pdl::v1::Period* period) {
  std::string u = absl::AsciiStrToLower(Sv(unit));
  if (u == "y" || u == "year" || u == "years") {
    period->set_years(period->years() + static_cast<int32_t>(n));
  } else if (u == "mo" || u == "month" || u == "months") {
    period->set_months(period->months() + static_cast<int32_t>(n));
  } else if (u == "w" || u == "week" || u == "weeks") {
    period->set_days(period->days() + static_cast<int32_t>(7 * n));
  } else if (u == "d" || u == "day" || u == "days") {
    period->set_days(period->days() + static_cast<int32_t>(n));
  } else {
    return false;
  }
  return true;
}

absl::StatusOr<pdl::v1::Period> ParseIso(std::string_view text) {
  pdl::v1::Period period;
  size_t i = 1;
  const std::string_view order = "YMWD";
  size_t next_unit = 0;
  bool any = false;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i == text.size() || i - start > 5) return NotAPeriod(text);
    int64_t n = 0;
    if (!absl::SimpleAtoi(Sv(text.substr(start, i - start)), &n)) return NotAPeriod(text);
    const size_t unit = order.find(text[i]);
    if (unit == std::string_view::npos || unit < next_unit) return NotAPeriod(text);
    next_unit = unit + 1;
    const std::string_view names[] = {"y", "mo", "w", "d"};
    AddPart(names[unit], n, &period);
    any = true;
    ++i;
  }
  if (!any) return NotAPeriod(text);
  return period;
}

}  // namespace

absl::StatusOr<pdl::v1::Period> ParsePeriod(std::string_view text) {
  std::string_view trimmed = StdSv(absl::StripAsciiWhitespace(Sv(text)));
  if (trimmed.empty()) return NotAPeriod(text);
  pdl::v1::Period period;
  if (trimmed.front() == 'P' || trimmed.front() == 'p') {
    std::string upper = absl::AsciiStrToUpper(Sv(trimmed));
    auto iso = ParseIso(upper);
    if (!iso.ok()) return NotAPeriod(text);
    period = *iso;
  } else {
    // Tokens: numbers and words; a number may be glued to its unit ("30d").
    std::vector<std::string> tokens;
    std::string current;
    auto flush = [&] {
      if (!current.empty()) tokens.push_back(current);
      current.clear();
    };
    for (char c : trimmed) {
      const bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
      const bool alpha = std::isalpha(static_cast<unsigned char>(c)) != 0;
      if (!digit && !alpha) {
        if (c != ' ' && c != ',' && c != '\t') return NotAPeriod(text);
        flush();
        continue;
      }
      if (!current.empty() && (std::isdigit(static_cast<unsigned char>(current.back())) != 0) != digit) flush();
      current.push_back(c);
    }
    flush();
    tokens.erase(std::remove(tokens.begin(), tokens.end(), "and"), tokens.end());
    if (tokens.size() == 1 && tokens[0] == "0") return period;
    if (tokens.empty() || tokens.size() % 2 != 0) return NotAPeriod(text);
    for (size_t i = 0; i < tokens.size(); i += 2) {
      int64_t n = 0;
      if (tokens[i].size() > 5 || !absl::SimpleAtoi(tokens[i], &n)) return NotAPeriod(text);
      if (!AddPart(tokens[i + 1], n, &period)) {
        if (absl::AsciiStrToLower(tokens[i + 1]) == "m") {
          return absl::InvalidArgumentError(
              absl::StrCat("'", Sv(text), "': unit 'm' is ambiguous; write 'months' (or 'mo')"));
        }
        return NotAPeriod(text);
      }
    }
  }
  if (period.years() > kMaxPart || period.months() > kMaxPart || period.days() > kMaxPart * 31) {
    return absl::InvalidArgumentError(absl::StrCat("'", Sv(text), "' is longer than any retention could be"));
  }
  return period;
}

std::string FormatPeriod(const pdl::v1::Period& period) {
  std::vector<std::string> parts;
  auto add = [&](int n, std::string_view unit) {
    if (n != 0) parts.push_back(absl::StrCat(n, " ", Sv(unit), n == 1 ? "" : "s"));
  };
  add(period.years(), "year");
  add(period.months(), "month");
  add(period.days(), "day");
  if (parts.empty()) return "0 days";
  return absl::StrJoin(parts, " ");
}

bool IsZero(const pdl::v1::Period& period) { return period.years() == 0 && period.months() == 0 && period.days() == 0; }

absl::Time AddPeriod(absl::Time t, const pdl::v1::Period& period) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return t;
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond cs = absl::ToCivilSecond(t, utc);
  const absl::Duration subsecond = t - absl::FromCivil(cs, utc);
  absl::CivilMonth month(cs);
  month += static_cast<int64_t>(period.years()) * 12 + period.months();
  const absl::CivilDay last_of_month = absl::CivilDay(month + 1) - 1;
  absl::CivilDay day(month.year(), month.month(), std::min<int>(cs.day(), last_of_month.day()));
  day += period.days();
  const absl::CivilSecond out(day.year(), day.month(), day.day(), cs.hour(), cs.minute(), cs.second());
  return absl::FromCivil(out, utc) + subsecond;
}

pdl::v1::Period Months(int months) {
  pdl::v1::Period p;
  p.set_months(months);
  return p;
}

pdl::v1::Period Days(int days) {
  pdl::v1::Period p;
  p.set_days(days);
  return p;
}

}  // namespace pdl::policy
