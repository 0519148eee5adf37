#ifndef PDL_LEDGER_POLICY_PERIOD_H_
#define PDL_LEDGER_POLICY_PERIOD_H_

// Calendar periods of policies (pdl.v1.Period): "1 month", "30 days", "2 years 6 months", "P1Y6M".
//
// Arithmetic is on the UTC calendar: years and months first, clamping the day to the end of a shorter month (one
// month after 31 January is 28 or 29 February, as for GDPR Art. 12(3) deadlines under Regulation 1182/71), then
// days; the time of day is kept. Pure and thread-safe.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pdl/v1/policy.pb.h"

namespace pdl::policy {

// Parses a period written as words ("1 year 2 months 3 days", "14 months", "30d", "2 weeks"; parts separated by
// spaces, commas or "and"; units year/month/week/day, singular, plural or y/mo/w/d) or as an ISO 8601 date
// duration ("P1Y2M3D", "P2W"). INVALID_ARGUMENT with a reason (no field) when `text` is neither.
[[nodiscard]] absl::StatusOr<pdl::v1::Period> ParsePeriod(std::string_view text);

// "1 year 2 months 3 days"; "0 days" for the empty period.
std::string FormatPeriod(const pdl::v1::Period& period);

bool IsZero(const pdl::v1::Period& period);

// `t` plus `period` on the UTC calendar. Infinite times are returned unchanged. Requires every part >= 0.
absl::Time AddPeriod(absl::Time t, const pdl::v1::Period& period);

pdl::v1::Period Months(int months);
pdl::v1::Period Days(int days);

}  // namespace pdl::policy

#endif  // PDL_LEDGER_POLICY_PERIOD_H_
