#include "ledger/field_error.h"

#include "ledger/sv.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pdl {

absl::Status FieldError(absl::StatusCode code, std::string_view field, std::string_view reason) {
  absl::Status status(code, absl::StrCat(Sv(field), ": ", Sv(reason)));
  status.SetPayload(Sv(kFieldPayloadUrl), absl::Cord(Sv(field)));
  return status;
}

absl::Status InvalidField(std::string_view field, std::string_view reason) {
  return FieldError(absl::StatusCode::kInvalidArgument, field, reason);
}

std::string ErrorField(const absl::Status& status) {
  auto payload = status.GetPayload(Sv(kFieldPayloadUrl));
  return payload ? std::string(*payload) : std::string();
}

std::string ErrorReason(const absl::Status& status) {
  std::string field = ErrorField(status);
  absl::string_view message = status.message();
  std::string prefix = absl::StrCat(field, ": ");
  if (!field.empty() && absl::StartsWith(message, prefix)) message.remove_prefix(prefix.size());
  return std::string(message);
}

}  // namespace pdl
