#include "projections/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace pdl::keys {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr uint32_t kU32Max = std::numeric_limits<uint32_t>::max();

template <typename T, typename AppendFn>
std::string Encode(AppendFn append, T v) {
  std::string out;
  append(&out, v);
  return out;
}

// --- fixed encodings ----------------------------------------------------------------------------------------------

TEST(KeysTest, UnsignedIntegersAreBigEndian) {
  EXPECT_EQ(Encode(AppendU32, uint32_t{0x01020304}), "\x01\x02\x03\x04"s);
  EXPECT_EQ(Encode(AppendU32, uint32_t{0}), "\0\0\0\0"s);
  EXPECT_EQ(Encode(AppendU32, kU32Max), "\xff\xff\xff\xff"s);
  EXPECT_EQ(Encode(AppendU64, uint64_t{0x0102030405060708}), "\x01\x02\x03\x04\x05\x06\x07\x08"s);
  EXPECT_EQ(Encode(AppendU64, kU64Max), std::string(8, '\xff'));
}

TEST(KeysTest, SignedIntegersAreBigEndianWithTheSignBitFlipped) {
  EXPECT_EQ(Encode(AppendI64, kI64Min), std::string(8, '\0'));
  EXPECT_EQ(Encode(AppendI64, int64_t{-1}), "\x7f"s + std::string(7, '\xff'));
  EXPECT_EQ(Encode(AppendI64, int64_t{0}), "\x80"s + std::string(7, '\0'));
  EXPECT_EQ(Encode(AppendI64, int64_t{1}), "\x80\0\0\0\0\0\0\x01"s);
  EXPECT_EQ(Encode(AppendI64, kI64Max), std::string(8, '\xff'));
}

TEST(KeysTest, StringsEscapeZeroAndEndWithTerminator) {
  struct Case {
    std::string in;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"", "\0\x01"s},          {"abc", "abc\0\x01"s},
      {"\0"s, "\0\xff\0\x01"s}, {"a\0b"s, "a\0\xff"s + "b\0\x01"s},
      {"\xff"s, "\xff\0\x01"s}, {"\0\0"s, "\0\xff\0\xff\0\x01"s},
      {"\x01"s, "\x01\0\x01"s},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.in));
    EXPECT_EQ(Encode(AppendString, std::string_view(c.in)), c.want);
  }
}

// --- round trips ------------------------------------------------------------------------------------------------

TEST(KeysTest, IntegersRoundTripAndConsumeExactlyTheirWidth) {
  for (uint32_t v : {uint32_t{0}, uint32_t{1}, uint32_t{255}, uint32_t{256}, uint32_t{0x80000000}, kU32Max}) {
    std::string bytes = Encode(AppendU32, v) + "tail";
    std::string_view in = bytes;
    uint32_t out = 0;
    ASSERT_TRUE(ConsumeU32(&in, &out)) << v;
    EXPECT_EQ(out, v);
    EXPECT_EQ(in, "tail");
  }
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 32, uint64_t{1} << 63, kU64Max}) {
    std::string bytes = Encode(AppendU64, v) + "tail";
    std::string_view in = bytes;
    uint64_t out = 0;
    ASSERT_TRUE(ConsumeU64(&in, &out)) << v;
    EXPECT_EQ(out, v);
    EXPECT_EQ(in, "tail");
  }
  for (int64_t v : {kI64Min, kI64Min + 1, int64_t{-1}, int64_t{0}, int64_t{1}, kI64Max - 1, kI64Max}) {
    std::string bytes = Encode(AppendI64, v) + "tail";
    std::string_view in = bytes;
    int64_t out = 0;
    ASSERT_TRUE(ConsumeI64(&in, &out)) << v;
    EXPECT_EQ(out, v);
    EXPECT_EQ(in, "tail");
  }
}

