#include "services/grpc/services.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/time/clock.h"
#include "projections/audit_queries.h"
#include "projections/history.h"
#include "services/grpc/status_util.h"
#include "services/node/ingest.h"

namespace pdl {
namespace {

// Default deadline for a call whose client set none.
constexpr absl::Duration kDefaultDeadline = absl::Seconds(60);
// Events of one stream in flight at once (bounded memory; the reader waits for the writer).
constexpr size_t kStreamWindow = 4096;

absl::Time DeadlineOf(const grpc::ServerContext* context) {
  const auto deadline = context->deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::Now() + kDefaultDeadline;
  return std::min(absl::FromChrono(deadline), absl::Now() + absl::Hours(1));
}

}  // namespace

grpc::Status IngestServiceImpl::Publish(grpc::ServerContext* context, const pdl::v1::PublishRequest* request,
                                        pdl::v1::PublishReceipt* receipt) {
  auto result = ingest_->Publish(*request, DeadlineOf(context));
  Observe(result.status().code());
  if (!result.ok()) return ToGrpc(result.status(), context);
  *receipt = std::move(*result);
  return grpc::Status::OK;
}

// The handler thread reads and starts publishes; a writer thread finishes them in order and writes receipts.
// The first failure ends the stream with that status (receipts before it were written).
grpc::Status IngestServiceImpl::PublishStream(
    grpc::ServerContext* context, grpc::ServerReaderWriter<pdl::v1::PublishReceipt, pdl::v1::PublishRequest>* stream) {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<absl::StatusOr<Ingest::Pending>> queue;
  bool reading_done = false;
  absl::Status failure;

  std::thread writer([&] {
    while (true) {
      absl::StatusOr<Ingest::Pending> next;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return !queue.empty() || reading_done; });
        if (queue.empty()) return;
        next = std::move(queue.front());
        queue.pop_front();
      }
      cv.notify_all();
      absl::StatusOr<pdl::v1::PublishReceipt> receipt =
          next.ok() ? ingest_->Finish(std::move(*next), DeadlineOf(context)) : next.status();
      Observe(receipt.status().code());
      std::lock_guard<std::mutex> lock(mu);
      if (!failure.ok()) continue;  // Drain: everything after a failure is abandoned.
      if (!receipt.ok()) {
        failure = receipt.status();
        continue;
      }
      if (!stream->Write(*receipt)) failure = absl::CancelledError("client went away");
    }
  });

  pdl::v1::PublishRequest request;
  while (stream->Read(&request)) {
    auto pending = ingest_->Start(request, DeadlineOf(context));
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return queue.size() < kStreamWindow || !failure.ok(); });
    if (!failure.ok()) break;
    const bool failed = !pending.ok();
    queue.push_back(std::move(pending));
    cv.notify_all();
    if (failed) break;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    reading_done = true;
  }
  cv.notify_all();
  writer.join();
  return ToGrpc(failure, context);
}

grpc::Status AuditServiceImpl::GetSubjectHistory(grpc::ServerContext* context,
                                                 const pdl::v1::GetSubjectHistoryRequest* request,
                                                 pdl::v1::GetSubjectHistoryResponse* response) {
  auto result = pdl::GetSubjectHistory(*store_, *request);
  if (!result.ok()) return ToGrpc(result.status(), context);
  *response = std::move(*result);
  return grpc::Status::OK;
}

