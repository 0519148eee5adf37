#include "ledger/event_validator.h"

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"
#include "ledger/field_error.h"
#include "pdl/v1/event.pb.h"
#include "tests/testing/event_builder.h"

namespace pdl {
namespace {

using ::pdl::v1::PrivacyEvent;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::ValuesIn;

// 2023-11-14T22:13:20Z, the builders' default occurred_at.
const absl::Time kNow = absl::FromUnixSeconds(1700000000);

ValidationContext Context(IngestPath path = IngestPath::kKafka, size_t record_bytes = 0) {
  return ValidationContext{.now = kNow, .path = path, .record_bytes = record_bytes};
}

// Valid events for every action. Those without a builder of their own are derived from a builder's output by
// replacing its action.
PrivacyEvent CollectedEvent() { return testing::Collected("evt-1", "subj-1"); }
PrivacyEvent SharedEvent() { return testing::Shared("evt-2", "subj-1"); }
PrivacyEvent TransferredEvent() { return testing::Transferred("evt-3", "subj-1"); }
PrivacyEvent ConsentEvent() { return testing::Consent("evt-4", "subj-1"); }

PrivacyEvent UsedEvent() {
  PrivacyEvent e = CollectedEvent();
  auto* a = e.mutable_data_used();
  a->add_categories("user.device.cookie_id");
  a->add_purposes("analytics.reporting");
  a->set_system("analytics-warehouse");
  return e;
}

PrivacyEvent RectifiedEvent() {
  PrivacyEvent e = CollectedEvent();
  auto* a = e.mutable_data_rectified();
  a->add_categories("user.name");
  a->set_system("accounts-db");
  a->set_request_id("req-7");
  return e;
}

PrivacyEvent DeletedEvent() {
  PrivacyEvent e = CollectedEvent();
  auto* a = e.mutable_data_deleted();
  a->set_system("accounts-db");
  a->set_reason(v1::DELETION_REASON_RETENTION_EXPIRED);
  a->set_notice_id("notice-1");
  return e;
}

PrivacyEvent WithdrawnEvent() {
  PrivacyEvent e = ConsentEvent();
  auto* a = e.mutable_consent_withdrawn();
  a->set_consent_id("consent-sheets-1");
  a->set_scope("google-sheets");
  return e;
}

PrivacyEvent RequestOpenedEvent() {
  PrivacyEvent e = CollectedEvent();
  auto* a = e.mutable_rights_request_opened();
  a->set_request_id("req-7");
  a->set_right(v1::SUBJECT_RIGHT_ACCESS);
  return e;
}

PrivacyEvent RequestClosedEvent() {
  PrivacyEvent e = CollectedEvent();
  auto* a = e.mutable_rights_request_closed();
  a->set_request_id("req-7");
  a->set_right(v1::SUBJECT_RIGHT_ERASURE);
  a->set_outcome(v1::REQUEST_OUTCOME_FULFILLED);
  return e;
}

using Mutation = std::function<void(PrivacyEvent&)>;

// One row: a valid base event, one change, and the expected outcome. An empty `field` means the event must pass;
// otherwise ValidateEvent must fail with INVALID_ARGUMENT on exactly `field`, with `reason` in the reason.
struct Case {
  std::string name;
  PrivacyEvent (*base)();
  Mutation mutate;
  std::string field;
  std::string reason;
  IngestPath path = IngestPath::kKafka;
  size_t record_bytes = 0;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

std::string CaseName(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

class EventValidatorTest : public ::testing::TestWithParam<Case> {};

TEST_P(EventValidatorTest, ReportsExpectedOutcome) {
  const Case& c = GetParam();
  PrivacyEvent event = c.base();
  if (c.mutate) c.mutate(event);
  const absl::Status status = ValidateEvent(event, Context(c.path, c.record_bytes));
  if (c.field.empty()) {
    EXPECT_TRUE(status.ok()) << status;
    return;
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(ErrorField(status), c.field) << status;
  EXPECT_THAT(ErrorReason(status), HasSubstr(c.reason)) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(c.field + ": "));
}

std::vector<Case> EnvelopeCases() {
  return {
      {"RecordAtLimit", CollectedEvent, nullptr, "", "", IngestPath::kKafka, kMaxRecordBytes},
      {"RecordOverLimit", CollectedEvent, nullptr, "event", "record is 65537 bytes; at most 65536 (64 KiB)",
       IngestPath::kKafka, kMaxRecordBytes + 1},
      {"RecordOverLimitOnGrpc", CollectedEvent, nullptr, "event", "65537 bytes", IngestPath::kGrpc,
       kMaxRecordBytes + 1},
      {"EventIdMissing", CollectedEvent, [](PrivacyEvent& e) { e.clear_event_id(); }, "event_id", "required"},
      {"EventIdAtMaxLength", CollectedEvent, [](PrivacyEvent& e) { e.set_event_id(std::string(128, 'a')); }, "", ""},
      {"EventIdTooLong", CollectedEvent, [](PrivacyEvent& e) { e.set_event_id(std::string(129, 'a')); }, "event_id",
       "is 129 characters long; at most 128"},
      {"EventIdAllPrintableAscii", CollectedEvent, [](PrivacyEvent& e) { e.set_event_id("!~09AZaz-_.:/{}"); }, "", ""},
      {"EventIdWithSpace", CollectedEvent, [](PrivacyEvent& e) { e.set_event_id("evt 1"); }, "event_id",
       "byte 0x20 at offset 3 is not allowed; an event id is printable ASCII without spaces"},
      {"EventIdWithNewline", CollectedEvent, [](PrivacyEvent& e) { e.set_event_id("evt\n"); }, "event_id",
       "byte 0x0a at offset 3"},
      {"EventIdWithDel", CollectedEvent, [](PrivacyEvent& e) { e.set_event_id("evt\x7f"); }, "event_id",
       "byte 0x7f at offset 3"},
      {"EventIdNonAscii", CollectedEvent, [](PrivacyEvent& e) { e.set_event_id("\xc3\xa9vt"); }, "event_id",
       "byte 0xc3 at offset 0"},
      {"SourceMissing", CollectedEvent, [](PrivacyEvent& e) { e.clear_source(); }, "source", "required"},
      {"OccurredAtMissing", CollectedEvent, [](PrivacyEvent& e) { e.clear_occurred_at(); }, "occurred_at", "required"},
      {"OccurredAtNegativeNanos", CollectedEvent, [](PrivacyEvent& e) { e.mutable_occurred_at()->set_nanos(-1); },
       "occurred_at", "nanos -1 is out of range [0, 999999999]"},
      {"OccurredAtNanosTooLarge", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_occurred_at()->set_nanos(1000000000); }, "occurred_at",
       "nanos 1000000000 is out of range"},
      {"OccurredAtMaxNanos", CollectedEvent, [](PrivacyEvent& e) { e.mutable_occurred_at()->set_nanos(999999999); }, "",
       ""},
      {"OccurredAtBeforeYear1", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_occurred_at()->set_seconds(-62135596801); }, "occurred_at",
       "seconds -62135596801 is outside"},
      {"OccurredAtLongAgo", CollectedEvent,
       [](PrivacyEvent& e) { testing::SetTime(e.mutable_occurred_at(), absl::FromUnixSeconds(946684800)); }, "", ""},
      {"OccurredAtExactlyMaxSkewAhead", CollectedEvent,
       [](PrivacyEvent& e) { testing::SetTime(e.mutable_occurred_at(), kNow + kMaxClockSkew); }, "", ""},
      {"OccurredAtBeyondMaxSkew", CollectedEvent,
       [](PrivacyEvent& e) { testing::SetTime(e.mutable_occurred_at(), kNow + kMaxClockSkew + absl::Seconds(1)); },
       "occurred_at",
       "2023-11-14T22:18:21Z is 5m1s after the ledger clock (2023-11-14T22:13:20Z); at most 5m in the future"},
      {"OccurredAtYearsAhead", CollectedEvent,
       [](PrivacyEvent& e) { testing::SetTime(e.mutable_occurred_at(), kNow + absl::Hours(24 * 365)); }, "occurred_at",
       "after the ledger clock"},
  };
}

std::vector<Case> SubjectCases() {
  return {
      {"SubjectMissing", CollectedEvent, [](PrivacyEvent& e) { e.clear_subject(); }, "subject.id", "required"},
      {"SubjectIdMissing", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->clear_id(); }, "subject.id",
       "required"},
      {"SubjectIdAtMaxLength", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_subject()->set_id(std::string(256, 'x')); }, "", ""},
      {"SubjectIdTooLong", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_id(std::string(257, 'x')); },
       "subject.id", "is 257 bytes long; at most 256"},
      {"SubjectIdWithTab", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_id("acct\t42"); },
       "subject.id", "control character 0x09 at offset 4"},
      {"SubjectIdWithDel", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_id("acct\x7f"); },
       "subject.id", "control character 0x7f"},
      {"SubjectIdUtf8AndSpaces", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_subject()->set_id("compte n\xc2\xb0 42"); }, "", ""},
      {"SubjectKindMissing", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->clear_kind(); }, "subject.kind",
       "required"},
      {"SubjectKindWithUnderscore", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_kind("end_user"); },
       "", ""},
      {"SubjectKindUpperCase", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_kind("User"); },
       "subject.kind", "'User' is not a lowercase word"},
      {"SubjectKindTwoWords", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_kind("end user"); },
       "subject.kind", "'end user' is not a lowercase word"},
      {"SubjectKindDigits", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_kind("user2"); },
       "subject.kind", "expected [a-z_]+"},
      {"BirthYearUnknown", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_birth_year(0); }, "", ""},
      {"BirthYear1900", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_birth_year(1900); }, "", ""},
      {"BirthYearCurrentYear", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_birth_year(2023); }, "",
       ""},
      {"BirthYear1899", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_birth_year(1899); },
       "subject.birth_year", "expected 0 (unknown) or a year in [1900, 2023]"},
      {"BirthYearNextYear", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_birth_year(2024); },
       "subject.birth_year", "[1900, 2023]"},
      {"BirthYearNegative", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_birth_year(-1); },
       "subject.birth_year", "[1900, 2023]"},
      {"MinorFlag", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->set_minor(true); }, "", ""},
      {"IdentityEmailOnKafka", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_subject()->mutable_identity()->set_email("a@example.com"); }, "subject.identity",
       "plaintext identity is only accepted through gRPC ingest"},
      {"IdentityOtherOnKafka", CollectedEvent,
       [](PrivacyEvent& e) { (*e.mutable_subject()->mutable_identity()->mutable_other())["nickname"] = "al"; },
       "subject.identity", "only accepted through gRPC ingest"},
      {"IdentityPictureOnKafka", CollectedEvent,
       [](PrivacyEvent& e) {
         e.mutable_subject()->mutable_identity()->set_profile_picture_url("https://example.com/p.png");
       },
       "subject.identity", "only accepted through gRPC ingest"},
      {"IdentityUnknownFieldOnKafka", CollectedEvent,
       [](PrivacyEvent& e) {
         v1::Identity* identity = e.mutable_subject()->mutable_identity();
         identity->GetReflection()->MutableUnknownFields(identity)->AddLengthDelimited(99, "newer identity field");
       },
       "subject.identity", "only accepted through gRPC ingest"},
      {"IdentityEmptyOnKafka", CollectedEvent, [](PrivacyEvent& e) { e.mutable_subject()->mutable_identity(); }, "",
       ""},
      {"IdentityOnGrpc", CollectedEvent,
       [](PrivacyEvent& e) {
         e.mutable_subject()->mutable_identity()->set_email("a@example.com");
         e.mutable_subject()->mutable_identity()->set_name("A");
       },
       "", "", IngestPath::kGrpc},
      {"SealedIdentityOnKafka", CollectedEvent,
       [](PrivacyEvent& e) {
         auto* sealed = e.mutable_subject()->mutable_sealed_identity();
         sealed->set_key_version(1);
         sealed->set_nonce(std::string(12, '\1'));
         sealed->set_ciphertext("opaque");
       },
       "", ""},
  };
}