TEST(KeysTest, StringsRoundTripAndLeaveTheRest) {
  const std::vector<std::string> cases = {"",
                                          "a",
                                          "\0"s,
                                          "\0\0\0"s,
                                          "\xff"s,
                                          "\xff\0"s,
                                          "\0\xff"s,
                                          "\0\x01"s,
                                          "a\0\x01b"s,
                                          "\x01"s,
                                          "user.contact.email",
                                          "ümlaut",
                                          std::string(1000, '\0')};
  for (const std::string& s : cases) {
    SCOPED_TRACE(::testing::PrintToString(s));
    std::string bytes;
    AppendString(&bytes, s);
    AppendU32(&bytes, 7);
    std::string_view in = bytes;
    std::string out = "sentinel";
    ASSERT_TRUE(ConsumeString(&in, &out));
    EXPECT_EQ(out, s);
    uint32_t next = 0;
    ASSERT_TRUE(ConsumeU32(&in, &next));
    EXPECT_EQ(next, 7u);
    EXPECT_TRUE(in.empty());
  }
}

// --- malformed input -------------------------------------------------------------------------------------------

TEST(KeysTest, MalformedInputIsRejectedAndNothingIsConsumed) {
  enum Kind { kU32, kU64, kI64, kString };
  struct Case {
    std::string name;
    Kind kind;
    std::string bytes;
  };
  const std::vector<Case> cases = {
      {"u32 empty", kU32, ""},
      {"u32 three bytes", kU32, "\x01\x02\x03"},
      {"u64 seven bytes", kU64, std::string(7, '\x01')},
      {"i64 empty", kI64, ""},
      {"i64 four bytes", kI64, std::string(4, '\x80')},
      {"string empty", kString, ""},
      {"string without terminator", kString, "abc"},
      {"string ends after escape byte", kString, "abc\0"s},
      {"string with escape then bad byte", kString, "a\0\x02"s + "\0\x01"s},
      {"string with escape then zero", kString, "\0\0\0\x01"s},
      {"string with escaped zero but no terminator", kString, "\0\xff"s},
      {"lone terminator byte", kString, "\x01"s},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string_view in = c.bytes;
    bool ok = true;
    switch (c.kind) {
      case kU32: {
        uint32_t v = 42;
        ok = ConsumeU32(&in, &v);
        EXPECT_EQ(v, 42u);
        break;
      }
      case kU64: {
        uint64_t v = 42;
        ok = ConsumeU64(&in, &v);
        EXPECT_EQ(v, 42u);
        break;
      }
      case kI64: {
        int64_t v = 42;
        ok = ConsumeI64(&in, &v);
        EXPECT_EQ(v, 42);
        break;
      }
      case kString: {
        std::string v = "sentinel";
        ok = ConsumeString(&in, &v);
        EXPECT_EQ(v, "sentinel");
        break;
      }
    }
    EXPECT_FALSE(ok);
    EXPECT_EQ(in, c.bytes);
  }
}

// --- ordering ---------------------------------------------------------------------------------------------------

// Random values biased towards the edges, where ordering bugs live.
class Generator {
 public:
  uint32_t U32() { return Pick<uint32_t>({0, 1, 0x7fffffff, 0x80000000, kU32Max - 1, kU32Max}); }
  uint64_t U64() { return Pick<uint64_t>({0, 1, 0xff, 0x100, uint64_t{1} << 63, kU64Max - 1, kU64Max}); }
  int64_t I64() { return Pick<int64_t>({kI64Min, kI64Min + 1, -256, -1, 0, 1, 255, kI64Max - 1, kI64Max}); }
  // Short strings over bytes that stress the escaping: equal strings, prefixes, 0x00, 0x01 and 0xFF are common.
  std::string String() {
    static constexpr char kAlphabet[] = {'\0', '\x01', '\x02', 'a', '\xfe', '\xff'};
    std::string s(std::uniform_int_distribution<int>(0, 4)(rng_), '\0');
    for (char& c : s) c = kAlphabet[std::uniform_int_distribution<size_t>(0, sizeof(kAlphabet) - 1)(rng_)];
    return s;
  }

 private:
  template <typename T>
  T Pick(std::initializer_list<T> edges) {
    if (std::uniform_int_distribution<int>(0, 1)(rng_) == 0) {
      return *(edges.begin() + std::uniform_int_distribution<size_t>(0, edges.size() - 1)(rng_));
    }
    return std::uniform_int_distribution<T>(std::numeric_limits<T>::min(), std::numeric_limits<T>::max())(rng_);
  }

  std::mt19937_64 rng_{20230508};
};

