#include "services/grpc/proof_service.h"

#include "services/grpc/status_util.h"

namespace pdl {
namespace {

template <typename Response>
grpc::Status Answer(absl::StatusOr<Response> result, grpc::ServerContext* context, Response* response) {
  if (!result.ok()) return ToGrpc(result.status(), context);
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ProofServiceImpl::GetCheckpoint(grpc::ServerContext* context, const pdl::v1::GetCheckpointRequest* request,
                                             pdl::v1::GetCheckpointResponse* response) {
  return Answer(pdl::GetCheckpoint(*store_, config_, *request), context, response);
}

grpc::Status ProofServiceImpl::GetInclusionProof(grpc::ServerContext* context,
                                                 const pdl::v1::GetInclusionProofRequest* request,
                                                 pdl::v1::GetInclusionProofResponse* response) {
  return Answer(pdl::GetInclusionProof(*store_, config_, *request), context, response);
}

grpc::Status ProofServiceImpl::GetConsistencyProof(grpc::ServerContext* context,
                                                   const pdl::v1::GetConsistencyProofRequest* request,
                                                   pdl::v1::GetConsistencyProofResponse* response) {
  return Answer(pdl::GetConsistencyProof(*store_, config_, *request), context, response);
}

}  // namespace pdl