std::vector<Case> ActionCases() {
  return {
      {"Collected", CollectedEvent, nullptr, "", ""},
      {"Used", UsedEvent, nullptr, "", ""},
      {"Shared", SharedEvent, nullptr, "", ""},
      {"Transferred", TransferredEvent, nullptr, "", ""},
      {"Rectified", RectifiedEvent, nullptr, "", ""},
      {"Deleted", DeletedEvent, nullptr, "", ""},
      {"ConsentGiven", ConsentEvent, nullptr, "", ""},
      {"ConsentWithdrawn", WithdrawnEvent, nullptr, "", ""},
      {"RightsRequestOpened", RequestOpenedEvent, nullptr, "", ""},
      {"RightsRequestClosed", RequestClosedEvent, nullptr, "", ""},
      {"ActionMissing", CollectedEvent, [](PrivacyEvent& e) { e.clear_action(); }, "action",
       "unknown or missing action: expected exactly one of data_collected, data_used"},
      {"ActionMissingSaysNoUnknownFields", CollectedEvent, [](PrivacyEvent& e) { e.clear_action(); }, "action",
       "the record carries no unknown fields"},
      {"ActionUnknownToThisBuild", CollectedEvent,
       [](PrivacyEvent& e) {
         e.clear_action();
         e.GetReflection()->MutableUnknownFields(&e)->AddLengthDelimited(20, "\x0a\x01x");
       },
       "action", "the record carries field number(s) 20 unknown to this build"},
  };
}

