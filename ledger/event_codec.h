#ifndef PDL_LEDGER_EVENT_CODEC_H_
#define PDL_LEDGER_EVENT_CODEC_H_

// Decoding, canonical bytes, content fingerprints and CloudEvents names of privacy events, and the sealed-record
// encoding. Pure and thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pdl/v1/event.pb.h"
#include "pdl/v1/sealed.pb.h"

namespace pdl {

// Parses a Kafka record value. INVALID_ARGUMENT field "event" when the bytes are not a PrivacyEvent.
[[nodiscard]] absl::StatusOr<pdl::v1::PrivacyEvent> DecodeEvent(std::string_view bytes);

// Deterministic serialization (map entries sorted, fields in number order): equal messages give equal bytes.
std::string CanonicalBytes(const google::protobuf::Message& message);

// First 16 bytes of SHA-256 over CanonicalBytes(event): two events with the same id are "the same content" iff
// their fingerprints are equal.
std::string Fingerprint(const pdl::v1::PrivacyEvent& event);

pdl::v1::EventAction ActionOf(const pdl::v1::PrivacyEvent& event);
// Whether `event` closes an erasure request as fulfilled: the subject's erasure is complete (crypto-shredding,
// processing.after_erasure).
bool IsFulfilledErasure(const pdl::v1::PrivacyEvent& event);
// "pdl.v1.DataShared" etc. (CloudEvents ce_type); "" for an event without action.
std::string CeType(pdl::v1::EventAction action);
// "data_shared" etc., the oneof field name; used in tables.
std::string_view ActionName(pdl::v1::EventAction action);

// Well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF), as proto3 strings
// require.
bool IsUtf8(std::string_view s);
absl::Time ToTime(const google::protobuf::Timestamp& ts);
void SetTimestamp(google::protobuf::Timestamp* ts, absl::Time t);
// RFC 3339 UTC with microseconds, e.g. "2023-05-08T10:00:00.000001Z".
std::string FormatRfc3339(absl::Time t);

std::string Sha256(std::string_view data);

// The bytes of a SealedEvent, deterministic. These bytes are stored verbatim and are the Merkle leaf input.
struct SealInput {
  uint32_t partition = 0;
  uint64_t seq = 0;
  int64_t kafka_offset = 0;
  absl::Time recorded_at;
  std::string_view event_bytes;
  std::string policy_version;
};
std::string SealRecord(const SealInput& input, const pdl::v1::SealedEvent* extra = nullptr);

}  // namespace pdl

#endif  // PDL_LEDGER_EVENT_CODEC_H_
