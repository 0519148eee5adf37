#include "services/node/ingest.h"

#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "ledger/event_validator.h"
#include "ledger/field_error.h"
#include "ledger/vault/identity_cipher.h"
#include "pdl/v1/sealed.pb.h"
#include "projections/applier.h"
#include "projections/history.h"
#include "projections/keys.h"
#include "projections/node_state.h"
#include "projections/store.h"
#include "projections/vault_store.h"
#include "services/kafka/kafka_config.h"

namespace pdl {
namespace {

// Whether `event`, which carries the plaintext identity of an erased subject, is the event `seen` sealed: the same
// content once its identity is replaced by the sealed one it had (which can no longer be produced, nor opened to
// compare the identities). OK, or the event_id error of a different event.
absl::Status SameAsSealed(const Store& store, const pdl::v1::PrivacyEvent& event, const pdl::v1::EventIdEntry& seen) {
  auto bytes = store.Get(Cf::kLog, keys::LogKey(seen.partition(), seen.seq()));
  if (!bytes.ok()) return bytes.status();
  pdl::v1::SealedEvent sealed;
  if (!bytes->has_value() || !sealed.ParseFromString(**bytes)) {
    return absl::DataLossError("log: the sealed record of a known event_id is missing or does not parse");
  }
  auto original = DecodeEvent(sealed.event());
  if (!original.ok()) return absl::DataLossError("log: sealed event bytes do not parse");
  pdl::v1::PrivacyEvent candidate = event;
  candidate.mutable_subject()->clear_identity();
  *candidate.mutable_subject()->mutable_sealed_identity() = original->subject().sealed_identity();
  if (Fingerprint(candidate) == seen.fingerprint()) return absl::OkStatus();
  return EventIdReused(seen);
}

bool HasIdentity(const pdl::v1::Identity& identity) {
  return !identity.email().empty() || !identity.name().empty() || !identity.phone().empty() ||
         !identity.profile_picture_url().empty() || !identity.other().empty();
}

pdl::v1::PublishReceipt ReceiptFrom(const std::string& event_id, const pdl::v1::EventIdEntry& entry,
                                    bool duplicate) {
  pdl::v1::PublishReceipt receipt;
  receipt.set_event_id(event_id);
  receipt.set_partition(entry.partition());
  receipt.set_offset(entry.offset());
  receipt.set_duplicate(duplicate);
  receipt.set_seq(entry.seq());
  receipt.set_leaf_hash(entry.leaf_hash());
  return receipt;
}

}  // namespace

Ingest::Ingest(Options options, Store* store, VaultStore* vault, kafka::Producer* producer, SealTracker* tracker)
    : options_(options), store_(store), vault_(vault), producer_(producer), tracker_(tracker) {}

absl::StatusOr<Ingest::Pending> Ingest::Start(const pdl::v1::PublishRequest& request, absl::Time deadline) {
  if (!request.has_event()) return InvalidField("event", "required");
  if (!pdl::v1::PublishWait_IsValid(request.wait())) {
    return InvalidField("wait", absl::StrCat(request.wait(), " is not a PublishWait value"));
  }
  pdl::v1::PrivacyEvent event = request.event();
  if (event.subject().has_sealed_identity()) {
    return InvalidField("subject.sealed_identity", "is set by the ledger; send the plaintext in subject.identity");
  }
  ValidationContext ctx{.now = absl::Now(), .path = IngestPath::kGrpc, .record_bytes = event.ByteSizeLong()};
  if (absl::Status valid = ValidateEvent(event, ctx); !valid.ok()) return valid;

  Pending pending;
  pending.event_id = event.event_id();
  pending.wait = request.wait() == pdl::v1::PUBLISH_WAIT_SEALED ? pdl::v1::PUBLISH_WAIT_SEALED
                                                                 : pdl::v1::PUBLISH_WAIT_DURABLE;

  pdl::v1::Subject* subject = event.mutable_subject();
  if (subject->has_identity()) {
    if (HasIdentity(subject->identity())) {
      auto key = vault_->DataKeyFor(subject->id());
      if (!key.ok()) {
        // An erased subject's identity can no longer be sealed; an event sealed before the erasure and sent
        // again is still acknowledged as the duplicate it is.
        if (key.status().code() == absl::StatusCode::kFailedPrecondition) {
          auto seen = LookupEventId(*store_, event.event_id());
          if (!seen.ok()) return seen.status();
          if (seen->has_value()) {
            if (absl::Status same = SameAsSealed(*store_, event, **seen); !same.ok()) return same;
            pending.ready = ReceiptFrom(event.event_id(), **seen, /*duplicate=*/true);
            return pending;
          }
        }
        return key.status();
      }
      auto sealed = vault::SealIdentity(key->second, key->first, subject->identity(), event.event_id());
      if (!sealed.ok()) return sealed.status();
      *subject->mutable_sealed_identity() = std::move(*sealed);
    }
    subject->clear_identity();
  }

  const std::string value = CanonicalBytes(event);
  if (value.size() > kMaxRecordBytes) {
    return InvalidField("event", absl::StrCat("sealed record of ", value.size(), " bytes exceeds the limit of ",
                                              kMaxRecordBytes, " bytes"));
  }
  auto seen = LookupEventId(*store_, event.event_id());
  if (!seen.ok()) return seen.status();
  if (seen->has_value()) {
    if ((*seen)->fingerprint() != Fingerprint(event)) return EventIdReused(**seen);
    pending.ready = ReceiptFrom(event.event_id(), **seen, /*duplicate=*/true);
    return pending;
  }

  kafka::OutgoingRecord record;
  record.topic = kafka::kEventsTopic;
  record.key = subject->id();
  record.value = value;
  const std::string ce_type = CeType(ActionOf(event));
  record.headers = std::vector<kafka::Header>{
      {"ce_specversion", "1.0"},
      {"ce_id", event.event_id()},
      {"ce_source", event.source()},
      {"ce_type", ce_type},
      {"ce_time", FormatRfc3339(ToTime(event.occurred_at()))},
      {"ce_subject", subject->id()},
      {"content-type", "application/protobuf"},
      {kIngestHeader, "grpc"},
  };

  auto partition = producer_->PartitionFor(record.topic, record.key);
  if (!partition.ok()) return partition.status();
  record.partition = *partition;
  if (options_.use_outbox) {
    if (!tracker_->WaitBacklogBelow(*partition, options_.backlog_window, deadline)) {
      return absl::UnavailableError(absl::StrCat("partition ", *partition,
                                                 " has too many unsealed events; retry shortly (backpressure)"));
    }
    pdl::v1::OutboxRecord outbox;
    outbox.set_key(record.key);
    outbox.set_value(record.value);
    for (const auto& h : record.headers) {
      auto* header = outbox.add_headers();
      header->set_key(h.key);
      header->set_value(h.value);
    }
    if (absl::Status s = PutOutbox(*store_, event.event_id(), outbox); !s.ok()) return s;
  }

  auto promise = std::make_shared<std::promise<absl::StatusOr<kafka::Delivery>>>();
  pending.durable = promise->get_future();
  SealTracker* tracker = tracker_;
  absl::Status enqueued = producer_->Produce(
      std::move(record),
      [promise, tracker](absl::StatusOr<kafka::Delivery> delivery) {
        if (delivery.ok()) tracker->OnProduced(delivery->partition, delivery->offset);
        promise->set_value(std::move(delivery));
      },
      std::max(absl::ZeroDuration(), deadline - absl::Now()));
  if (!enqueued.ok()) return enqueued;
  return pending;
}

absl::StatusOr<pdl::v1::PublishReceipt> Ingest::Finish(Pending pending, absl::Time deadline) {
  if (pending.ready.has_value()) return *pending.ready;
  if (pending.durable.wait_until(absl::ToChronoTime(deadline)) != std::future_status::ready) {
    return absl::DeadlineExceededError("Kafka did not acknowledge the event before the deadline");
  }
  absl::StatusOr<kafka::Delivery> delivery = pending.durable.get();
  if (!delivery.ok()) return delivery.status();

  pdl::v1::PublishReceipt receipt;
  receipt.set_event_id(pending.event_id);
  receipt.set_partition(delivery->partition);
  receipt.set_offset(delivery->offset);
  if (pending.wait != pdl::v1::PUBLISH_WAIT_SEALED) return receipt;

  if (!tracker_->WaitSealed(delivery->partition, delivery->offset, deadline)) {
    return absl::DeadlineExceededError(absl::StrCat("event is durable in Kafka (partition ", delivery->partition,
                                                    ", offset ", delivery->offset,
                                                    ") but was not sealed before the deadline"));
  }
  auto entry = LookupEventId(*store_, pending.event_id);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) {
    return absl::AbortedError("event_id: the record was rejected when sealed (a conflicting event with the same "
                              "id was sealed first)");
  }
  const bool duplicate = (*entry)->partition() != static_cast<uint32_t>(delivery->partition) ||
                         (*entry)->offset() != delivery->offset;
  return ReceiptFrom(pending.event_id, **entry, duplicate);
}

absl::StatusOr<pdl::v1::PublishReceipt> Ingest::Publish(const pdl::v1::PublishRequest& request,
                                                        absl::Time deadline) {
  auto pending = Start(request, deadline);
  if (!pending.ok()) return pending.status();
  return Finish(std::move(*pending), deadline);
}

}  // namespace pdl