std::vector<Case> DataCollectedCases() {
  return {
      {"CategoriesEmpty", CollectedEvent, [](PrivacyEvent& e) { e.mutable_data_collected()->clear_categories(); },
       "data_collected.categories", "required: at least one data category"},
      {"SecondCategoryUnknown", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->set_categories(1, "user.contact.fax"); },
       "data_collected.categories[1]", "'user.contact.fax' is not a known data category"},
      {"CategoryNotLowerCase", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->set_categories(0, "User.Name"); },
       "data_collected.categories[0]", "'User.Name' is not a known data category"},
      {"CategoryTrailingDot", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->set_categories(0, "user.contact."); },
       "data_collected.categories[0]", "'user.contact.' is not a known data category"},
      {"CategoryControlCharEscaped", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->set_categories(0, "user\nname"); },
       "data_collected.categories[0]", "'user\\nname' is not a known data category"},
      {"CategoryParentKey", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->set_categories(1, "user.authorization"); }, "", ""},
      {"CategoryAuthorizationToken", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->set_categories(1, "user.authorization.credentials"); }, "",
       ""},
      {"MethodUnspecified", CollectedEvent, [](PrivacyEvent& e) { e.mutable_data_collected()->clear_method(); },
       "data_collected.method",
       "required: one of registration, integration_consent, form, contact, automatic, third_party"},
      {"MethodUndefined", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->set_method(static_cast<v1::CollectionMethod>(99)); },
       "data_collected.method", "99 is not a defined pdl.v1.CollectionMethod value"},
      {"MethodAutomatic", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->set_method(v1::COLLECTION_METHOD_AUTOMATIC); }, "", ""},
      {"PurposesEmpty", CollectedEvent, [](PrivacyEvent& e) { e.mutable_data_collected()->clear_purposes(); },
       "data_collected.purposes", "required: at least one purpose"},
      {"SecondPurposeUnknown", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->add_purposes("account_management"); },
       "data_collected.purposes[1]", "'account_management' is not a known purpose"},
      {"PurposeSupport", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->add_purposes("essential.service.operations.support"); }, "",
       ""},
      {"LegalBasisUnspecified", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->clear_legal_basis(); }, "data_collected.legal_basis",
       "required: one of consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests"},
      {"LegalBasisUndefined", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->set_legal_basis(static_cast<v1::LegalBasis>(7)); },
       "data_collected.legal_basis", "7 is not a defined pdl.v1.LegalBasis value"},
      {"LegalBasisNegative", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->set_legal_basis(static_cast<v1::LegalBasis>(-3)); },
       "data_collected.legal_basis", "-3 is not a defined pdl.v1.LegalBasis value"},
      {"SystemMissing", CollectedEvent, [](PrivacyEvent& e) { e.mutable_data_collected()->clear_system(); },
       "data_collected.system", "required"},
      {"RetainUntilValid", CollectedEvent,
       [](PrivacyEvent& e) {
         testing::SetTime(e.mutable_data_collected()->mutable_retain_until(), kNow + absl::Hours(24 * 365));
       },
       "", ""},
      {"RetainUntilBadNanos", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->mutable_retain_until()->set_nanos(-5); },
       "data_collected.retain_until", "nanos -5 is out of range"},
      {"RetainUntilBeyondYear9999", CollectedEvent,
       [](PrivacyEvent& e) { e.mutable_data_collected()->mutable_retain_until()->set_seconds(253402300800); },
       "data_collected.retain_until", "seconds 253402300800 is outside"},
      {"RetentionRuleAndConsentOptional", CollectedEvent,
       [](PrivacyEvent& e) {
         e.mutable_data_collected()->set_retention_rule("account-data");
         e.mutable_data_collected()->set_consent_id("consent-1");
       },
       "", ""},
  };
}

