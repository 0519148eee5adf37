#ifndef PDL_SERVICES_GRPC_STATUS_UTIL_H_
#define PDL_SERVICES_GRPC_STATUS_UTIL_H_

// absl::Status -> grpc::Status (codes map 1:1). A field error's field path also goes to the trailing metadata
// key "pdl-field", so clients can act on it without parsing the message. A message (or field) longer than
// kMaxStatusMessageBytes, e.g. one quoting a long value a client sent, is cut there and says how long it was: gRPC
// carries it in a header, and clients refuse headers past a few KiB.

#include <cstddef>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"

namespace pdl {

inline constexpr size_t kMaxStatusMessageBytes = 1024;

grpc::Status ToGrpc(const absl::Status& status, grpc::ServerContext* context);

// The client-side inverse: grpc::Status -> absl::Status with the same code and message.
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace pdl

#endif  // PDL_SERVICES_GRPC_STATUS_UTIL_H_
