#include "ledger/event_validator.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "ledger/field_error.h"
#include "ledger/taxonomy.h"

namespace pdl {
namespace {

using ::google::protobuf::RepeatedPtrField;
using ::google::protobuf::Timestamp;
using ::pdl::v1::PrivacyEvent;
using ::pdl::v1::Recipient;

constexpr size_t kMaxSubjectIdBytes = 256;
constexpr int kMinBirthYear = 1900;
// The range google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
constexpr int32_t kMaxTimestampNanos = 999999999;
// Publisher-supplied values are echoed in reasons at most this long, so a reason stays a readable header value.
constexpr size_t kMaxQuotedBytes = 64;

using Keys = RepeatedPtrField<std::string>;

std::string Path(std::string_view prefix, std::string_view field) { return absl::StrFormat("%s.%s", prefix, field); }

std::string Indexed(std::string_view path, int index) { return absl::StrFormat("%s[%d]", path, index); }

// A non-personal, publisher-supplied value (a taxonomy key, a country code, a subject kind) as it appears in a
// reason: single-quoted, C-escaped, truncated. Never used for subject ids, identities or birth years.
std::string Quote(std::string_view value) {
  const bool truncated = value.size() > kMaxQuotedBytes;
  const std::string shown(value.substr(0, truncated ? kMaxQuotedBytes : value.size()));
  return absl::StrFormat("'%s%s'", absl::CHexEscape(shown), truncated ? "..." : "");
}

std::string FormatTimestamp(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone()); }

absl::Status Required(std::string_view path, std::string_view what) {
  return InvalidField(path, absl::StrFormat("required: %s", what));
}

absl::Status RequireString(std::string_view path, const std::string& value, std::string_view what) {
  return value.empty() ? Required(path, what) : absl::OkStatus();
}

// "consent, contract, ..." for LegalBasis: the value names without the enum's prefix, UNSPECIFIED left out.
std::string ValueNames(const google::protobuf::EnumDescriptor& descriptor) {
  std::string_view prefix = descriptor.value(0)->name();
  constexpr std::string_view kUnspecified = "UNSPECIFIED";
  if (prefix.ends_with(kUnspecified)) prefix.remove_suffix(kUnspecified.size());
  std::vector<std::string> names;
  for (int i = 0; i < descriptor.value_count(); ++i) {
    if (descriptor.value(i)->number() == 0) continue;
    std::string_view name = descriptor.value(i)->name();
    if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
    names.push_back(absl::AsciiStrToLower(std::string(name)));
  }
  return absl::StrJoin(names, ", ");
}

// Open proto3 enums carry any int32; only the values the schema defines are accepted. `required` additionally
// rejects the zero (UNSPECIFIED) value.
template <typename Enum>
absl::Status CheckEnum(std::string_view path, Enum value, bool required) {
  const google::protobuf::EnumDescriptor& descriptor = *google::protobuf::GetEnumDescriptor<Enum>();
  const int number = static_cast<int>(value);
  if (descriptor.FindValueByNumber(number) == nullptr) {
    return InvalidField(path, absl::StrFormat("%d is not a defined %s value; expected one of %s", number,
                                              descriptor.full_name(), ValueNames(descriptor)));
  }
  if (required && number == 0) return Required(path, absl::StrFormat("one of %s", ValueNames(descriptor)));
  return absl::OkStatus();
}


absl::Time ToTime(const Timestamp& ts) { return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos()); }

absl::Status CheckCountry(std::string_view path, const std::string& code) {
  if (taxonomy::IsIsoCountry(code)) return absl::OkStatus();
  std::string hint;
  if (const std::string upper = absl::AsciiStrToUpper(code); upper != code && taxonomy::IsIsoCountry(upper)) {
    hint = absl::StrFormat(" (codes are upper case: '%s')", upper);
  } else if (code == "UK") {
    hint = " (the United Kingdom is 'GB')";
  } else if (code == "EL") {
    hint = " (Greece is 'GR')";
  } else if (code.size() != 2) {
    hint = " (expected two upper-case letters such as 'BE')";
  }
  return InvalidField(path, absl::StrFormat("%s is not an ISO 3166-1 alpha-2 code%s", Quote(code), hint));
}

