#include "ledger/field_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace pdl {

absl::Status FieldError(absl::StatusCode code, std::string_view field, std::string_view reason) {
  absl::Status status(code, absl::StrCat(field, ": ", reason));
  status.SetPayload(kFieldPayloadUrl, absl::Cord(field));
  return status;
}

absl::Status InvalidField(std::string_view field, std::string_view reason) {
  return FieldError(absl::StatusCode::kInvalidArgument, field, reason);
}

std::string ErrorField(const absl::Status& status) {
  auto payload = status.GetPayload(kFieldPayloadUrl);
  return payload ? std::string(*payload) : std::string();
}

std::string ErrorReason(const absl::Status& status) {
  std::string field = ErrorField(status);
  std::string_view message = status.message();
  std::string prefix = absl::StrCat(field, ": ");
  if (!field.empty() && message.substr(0, prefix.size()) == prefix) message.remove_prefix(prefix.size());
  return std::string(message);
}

}  // namespace pdl