std::vector<Case> DataUsedCases() {
  return {
      {"CategoriesEmpty", UsedEvent, [](PrivacyEvent& e) { e.mutable_data_used()->clear_categories(); },
       "data_used.categories", "required"},
      {"CategoryUnknown", UsedEvent, [](PrivacyEvent& e) { e.mutable_data_used()->set_categories(0, "usage"); },
       "data_used.categories[0]", "'usage' is not a known data category"},
      {"PurposesEmpty", UsedEvent, [](PrivacyEvent& e) { e.mutable_data_used()->clear_purposes(); },
       "data_used.purposes", "required: at least one purpose"},
      {"PurposeUnknown", UsedEvent, [](PrivacyEvent& e) { e.mutable_data_used()->set_purposes(0, "analytic"); },
       "data_used.purposes[0]", "'analytic' is not a known purpose"},
      {"SystemMissing", UsedEvent, [](PrivacyEvent& e) { e.mutable_data_used()->clear_system(); }, "data_used.system",
       "required"},
  };
}

std::vector<Case> DataSharedCases() {
  return {
      {"CategoriesEmpty", SharedEvent, [](PrivacyEvent& e) { e.mutable_data_shared()->clear_categories(); },
       "data_shared.categories", "required"},
      {"CategoryUnknown", SharedEvent,
       [](PrivacyEvent& e) { e.mutable_data_shared()->add_categories("user.contact.mail"); },
       "data_shared.categories[1]", "'user.contact.mail' is not a known data category"},
      {"RecipientMissing", SharedEvent, [](PrivacyEvent& e) { e.mutable_data_shared()->clear_recipient(); },
       "data_shared.recipient", "required"},
      {"RecipientWithoutIdOrName", SharedEvent,
       [](PrivacyEvent& e) {
         e.mutable_data_shared()->mutable_recipient()->clear_id();
         e.mutable_data_shared()->mutable_recipient()->clear_name();
       },
       "data_shared.recipient.id", "a recipient needs an id or a name"},
      {"RecipientNameOnly", SharedEvent,
       [](PrivacyEvent& e) { e.mutable_data_shared()->mutable_recipient()->clear_id(); }, "", ""},
      {"RecipientIdOnly", SharedEvent,
       [](PrivacyEvent& e) { e.mutable_data_shared()->mutable_recipient()->clear_name(); }, "", ""},
      {"RecipientCategoryMissing", SharedEvent,
       [](PrivacyEvent& e) { e.mutable_data_shared()->mutable_recipient()->clear_category(); },
       "data_shared.recipient.category", "required: one of service_provider, processor"},
      {"RecipientCategoryUnknown", SharedEvent,
       [](PrivacyEvent& e) { e.mutable_data_shared()->mutable_recipient()->set_category("vendor"); },
       "data_shared.recipient.category", "'vendor' is not a known recipient category; expected one of"},
      {"RecipientOtherUsers", SharedEvent,
       [](PrivacyEvent& e) { e.mutable_data_shared()->mutable_recipient()->set_category("other_users"); }, "", ""},
      {"RecipientCountryUnknown", SharedEvent,
       [](PrivacyEvent& e) { e.mutable_data_shared()->mutable_recipient()->clear_country(); }, "", ""},
      {"RecipientCountryUk", SharedEvent,
       [](PrivacyEvent& e) { e.mutable_data_shared()->mutable_recipient()->set_country("UK"); },
       "data_shared.recipient.country", "'UK' is not an ISO 3166-1 alpha-2 code (the United Kingdom is 'GB')"},
      {"RecipientCountryGb", SharedEvent,
       [](PrivacyEvent& e) { e.mutable_data_shared()->mutable_recipient()->set_country("GB"); }, "", ""},
      {"PurposesEmpty", SharedEvent, [](PrivacyEvent& e) { e.mutable_data_shared()->clear_purposes(); },
       "data_shared.purposes", "required"},
      {"PurposeUnknown", SharedEvent, [](PrivacyEvent& e) { e.mutable_data_shared()->add_purposes("selling"); },
       "data_shared.purposes[1]", "'selling' is not a known purpose"},
      {"LegalBasisUnspecified", SharedEvent, [](PrivacyEvent& e) { e.mutable_data_shared()->clear_legal_basis(); },
       "data_shared.legal_basis", "required: one of consent"},
      {"LegalBasisUndefined", SharedEvent,
       [](PrivacyEvent& e) { e.mutable_data_shared()->set_legal_basis(static_cast<v1::LegalBasis>(100)); },
       "data_shared.legal_basis", "100 is not a defined pdl.v1.LegalBasis value"},
  };
}

