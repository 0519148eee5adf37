#ifndef PDL_SERVICES_GRPC_PROOF_SERVICE_H_
#define PDL_SERVICES_GRPC_PROOF_SERVICE_H_

// pdl.v1.ProofService: a thin adapter over projections/proofs.h (signed checkpoints, inclusion and consistency
// proofs). Thread-safe (the sync server calls it from its pool; each call reads one RocksDB snapshot).

#include "pdl/v1/proof_service.grpc.pb.h"
#include "projections/proofs.h"

namespace pdl {

class Store;

class ProofServiceImpl final : public pdl::v1::ProofService::Service {
 public:
  ProofServiceImpl(const Store* store, ProofConfig config) : store_(store), config_(std::move(config)) {}

  grpc::Status GetCheckpoint(grpc::ServerContext* context, const pdl::v1::GetCheckpointRequest* request,
                             pdl::v1::GetCheckpointResponse* response) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* context, const pdl::v1::GetInclusionProofRequest* request,
                                 pdl::v1::GetInclusionProofResponse* response) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* context, const pdl::v1::GetConsistencyProofRequest* request,
                                   pdl::v1::GetConsistencyProofResponse* response) override;

 private:
  const Store* store_;
  const ProofConfig config_;
};

}  // namespace pdl

#endif  // PDL_SERVICES_GRPC_PROOF_SERVICE_H_
