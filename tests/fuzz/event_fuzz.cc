// Raw Kafka record values: decode, validate on both paths, fingerprint and seal must never crash, and a value that
// passes validation must round-trip through the sealed record.

#include <cstdlib>

#include "absl/time/time.h"
#include "ledger/event_codec.h"
#include "ledger/event_validator.h"
#include "ledger/field_error.h"
#include "tests/fuzz/fuzz_driver.h"
#include "tests/testing/event_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto event = pdl::DecodeEvent(bytes);
  if (!event.ok()) {
    if (pdl::ErrorField(event.status()) != "event") std::abort();
    return 0;
  }
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  for (auto path : {pdl::IngestPath::kKafka, pdl::IngestPath::kGrpc}) {
    absl::Status valid = pdl::ValidateEvent(*event, {.now = now, .path = path, .record_bytes = size});
    if (!valid.ok() && (valid.code() != absl::StatusCode::kInvalidArgument || pdl::ErrorField(valid).empty())) {
      std::abort();  // Every rejection is INVALID_ARGUMENT and names a field.
    }
  }
  (void)pdl::Fingerprint(*event);
  const std::string sealed = pdl::SealRecord({.partition = 1, .seq = 2, .kafka_offset = 3, .recorded_at = now,
                                              .event_bytes = bytes, .policy_version = ""});
  pdl::v1::SealedEvent back;
  if (!back.ParseFromString(sealed) || back.event() != bytes) std::abort();
  return 0;
}

std::vector<std::string> PdlFuzzSeeds() {
  return {pdl::testing::Collected("e1", "s1").SerializeAsString(), pdl::testing::Shared("e2", "s2").SerializeAsString(),
          pdl::testing::Transferred("e3", "s3").SerializeAsString(),
          pdl::testing::Consent("e4", "s4").SerializeAsString()};
}