std::vector<Case> DataTransferredCases() {
  return {
      {"CategoriesEmpty", TransferredEvent, [](PrivacyEvent& e) { e.mutable_data_transferred()->clear_categories(); },
       "data_transferred.categories", "required"},
      {"RecipientMissing", TransferredEvent, [](PrivacyEvent& e) { e.mutable_data_transferred()->clear_recipient(); },
       "data_transferred.recipient", "required"},
      {"RecipientWithoutIdOrName", TransferredEvent,
       [](PrivacyEvent& e) {
         e.mutable_data_transferred()->mutable_recipient()->clear_id();
         e.mutable_data_transferred()->mutable_recipient()->clear_name();
       },
       "data_transferred.recipient.id", "id or a name"},
      {"RecipientCategoryUnknown", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->mutable_recipient()->set_category("Processor"); },
       "data_transferred.recipient.category", "'Processor' is not a known recipient category"},
      {"RecipientCountryUserAssigned", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->mutable_recipient()->set_country("ZZ"); },
       "data_transferred.recipient.country", "'ZZ' is not an ISO 3166-1 alpha-2 code"},
      {"DestinationMissing", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->clear_destination_country(); },
       "data_transferred.destination_country", "required"},
      {"DestinationXX", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->set_destination_country("XX"); },
       "data_transferred.destination_country", "'XX' is not an ISO 3166-1 alpha-2 code"},
      {"DestinationUK", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->set_destination_country("UK"); },
       "data_transferred.destination_country", "'UK' is not an ISO 3166-1 alpha-2 code"},
      {"DestinationLowerCase", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->set_destination_country("be"); },
       "data_transferred.destination_country", "'be' is not an ISO 3166-1 alpha-2 code (codes are upper case: 'BE')"},
      {"DestinationKosovo", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->set_destination_country("XK"); },
       "data_transferred.destination_country", "'XK' is not an ISO 3166-1 alpha-2 code"},
      {"DestinationGreeceEl", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->set_destination_country("EL"); },
       "data_transferred.destination_country", "(Greece is 'GR')"},
      {"DestinationAlpha3", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->set_destination_country("USA"); },
       "data_transferred.destination_country", "'USA' is not an ISO 3166-1 alpha-2 code (expected two"},
      {"DestinationInsideEea", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->set_destination_country("IE"); }, "", ""},
      {"MechanismUnspecifiedIsAFindingNotAnError", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->clear_mechanism(); }, "", ""},
      {"MechanismUndefined", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->set_mechanism(static_cast<v1::TransferMechanism>(9)); },
       "data_transferred.mechanism", "9 is not a defined pdl.v1.TransferMechanism value"},
      {"MechanismDerogationOther", TransferredEvent,
       [](PrivacyEvent& e) { e.mutable_data_transferred()->set_mechanism(v1::TRANSFER_MECHANISM_DEROGATION_OTHER); },
       "", ""},
  };
}

