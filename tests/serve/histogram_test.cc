// LogHistogram against exact nearest-rank percentiles (the definition the request mode used
// when it stored every sample), and its mergeability.
#include "sim/serve/histogram.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "sim/core/rng.h"

namespace fleetsim::serve {
namespace {

double NearestRank(std::vector<double> v, double p) {
  size_t r = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  r = std::clamp<size_t>(r, 1, v.size());
  std::nth_element(v.begin(), v.begin() + (r - 1), v.end());
  return v[r - 1];
}

TEST(LogHistogram, PercentilesWithinHalfAPercentOfExact) {
  Rng rng(3, 1);
  for (int dist = 0; dist < 3; ++dist) {
    for (int n : {1, 7, 1000, 200000}) {
      std::vector<double> v;
      LogHistogram h;
      for (int i = 0; i < n; ++i) {
        const double x = dist == 0   ? 1e-5 + rng.Exponential(0.05)   // waits, s (in range)
                         : dist == 1 ? rng.LogNormal(-4.0, 1.5)       // TPOT-like, s
                                     : 1e-3 * (1 + rng.Below(5000));  // many ties
        v.push_back(x);
        h.Add(x);
      }
      for (double p : {0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
        const double exact = NearestRank(v, p), got = h.Quantile(p);
        EXPECT_LE(std::fabs(got / exact - 1), LogHistogram::kMaxRelativeError)
            << "dist " << dist << " n " << n << " p " << p;
        EXPECT_LE(std::fabs(got / exact - 1), 0.005);
      }
    }
  }
  EXPECT_TRUE(std::isnan(LogHistogram().Quantile(0.5)));
}

TEST(LogHistogram, MergeEqualsHistogramOfUnion) {
  Rng rng(9, 2);
  LogHistogram a, b, all;
  for (int i = 0; i < 50000; ++i) {
    const double x = rng.LogNormal(0, 2);
    (i % 3 ? a : b).Add(x);
    all.Add(x);
  }
  a.Merge(b);
  EXPECT_EQ(a.total(), all.total());
  for (double p : {0.001, 0.1, 0.5, 0.99, 0.9999}) EXPECT_EQ(a.Quantile(p), all.Quantile(p)) << p;
}

TEST(LogHistogram, OutOfRangeValuesAreClamped) {
  LogHistogram h;
  h.Add(0.0);
  h.Add(1e9);
  EXPECT_EQ(h.Quantile(0.25), LogHistogram::kLoS);
  EXPECT_EQ(h.Quantile(1.0), LogHistogram::kHiS);
}

}  // namespace
}  // namespace fleetsim::serve
