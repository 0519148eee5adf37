#ifndef PDL_LEDGER_EVENT_VALIDATOR_H_
#define PDL_LEDGER_EVENT_VALIDATOR_H_

// Validation of incoming privacy events (DESIGN.md §4). The same code judges events arriving through gRPC ingest
// and through raw Kafka records; only the identity rule differs by path.
//
// Every failure is a field error (ledger/field_error.h): INVALID_ARGUMENT with message "<field>: <reason>" and the
// field path as payload, e.g. "data_transferred.destination_country: 'XX' is not an ISO 3166-1 alpha-2 code".
// The first failing rule in field order is reported. Pure and thread-safe.

#include <cstddef>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "pdl/v1/event.pb.h"

namespace pdl {

// Where an event came from.
enum class IngestPath {
  kGrpc,   // IngestService: plaintext subject.identity allowed (it is sealed before it reaches Kafka).
  kKafka,  // Raw Kafka record: subject.identity must be absent (only sealed_identity may be present).
};

inline constexpr size_t kMaxRecordBytes = 64 * 1024;
inline constexpr absl::Duration kMaxClockSkew = absl::Minutes(5);
inline constexpr size_t kMaxEventIdLength = 128;

struct ValidationContext {
  absl::Time now;
  IngestPath path = IngestPath::kKafka;
  // Size of the record as received (Kafka value bytes, or the serialized request event).
  size_t record_bytes = 0;
};

// OK, or INVALID_ARGUMENT naming the first offending field. Rules:
//  - record_bytes <= 64 KiB                                             field "event"
//  - event_id: required, <= 128 chars, printable ASCII without spaces    field "event_id"
//  - source: required                                                    field "source"
//  - occurred_at: required, valid, not more than 5 minutes after `now`   field "occurred_at"
//  - subject.id: required; subject.kind: required lowercase word
//  - subject.birth_year: 0 or in [1900, current year]
//  - subject.identity: absent on the Kafka path
//  - exactly one action ("action: unknown or missing action")
//  - per action: categories non-empty (except data_deleted), every category/purpose/recipient category a known
//    taxonomy key, countries ISO 3166-1 alpha-2, enums within range, required ids present.
[[nodiscard]] absl::Status ValidateEvent(const pdl::v1::PrivacyEvent& event, const ValidationContext& ctx);

}  // namespace pdl

#endif  // PDL_LEDGER_EVENT_VALIDATOR_H_
