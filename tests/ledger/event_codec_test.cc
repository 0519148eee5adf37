// Timestamps between absl::Time and google.protobuf.Timestamp: exact over the whole range a Timestamp allows.

#include "ledger/event_codec.h"

#include "gtest/gtest.h"
#include "ledger/event_validator.h"

namespace pdl {
namespace {

google::protobuf::Timestamp Ts(absl::Time t) {
  google::protobuf::Timestamp ts;
  SetTimestamp(&ts, t);
  return ts;
}

TEST(EventCodecTest, SetTimestampIsExactFromYear1To9999) {
  const absl::Time last = absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59), absl::UTCTimeZone()) +
                          absl::Milliseconds(500);
  google::protobuf::Timestamp ts = Ts(last);
  EXPECT_EQ(ts.seconds(), 253402300799);
  EXPECT_EQ(ts.nanos(), 500000000);
  EXPECT_EQ(ToTime(ts), last);
  EXPECT_TRUE(CheckTimestamp("t", ts).ok());

  const absl::Time first = absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  ts = Ts(first);
  EXPECT_EQ(ts.seconds(), -62135596800);
  EXPECT_EQ(ts.nanos(), 0);
  EXPECT_EQ(ToTime(ts), first);

  // Before the epoch the nanoseconds still count forward from the second below.
  ts = Ts(absl::UnixEpoch() - absl::Milliseconds(750));
  EXPECT_EQ(ts.seconds(), -1);
  EXPECT_EQ(ts.nanos(), 250000000);
}

TEST(EventCodecTest, CheckTimestampNamesTheFieldOutsideTheRange) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(253402300800);  // 10000-01-01.
  absl::Status s = CheckTimestamp("as_of", ts);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("as_of"), std::string_view::npos) << s;
  ts.set_seconds(0);
  ts.set_nanos(1000000000);
  EXPECT_EQ(CheckTimestamp("as_of", ts).code(), absl::StatusCode::kInvalidArgument);
}

TEST(EventCodecTest, IsUtf8AcceptsWellFormedTextOnly) {
  EXPECT_TRUE(IsUtf8(""));
  EXPECT_TRUE(IsUtf8("demo-alice"));
  EXPECT_TRUE(IsUtf8("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"));  // é, 日本, an emoji
  EXPECT_TRUE(IsUtf8("\xF4\x8F\xBF\xBF"));                                         // U+10FFFF
  EXPECT_FALSE(IsUtf8("\xFF\xFE"));
  EXPECT_FALSE(IsUtf8("a\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsUtf8("\xE0\x80\xAF"));      // overlong, three bytes
  EXPECT_FALSE(IsUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(IsUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsUtf8("\xE2\x82"));          // cut short
  EXPECT_FALSE(IsUtf8("\xC3"));
}

}  // namespace
}  // namespace pdl
