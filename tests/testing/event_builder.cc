#include "tests/testing/event_builder.h"

namespace pdl::testing {
namespace {

pdl::v1::PrivacyEvent Base(std::string_view event_id, std::string_view subject_id, absl::Time occurred_at) {
  pdl::v1::PrivacyEvent e;
  e.set_event_id(std::string(event_id));
  e.set_source("connect-app");
  SetTime(e.mutable_occurred_at(), occurred_at);
  e.mutable_subject()->set_id(std::string(subject_id));
  e.mutable_subject()->set_kind("user");
  return e;
}

}  // namespace

void SetTime(google::protobuf::Timestamp* ts, absl::Time t) {
  const int64_t micros = absl::ToUnixMicros(t);
  ts->set_seconds(micros / 1000000);
  ts->set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
}

pdl::v1::PrivacyEvent Collected(std::string_view event_id, std::string_view subject_id, absl::Time occurred_at) {
  auto e = Base(event_id, subject_id, occurred_at);
  auto* c = e.mutable_data_collected();
  c->add_categories("user.contact.email");
  c->add_categories("user.name");
  c->set_method(pdl::v1::COLLECTION_METHOD_REGISTRATION);
  c->add_purposes("essential.service");
  c->set_legal_basis(pdl::v1::LEGAL_BASIS_CONTRACT);
  c->set_system("accounts-db");
  return e;
}

pdl::v1::PrivacyEvent Shared(std::string_view event_id, std::string_view subject_id, absl::Time occurred_at) {
  auto e = Base(event_id, subject_id, occurred_at);
  auto* s = e.mutable_data_shared();
  s->add_categories("user.contact.email");
  s->mutable_recipient()->set_id("mailer");
  s->mutable_recipient()->set_name("Mailer BV");
  s->mutable_recipient()->set_category("service_provider");
  s->mutable_recipient()->set_country("BE");
  s->add_purposes("essential.service.notifications");
  s->set_legal_basis(pdl::v1::LEGAL_BASIS_CONTRACT);
  return e;
}

pdl::v1::PrivacyEvent Transferred(std::string_view event_id, std::string_view subject_id, absl::Time occurred_at) {
  auto e = Base(event_id, subject_id, occurred_at);
  auto* t = e.mutable_data_transferred();
  t->add_categories("user.device.cookie_id");
  t->mutable_recipient()->set_id("google-analytics");
  t->mutable_recipient()->set_name("Google LLC");
  t->mutable_recipient()->set_category("processor");
  t->mutable_recipient()->set_country("US");
  t->set_destination_country("US");
  t->set_mechanism(pdl::v1::TRANSFER_MECHANISM_SCC);
  t->set_mechanism_ref("GA-DPA-2023");
  return e;
}

pdl::v1::PrivacyEvent Consent(std::string_view event_id, std::string_view subject_id, absl::Time occurred_at) {
  auto e = Base(event_id, subject_id, occurred_at);
  auto* c = e.mutable_consent_given();
  c->set_consent_id("consent-sheets-1");
  c->add_purposes("analytics");
  c->set_scope("google-sheets");
  return e;
}

}  // namespace pdl::testing
