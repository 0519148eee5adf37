#ifndef PDL_LEDGER_FIELD_ERROR_H_
#define PDL_LEDGER_FIELD_ERROR_H_

// Field-level errors: every rejection names the field it is about, so that a gRPC caller, a rejected-topic
// reader and a test can all tell exactly what was wrong.
//
// A field error is an absl::Status whose message is "<field>: <reason>" and which carries the field path
// (e.g. "data_transferred.destination_country") as a payload. Thread-safe (pure functions).

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace pdl {

// The payload type URL under which the field path is stored.
inline constexpr std::string_view kFieldPayloadUrl = "type.pdl.dev/pdl.field";

// Returns a status with `code`, message "<field>: <reason>" and the field payload.
[[nodiscard]] absl::Status FieldError(absl::StatusCode code, std::string_view field, std::string_view reason);

// Shorthand for FieldError(kInvalidArgument, ...).
[[nodiscard]] absl::Status InvalidField(std::string_view field, std::string_view reason);

// The field path carried by `status`, or "" when it carries none.
std::string ErrorField(const absl::Status& status);

// The reason part of a field error's message (the message without the "<field>: " prefix).
std::string ErrorReason(const absl::Status& status);

}  // namespace pdl

#endif  // PDL_LEDGER_FIELD_ERROR_H_