namespace {

// Runs `query` and moves its answer into `response`, or maps its error.
template <typename Response>
grpc::Status Answer(grpc::ServerContext* context, absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return ToGrpc(result.status(), context);
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

absl::Status RebuildGate::Overlapped(uint64_t entered) const {
  if (entered % 2 == 0 && generation() == entered) return absl::OkStatus();
  return absl::UnavailableError(
      "the read models are being rebuilt from the log (AdminService.RebuildProjections); an answer now would be "
      "partial: retry once the rebuild has returned");
}

template <typename Response, typename Query>
grpc::Status AuditServiceImpl::FromReadModels(grpc::ServerContext* context, Query&& query, Response* response) const {
  const uint64_t entered = gate_ != nullptr ? gate_->generation() : 0;
  if (gate_ != nullptr) {
    if (absl::Status s = gate_->Overlapped(entered); !s.ok()) return ToGrpc(s, context);
  }
  absl::StatusOr<Response> result = query();
  if (gate_ != nullptr) {
    if (absl::Status s = gate_->Overlapped(entered); !s.ok()) return ToGrpc(s, context);
  }
  return Answer(context, std::move(result), response);
}

grpc::Status AuditServiceImpl::GetSubjectReport(grpc::ServerContext* context,
                                                const pdl::v1::GetSubjectReportRequest* request,
                                                pdl::v1::GetSubjectReportResponse* response) {
  return FromReadModels(
      context, [&] { return pdl::GetSubjectReport(*store_, vault_, *request, absl::Now()); }, response);
}

grpc::Status AuditServiceImpl::ListTransfers(grpc::ServerContext* context, const pdl::v1::ListTransfersRequest* request,
                                             pdl::v1::ListTransfersResponse* response) {
  return FromReadModels(context, [&] { return pdl::ListTransfers(*store_, *request); }, response);
}

grpc::Status AuditServiceImpl::ListDisclosures(grpc::ServerContext* context,
                                               const pdl::v1::ListDisclosuresRequest* request,
                                               pdl::v1::ListDisclosuresResponse* response) {
  return FromReadModels(context, [&] { return pdl::ListDisclosures(*store_, *request); }, response);
}

grpc::Status AuditServiceImpl::GetRecordsOfProcessing(grpc::ServerContext* context,
                                                      const pdl::v1::GetRecordsOfProcessingRequest* request,
                                                      pdl::v1::GetRecordsOfProcessingResponse* response) {
  std::optional<RopaDeclarations> declared;
  if (declarations_) {
    auto found = declarations_();
    if (!found.ok()) return ToGrpc(found.status(), context);
    declared = std::move(*found);
  }
  return FromReadModels(
      context,
      [&] { return pdl::GetRecordsOfProcessing(*store_, *request, declared.has_value() ? &*declared : nullptr); },
      response);
}

grpc::Status AuditServiceImpl::ListRightsRequests(grpc::ServerContext* context,
                                                  const pdl::v1::ListRightsRequestsRequest* request,
                                                  pdl::v1::ListRightsRequestsResponse* response) {
  return FromReadModels(context, [&] { return pdl::ListRightsRequests(*store_, *request, absl::Now()); }, response);
}

grpc::Status AuditServiceImpl::ListFindings(grpc::ServerContext* context, const pdl::v1::ListFindingsRequest* request,
                                            pdl::v1::ListFindingsResponse* response) {
  return FromReadModels(context, [&] { return pdl::ListFindings(*store_, *request); }, response);
}

grpc::Status AuditServiceImpl::ListRetentionDue(grpc::ServerContext* context,
                                                const pdl::v1::ListRetentionDueRequest* request,
                                                pdl::v1::ListRetentionDueResponse* response) {
  return FromReadModels(context, [&] { return pdl::ListRetentionDue(*store_, *request); }, response);
}

namespace {

// Calls `fn` (UNIMPLEMENTED when unset) and moves its answer into `response`.
template <typename Fn, typename Request, typename Response>
grpc::Status Delegate(grpc::ServerContext* context, const Fn& fn, const Request& request, Response* response) {
  if (!fn) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not available on this node");
  return Answer(context, fn(request), response);
}

}  // namespace

grpc::Status AdminServiceImpl::GetStats(grpc::ServerContext* context, const pdl::v1::GetStatsRequest*,
                                        pdl::v1::GetStatsResponse* response) {
  if (!handlers_.stats) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not available on this node");
  return Answer(context, handlers_.stats(), response);
}

grpc::Status AdminServiceImpl::AcknowledgeGap(grpc::ServerContext* context,
                                              const pdl::v1::AcknowledgeGapRequest* request,
                                              pdl::v1::AcknowledgeGapResponse* response) {
  if (!handlers_.ack) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not available on this node");
  auto result = handlers_.ack(request->partition());
  if (!result.ok()) return ToGrpc(result.status(), context);
  response->set_acknowledged(*result);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::PublishPolicy(grpc::ServerContext* context,
                                             const pdl::v1::PublishPolicyRequest* request,
                                             pdl::v1::PublishPolicyResponse* response) {
  return Delegate(context, handlers_.publish_policy, *request, response);
}

grpc::Status AdminServiceImpl::GetPolicy(grpc::ServerContext* context, const pdl::v1::GetPolicyRequest* request,
                                         pdl::v1::GetPolicyResponse* response) {
  return Delegate(context, handlers_.get_policy, *request, response);
}

grpc::Status AdminServiceImpl::RebuildProjections(grpc::ServerContext* context,
                                                  const pdl::v1::RebuildProjectionsRequest* request,
                                                  pdl::v1::RebuildProjectionsResponse* response) {
  return Delegate(context, handlers_.rebuild, *request, response);
}

}  // namespace pdl
