#include "projections/page_token.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "ledger/field_error.h"

namespace pdl {
namespace {

using namespace std::string_literals;

constexpr uint64_t kFingerprint = 0x0123456789abcdef;

::testing::AssertionResult IsPageTokenError(const absl::Status& status, std::string_view reason) {
  if (status.code() != absl::StatusCode::kInvalidArgument || ErrorField(status) != "page_token" ||
      ErrorReason(status) != reason) {
    return ::testing::AssertionFailure() << "got " << status << " (field '" << ErrorField(status)
                                         << "'), want INVALID_ARGUMENT page_token: " << reason;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsMalformed(const absl::Status& status) {
  return IsPageTokenError(status, "malformed page token");
}

// An independent builder of raw tokens, following the layout documented in page_token.h.
std::string RawToken(char version, uint64_t fingerprint, std::string_view resume_after) {
  std::string raw(1, version);
  for (int shift = 56; shift >= 0; shift -= 8) raw.push_back(static_cast<char>(fingerprint >> shift));
  raw.append(resume_after);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(raw.data()), raw.size(), digest);
  raw.append(reinterpret_cast<const char*>(digest), 8);
  return raw;
}

std::string Base64Url(std::string_view raw) { return absl::WebSafeBase64Escape(std::string(raw)); }

std::string RawOf(std::string_view token) {
  std::string raw;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(std::string(token), &raw));
  return raw;
}

TEST(PageTokenTest, RoundTrips) {
  struct Case {
    std::string name;
    uint64_t fingerprint;
    std::string resume_after;
  };
  const std::vector<Case> cases = {
      {"empty key", kFingerprint, ""},
      {"text key", kFingerprint, "acct-42"},
      {"binary key", 0, "\0\xff\0\x01\x7f"s},
      {"max fingerprint", std::numeric_limits<uint64_t>::max(), "k"},
      {"long key", 1, std::string(6000, '\xab')},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string token = EncodePageToken({c.fingerprint, c.resume_after});
    ASSERT_FALSE(token.empty());
    ASSERT_LE(token.size(), kMaxPageTokenChars);
    absl::StatusOr<PageCursor> cursor = DecodePageToken(token, c.fingerprint);
    ASSERT_TRUE(cursor.ok()) << cursor.status();
    EXPECT_EQ(cursor->request_fingerprint, c.fingerprint);
    EXPECT_EQ(cursor->resume_after, c.resume_after);
  }
}

TEST(PageTokenTest, TokenIsUnpaddedBase64UrlOfTheDocumentedLayout) {
  const std::string token = EncodePageToken({kFingerprint, "\xfb\xff\xfe resume"s});
  EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos)
      << token;
  EXPECT_EQ(token, Base64Url(RawToken('\x03', kFingerprint, "\xfb\xff\xfe resume"s)));
}

TEST(PageTokenTest, TokensAreDeterministic) {
  EXPECT_EQ(EncodePageToken({kFingerprint, "k"}), EncodePageToken({kFingerprint, "k"}));
  EXPECT_NE(EncodePageToken({kFingerprint, "k"}), EncodePageToken({kFingerprint, "l"}));
  EXPECT_NE(EncodePageToken({kFingerprint, "k"}), EncodePageToken({kFingerprint + 1, "k"}));
}

TEST(PageTokenTest, TokenOfAnotherRequestIsRejected) {
  const std::string token = EncodePageToken({kFingerprint, "acct-42"});
  for (uint64_t other : {uint64_t{0}, kFingerprint + 1, kFingerprint ^ (uint64_t{1} << 63)}) {
    SCOPED_TRACE(other);
    EXPECT_TRUE(
        IsPageTokenError(DecodePageToken(token, other).status(), "page token was issued for a different request"));
  }
}

TEST(PageTokenTest, MalformedTokensAreRejected) {
  const std::string good = EncodePageToken({kFingerprint, "acct-42"});
  std::string standard_alphabet = EncodePageToken({kFingerprint, "\xfb\xff\xfe"s});
  ASSERT_NE(standard_alphabet.find_first_of("-_"), std::string::npos) << standard_alphabet;
  for (char& c : standard_alphabet) c = c == '-' ? '+' : c == '_' ? '/' : c;

  struct Case {
    std::string name;
    std::string token;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"not base64", "!!!!"},
      {"single character", "A"},
      {"padding added", good + "="},
      {"standard alphabet", standard_alphabet},
      {"whitespace inside", good.substr(0, 4) + " " + good.substr(4)},
      {"newline at end", good + "\n"},
      {"last character dropped", good.substr(0, good.size() - 1)},
      {"last four characters dropped", good.substr(0, good.size() - 4)},
      {"character appended", good + "A"},
      {"empty after decoding", Base64Url("")},
      {"shorter than header and checksum", Base64Url(RawToken('\x03', kFingerprint, "").substr(0, 16))},
      {"checksum zeroed", Base64Url(RawOf(good).substr(0, RawOf(good).size() - 8) + std::string(8, '\0'))},
      {"unknown version", Base64Url(RawToken('\x04', kFingerprint, "acct-42"))},
      {"version zero", Base64Url(RawToken('\x00', kFingerprint, "acct-42"))},
      {"longer than the limit", Base64Url(RawToken('\x03', kFingerprint, std::string(7000, 'k')))},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(IsMalformed(DecodePageToken(c.token, kFingerprint).status()));
  }
}

