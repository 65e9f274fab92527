#include "sim/core/rng.h"

#include <cmath>

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

TEST(Rng, DeterministicPerSeedAndStream) {
  Rng a(42, 1), b(42, 1), c(42, 2);
  for (int i = 0; i < 10; ++i) {
    uint64_t x = a.NextU64();
    EXPECT_EQ(x, b.NextU64());
    EXPECT_NE(x, c.NextU64());
  }
}

TEST(Rng, ExponentialMeanWithinStatisticalBound) {
  Rng r(7, 0);
  const int n = 200000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    double x = r.Exponential(2.0);
    sum += x;
    sum2 += x * x;
  }
  double mean = sum / n;
  // Standard error of the mean is 2/sqrt(n) = 0.0045; 5 sigma.
  EXPECT_NEAR(mean, 2.0, 5 * 2.0 / std::sqrt(n));
  EXPECT_NEAR(sum2 / n - mean * mean, 4.0, 0.1);
}

TEST(Rng, BelowIsInRangeAndCoversAll) {
  Rng r(1, 1);
  int counts[7] = {0};
  for (int i = 0; i < 70000; ++i) {
    uint64_t v = r.Below(7);
    ASSERT_LT(v, 7u);
    counts[v]++;
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

}  // namespace
}  // namespace fleetsim