// For every pair: a < b exactly when encode(a) < encode(b), and a == b exactly when the encodings are equal.
template <typename T, typename MakeFn, typename EncodeFn>
void ExpectOrderPreserved(MakeFn make, EncodeFn encode) {
  constexpr int kValues = 300;
  std::vector<T> values;
  for (int i = 0; i < kValues; ++i) values.push_back(make());
  for (const T& a : values) {
    const std::string ea = encode(a);
    for (const T& b : values) {
      const std::string eb = encode(b);
      ASSERT_EQ(a < b, ea < eb) << ::testing::PrintToString(a) << " vs " << ::testing::PrintToString(b);
      ASSERT_EQ(a == b, ea == eb) << ::testing::PrintToString(a) << " vs " << ::testing::PrintToString(b);
    }
  }
}

TEST(KeysOrderTest, U32) {
  Generator gen;
  ExpectOrderPreserved<uint32_t>([&] { return gen.U32(); }, [](uint32_t v) { return Encode(AppendU32, v); });
}

TEST(KeysOrderTest, U64) {
  Generator gen;
  ExpectOrderPreserved<uint64_t>([&] { return gen.U64(); }, [](uint64_t v) { return Encode(AppendU64, v); });
}

TEST(KeysOrderTest, I64) {
  Generator gen;
  ExpectOrderPreserved<int64_t>([&] { return gen.I64(); }, [](int64_t v) { return Encode(AppendI64, v); });
}

TEST(KeysOrderTest, Strings) {
  Generator gen;
  ExpectOrderPreserved<std::string>([&] { return gen.String(); },
                                    [](const std::string& s) { return Encode(AppendString, std::string_view(s)); });
}

TEST(KeysOrderTest, SortingEncodedTuplesEqualsSortingTuples) {
  using Tuple = std::tuple<std::string, int64_t, uint32_t, std::string, uint64_t>;
  Generator gen;
  std::vector<Tuple> tuples;
  std::vector<std::string> encoded;
  for (int i = 0; i < 2000; ++i) {
    Tuple t{gen.String(), gen.I64(), gen.U32(), gen.String(), gen.U64()};
    std::string key;
    AppendString(&key, std::get<0>(t));
    AppendI64(&key, std::get<1>(t));
    AppendU32(&key, std::get<2>(t));
    AppendString(&key, std::get<3>(t));
    AppendU64(&key, std::get<4>(t));
    tuples.push_back(std::move(t));
    encoded.push_back(std::move(key));
  }
  std::sort(tuples.begin(), tuples.end());
  std::sort(encoded.begin(), encoded.end());

  std::vector<Tuple> decoded;
  for (const std::string& key : encoded) {
    std::string_view in = key;
    Tuple t;
    ASSERT_TRUE(ConsumeString(&in, &std::get<0>(t)));
    ASSERT_TRUE(ConsumeI64(&in, &std::get<1>(t)));
    ASSERT_TRUE(ConsumeU32(&in, &std::get<2>(t)));
    ASSERT_TRUE(ConsumeString(&in, &std::get<3>(t)));
    ASSERT_TRUE(ConsumeU64(&in, &std::get<4>(t)));
    ASSERT_TRUE(in.empty());
    decoded.push_back(std::move(t));
  }
  EXPECT_EQ(decoded, tuples);
}

TEST(KeysOrderTest, AStringEncodingIsNeverAPrefixOfAnother) {
  Generator gen;
  for (int i = 0; i < 3000; ++i) {
    const std::string a = gen.String();
    const std::string b = gen.String();
    if (a == b) continue;
    const std::string ea = Encode(AppendString, std::string_view(a));
    const std::string eb = Encode(AppendString, std::string_view(b));
    ASSERT_FALSE(eb.starts_with(ea)) << ::testing::PrintToString(a) << " / " << ::testing::PrintToString(b);
  }
}

// --- key builders ----------------------------------------------------------------------------------------------

TEST(KeyBuildersTest, FixedLayouts) {
  EXPECT_EQ(LogKey(1, 2), "\0\0\0\x01\0\0\0\0\0\0\0\x02"s);
  EXPECT_EQ(PartitionKey(7), "\0\0\0\x07"s);
  EXPECT_EQ(EventIdKey("e\0x"s), "e\0\xffx\0\x01"s);
  EXPECT_EQ(TimelinePrefix("s1"), "s1\0\x01"s);
  EXPECT_EQ(TimelineKey("s1", -1, 3, 4),
            "s1\0\x01"s + "\x7f\xff\xff\xff\xff\xff\xff\xff"s + "\0\0\0\x03"s + "\0\0\0\0\0\0\0\x04"s);
}