std::vector<Case> DataRectifiedCases() {
  return {
      {"CategoriesEmpty", RectifiedEvent, [](PrivacyEvent& e) { e.mutable_data_rectified()->clear_categories(); },
       "data_rectified.categories", "required"},
      {"CategoryUnknown", RectifiedEvent,
       [](PrivacyEvent& e) { e.mutable_data_rectified()->set_categories(0, "user.full_name"); },
       "data_rectified.categories[0]", "'user.full_name' is not a known data category"},
      {"SystemMissing", RectifiedEvent, [](PrivacyEvent& e) { e.mutable_data_rectified()->clear_system(); },
       "data_rectified.system", "required"},
      {"RequestIdOptional", RectifiedEvent, [](PrivacyEvent& e) { e.mutable_data_rectified()->clear_request_id(); }, "",
       ""},
  };
}

std::vector<Case> DataDeletedCases() {
  return {
      {"SomeCategories", DeletedEvent,
       [](PrivacyEvent& e) { e.mutable_data_deleted()->add_categories("user.contact.email"); }, "", ""},
      {"CategoryUnknown", DeletedEvent,
       [](PrivacyEvent& e) {
         e.mutable_data_deleted()->add_categories("user.name");
         e.mutable_data_deleted()->add_categories("everything");
       },
       "data_deleted.categories[1]", "'everything' is not a known data category"},
      {"SystemMissing", DeletedEvent, [](PrivacyEvent& e) { e.mutable_data_deleted()->clear_system(); },
       "data_deleted.system", "required"},
      {"ReasonUnspecified", DeletedEvent, [](PrivacyEvent& e) { e.mutable_data_deleted()->clear_reason(); },
       "data_deleted.reason",
       "required: one of retention_expired, subject_request, consent_withdrawn, minor_detected, legal_order, other"},
      {"ReasonUndefined", DeletedEvent,
       [](PrivacyEvent& e) { e.mutable_data_deleted()->set_reason(static_cast<v1::DeletionReason>(42)); },
       "data_deleted.reason", "42 is not a defined pdl.v1.DeletionReason value"},
  };
}

std::vector<Case> ConsentCases() {
  return {
      {"GivenConsentIdMissing", ConsentEvent, [](PrivacyEvent& e) { e.mutable_consent_given()->clear_consent_id(); },
       "consent_given.consent_id", "required"},
      {"GivenPurposesEmpty", ConsentEvent, [](PrivacyEvent& e) { e.mutable_consent_given()->clear_purposes(); },
       "consent_given.purposes", "required: at least one purpose"},
      {"GivenPurposeUnknown", ConsentEvent,
       [](PrivacyEvent& e) { e.mutable_consent_given()->add_purposes("google_sheets"); }, "consent_given.purposes[1]",
       "'google_sheets' is not a known purpose"},
      {"GivenScopeOptional", ConsentEvent, [](PrivacyEvent& e) { e.mutable_consent_given()->clear_scope(); }, "", ""},
      {"WithdrawnConsentIdMissing", WithdrawnEvent,
       [](PrivacyEvent& e) { e.mutable_consent_withdrawn()->clear_consent_id(); }, "consent_withdrawn.consent_id",
       "required"},
      {"WithdrawnKnownPurpose", WithdrawnEvent,
       [](PrivacyEvent& e) { e.mutable_consent_withdrawn()->add_purposes("analytics"); }, "", ""},
      {"WithdrawnPurposeUnknown", WithdrawnEvent,
       [](PrivacyEvent& e) { e.mutable_consent_withdrawn()->add_purposes("Analytics"); },
       "consent_withdrawn.purposes[0]", "'Analytics' is not a known purpose"},
  };
}

