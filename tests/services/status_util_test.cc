// ToGrpc: codes map one to one, and a message quoting a long value is cut to fit a header, on a character boundary.

#include "services/grpc/status_util.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/strings/str_cat.h"
#include "ledger/field_error.h"

namespace pdl {
namespace {

using ::testing::EndsWith;
using ::testing::StartsWith;

TEST(StatusUtilTest, ShortMessagesPassUnchanged) {
  const grpc::Status s = ToGrpc(absl::NotFoundError("version '2099' was never published"), nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "version '2099' was never published");
  EXPECT_TRUE(ToGrpc(absl::OkStatus(), nullptr).ok());
}

TEST(StatusUtilTest, ALongQuotedValueIsCutAndSaysHowLongTheMessageWas) {
  const absl::Status status =
      InvalidField("destination", absl::StrCat("'", std::string(10000, 'x'), "' is not an ISO code"));
  const grpc::Status s = ToGrpc(status, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LE(s.error_message().size(), kMaxStatusMessageBytes + 40);
  EXPECT_THAT(s.error_message(), StartsWith(std::string(status.message()).substr(0, 100)));
  EXPECT_THAT(s.error_message(), EndsWith(absl::StrCat("(", status.message().size(), " bytes in all)")));
}

TEST(StatusUtilTest, TheCutNeverSplitsAUtf8Character) {
  std::string value;
  for (int i = 0; i < 1000; ++i) value += "\xC3\xA9";  // é, two bytes each
  const grpc::Status s = ToGrpc(absl::InvalidArgumentError("x" + value), nullptr);
  const std::string kept = s.error_message().substr(0, s.error_message().find("\xE2\x80\xA6"));  // before the "…"
  ASSERT_LE(kept.size(), kMaxStatusMessageBytes);
  EXPECT_EQ(kept.size() % 2, 1u) << "the leading 'x' and whole two-byte characters";
}

}  // namespace
}  // namespace pdl
