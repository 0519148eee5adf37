#ifndef PDL_TESTS_TESTING_SCENARIO_BUILDER_H_
#define PDL_TESTS_TESTING_SCENARIO_BUILDER_H_

// Builders of valid events of every action, with the fields the read-model tests vary, and of the Kafka records
// that carry them. Each event passes ValidateEvent on the Kafka path at its record's timestamp (occurred_at + 1
// minute). Subjects are of kind "user" unless changed.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "pdl/v1/event.pb.h"
#include "projections/applier.h"

namespace pdl::testing {

using Strings = std::vector<std::string>;

pdl::v1::PrivacyEvent CollectedInto(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                    std::string_view system, const Strings& categories, const Strings& purposes,
                                    pdl::v1::LegalBasis basis = pdl::v1::LEGAL_BASIS_CONTRACT,
                                    std::optional<absl::Time> retain_until = std::nullopt,
                                    std::string_view retention_rule = "");
pdl::v1::PrivacyEvent UsedFor(std::string_view event_id, std::string_view subject_id, absl::Time at,
                              std::string_view system, const Strings& categories, const Strings& purposes);
pdl::v1::PrivacyEvent DeletedFrom(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                  std::string_view system, const Strings& categories,
                                  pdl::v1::DeletionReason reason = pdl::v1::DELETION_REASON_RETENTION_EXPIRED,
                                  std::string_view request_id = "", std::string_view notice_id = "");
pdl::v1::PrivacyEvent SharedWith(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                 std::string_view recipient_id, std::string_view recipient_category,
                                 std::string_view country, const Strings& categories, const Strings& purposes);
pdl::v1::PrivacyEvent TransferredTo(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                    std::string_view recipient_id, std::string_view destination,
                                    pdl::v1::TransferMechanism mechanism, std::string_view mechanism_ref,
                                    const Strings& categories = {"user.device.cookie_id"});
pdl::v1::PrivacyEvent ConsentGivenFor(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                      std::string_view consent_id, const Strings& purposes, std::string_view scope);
pdl::v1::PrivacyEvent ConsentWithdrawnFor(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                          std::string_view consent_id);
pdl::v1::PrivacyEvent RequestOpened(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                    std::string_view request_id, pdl::v1::SubjectRight right);
pdl::v1::PrivacyEvent RequestClosed(std::string_view event_id, std::string_view subject_id, absl::Time at,
                                    std::string_view request_id, pdl::v1::SubjectRight right,
                                    pdl::v1::RequestOutcome outcome);

// The Kafka record of `event` at (partition, offset), timestamped occurred_at + 1 minute, with the CloudEvents id
// and content type.
InputRecord RecordOf(const pdl::v1::PrivacyEvent& event, uint32_t partition, int64_t offset);

// Assigns partitions (a stable hash of the subject id modulo `partitions`) and dense offsets per partition, in the
// given order, continuing from the offsets already handed out by this sequencer.
class RecordSequencer {
 public:
  explicit RecordSequencer(int partitions) : next_(partitions, 0) {}
  InputRecord Next(const pdl::v1::PrivacyEvent& event);
  static uint32_t PartitionOf(std::string_view subject_id, int partitions);

 private:
  std::vector<int64_t> next_;
};

}  // namespace pdl::testing

#endif  // PDL_TESTS_TESTING_SCENARIO_BUILDER_H_