std::vector<Case> RightsRequestCases() {
  return {
      {"OpenedRequestIdMissing", RequestOpenedEvent,
       [](PrivacyEvent& e) { e.mutable_rights_request_opened()->clear_request_id(); },
       "rights_request_opened.request_id", "required"},
      {"OpenedRightUnspecified", RequestOpenedEvent,
       [](PrivacyEvent& e) { e.mutable_rights_request_opened()->clear_right(); }, "rights_request_opened.right",
       "required: one of access, rectification, erasure, restriction, portability, objection"},
      {"OpenedRightUndefined", RequestOpenedEvent,
       [](PrivacyEvent& e) { e.mutable_rights_request_opened()->set_right(static_cast<v1::SubjectRight>(7)); },
       "rights_request_opened.right", "7 is not a defined pdl.v1.SubjectRight value"},
      {"ClosedRequestIdMissing", RequestClosedEvent,
       [](PrivacyEvent& e) { e.mutable_rights_request_closed()->clear_request_id(); },
       "rights_request_closed.request_id", "required"},
      {"ClosedRightUnspecified", RequestClosedEvent,
       [](PrivacyEvent& e) { e.mutable_rights_request_closed()->clear_right(); }, "rights_request_closed.right",
       "required"},
      {"ClosedOutcomeUnspecified", RequestClosedEvent,
       [](PrivacyEvent& e) { e.mutable_rights_request_closed()->clear_outcome(); }, "rights_request_closed.outcome",
       "required: one of fulfilled, partially_fulfilled, refused, withdrawn"},
      {"ClosedOutcomeUndefined", RequestClosedEvent,
       [](PrivacyEvent& e) { e.mutable_rights_request_closed()->set_outcome(static_cast<v1::RequestOutcome>(5)); },
       "rights_request_closed.outcome", "5 is not a defined pdl.v1.RequestOutcome value"},
  };
}

// When several fields are wrong, the first in field order is reported.
std::vector<Case> FieldOrderCases() {
  return {
      {"SizeBeforeEventId", CollectedEvent, [](PrivacyEvent& e) { e.clear_event_id(); }, "event",
       "record is 70000 bytes", IngestPath::kKafka, 70000},
      {"EventIdBeforeSource", CollectedEvent,
       [](PrivacyEvent& e) {
         e.clear_event_id();
         e.clear_source();
       },
       "event_id", "required"},
      {"OccurredAtBeforeSubject", CollectedEvent,
       [](PrivacyEvent& e) {
         e.clear_occurred_at();
         e.clear_subject();
       },
       "occurred_at", "required"},
      {"SubjectBeforeAction", CollectedEvent,
       [](PrivacyEvent& e) {
         e.mutable_subject()->clear_kind();
         e.clear_action();
       },
       "subject.kind", "required"},
      {"CategoriesBeforeSystem", CollectedEvent,
       [](PrivacyEvent& e) {
         e.mutable_data_collected()->clear_system();
         e.mutable_data_collected()->set_categories(0, "nope");
       },
       "data_collected.categories[0]", "'nope'"},
      {"RecipientBeforeDestination", TransferredEvent,
       [](PrivacyEvent& e) {
         e.mutable_data_transferred()->set_destination_country("XX");
         e.mutable_data_transferred()->mutable_recipient()->clear_category();
       },
       "data_transferred.recipient.category", "required"},
  };
}

