#include "tests/testing/scenario_builder.h"

#include "tests/testing/event_builder.h"

namespace pdl::testing {
namespace {

pdl::v1::PrivacyEvent Base(std::string_view event_id, std::string_view subject_id, absl::Time at) {
  pdl::v1::PrivacyEvent e;
  e.set_event_id(std::string(event_id));
  e.set_source("connect-app");
  SetTime(e.mutable_occurred_at(), at);
  e.mutable_subject()->set_id(std::string(subject_id));
  e.mutable_subject()->set_kind("user");
  return e;
}

template <typename Repeated>
void Fill(Repeated* out, const Strings& values) {
  for (const auto& v : values) out->Add(std::string(v));
}

void FillRecipient(pdl::v1::Recipient* r, std::string_view id, std::string_view category, std::string_view country) {
  r->set_id(std::string(id));
  r->set_name(std::string(id) + " Ltd");
  r->set_category(std::string(category));
  r->set_country(std::string(country));
}

}  // namespace

pdl::v1::PrivacyEvent CollectedInto(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                    std::string_view system, const Strings& categories, const Strings& purposes,
                                    pdl::v1::LegalBasis basis, std::optional<absl::Time> retain_until,
                                    std::string_view retention_rule) {
  auto e = Base(event_id, subject_id, at);
  auto* c = e.mutable_data_collected();
  Fill(c->mutable_categories(), categories);
  Fill(c->mutable_purposes(), purposes);
  c->set_method(pdl::v1::COLLECTION_METHOD_REGISTRATION);
  c->set_legal_basis(basis);
  c->set_system(std::string(system));
  if (retain_until.has_value()) SetTime(c->mutable_retain_until(), *retain_until);
  c->set_retention_rule(std::string(retention_rule));
  return e;
}

pdl::v1::PrivacyEvent UsedFor(std::string_view event_id, std::string_view subject_id, absl::Time at,
                              std::string_view system, const Strings& categories, const Strings& purposes) {
  auto e = Base(event_id, subject_id, at);
  auto* u = e.mutable_data_used();
  Fill(u->mutable_categories(), categories);
  Fill(u->mutable_purposes(), purposes);
  u->set_system(std::string(system));
  return e;
}

pdl::v1::PrivacyEvent DeletedFrom(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                  std::string_view system, const Strings& categories, pdl::v1::DeletionReason reason,
                                  std::string_view request_id, std::string_view notice_id) {
  auto e = Base(event_id, subject_id, at);
  auto* d = e.mutable_data_deleted();
  Fill(d->mutable_categories(), categories);
  d->set_system(std::string(system));
  d->set_reason(reason);
  d->set_request_id(std::string(request_id));
  d->set_notice_id(std::string(notice_id));
  return e;
}

pdl::v1::PrivacyEvent SharedWith(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                 std::string_view recipient_id, std::string_view recipient_category,
                                 std::string_view country, const Strings& categories, const Strings& purposes) {
  auto e = Base(event_id, subject_id, at);
  auto* s = e.mutable_data_shared();
  Fill(s->mutable_categories(), categories);
  Fill(s->mutable_purposes(), purposes);
  FillRecipient(s->mutable_recipient(), recipient_id, recipient_category, country);
  s->set_legal_basis(pdl::v1::LEGAL_BASIS_LEGITIMATE_INTERESTS);
  s->set_agreement_ref("dpa-1");
  return e;
}

pdl::v1::PrivacyEvent TransferredTo(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                    std::string_view recipient_id, std::string_view destination,
                                    pdl::v1::TransferMechanism mechanism, std::string_view mechanism_ref,
                                    const Strings& categories) {
  auto e = Base(event_id, subject_id, at);
  auto* t = e.mutable_data_transferred();
  Fill(t->mutable_categories(), categories);
  FillRecipient(t->mutable_recipient(), recipient_id, "processor", destination);
  t->set_destination_country(std::string(destination));
  t->set_mechanism(mechanism);
  t->set_mechanism_ref(std::string(mechanism_ref));
  return e;
}

pdl::v1::PrivacyEvent ConsentGivenFor(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                      std::string_view consent_id, const Strings& purposes, std::string_view scope) {
  auto e = Base(event_id, subject_id, at);
  auto* c = e.mutable_consent_given();
  c->set_consent_id(std::string(consent_id));
  Fill(c->mutable_purposes(), purposes);
  c->set_scope(std::string(scope));
  return e;
}

pdl::v1::PrivacyEvent ConsentWithdrawnFor(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                          std::string_view consent_id) {
  auto e = Base(event_id, subject_id, at);
  e.mutable_consent_withdrawn()->set_consent_id(std::string(consent_id));
  return e;
}

pdl::v1::PrivacyEvent RequestOpened(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                    std::string_view request_id, pdl::v1::SubjectRight right) {
  auto e = Base(event_id, subject_id, at);
  e.mutable_rights_request_opened()->set_request_id(std::string(request_id));
  e.mutable_rights_request_opened()->set_right(right);
  return e;
}

pdl::v1::PrivacyEvent RequestClosed(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                    std::string_view request_id, pdl::v1::SubjectRight right,
                                    pdl::v1::RequestOutcome outcome) {
  auto e = Base(event_id, subject_id, at);
  auto* c = e.mutable_rights_request_closed();
  c->set_request_id(std::string(request_id));
  c->set_right(right);
  c->set_outcome(outcome);
  return e;
}

InputRecord RecordOf(const pdl::v1::PrivacyEvent& event, uint32_t partition, int64_t offset) {
  InputRecord r;
  r.partition = partition;
  r.offset = offset;
  const int64_t occurred_ms = event.occurred_at().seconds() * 1000 + event.occurred_at().nanos() / 1000000;
  r.timestamp_ms = occurred_ms + 60 * 1000;
  r.key = event.subject().id();
  r.value = event.SerializeAsString();
  r.headers = {{"ce_id", event.event_id()}, {"content-type", "application/protobuf"}};
  return r;
}

uint32_t RecordSequencer::PartitionOf(std::string_view subject_id, int partitions) {
  uint32_t h = 2166136261u;  // FNV-1a: stable across runs and platforms.
  for (unsigned char c : subject_id) h = (h ^ c) * 16777619u;
  return h % static_cast<uint32_t>(partitions);
}

InputRecord RecordSequencer::Next(const pdl::v1::PrivacyEvent& event) {
  const uint32_t p = PartitionOf(event.subject().id(), static_cast<int>(next_.size()));
  return RecordOf(event, p, next_[p]++);
}

}  // namespace pdl::testing
