#ifndef PDL_PROJECTIONS_READ_MODELS_INTERNAL_ROWS_H_
#define PDL_PROJECTIONS_READ_MODELS_INTERNAL_ROWS_H_

// Helpers the read models share: event positions and references, deterministic row bytes, typed reads through
// the BatchWriter, and sorted-set unions. Thread-safe (pure functions; the BatchWriter is the caller's).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "pdl/v1/read_models.pb.h"
#include "projections/read_model.h"
#include "projections/read_models/read_model_keys.h"

namespace pdl::rmrows {

int64_t Micros(const google::protobuf::Timestamp& ts);
void SetMicros(google::protobuf::Timestamp* ts, int64_t micros);

// The event's position (occurred_at, partition, seq) and its reference.
rmkeys::EventPos PosOf(const SealedEventView& sealed);
pdl::v1::EventRef RefOf(const SealedEventView& sealed);

// The row bytes of `message`. Row messages have no map fields, so the plain serialization (fields in number
// order) is deterministic: equal rows give equal bytes, which the rebuild digest relies on. A row type that
// gains a map must switch to CanonicalBytes (ledger/event_codec.h).
std::string Bytes(const google::protobuf::Message& message);

// Reads `key` of `family` through the batch into `message`: false when absent; DATA_LOSS when the row does not
// parse.
[[nodiscard]] absl::StatusOr<bool> ReadRow(const BatchWriter& batch, Cf family, std::string_view key,
                                           google::protobuf::Message* message);

// A row message kept decoded for the batch (BatchWriter::Row): an empty message is no row.
template <typename M>
absl::Status DecodeMessage(const std::optional<std::string>& bytes, M* out) {
  if (bytes.has_value() && !out->ParseFromString(*bytes)) {
    return absl::DataLossError(absl::StrCat("a ", M::descriptor()->name(), " row does not parse"));
  }
  return absl::OkStatus();
}
template <typename M>
std::optional<std::string> EncodeMessage(const M& row) {
  if (row.ByteSizeLong() == 0) return std::nullopt;
  return Bytes(row);
}
template <typename M>
[[nodiscard]] absl::StatusOr<M*> MessageRow(BatchWriter& batch, Cf family, std::string_view key) {
  return batch.Row<M>(family, key, &DecodeMessage<M>, &EncodeMessage<M>);
}

// Inserts `value` into the sorted, distinct `set` (no-op when present).
void InsertSorted(google::protobuf::RepeatedPtrField<std::string>* set, std::string_view value);
void InsertSorted(google::protobuf::RepeatedField<int>* set, int value);

// An i64 stored as 8 order-preserving bytes (keys::AppendI64).
std::string I64Value(int64_t v);
[[nodiscard]] bool ParseI64Value(std::string_view bytes, int64_t* v);

}  // namespace pdl::rmrows

#endif  // PDL_PROJECTIONS_READ_MODELS_INTERNAL_ROWS_H_
