// The predictive autoscaler's forecasts (sim/serve/forecast.h) against the diurnal formula of the
// stream spec (sim/serve/README.md: rate_per_s x daily shape, linear between hours, x the day's
// weekly multiplier x annual_growth^(t / year)), worked by hand, and against a linear ramp.
#include "sim/serve/forecast.h"

#include <algorithm>
#include <cmath>

#include "gtest/gtest.h"
#include "sim/serve/arrival.h"

namespace fleetsim::serve {
namespace {

constexpr double kH = 3600;
// The daily shape of the year benchmark (bench/make_serving_year.py).
const std::vector<double> kDaily = {0.3, 0.25, 0.2, 0.2,  0.25, 0.35, 0.5, 0.8,
                                    1.1, 1.3,  1.4, 1.45, 1.45, 1.45, 1.4, 1.35,
                                    1.3, 1.25, 1.2, 1.15, 1.0,  0.8,  0.6, 0.4};

StreamSpec Diurnal(double rate, double growth) {
  StreamSpec s;
  s.arrival.kind = ArrivalKind::kDiurnal;
  s.arrival.rate_per_s = rate;
  s.arrival.daily_shape = kDaily;
  s.arrival.weekly_shape = {1, 2, 1, 1, 1, 1, 0.5};
  s.annual_growth = growth;
  return s;
}

TEST(Forecast, DiurnalPeakMatchesTheFormulaByHand) {
  const StreamSpec s = Diurnal(100, 1.0);
  ASSERT_TRUE(RateKnown(s));
  // Morning ramp, rising: the peak is at the window's end. 08:00 -> 1.1.
  EXPECT_NEAR(PeakRate(s, 7 * kH, 8 * kH), 110, 1e-9);
  // 07:45 -> 0.8 + 0.75 x (1.1 - 0.8) = 1.025.
  EXPECT_NEAR(PeakRate(s, 7.5 * kH, 7.75 * kH), 102.5, 1e-9);
  // Midday plateau 11:00..13:00 at 1.45, then falling: an hour from 12:30 peaks at its start.
  EXPECT_NEAR(PeakRate(s, 12.5 * kH, 13.5 * kH), 145, 1e-9);
  // Falling in the afternoon: 15:30 -> 1.35 + 0.5 x (1.3 - 1.35) = 1.325, at the start.
  EXPECT_NEAR(PeakRate(s, 15.5 * kH, 17 * kH), 132.5, 1e-9);
  // Night minimum 02:00..03:00 at 0.2; 03:45 -> 0.2 + 0.75 x 0.05 = 0.2375.
  EXPECT_NEAR(PeakRate(s, 2.25 * kH, 3 * kH), 20, 1e-9);
  EXPECT_NEAR(PeakRate(s, 2.25 * kH, 3.75 * kH), 23.75, 1e-9);
  // Across midnight into day 1 (weekly x2): 23:30 -> 0.35 (x1); 00:00 of day 1 -> 0.3 x 2.
  EXPECT_NEAR(PeakRate(s, 23.5 * kH, 24.5 * kH), 60, 1e-9);
  // Across midnight into day 6 (weekly x0.5): 23:00 of day 5 (0.4 x 1) beats 00:00 of day 6
  // (0.3 x 0.5).
  EXPECT_NEAR(PeakRate(s, 5 * 24 * kH + 23 * kH, 6 * 24 * kH + kH), 40, 1e-9);
  // A zero-length window is the rate at that instant: 09:30 -> (1.3 + 1.4) / 2.
  EXPECT_NEAR(PeakRate(s, 9.5 * kH, 9.5 * kH), 135, 1e-9);
  // Poisson: the rate.
  StreamSpec p;
  p.arrival.rate_per_s = 7;
  EXPECT_TRUE(RateKnown(p));
  EXPECT_DOUBLE_EQ(PeakRate(p, 0, 1e6), 7);
}

TEST(Forecast, DiurnalPeakBoundsTheSampledFormulaWithGrowth) {
  // Growth 3 per year: the peak is the sampled formula's maximum within the growth over the
  // window (PeakRate takes growth at the window's end).
  const StreamSpec s = Diurnal(50, 3.0);
  for (double t0 : {0.0, 5.3 * kH, 30.9 * kH, 100 * 24 * kH + 6.1 * kH, 300 * 24 * kH + 19 * kH}) {
    for (double len : {600.0, kH, 2.7 * kH, 26 * kH}) {
      double sampled = 0;
      for (double t = t0; t <= t0 + len; t += 10) {
        sampled =
            std::max(sampled, 50 * DiurnalShape(s.arrival, t) * std::pow(3.0, t / kSecondsPerYear));
      }
      const double peak = PeakRate(s, t0, t0 + len);
      EXPECT_GE(peak, sampled * (1 - 1e-12)) << t0 << " " << len;
      EXPECT_LE(peak, sampled * std::pow(3.0, len / kSecondsPerYear) * (1 + 1e-12) + 1e-9)
          << t0 << " " << len;
    }
  }
  // Poisson with growth 2: the rate after half a year is rate x sqrt(2).
  StreamSpec p;
  p.arrival.rate_per_s = 10;
  p.annual_growth = 2;
  EXPECT_NEAR(PeakRate(p, 0, kSecondsPerYear / 2), 10 * std::sqrt(2.0), 1e-9);
  // Shrinking demand (growth < 1): the maximum is at the window's start.
  p.annual_growth = 0.5;
  EXPECT_NEAR(PeakRate(p, kSecondsPerYear, 2 * kSecondsPerYear), 5, 1e-9);
}

TEST(Forecast, SlopeIsExactOnALinearRamp) {
  // rate(t) = a + b t; means over [t - T, t] and [t - 2T, t - T] are the rates at their
  // midpoints; the forecast at t + W must be a + b (t + W).
  const double a = 5, b = 0.002, t = 7200, T = 3600, W = 5400;
  const double now = a + b * (t - T / 2), prev = a + b * (t - 1.5 * T);
  EXPECT_NEAR(SlopeForecast(now, prev, T, W), a + b * (t + W), 1e-9);
  // Falling: never below the measured rate.
  EXPECT_DOUBLE_EQ(SlopeForecast(now, now + 3, T, W), now);
  EXPECT_DOUBLE_EQ(SlopeForecast(now, prev, 0, W), now);  // no interval: the measured rate
}

}  // namespace
}  // namespace fleetsim::serve