INSTANTIATE_TEST_SUITE_P(Envelope, EventValidatorTest, ValuesIn(EnvelopeCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(Subject, EventValidatorTest, ValuesIn(SubjectCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(Action, EventValidatorTest, ValuesIn(ActionCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(DataCollected, EventValidatorTest, ValuesIn(DataCollectedCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(DataUsed, EventValidatorTest, ValuesIn(DataUsedCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(DataShared, EventValidatorTest, ValuesIn(DataSharedCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(DataTransferred, EventValidatorTest, ValuesIn(DataTransferredCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(DataRectified, EventValidatorTest, ValuesIn(DataRectifiedCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(DataDeleted, EventValidatorTest, ValuesIn(DataDeletedCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(Consent, EventValidatorTest, ValuesIn(ConsentCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(RightsRequest, EventValidatorTest, ValuesIn(RightsRequestCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(FieldOrder, EventValidatorTest, ValuesIn(FieldOrderCases()), CaseName);

TEST(EventValidatorBuildersTest, EveryBuilderPassesOnBothPaths) {
  for (auto* make : {CollectedEvent, SharedEvent, TransferredEvent, ConsentEvent, UsedEvent, RectifiedEvent,
                     DeletedEvent, WithdrawnEvent, RequestOpenedEvent, RequestClosedEvent}) {
    const PrivacyEvent event = make();
    EXPECT_TRUE(ValidateEvent(event, Context(IngestPath::kKafka)).ok()) << event.ShortDebugString();
    EXPECT_TRUE(ValidateEvent(event, Context(IngestPath::kGrpc)).ok()) << event.ShortDebugString();
  }
}

TEST(EventValidatorContextTest, DefaultPathIsKafka) {
  PrivacyEvent event = CollectedEvent();
  event.mutable_subject()->mutable_identity()->set_email("a@example.com");
  const absl::Status status = ValidateEvent(event, ValidationContext{.now = kNow});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(status), "subject.identity");
}

TEST(EventValidatorContextTest, MaxSkewIsMeasuredFromContextNow) {
  const absl::Time occurred_at = kNow + absl::Minutes(10);
  const PrivacyEvent event = testing::Collected("evt-1", "subj-1", occurred_at);
  EXPECT_EQ(ErrorField(ValidateEvent(event, Context())), "occurred_at");
  ValidationContext later = Context();
  later.now = occurred_at - kMaxClockSkew;
  EXPECT_TRUE(ValidateEvent(event, later).ok());
}

TEST(EventValidatorContextTest, BirthYearBoundFollowsContextNow) {
  PrivacyEvent event = CollectedEvent();
  event.mutable_subject()->set_birth_year(2024);
  EXPECT_EQ(ErrorField(ValidateEvent(event, Context())), "subject.birth_year");
  ValidationContext next_year = Context();
  next_year.now = absl::FromCivil(absl::CivilDay(2024, 1, 1), absl::UTCTimeZone());
  EXPECT_TRUE(ValidateEvent(event, next_year).ok());
}

// Subject values are personal data: a rejection reason must not carry them.
TEST(EventValidatorPrivacyTest, ReasonsDoNotEchoSubjectValues) {
  PrivacyEvent with_control = CollectedEvent();
  with_control.mutable_subject()->set_id("alice.smith\x01");
  const absl::Status id_status = ValidateEvent(with_control, Context());
  EXPECT_EQ(ErrorField(id_status), "subject.id");
  EXPECT_THAT(std::string(id_status.message()), Not(HasSubstr("alice")));

  PrivacyEvent too_long = CollectedEvent();
  too_long.mutable_subject()->set_id("alice.smith" + std::string(300, 'x'));
  const absl::Status long_status = ValidateEvent(too_long, Context());
  EXPECT_EQ(ErrorField(long_status), "subject.id");
  EXPECT_THAT(std::string(long_status.message()), Not(HasSubstr("alice")));

  PrivacyEvent old = CollectedEvent();
  old.mutable_subject()->set_birth_year(1850);
  const absl::Status year_status = ValidateEvent(old, Context());
  EXPECT_EQ(ErrorField(year_status), "subject.birth_year");
  EXPECT_THAT(std::string(year_status.message()), Not(HasSubstr("1850")));

  PrivacyEvent identity = CollectedEvent();
  identity.mutable_subject()->mutable_identity()->set_email("alice@example.com");
  const absl::Status identity_status = ValidateEvent(identity, Context());
  EXPECT_EQ(ErrorField(identity_status), "subject.identity");
  EXPECT_THAT(std::string(identity_status.message()), Not(HasSubstr("alice")));
}

TEST(EventValidatorPrivacyTest, LongValuesAreTruncatedInReasons) {
  PrivacyEvent event = CollectedEvent();
  event.mutable_data_collected()->set_categories(0, std::string(1000, 'q'));
  const absl::Status status = ValidateEvent(event, Context());
  EXPECT_EQ(ErrorField(status), "data_collected.categories[0]");
  EXPECT_THAT(ErrorReason(status), HasSubstr("'" + std::string(64, 'q') + "...'"));
  EXPECT_THAT(ErrorReason(status), Not(HasSubstr(std::string(65, 'q'))));
}

}  // namespace
}  // namespace pdl
