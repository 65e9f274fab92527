#include "sim/core/format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

#include "absl/base/casts.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace fleetsim {
namespace {

TEST(FormatDouble, RoundTripsAndIntegers) {
  EXPECT_EQ(FormatDouble(3), "3");
  EXPECT_EQ(FormatDouble(-0.0), "0");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(FormatDouble(std::nan("")), "nan");
  EXPECT_EQ(std::stod(FormatDouble(92.576539733629498)), 92.576539733629498);
}

// The implementation FormatDouble had before it used std::to_chars: the oracle for the tests below.
std::string OldFormatDouble(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    if (std::string(buf) == "-0") return "0";
    return buf;
  }
  char buf[40];
  for (int prec = 6; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// Cases per random family; FLEETSIM_FORMAT_CASES overrides (the equivalence was also checked by
// hand with 5 million per family).
size_t Cases() {
  const char* env = std::getenv("FLEETSIM_FORMAT_CASES");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 200000;
}

// Compares with the oracle and stops after a few differences.
class Checker {
 public:
  void Check(double v) {
    ++checked_;
    const std::string want = OldFormatDouble(v);
    const std::string got = FormatDouble(v);
    char buf[kFormatDoubleBufferSize];
    const std::string got_to(buf, FormatDoubleTo(v, buf));
    if (got != want || got_to != want) {
      if (++failures_ <= 10) {
        ADD_FAILURE() << absl::StrFormat("%a: want %s, got %s / %s", v, want, got, got_to);
      }
    }
  }
  ~Checker() { EXPECT_EQ(failures_, 0u) << "of " << checked_; }

 private:
  size_t checked_ = 0;
  size_t failures_ = 0;
};

TEST(FormatDouble, SameAsPrintfRoundTripOnEdgeCases) {
  Checker c;
  for (double v : {0.0,
                   -0.0,
                   0.1,
                   0.2,
                   0.3,
                   0.1 + 0.2,
                   1.0 / 3,
                   2.0 / 3,
                   1e-5,
                   1e-4,
                   1.5e-5,
                   0.0001234,
                   123456.5,
                   1234567.5,
                   1e15,
                   -1e15,
                   1e15 + 0.5,
                   999999999999999.9,
                   1e16,
                   1e17,
                   1e21,
                   1e22,
                   1e23,
                   5e-324,
                   -5e-324,
                   1e-310,
                   2.2250738585072014e-308,
                   1.7976931348623157e308,
                   -1.7976931348623157e308,
                   9007199254740993.0,
                   92.576539733629498,
                   15696.80,
                   71.7224,
                   4.35,
                   0.5,
                   100.25}) {
    c.Check(v);
  }
  c.Check(std::numeric_limits<double>::quiet_NaN());
  c.Check(std::numeric_limits<double>::infinity());
  c.Check(-std::numeric_limits<double>::infinity());
  // Around every power of two and of ten (asymmetric rounding intervals, exponent changes).
  for (int k = -1074; k <= 1023; ++k) {
    double v = std::ldexp(1.0, k);
    for (double w : {v, std::nextafter(v, 0.0), std::nextafter(v, INFINITY)}) {
      c.Check(w);
      c.Check(-w);
      c.Check(w * 3);
      c.Check(w / 3);
    }
  }
  for (int k = -323; k <= 308; ++k) {
    double v = std::strtod(absl::StrCat("1e", k).c_str(), nullptr);
    for (double w : {v, std::nextafter(v, 0.0), std::nextafter(v, INFINITY), v * 1.5, v * 9.99999,
                     v * 0.999999, v * 0.9999995, v * 9.9999995}) {
      c.Check(w);
    }
  }
}

TEST(FormatDouble, SameAsPrintfRoundTripOnRandomBitPatterns) {
  std::mt19937_64 rng(20260101);
  Checker c;
  for (size_t i = 0, n = Cases(); i < n; ++i) c.Check(absl::bit_cast<double>(rng()));
}

TEST(FormatDouble, SameAsPrintfRoundTripOnDecimalLikeValues) {
  std::mt19937_64 rng(17);
  Checker c;
  char text[64];
  for (size_t i = 0, n = Cases(); i < n; ++i) {
    switch (i % 4) {
      case 0: {  // a random decimal of 1..17 digits, exponent -30..30, read back
        const int digits = 1 + static_cast<int>(rng() % 17);
        std::string d = absl::StrCat(rng() % 10);
        for (int k = 1; k < digits; ++k) absl::StrAppend(&d, rng() % 10);
        std::snprintf(text, sizeof text, "%s%c.%se%d", rng() % 2 ? "-" : "", d[0], d.c_str() + 1,
                      static_cast<int>(rng() % 61) - 30);
        c.Check(std::strtod(text, nullptr));
        break;
      }
      case 1:  // a ratio of small integers (times, utilisations)
        c.Check(static_cast<double>(rng() % 100000) / static_cast<double>(1 + rng() % 10000));
        break;
      case 2: {  // a uniform time over a year, and its sum with a small increment
        const double t = static_cast<double>(rng() >> 11) * 0x1.0p-53 * 3.2e7;
        c.Check(t);
        c.Check(t + 0.1);
        break;
      }
      default:  // milliseconds and microseconds as seconds, with float noise
        c.Check(static_cast<double>(rng() % 10000000) * 0.001);
        c.Check(static_cast<double>(rng() % 10000000) / 1e6);
    }
  }
}

TEST(CsvWriter, NumbersAsFormatDouble) {
  CsvWriter w({"a", "b", "c"});
  w.Add(0.1).Add(int64_t{-42}).Add(1e300);
  w.EndRow();
  w.Add(-0.0).Add(std::nan("")).Add(size_t{7});
  w.EndRow();
  EXPECT_EQ(w.str(), "a,b,c\n0.1,-42,1e+300\n0,nan,7\n");
}

TEST(CsvWriter, QuotesWhenNeeded) {
  CsvWriter w({"a", "b_s"});
  w.Add("x,y").Add(1.5);
  w.EndRow();
  EXPECT_EQ(w.str(), "a,b_s\n\"x,y\",1.5\n");
  EXPECT_EQ(w.rows(), 1u);
}

TEST(CsvWriter, ExpectRowsReservesOnceAndChangesNothing) {
  CsvWriter plain({"t_s", "name"}), hinted({"t_s", "name"});
  hinted.ExpectRows(1000);
  size_t capacity_after_first = 0;
  for (int i = 0; i < 1000; ++i) {
    plain.Add(i * 0.5).Add("host").EndRow();
    hinted.Add(i * 0.5).Add("host").EndRow();
    if (i == 0) capacity_after_first = hinted.str().capacity();
    // No regrowth after the first row: rows of about its length fit in the reservation.
    EXPECT_EQ(hinted.str().capacity(), capacity_after_first) << i;
  }
  EXPECT_EQ(hinted.str(), plain.str());
  EXPECT_EQ(hinted.rows(), 1000u);
}

TEST(JsonWriter, NestedOrdered) {
  JsonWriter j;
  j.BeginObject().Key("b").Value(int64_t{1}).Key("a").BeginArray().Value("x").Value(2.5).EndArray();
  j.Key("e").BeginObject().EndObject().EndObject();
  EXPECT_EQ(j.str(), "{\n  \"b\": 1,\n  \"a\": [\n    \"x\",\n    2.5\n  ],\n  \"e\": {}\n}\n");
}

}  // namespace
}  // namespace fleetsim
