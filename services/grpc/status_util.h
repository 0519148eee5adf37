#ifndef PDL_SERVICES_GRPC_STATUS_UTIL_H_
#define PDL_SERVICES_GRPC_STATUS_UTIL_H_

// absl::Status -> grpc::Status (codes map 1:1). A field error's field path also goes to the trailing metadata
// key "pdl-field", so clients can act on it without parsing the message.

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"

namespace pdl {

grpc::Status ToGrpc(const absl::Status& status, grpc::ServerContext* context);

// The client-side inverse: grpc::Status -> absl::Status with the same code and message.
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace pdl

#endif  // PDL_SERVICES_GRPC_STATUS_UTIL_H_
