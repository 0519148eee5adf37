#ifndef PDL_TESTS_TESTING_HEALTH_CLIENT_H_
#define PDL_TESTS_TESTING_HEALTH_CLIENT_H_

// A client of the standard gRPC health service (grpc.health.v1.Health/Check) through the generic stub, with the
// two tiny messages encoded by hand (Debian ships no generated health stubs).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace pdl::testing {

// grpc.health.v1.HealthCheckResponse.ServingStatus values.
inline constexpr int kHealthUnknown = 0;
inline constexpr int kHealthServing = 1;
inline constexpr int kHealthNotServing = 2;

// The serving status of `service` ("" = the whole server), or the call's error (NOT_FOUND for an unknown service).
absl::StatusOr<int> CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service);

}  // namespace pdl::testing

#endif  // PDL_TESTS_TESTING_HEALTH_CLIENT_H_
