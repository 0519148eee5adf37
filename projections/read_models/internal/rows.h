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

// The instant the log has reached, for a model whose rows depend on time passing (time-driven findings): the
// greatest min(occurred_at, recorded_at) sealed so far (recorded_at bounds an occurred_at in the future), and
// `swept`, that instant as the batch started. Kept at the empty key of one of the model's families (it sorts
// before every other key). The model sweeps its index by due instant up to `now` at the end of every batch
// (ReadModel::Finish), so where a batch starts everything below `swept` has been swept, and a row the batch adds
// below `now` is handled at once.
struct LogClock {
  std::optional<int64_t> now;
  std::optional<int64_t> swept;
};
[[nodiscard]] absl::StatusOr<LogClock*> LogClockRow(BatchWriter& batch, Cf family);
// The lower bound of a scan over the rows of such a family that skips its log clock.
inline std::string AfterLogClock() { return std::string(1, '\0'); }
// Moves the clock of `family` to `sealed` (never backwards) and returns it.
[[nodiscard]] absl::StatusOr<LogClock*> AdvanceLogClock(BatchWriter& batch, Cf family, const SealedEventView& sealed);
// The key range a sweep covers: [max(floor, swept), now), as keys::AppendI64 bounds; std::nullopt when the clock
// has not started.
std::optional<std::pair<std::string, std::string>> SweepRange(const LogClock& clock, int64_t floor);

// Appends the tag (rule and severity) of `finding` to a findings row (findings.h).
void AddTag(pdl::v1::FindingsAtRow* row, const pdl::v1::Finding& finding);

// Puts (or, with put false, deletes) a finding a read model derives from time passing rather than from one event
// (retention.overdue, request.overdue): a FindingRecord at `at` about `subject_id`, referring to `event` (the
// event that started the clock), in `findings_by_subject` and, as its rule and severity with a reference to that
// row, in `findings` (findings.h). `index` tells apart the findings of one event; such findings use indexes with
// the top bit set (sealed findings count from 0). `policy_version`: the version whose rules set the instant.
void TimeDrivenFinding(BatchWriter& batch, const pdl::v1::Finding& finding, std::string_view subject_id, int64_t at,
                       const pdl::v1::EventRef& event, pdl::v1::EventAction action, std::string_view policy_version,
                       uint32_t index, bool put);

}  // namespace pdl::rmrows

#endif  // PDL_PROJECTIONS_READ_MODELS_INTERNAL_ROWS_H_
