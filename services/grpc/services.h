#ifndef PDL_SERVICES_GRPC_SERVICES_H_
#define PDL_SERVICES_GRPC_SERVICES_H_

// The gRPC services: thin adapters over the node's domain objects. Each method converts, delegates and maps the
// status; no logic of its own. Thread-safe (the sync server calls them from its pool).

#include <functional>

#include "absl/status/statusor.h"
#include <string>

#include "pdl/v1/admin_service.grpc.pb.h"
#include "pdl/v1/audit_service.grpc.pb.h"
#include "pdl/v1/ingest_service.grpc.pb.h"

namespace pdl {

class Ingest;
class Store;

class IngestServiceImpl final : public pdl::v1::IngestService::Service {
 public:
  explicit IngestServiceImpl(Ingest* ingest) : ingest_(ingest) {}
  grpc::Status Publish(grpc::ServerContext* context, const pdl::v1::PublishRequest* request,
                       pdl::v1::PublishReceipt* receipt) override;
  grpc::Status PublishStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<pdl::v1::PublishReceipt, pdl::v1::PublishRequest>* stream) override;

 private:
  Ingest* ingest_;
};

class AuditServiceImpl final : public pdl::v1::AuditService::Service {
 public:
  explicit AuditServiceImpl(const Store* store) : store_(store) {}
  grpc::Status GetSubjectHistory(grpc::ServerContext* context, const pdl::v1::GetSubjectHistoryRequest* request,
                                 pdl::v1::GetSubjectHistoryResponse* response) override;

 private:
  const Store* store_;
};

class AdminServiceImpl final : public pdl::v1::AdminService::Service {
 public:
  using StatsFn = std::function<absl::StatusOr<pdl::v1::GetStatsResponse>()>;
  using AckFn = std::function<absl::StatusOr<int>(uint32_t)>;
  AdminServiceImpl(StatsFn stats, AckFn ack) : stats_(std::move(stats)), ack_(std::move(ack)) {}
  grpc::Status GetStats(grpc::ServerContext* context, const pdl::v1::GetStatsRequest* request,
                        pdl::v1::GetStatsResponse* response) override;
  grpc::Status AcknowledgeGap(grpc::ServerContext* context, const pdl::v1::AcknowledgeGapRequest* request,
                              pdl::v1::AcknowledgeGapResponse* response) override;

 private:
  StatsFn stats_;
  AckFn ack_;
};

}  // namespace pdl

#endif  // PDL_SERVICES_GRPC_SERVICES_H_
