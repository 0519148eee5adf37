#include "services/grpc/status_util.h"

#include <string>

#include "ledger/field_error.h"

namespace pdl {

grpc::Status ToGrpc(const absl::Status& status, grpc::ServerContext* context) {
  if (status.ok()) return grpc::Status::OK;
  const std::string field = ErrorField(status);
  if (!field.empty() && context != nullptr) context->AddTrailingMetadata("pdl-field", field);
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace pdl