TEST(PageTokenTest, TokenOfAnEarlierVersionIsRefusedWithItsOwnReason) {
  // The resume keys of version 0x01 named rows; those of 0x02 may name an item inside a row, and the findings over
  // time were one row per finding; since 0x03 they are one row per event. An intact token of an earlier version
  // is not read as a position of the current layout.
  for (char version : {'\x01', '\x02'}) {
    SCOPED_TRACE(static_cast<int>(version));
    const std::string earlier = Base64Url(RawToken(version, kFingerprint, "acct-42"));
    EXPECT_TRUE(IsPageTokenError(DecodePageToken(earlier, kFingerprint).status(), kEarlierPageTokenReason));
    EXPECT_TRUE(IsPageTokenError(DecodePageToken(earlier, kFingerprint + 1).status(), kEarlierPageTokenReason));
  }
  EXPECT_TRUE(DecodePageToken(Base64Url(RawToken('\x03', kFingerprint, "acct-42")), kFingerprint).ok());
}

TEST(PageTokenTest, EveryFlippedBitIsRejected) {
  const std::string raw = RawOf(EncodePageToken({kFingerprint, "acct-42\0x"s}));
  for (size_t bit = 0; bit < raw.size() * 8; ++bit) {
    SCOPED_TRACE(bit);
    std::string tampered = raw;
    tampered[bit / 8] = static_cast<char>(tampered[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_TRUE(IsMalformed(DecodePageToken(Base64Url(tampered), kFingerprint).status()));
  }
}

TEST(PageTokenTest, EveryChangedCharacterIsRejected) {
  const std::string token = EncodePageToken({kFingerprint, "acct-42"});
  for (size_t i = 0; i < token.size(); ++i) {
    for (char replacement : {'A', 'B', 'w', '-', '_', '0'}) {
      if (token[i] == replacement) continue;
      SCOPED_TRACE(::testing::Message() << "position " << i << " -> " << replacement);
      std::string tampered = token;
      tampered[i] = replacement;
      EXPECT_TRUE(IsMalformed(DecodePageToken(tampered, kFingerprint).status()));
    }
  }
}

TEST(PageTokenTest, NonCanonicalTrailingBitsAreRejected) {
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // 1 + 8 + 8 + 8 = 25 raw bytes: the last character carries 2 data bits and 4 bits that must be zero.
  const std::string token = EncodePageToken({kFingerprint, "acct-420"});
  ASSERT_EQ(token.size(), 34u);
  std::string tampered = token;
  tampered.back() = kAlphabet[kAlphabet.find(token.back()) ^ 1];
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(tampered, &raw));
  ASSERT_EQ(raw, RawOf(token));
  EXPECT_TRUE(IsMalformed(DecodePageToken(tampered, kFingerprint).status()));
}

TEST(RequestFingerprintTest, IsTheFirstEightBytesOfSha256) {
  // FIPS 180-2 test vectors: SHA-256("") = e3b0c442 98fc1c14..., SHA-256("abc") = ba7816bf 8f01cfea...
  EXPECT_EQ(RequestFingerprint(""), uint64_t{0xe3b0c44298fc1c14});
  EXPECT_EQ(RequestFingerprint("abc"), uint64_t{0xba7816bf8f01cfea});
}

TEST(RequestFingerprintTest, DistinguishesParameters) {
  EXPECT_EQ(RequestFingerprint("country=US"), RequestFingerprint("country=US"));
  EXPECT_NE(RequestFingerprint("country=US"), RequestFingerprint("country=DE"));
  EXPECT_NE(RequestFingerprint("a"), RequestFingerprint("a\0"s));
}

}  // namespace
}  // namespace pdl
