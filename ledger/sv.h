#ifndef PDL_LEDGER_SV_H_
#define PDL_LEDGER_SV_H_

// Debian's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0), distinct from
// std::string_view. The project's APIs take std::string_view; Sv() converts at the calls into Abseil.

#include <string_view>

#include "absl/strings/string_view.h"

namespace pdl {

inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view StdSv(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace pdl

#endif  // PDL_LEDGER_SV_H_