absl::Status CheckCategories(std::string_view prefix, const Keys& categories, bool allow_empty) {
  const std::string path = Path(prefix, "categories");
  if (categories.empty() && !allow_empty) {
    return Required(path, "at least one data category such as 'user.contact.email'");
  }
  for (int i = 0; i < categories.size(); ++i) {
    const std::string& key = categories[i];
    if (!taxonomy::IsKnownCategory(key)) {
      return InvalidField(
          Indexed(path, i),
          absl::StrFormat("%s is not a known data category (a Fideslang key such as 'user.contact.email')",
                          Quote(key)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPurposes(std::string_view prefix, const Keys& purposes, bool allow_empty) {
  const std::string path = Path(prefix, "purposes");
  if (purposes.empty() && !allow_empty) return Required(path, "at least one purpose such as 'essential.service'");
  for (int i = 0; i < purposes.size(); ++i) {
    const std::string& key = purposes[i];
    if (!taxonomy::IsKnownPurpose(key)) {
      return InvalidField(
          Indexed(path, i),
          absl::StrFormat("%s is not a known purpose (a Fideslang data use such as 'essential.service')", Quote(key)));
    }
  }
  return absl::OkStatus();
}

constexpr std::string_view kRecipientCategoryList =
    "service_provider, processor, affiliate, business_transfer, business_partner, other_users, "
    "professional_advisor, consented_third_party, public_authority";

absl::Status CheckRecipient(std::string_view prefix, bool present, const Recipient& recipient) {
  const std::string path = Path(prefix, "recipient");
  if (!present) return Required(path, "who receives the data (id or name, category, country)");
  if (recipient.id().empty() && recipient.name().empty()) {
    return Required(Path(path, "id"), "a recipient needs an id or a name");
  }
  const std::string category_path = Path(path, "category");
  if (recipient.category().empty())
    return Required(category_path, absl::StrFormat("one of %s", kRecipientCategoryList));
  if (!taxonomy::IsKnownRecipientCategory(recipient.category())) {
    return InvalidField(category_path, absl::StrFormat("%s is not a known recipient category; expected one of %s",
                                                       Quote(recipient.category()), kRecipientCategoryList));
  }
  if (!recipient.country().empty()) return CheckCountry(Path(path, "country"), recipient.country());
  return absl::OkStatus();
}

absl::Status CheckSystem(std::string_view prefix, const std::string& system) {
  return RequireString(Path(prefix, "system"), system, "the system that holds the data, e.g. 'accounts-db'");
}

absl::Status CheckEventId(const std::string& event_id) {
  if (event_id.empty()) return Required("event_id", "a publisher-chosen unique id (the idempotency key)");
  if (event_id.size() > kMaxEventIdLength) {
    return InvalidField("event_id", absl::StrFormat("is %d characters long; at most %d are allowed", event_id.size(),
                                                    kMaxEventIdLength));
  }
  for (size_t i = 0; i < event_id.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(event_id[i]);
    if (c < 0x21 || c > 0x7e) {
      return InvalidField("event_id", absl::StrFormat("byte 0x%02x at offset %d is not allowed; an event id is "
                                                      "printable ASCII without spaces",
                                                      c, i));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOccurredAt(const PrivacyEvent& event, const ValidationContext& ctx) {
  if (!event.has_occurred_at()) return Required("occurred_at", "when the processing happened");
  if (absl::Status status = CheckTimestamp("occurred_at", event.occurred_at()); !status.ok()) return status;
  const absl::Time occurred_at = ToTime(event.occurred_at());
  if (occurred_at - ctx.now > kMaxClockSkew) {
    return InvalidField("occurred_at",
                        absl::StrFormat("%s is %s after the ledger clock (%s); at most %s in the future is accepted",
                                        FormatTimestamp(occurred_at), absl::FormatDuration(occurred_at - ctx.now),
                                        FormatTimestamp(ctx.now), absl::FormatDuration(kMaxClockSkew)));
  }
  return absl::OkStatus();
}

bool IsLowercaseWord(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  }
  return true;
}

bool HasPlaintextIdentity(const pdl::v1::Identity& identity) {
  return !identity.email().empty() || !identity.name().empty() || !identity.phone().empty() ||
         !identity.profile_picture_url().empty() || !identity.other().empty() ||
         !identity.GetReflection()->GetUnknownFields(identity).empty();
}

// Reasons about the subject never echo its values: they are personal data.
absl::Status CheckSubject(const PrivacyEvent& event, const ValidationContext& ctx) {
  const pdl::v1::Subject& subject = event.subject();
  if (subject.id().empty()) {
    return Required("subject.id", "an opaque, stable pseudonym of the data subject, e.g. an account id");
  }
  if (subject.id().size() > kMaxSubjectIdBytes) {
    return InvalidField("subject.id", absl::StrFormat("is %d bytes long; at most %d are allowed", subject.id().size(),
                                                      kMaxSubjectIdBytes));
  }
  for (size_t i = 0; i < subject.id().size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(subject.id()[i]);
    if (c < 0x20 || c == 0x7f) {
      return InvalidField("subject.id",
                          absl::StrFormat("contains control character 0x%02x at offset %d; control characters are "
                                          "not allowed",
                                          c, i));
    }
  }
  if (subject.kind().empty()) return Required("subject.kind", "a lowercase word such as 'user' or 'customer'");
  if (!IsLowercaseWord(subject.kind())) {
    return InvalidField("subject.kind",
                        absl::StrFormat("%s is not a lowercase word; expected [a-z_]+ such as 'user' or 'customer'",
                                        Quote(subject.kind())));
  }
  const int64_t current_year = absl::ToCivilYear(ctx.now, absl::UTCTimeZone()).year();
  if (subject.birth_year() != 0 && (subject.birth_year() < kMinBirthYear || subject.birth_year() > current_year)) {
    return InvalidField("subject.birth_year", absl::StrFormat("out of range; expected 0 (unknown) or a year in "
                                                              "[%d, %d]",
                                                              kMinBirthYear, current_year));
  }
  if (ctx.path == IngestPath::kKafka && subject.has_identity() && HasPlaintextIdentity(subject.identity())) {
    return InvalidField("subject.identity",
                        "plaintext identity is only accepted through gRPC ingest (IngestService), which seals it; a "
                        "raw Kafka record may carry only subject.sealed_identity");
  }
  return absl::OkStatus();
}

absl::Status UnknownAction(const PrivacyEvent& event) {
  std::vector<std::string> actions;
  const google::protobuf::OneofDescriptor& oneof = *PrivacyEvent::descriptor()->FindOneofByName("action");
  for (int i = 0; i < oneof.field_count(); ++i) actions.push_back(oneof.field(i)->name());
  std::vector<int> unknown_numbers;
  const google::protobuf::UnknownFieldSet& unknown = event.GetReflection()->GetUnknownFields(event);
  for (int i = 0; i < unknown.field_count(); ++i) unknown_numbers.push_back(unknown.field(i).number());
  std::string seen = "the record carries no unknown fields";
  if (!unknown_numbers.empty()) {
    seen = absl::StrFormat("the record carries field number(s) %s unknown to this build",
                           absl::StrJoin(unknown_numbers, ", "));
  }
  return InvalidField("action", absl::StrFormat("unknown or missing action: expected exactly one of %s; an action "
                                                "this build does not know arrives as unknown fields, and %s",
                                                absl::StrJoin(actions, ", "), seen));
}

absl::Status CheckDataCollected(const pdl::v1::DataCollected& a) {
  constexpr std::string_view kPrefix = "data_collected";
  if (auto s = CheckCategories(kPrefix, a.categories(), /*allow_empty=*/false); !s.ok()) return s;
  if (auto s = CheckEnum(Path(kPrefix, "method"), a.method(), /*required=*/true); !s.ok()) return s;
  if (auto s = CheckPurposes(kPrefix, a.purposes(), /*allow_empty=*/false); !s.ok()) return s;
  if (auto s = CheckEnum(Path(kPrefix, "legal_basis"), a.legal_basis(), /*required=*/true); !s.ok()) return s;
  if (auto s = CheckSystem(kPrefix, a.system()); !s.ok()) return s;
  if (a.has_retain_until()) return CheckTimestamp(Path(kPrefix, "retain_until"), a.retain_until());
  return absl::OkStatus();
}

absl::Status CheckDataUsed(const pdl::v1::DataUsed& a) {
  constexpr std::string_view kPrefix = "data_used";
  if (auto s = CheckCategories(kPrefix, a.categories(), /*allow_empty=*/false); !s.ok()) return s;
  if (auto s = CheckPurposes(kPrefix, a.purposes(), /*allow_empty=*/false); !s.ok()) return s;
  return CheckSystem(kPrefix, a.system());
}

absl::Status CheckDataShared(const pdl::v1::DataShared& a) {
  constexpr std::string_view kPrefix = "data_shared";
  if (auto s = CheckCategories(kPrefix, a.categories(), /*allow_empty=*/false); !s.ok()) return s;
  if (auto s = CheckRecipient(kPrefix, a.has_recipient(), a.recipient()); !s.ok()) return s;
  if (auto s = CheckPurposes(kPrefix, a.purposes(), /*allow_empty=*/false); !s.ok()) return s;
  return CheckEnum(Path(kPrefix, "legal_basis"), a.legal_basis(), /*required=*/true);
}

absl::Status CheckDataTransferred(const pdl::v1::DataTransferred& a) {
  constexpr std::string_view kPrefix = "data_transferred";
  if (auto s = CheckCategories(kPrefix, a.categories(), /*allow_empty=*/false); !s.ok()) return s;
  if (auto s = CheckRecipient(kPrefix, a.has_recipient(), a.recipient()); !s.ok()) return s;
  const std::string country_path = Path(kPrefix, "destination_country");
  if (a.destination_country().empty()) {
    return Required(country_path, "the ISO 3166-1 alpha-2 code of the country the data goes to, e.g. 'US'");
  }
  if (auto s = CheckCountry(country_path, a.destination_country()); !s.ok()) return s;
  // UNSPECIFIED is accepted here: a transfer without a safeguard is recorded and becomes a policy finding.
  return CheckEnum(Path(kPrefix, "mechanism"), a.mechanism(), /*required=*/false);
}

absl::Status CheckDataRectified(const pdl::v1::DataRectified& a) {
  constexpr std::string_view kPrefix = "data_rectified";
  if (auto s = CheckCategories(kPrefix, a.categories(), /*allow_empty=*/false); !s.ok()) return s;
  return CheckSystem(kPrefix, a.system());
}

absl::Status CheckDataDeleted(const pdl::v1::DataDeleted& a) {
  constexpr std::string_view kPrefix = "data_deleted";
  if (auto s = CheckCategories(kPrefix, a.categories(), /*allow_empty=*/true); !s.ok()) return s;
  if (auto s = CheckSystem(kPrefix, a.system()); !s.ok()) return s;
  return CheckEnum(Path(kPrefix, "reason"), a.reason(), /*required=*/true);
}

template <typename Consent>
absl::Status CheckConsent(std::string_view prefix, const Consent& a, bool purposes_required) {
  if (auto s = RequireString(Path(prefix, "consent_id"), a.consent_id(), "the id of the consent record"); !s.ok()) {
    return s;
  }
  return CheckPurposes(prefix, a.purposes(), /*allow_empty=*/!purposes_required);
}

template <typename Request>
absl::Status CheckRequestIdAndRight(std::string_view prefix, const Request& a) {
  if (auto s = RequireString(Path(prefix, "request_id"), a.request_id(), "the id of the rights request"); !s.ok()) {
    return s;
  }
  return CheckEnum(Path(prefix, "right"), a.right(), /*required=*/true);
}

absl::Status CheckAction(const PrivacyEvent& event) {
  switch (event.action_case()) {
    case PrivacyEvent::kDataCollected:
      return CheckDataCollected(event.data_collected());
    case PrivacyEvent::kDataUsed:
      return CheckDataUsed(event.data_used());
    case PrivacyEvent::kDataShared:
      return CheckDataShared(event.data_shared());
    case PrivacyEvent::kDataTransferred:
      return CheckDataTransferred(event.data_transferred());
    case PrivacyEvent::kDataRectified:
      return CheckDataRectified(event.data_rectified());
    case PrivacyEvent::kDataDeleted:
      return CheckDataDeleted(event.data_deleted());
    case PrivacyEvent::kConsentGiven:
      return CheckConsent("consent_given", event.consent_given(), /*purposes_required=*/true);
    case PrivacyEvent::kConsentWithdrawn:
      return CheckConsent("consent_withdrawn", event.consent_withdrawn(), /*purposes_required=*/false);
    case PrivacyEvent::kRightsRequestOpened:
      return CheckRequestIdAndRight("rights_request_opened", event.rights_request_opened());
    case PrivacyEvent::kRightsRequestClosed: {
      const auto& a = event.rights_request_closed();
      if (auto s = CheckRequestIdAndRight("rights_request_closed", a); !s.ok()) return s;
      return CheckEnum("rights_request_closed.outcome", a.outcome(), /*required=*/true);
    }
    case PrivacyEvent::ACTION_NOT_SET:
      break;
  }
  return UnknownAction(event);
}

}  // namespace

absl::Status CheckTimestamp(std::string_view path, const Timestamp& ts) {
  if (ts.nanos() < 0 || ts.nanos() > kMaxTimestampNanos) {
    return InvalidField(path, absl::StrFormat("nanos %d is out of range [0, %d]", ts.nanos(), kMaxTimestampNanos));
  }
  if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds) {
    return InvalidField(
        path, absl::StrFormat("seconds %d is outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z", ts.seconds()));
  }
  return absl::OkStatus();
}

absl::Status ValidateEvent(const PrivacyEvent& event, const ValidationContext& ctx) {
  if (ctx.record_bytes > kMaxRecordBytes) {
    return InvalidField("event", absl::StrFormat("record is %d bytes; at most %d (64 KiB) are accepted",
                                                 ctx.record_bytes, kMaxRecordBytes));
  }
  if (auto s = CheckEventId(event.event_id()); !s.ok()) return s;
  if (auto s = RequireString("source", event.source(), "the publishing system, e.g. 'connect-app'"); !s.ok()) {
    return s;
  }
  if (auto s = CheckOccurredAt(event, ctx); !s.ok()) return s;
  if (auto s = CheckSubject(event, ctx); !s.ok()) return s;
  return CheckAction(event);
}

}  // namespace pdl
