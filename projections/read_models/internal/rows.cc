#include "projections/read_models/internal/rows.h"

#include "absl/strings/str_cat.h"
#include "ledger/event_codec.h"
#include "ledger/sv.h"
#include "projections/keys.h"

namespace pdl::rmrows {

int64_t Micros(const google::protobuf::Timestamp& ts) { return ts.seconds() * 1000000 + ts.nanos() / 1000; }

void SetMicros(google::protobuf::Timestamp* ts, int64_t micros) {
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rest * 1000));
}

rmkeys::EventPos PosOf(const SealedEventView& sealed) {
  return rmkeys::EventPos{Micros(sealed.event->occurred_at()), sealed.partition, sealed.seq};
}

pdl::v1::EventRef RefOf(const SealedEventView& sealed) {
  pdl::v1::EventRef ref;
  ref.set_event_id(sealed.event->event_id());
  ref.set_partition(sealed.partition);
  ref.set_seq(sealed.seq);
  *ref.mutable_occurred_at() = sealed.event->occurred_at();
  return ref;
}

std::string Bytes(const google::protobuf::Message& message) { return message.SerializeAsString(); }

absl::StatusOr<bool> ReadRow(const BatchWriter& batch, Cf family, std::string_view key,
                             google::protobuf::Message* message) {
  auto stored = batch.Get(family, key);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return false;
  if (!message->ParseFromString(**stored)) {
    return absl::DataLossError(
        absl::StrCat(Sv(CfName(family)), ": row does not parse as ", message->GetDescriptor()->full_name()));
  }
  return true;
}

void InsertSorted(google::protobuf::RepeatedPtrField<std::string>* set, std::string_view value) {
  auto it = std::lower_bound(set->begin(), set->end(), value,
                             [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
  if (it != set->end() && *it == value) return;
  const int index = static_cast<int>(it - set->begin());
  set->Add(std::string(value));
  for (int i = set->size() - 1; i > index; --i) set->SwapElements(i, i - 1);
}

void InsertSorted(google::protobuf::RepeatedField<int>* set, int value) {
  auto it = std::lower_bound(set->begin(), set->end(), value);
  if (it != set->end() && *it == value) return;
  const int index = static_cast<int>(it - set->begin());
  set->Add(value);
  for (int i = set->size() - 1; i > index; --i) set->SwapElements(i, i - 1);
}

std::string I64Value(int64_t v) {
  std::string out;
  keys::AppendI64(&out, v);
  return out;
}

bool ParseI64Value(std::string_view bytes, int64_t* v) { return keys::ConsumeI64(&bytes, v) && bytes.empty(); }

}  // namespace pdl::rmrows
