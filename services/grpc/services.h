#ifndef PDL_SERVICES_GRPC_SERVICES_H_
#define PDL_SERVICES_GRPC_SERVICES_H_

// The gRPC services: thin adapters over the node's domain objects. Each method converts, delegates and maps the
// status; no logic of its own. Thread-safe (the sync server calls them from its pool).

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include <string>

#include "pdl/v1/admin_service.grpc.pb.h"
#include "pdl/v1/audit_service.grpc.pb.h"
#include "pdl/v1/ingest_service.grpc.pb.h"
#include "projections/audit_queries.h"

namespace pdl {

class Ingest;
class Store;
class VaultStore;

class IngestServiceImpl final : public pdl::v1::IngestService::Service {
 public:
  // `on_outcome`, if set, is told the status code each published event ended with (thread-safe).
  explicit IngestServiceImpl(Ingest* ingest, std::function<void(absl::StatusCode)> on_outcome = nullptr)
      : ingest_(ingest), on_outcome_(std::move(on_outcome)) {}
  grpc::Status Publish(grpc::ServerContext* context, const pdl::v1::PublishRequest* request,
                       pdl::v1::PublishReceipt* receipt) override;
  grpc::Status PublishStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<pdl::v1::PublishReceipt, pdl::v1::PublishRequest>* stream) override;

 private:
  void Observe(absl::StatusCode code) const {
    if (on_outcome_) on_outcome_(code);
  }

  Ingest* ingest_;
  std::function<void(absl::StatusCode)> on_outcome_;
};

// Whether the read models are whole. A rebuild drops them and fills them again from the log; a query that
// overlapped it would answer from part of them (no findings, too few transfers) as if that were all. The rebuild
// brackets its work with Begin/End; a read-model query notes generation() before it reads and asks Overlapped
// after. Thread-safe.
class RebuildGate {
 public:
  void Begin() { generation_.fetch_add(1); }
  void End() { generation_.fetch_add(1); }
  uint64_t generation() const { return generation_.load(); }
  bool rebuilding() const { return generation() % 2 == 1; }
  // UNAVAILABLE when a rebuild runs now or ran since `entered` (a generation()); OK otherwise.
  [[nodiscard]] absl::Status Overlapped(uint64_t entered) const;

 private:
  // Odd while a rebuild runs.
  std::atomic<uint64_t> generation_{0};
};

// Read queries (projections/history.h, projections/audit_queries.h). `vault` decrypts identities in subject reports
// (null: reports say IDENTITY_STATUS_UNAVAILABLE); `declarations` returns what the policy in force declares, to
// mark the records of processing (unset, or std::nullopt: rows stay DECLARATION_UNSPECIFIED); `gate`, if set, makes
// every read-model query (all but GetSubjectHistory, which reads the log's own index) answer UNAVAILABLE rather
// than partly while a rebuild runs. Not owned.
class AuditServiceImpl final : public pdl::v1::AuditService::Service {
 public:
  using DeclarationsFn = std::function<absl::StatusOr<std::optional<RopaDeclarations>>()>;
  explicit AuditServiceImpl(const Store* store, const VaultStore* vault = nullptr, DeclarationsFn declarations = {},
                            const RebuildGate* gate = nullptr)
      : store_(store), vault_(vault), declarations_(std::move(declarations)), gate_(gate) {}
  grpc::Status GetSubjectHistory(grpc::ServerContext* context, const pdl::v1::GetSubjectHistoryRequest* request,
                                 pdl::v1::GetSubjectHistoryResponse* response) override;
  grpc::Status GetSubjectReport(grpc::ServerContext* context, const pdl::v1::GetSubjectReportRequest* request,
                                pdl::v1::GetSubjectReportResponse* response) override;
  grpc::Status ListTransfers(grpc::ServerContext* context, const pdl::v1::ListTransfersRequest* request,
                             pdl::v1::ListTransfersResponse* response) override;
  grpc::Status ListDisclosures(grpc::ServerContext* context, const pdl::v1::ListDisclosuresRequest* request,
                               pdl::v1::ListDisclosuresResponse* response) override;
  grpc::Status GetRecordsOfProcessing(grpc::ServerContext* context,
                                      const pdl::v1::GetRecordsOfProcessingRequest* request,
                                      pdl::v1::GetRecordsOfProcessingResponse* response) override;
  grpc::Status ListRightsRequests(grpc::ServerContext* context, const pdl::v1::ListRightsRequestsRequest* request,
                                  pdl::v1::ListRightsRequestsResponse* response) override;
  grpc::Status ListFindings(grpc::ServerContext* context, const pdl::v1::ListFindingsRequest* request,
                            pdl::v1::ListFindingsResponse* response) override;
  grpc::Status ListRetentionDue(grpc::ServerContext* context, const pdl::v1::ListRetentionDueRequest* request,
                                pdl::v1::ListRetentionDueResponse* response) override;

 private:
  // Runs a read-model query and answers it, or UNAVAILABLE when it overlapped a rebuild.
  template <typename Response, typename Query>
  grpc::Status FromReadModels(grpc::ServerContext* context, Query&& query, Response* response) const;

  const Store* store_;
  const VaultStore* vault_;
  DeclarationsFn declarations_;
  const RebuildGate* gate_;
};

class AdminServiceImpl final : public pdl::v1::AdminService::Service {
 public:
  using StatsFn = std::function<absl::StatusOr<pdl::v1::GetStatsResponse>()>;
  using AckFn = std::function<absl::StatusOr<int>(uint32_t)>;
  using PublishPolicyFn =
      std::function<absl::StatusOr<pdl::v1::PublishPolicyResponse>(const pdl::v1::PublishPolicyRequest&)>;
  using GetPolicyFn = std::function<absl::StatusOr<pdl::v1::GetPolicyResponse>(const pdl::v1::GetPolicyRequest&)>;
  using RebuildFn =
      std::function<absl::StatusOr<pdl::v1::RebuildProjectionsResponse>(const pdl::v1::RebuildProjectionsRequest&)>;
  // The node's operations; an unset function answers UNIMPLEMENTED.
  struct Handlers {
    StatsFn stats;
    AckFn ack;
    PublishPolicyFn publish_policy;
    GetPolicyFn get_policy;
    RebuildFn rebuild;
  };
  explicit AdminServiceImpl(Handlers handlers) : handlers_(std::move(handlers)) {}
  grpc::Status GetStats(grpc::ServerContext* context, const pdl::v1::GetStatsRequest* request,
                        pdl::v1::GetStatsResponse* response) override;
  grpc::Status AcknowledgeGap(grpc::ServerContext* context, const pdl::v1::AcknowledgeGapRequest* request,
                              pdl::v1::AcknowledgeGapResponse* response) override;
  grpc::Status PublishPolicy(grpc::ServerContext* context, const pdl::v1::PublishPolicyRequest* request,
                             pdl::v1::PublishPolicyResponse* response) override;
  grpc::Status GetPolicy(grpc::ServerContext* context, const pdl::v1::GetPolicyRequest* request,
                         pdl::v1::GetPolicyResponse* response) override;
  grpc::Status RebuildProjections(grpc::ServerContext* context, const pdl::v1::RebuildProjectionsRequest* request,
                                  pdl::v1::RebuildProjectionsResponse* response) override;

 private:
  Handlers handlers_;
};

}  // namespace pdl

#endif  // PDL_SERVICES_GRPC_SERVICES_H_
