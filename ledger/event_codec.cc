#include "ledger/event_codec.h"

#include <openssl/sha.h>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "ledger/field_error.h"

namespace pdl {

absl::StatusOr<pdl::v1::PrivacyEvent> DecodeEvent(std::string_view bytes) {
  pdl::v1::PrivacyEvent event;
  if (!event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidField("event", absl::StrCat("record value (", bytes.size(),
                                              " bytes) is not a serialized pdl.v1.PrivacyEvent"));
  }
  return event;
}

std::string CanonicalBytes(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string Sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

std::string Fingerprint(const pdl::v1::PrivacyEvent& event) { return Sha256(CanonicalBytes(event)).substr(0, 16); }

bool IsFulfilledErasure(const pdl::v1::PrivacyEvent& event) {
  return event.has_rights_request_closed() &&
         event.rights_request_closed().right() == pdl::v1::SUBJECT_RIGHT_ERASURE &&
         event.rights_request_closed().outcome() == pdl::v1::REQUEST_OUTCOME_FULFILLED;
}

pdl::v1::EventAction ActionOf(const pdl::v1::PrivacyEvent& event) {
  using E = pdl::v1::PrivacyEvent;
  switch (event.action_case()) {
    case E::kDataCollected: return pdl::v1::EVENT_ACTION_DATA_COLLECTED;
    case E::kDataUsed: return pdl::v1::EVENT_ACTION_DATA_USED;
    case E::kDataShared: return pdl::v1::EVENT_ACTION_DATA_SHARED;
    case E::kDataTransferred: return pdl::v1::EVENT_ACTION_DATA_TRANSFERRED;
    case E::kDataRectified: return pdl::v1::EVENT_ACTION_DATA_RECTIFIED;
    case E::kDataDeleted: return pdl::v1::EVENT_ACTION_DATA_DELETED;
    case E::kConsentGiven: return pdl::v1::EVENT_ACTION_CONSENT_GIVEN;
    case E::kConsentWithdrawn: return pdl::v1::EVENT_ACTION_CONSENT_WITHDRAWN;
    case E::kRightsRequestOpened: return pdl::v1::EVENT_ACTION_RIGHTS_REQUEST_OPENED;
    case E::kRightsRequestClosed: return pdl::v1::EVENT_ACTION_RIGHTS_REQUEST_CLOSED;
    case E::ACTION_NOT_SET: break;
  }
  return pdl::v1::EVENT_ACTION_UNSPECIFIED;
}

std::string_view ActionName(pdl::v1::EventAction action) {
  switch (action) {
    case pdl::v1::EVENT_ACTION_DATA_COLLECTED: return "data_collected";
    case pdl::v1::EVENT_ACTION_DATA_USED: return "data_used";
    case pdl::v1::EVENT_ACTION_DATA_SHARED: return "data_shared";
    case pdl::v1::EVENT_ACTION_DATA_TRANSFERRED: return "data_transferred";
    case pdl::v1::EVENT_ACTION_DATA_RECTIFIED: return "data_rectified";
    case pdl::v1::EVENT_ACTION_DATA_DELETED: return "data_deleted";
    case pdl::v1::EVENT_ACTION_CONSENT_GIVEN: return "consent_given";
    case pdl::v1::EVENT_ACTION_CONSENT_WITHDRAWN: return "consent_withdrawn";
    case pdl::v1::EVENT_ACTION_RIGHTS_REQUEST_OPENED: return "rights_request_opened";
    case pdl::v1::EVENT_ACTION_RIGHTS_REQUEST_CLOSED: return "rights_request_closed";
    default: return "";
  }
}

std::string CeType(pdl::v1::EventAction action) {
  switch (action) {
    case pdl::v1::EVENT_ACTION_DATA_COLLECTED: return "pdl.v1.DataCollected";
    case pdl::v1::EVENT_ACTION_DATA_USED: return "pdl.v1.DataUsed";
    case pdl::v1::EVENT_ACTION_DATA_SHARED: return "pdl.v1.DataShared";
    case pdl::v1::EVENT_ACTION_DATA_TRANSFERRED: return "pdl.v1.DataTransferred";
    case pdl::v1::EVENT_ACTION_DATA_RECTIFIED: return "pdl.v1.DataRectified";
    case pdl::v1::EVENT_ACTION_DATA_DELETED: return "pdl.v1.DataDeleted";
    case pdl::v1::EVENT_ACTION_CONSENT_GIVEN: return "pdl.v1.ConsentGiven";
    case pdl::v1::EVENT_ACTION_CONSENT_WITHDRAWN: return "pdl.v1.ConsentWithdrawn";
    case pdl::v1::EVENT_ACTION_RIGHTS_REQUEST_OPENED: return "pdl.v1.RightsRequestOpened";
    case pdl::v1::EVENT_ACTION_RIGHTS_REQUEST_CLOSED: return "pdl.v1.RightsRequestClosed";
    default: return "";
  }
}

bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

void SetTimestamp(google::protobuf::Timestamp* ts, absl::Time t) {
  // Seconds rounded down and the nanoseconds after them: exact over absl::Time's whole range (int64 nanoseconds
  // since the epoch would stop at 1677 and 2262).
  const int64_t seconds = absl::ToUnixSeconds(t);
  const int64_t nanos = absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds));
  ts->set_seconds(seconds);
  ts->set_nanos(nanos >= 0 && nanos < 1000000000 ? static_cast<int32_t>(nanos) : 0);  // 0 for an infinite t.
}

std::string FormatRfc3339(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone()); }

std::string SealRecord(const SealInput& input, const pdl::v1::SealedEvent* extra) {
  pdl::v1::SealedEvent sealed;
  if (extra != nullptr) sealed = *extra;
  sealed.set_partition(input.partition);
  sealed.set_seq(input.seq);
  sealed.set_kafka_offset(input.kafka_offset);
  SetTimestamp(sealed.mutable_recorded_at(), input.recorded_at);
  sealed.set_event(std::string(input.event_bytes));
  sealed.set_policy_version(input.policy_version);
  return CanonicalBytes(sealed);
}

}  // namespace pdl
