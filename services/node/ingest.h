#ifndef PDL_SERVICES_NODE_INGEST_H_
#define PDL_SERVICES_NODE_INGEST_H_

// The ingest path behind IngestService: validate, seal the identity into the vault's ciphertext, recognise
// duplicates, apply backpressure (embedded mode), keep the event in the outbox (embedded mode), produce it to
// pdl.events.v1 with CloudEvents headers and wait for Kafka's acknowledgement, and for SEALED until the sealer
// has applied it.
//
// Thread-safe. Publish blocks the calling thread; Start/Finish split it for pipelined streams.

#include <future>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pdl/v1/ingest_service.pb.h"
#include "services/kafka/producer.h"
#include "services/node/seal_tracker.h"

namespace pdl {

class Store;
class VaultStore;

class Ingest {
 public:
  struct Options {
    // Embedded mode: keep accepted events in the RocksDB outbox until sealed; bound the unsealed backlog.
    bool use_outbox = false;
    int64_t backlog_window = 8000;
  };

  Ingest(Options options, Store* store, VaultStore* vault, kafka::Producer* producer, SealTracker* tracker);

  // A publish in flight: `durable` resolves once Kafka acknowledged (or with the failure).
  struct Pending {
    std::string event_id;
    pdl::v1::PublishWait wait = pdl::v1::PUBLISH_WAIT_DURABLE;
    // Set when the receipt is known without producing (duplicate of a sealed event).
    std::optional<pdl::v1::PublishReceipt> ready;
    std::future<absl::StatusOr<kafka::Delivery>> durable;
  };

  // Validates and enqueues. Errors: INVALID_ARGUMENT naming the field (validation, conflicting duplicate),
  // FAILED_PRECONDITION (erased subject), UNAVAILABLE (backlog full until `deadline`, Kafka enqueue failure).
  [[nodiscard]] absl::StatusOr<Pending> Start(const pdl::v1::PublishRequest& request, absl::Time deadline);
  // Waits for the outcome and builds the receipt (DEADLINE_EXCEEDED at `deadline`).
  [[nodiscard]] absl::StatusOr<pdl::v1::PublishReceipt> Finish(Pending pending, absl::Time deadline);

  [[nodiscard]] absl::StatusOr<pdl::v1::PublishReceipt> Publish(const pdl::v1::PublishRequest& request,
                                                                absl::Time deadline);

 private:
  Options options_;
  Store* store_;
  VaultStore* vault_;
  kafka::Producer* producer_;
  SealTracker* tracker_;
};

}  // namespace pdl

#endif  // PDL_SERVICES_NODE_INGEST_H_
