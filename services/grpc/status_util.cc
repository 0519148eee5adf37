#include "services/grpc/status_util.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/field_error.h"

namespace pdl {

grpc::Status ToGrpc(const absl::Status& status, grpc::ServerContext* context) {
  if (status.ok()) return grpc::Status::OK;
  std::string field = ErrorField(status);
  if (field.size() > kMaxStatusMessageBytes) field.resize(kMaxStatusMessageBytes);
  if (!field.empty() && context != nullptr) context->AddTrailingMetadata("pdl-field", field);
  std::string message(status.message());
  if (message.size() > kMaxStatusMessageBytes) {
    // A message quoting a long value: cut (at a UTF-8 character boundary), so that it fits the metadata limits of
    // every client and still says what was wrong.
    size_t cut = kMaxStatusMessageBytes;
    while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
    message = absl::StrCat(message.substr(0, cut), "… (", message.size(), " bytes in all)");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::move(message));
}

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace pdl
