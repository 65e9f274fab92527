#include "sim/core/date.h"

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

TEST(DateTest, ParsesAndFormats) {
  auto d = ParseIsoDate("2026-02-28");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, (CivilDate{2026, 2, 28}));
  EXPECT_EQ(FormatIsoDate(*d), "2026-02-28");
}

TEST(DateTest, RejectsInvalidDates) {
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-4-01",
                          "26-04-01", "2026/04/01", "2026-04-01x", "", "0000-01-01",
                          "abcd-ef-gh"}) {
    auto d = ParseIsoDate(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_NE(std::string(d.status().message()).find("invalid date"), std::string::npos);
    }
  }
  EXPECT_TRUE(ParseIsoDate("2028-02-29").ok());   // leap year
  EXPECT_FALSE(ParseIsoDate("2100-02-29").ok());  // century, not leap
  EXPECT_TRUE(ParseIsoDate("2000-02-29").ok());   // 400-year leap
}

TEST(DateTest, KnownDayNumbers) {
  EXPECT_EQ(DaysFromCivil({1970, 1, 1}), 0);
  EXPECT_EQ(DaysFromCivil({2000, 3, 1}), 11017);
  EXPECT_EQ(DaysFromCivil({2025, 1, 1}), 20089);
  EXPECT_EQ(DaysFromCivil({1969, 12, 31}), -1);
}

TEST(DateTest, RoundTripsEveryDayOverTwoCenturies) {
  int64_t start = DaysFromCivil({1950, 1, 1});
  int64_t end = DaysFromCivil({2150, 12, 31});
  CivilDate prev = CivilFromDays(start - 1);
  for (int64_t z = start; z <= end; ++z) {
    CivilDate d = CivilFromDays(z);
    ASSERT_EQ(DaysFromCivil(d), z);
    ASSERT_LT(prev, d);
    ASSERT_TRUE(ParseIsoDate(FormatIsoDate(d)).ok()) << FormatIsoDate(d);
    prev = d;
  }
}

TEST(DateTest, DateToSecondsIsExact) {
  auto s = DateToSeconds("2026-01-01", "2025-01-01");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, 365.0 * 86400.0);
  s = DateToSeconds("2029-01-01", "2028-01-01");  // leap year
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, 366.0 * 86400.0);
  s = DateToSeconds("2025-01-01", "2026-01-01");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, -365.0 * 86400.0);
  EXPECT_FALSE(DateToSeconds("2025-02-30", "2025-01-01").ok());
  EXPECT_FALSE(DateToSeconds("2025-01-01", "bad").ok());
  auto days = DaysBetween("2025-01-01", "2030-12-31");
  ASSERT_TRUE(days.ok());
  EXPECT_EQ(*days, 2190);
}

}  // namespace
}  // namespace fleetsim
