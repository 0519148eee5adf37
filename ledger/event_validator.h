#ifndef PDL_LEDGER_EVENT_VALIDATOR_H_
#define PDL_LEDGER_EVENT_VALIDATOR_H_

// Validation of incoming privacy events (DESIGN.md §4). The same code judges events arriving through gRPC ingest
// and through raw Kafka records; only the identity rule differs by path.
//
// Every failure is a field error (ledger/field_error.h): INVALID_ARGUMENT with message "<field>: <reason>" and the
// field path as payload, e.g. "data_transferred.destination_country: 'XX' is not an ISO 3166-1 alpha-2 code".
// The first failing rule in field order is reported. Pure and thread-safe.

#include <cstddef>
#include <string_view>

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

// OK, or INVALID_ARGUMENT naming the first offending field, checked in this order (field paths are proto field
// names joined by dots, repeated fields indexed: "data_collected.categories[1]"):
//  - record_bytes <= 64 KiB                                                  "event"
//  - event_id: required, <= 128 chars, printable ASCII (0x21-0x7e)           "event_id"
//  - source: required                                                        "source"
//  - occurred_at: required, a valid Timestamp, at most 5 minutes after now   "occurred_at"
//  - subject.id: required, <= 256 bytes, no control characters               "subject.id"
//  - subject.kind: required, [a-z_]+                                         "subject.kind"
//  - subject.birth_year: 0 or in [1900, UTC year of now]                     "subject.birth_year"
//  - subject.identity with any field set, on IngestPath::kKafka              "subject.identity"
//  - exactly one action; none set (an action of a newer schema arrives as
//    unknown fields) gives "unknown or missing action"                       "action"
//  - then the action's fields, in field-number order, under the action's field name ("data_shared.recipient.id"):
//    categories non-empty (data_deleted: empty means all) and each a known data category; purposes non-empty
//    (data_collected, data_used, data_shared, consent_given) and each a known purpose; method (data_collected),
//    legal_basis (data_collected, data_shared), reason (data_deleted), right and outcome (rights requests)
//    required; system required (data_collected, data_used, data_rectified, data_deleted); recipient required
//    (data_shared, data_transferred) with an id or a name ("<action>.recipient.id"), a known category and, if
//    set, an ISO country; destination_country required and ISO; consent_id, request_id required; retain_until,
//    if set, a valid Timestamp. Every enum must hold a value the schema defines; mechanism may be UNSPECIFIED
//    (a policy finding, not a validation failure).
// Reasons quote offending taxonomy keys, codes and enum numbers, but never subject values (personal data).
[[nodiscard]] absl::Status ValidateEvent(const pdl::v1::PrivacyEvent& event, const ValidationContext& ctx);

// OK, or INVALID_ARGUMENT at `path` when `ts` is outside what google.protobuf.Timestamp allows
// (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z, nanos in [0, 999999999]).
[[nodiscard]] absl::Status CheckTimestamp(std::string_view path, const google::protobuf::Timestamp& ts);

}  // namespace pdl

#endif  // PDL_LEDGER_EVENT_VALIDATOR_H_
