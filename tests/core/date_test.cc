#include "sim/core/date.h"

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

TEST(DateTest, KnownDayNumbers) {
  EXPECT_EQ(*ParseIsoDate("1970-01-01"), 0);
  EXPECT_EQ(*ParseIsoDate("2000-03-01"), 11017);
  EXPECT_EQ(*ParseIsoDate("2025-01-01"), 20089);
  EXPECT_EQ(*ParseIsoDate("1969-12-31"), -1);
  EXPECT_EQ(FormatIsoDate(20089), "2025-01-01");
}

TEST(DateTest, RejectsInvalidDates) {
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-4-01",
                          "26-04-01", "2026/04/01", "2026-04-01x", "", "0000-01-01", "abcd-ef-gh",
                          "2026-+1-01", "+026-01-01", "2026-01- 1"}) {
    EXPECT_FALSE(ParseIsoDate(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseIsoDate("2028-02-29").ok());   // leap year
  EXPECT_FALSE(ParseIsoDate("2100-02-29").ok());  // century, not leap
  EXPECT_TRUE(ParseIsoDate("2000-02-29").ok());   // 400-year leap
}

TEST(DateTest, RoundTripsEveryDayOverTwoCenturies) {
  const int64_t start = *ParseIsoDate("1950-01-01");
  const int64_t end = *ParseIsoDate("2150-12-31");
  std::string prev = FormatIsoDate(start - 1);
  for (int64_t z = start; z <= end; ++z) {
    const std::string s = FormatIsoDate(z);
    auto back = ParseIsoDate(s);
    ASSERT_TRUE(back.ok()) << s;
    ASSERT_EQ(*back, z) << s;
    ASSERT_LT(prev, s);  // ISO dates sort as strings
    prev = s;
  }
}

TEST(DateTest, SecondsBetweenIsExact) {
  EXPECT_EQ(*SecondsBetween("2025-01-01", "2026-01-01"), 365.0 * 86400.0);
  EXPECT_EQ(*SecondsBetween("2028-01-01", "2029-01-01"), 366.0 * 86400.0);  // leap year
  EXPECT_EQ(*SecondsBetween("2026-01-01", "2025-01-01"), -365.0 * 86400.0);
  EXPECT_EQ(*SecondsBetween("2025-01-01", "2030-12-31"), 2190.0 * 86400.0);
  EXPECT_FALSE(SecondsBetween("2025-01-01", "2025-02-30").ok());
  EXPECT_FALSE(SecondsBetween("bad", "2025-01-01").ok());
}

}  // namespace
}  // namespace fleetsim