TEST(KeyBuildersTest, LogKeysSortByPartitionThenSeq) {
  EXPECT_LT(LogKey(0, kU64Max), LogKey(1, 0));
  EXPECT_LT(LogKey(1, 255), LogKey(1, 256));
  EXPECT_LT(PartitionKey(255), PartitionKey(256));
}

TEST(KeyBuildersTest, TimelineKeysDecodeAndSortByTimeWithinASubject) {
  const std::string key = TimelineKey("acct-42", -5, 2, 9);
  std::string_view in = key;
  std::string subject;
  int64_t micros = 0;
  uint32_t partition = 0;
  uint64_t seq = 0;
  ASSERT_TRUE(ConsumeString(&in, &subject));
  ASSERT_TRUE(ConsumeI64(&in, &micros));
  ASSERT_TRUE(ConsumeU32(&in, &partition));
  ASSERT_TRUE(ConsumeU64(&in, &seq));
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(subject, "acct-42");
  EXPECT_EQ(micros, -5);
  EXPECT_EQ(partition, 2u);
  EXPECT_EQ(seq, 9u);

  EXPECT_LT(TimelineKey("acct-42", -1, 9, 9), TimelineKey("acct-42", 0, 0, 0));
  EXPECT_LT(TimelineKey("acct-42", kI64Max, 9, 9), TimelineKey("acct-420", kI64Min, 0, 0));
}

TEST(KeyBuildersTest, TimelinePrefixMatchesOnlyItsOwnSubject) {
  const std::string prefix = TimelinePrefix("acct-4");
  const std::string end = PrefixSuccessor(prefix);
  for (int64_t micros : {kI64Min, int64_t{0}, kI64Max}) {
    const std::string own = TimelineKey("acct-4", micros, kU32Max, kU64Max);
    EXPECT_TRUE(own.starts_with(prefix));
    EXPECT_LT(own, end);
    for (std::string_view other : {"acct-42"sv, "acct-4\0"sv, "acct-"sv, "acct-5"sv, "acct-4\xff"sv}) {
      const std::string theirs = TimelineKey(other, micros, 0, 0);
      EXPECT_FALSE(theirs.starts_with(prefix)) << ::testing::PrintToString(std::string(other));
      EXPECT_TRUE(theirs < prefix || theirs >= end) << ::testing::PrintToString(std::string(other));
    }
  }
}

// --- PrefixSuccessor -------------------------------------------------------------------------------------------

TEST(PrefixSuccessorTest, Cases) {
  struct Case {
    std::string prefix;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"", ""},
      {"a", "b"},
      {"\0"s, "\x01"s},
      {"a\xfe"s, "a\xff"s},
      {"a\xff"s, "b"},
      {"ab\xff\xff"s, "ac"},
      {"\xff"s, ""},
      {"\xff\xff\xff"s, ""},
      {"\x01\xff"s, "\x02"s},
      {"\xfe\xff"s, "\xff"s},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.prefix));
    EXPECT_EQ(PrefixSuccessor(c.prefix), c.want);
  }
}

TEST(PrefixSuccessorTest, BoundsEveryExtensionOfThePrefix) {
  Generator gen;
  for (int i = 0; i < 2000; ++i) {
    const std::string prefix = gen.String();
    const std::string successor = PrefixSuccessor(prefix);
    const std::string inside = prefix + gen.String();
    const std::string other = gen.String() + gen.String();
    SCOPED_TRACE(::testing::PrintToString(prefix));
    if (successor.empty()) {
      ASSERT_EQ(prefix.find_first_not_of('\xff'), std::string::npos);
      continue;
    }
    ASSERT_LT(inside, successor);
    ASSERT_GT(successor, prefix);
    // Nothing lies strictly between the prefix range and the successor.
    ASSERT_EQ(other.starts_with(prefix), other >= prefix && other < successor) << ::testing::PrintToString(other);
  }
}

}  // namespace
}  // namespace pdl::keys
