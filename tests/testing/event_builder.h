#ifndef PDL_TESTS_TESTING_EVENT_BUILDER_H_
#define PDL_TESTS_TESTING_EVENT_BUILDER_H_

// Builders of valid privacy events for tests. Each returns an event that passes ValidateEvent on the Kafka path
// at `occurred_at`; tests then break exactly the field they are about.

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "pdl/v1/event.pb.h"

namespace pdl::testing {

// A DataCollected at registration: user.contact.email + user.name, purpose essential.service, contract.
pdl::v1::PrivacyEvent Collected(std::string_view event_id, std::string_view subject_id,
                                absl::Time occurred_at = absl::FromUnixSeconds(1700000000));
// A DataShared with a service provider in BE.
pdl::v1::PrivacyEvent Shared(std::string_view event_id, std::string_view subject_id,
                             absl::Time occurred_at = absl::FromUnixSeconds(1700000000));
// A DataTransferred to the US under SCCs.
pdl::v1::PrivacyEvent Transferred(std::string_view event_id, std::string_view subject_id,
                                  absl::Time occurred_at = absl::FromUnixSeconds(1700000000));
// A ConsentGiven for analytics, scope google-sheets.
pdl::v1::PrivacyEvent Consent(std::string_view event_id, std::string_view subject_id,
                              absl::Time occurred_at = absl::FromUnixSeconds(1700000000));

void SetTime(google::protobuf::Timestamp* ts, absl::Time t);

}  // namespace pdl::testing

#endif  // PDL_TESTS_TESTING_EVENT_BUILDER_H_
