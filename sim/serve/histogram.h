// LogHistogram: mergeable log-bucketed histogram for latency percentiles (HdrHistogram-style).
//
// Buckets come from the IEEE-754 bits of the value: the exponent and the top kMantissaBits = 8
// mantissa bits, i.e. 256 linear buckets per octave. A bucket [lo, hi) has hi / lo - 1 <= 1/256,
// so a quantile read from it (linear interpolation inside the bucket holding the target rank)
// lies in the same bucket as the exact nearest-rank sample: relative error <= 0.39% (< 0.5%),
// for values in [kLoS, kHiS] = [1e-6 s, 1e7 s]; values below kLoS count in one bucket read as
// kLoS, values above kHiS read as kHiS. Memory is fixed (about 13,000 doubles, 100 KB) whatever
// the number of samples. Weights may be fractional (aggregate mode adds weighted points).
// Merge() adds another histogram's counts: the merge of two histograms equals the histogram of
// the union of their samples, bucket by bucket.
#ifndef FLEETSIM_SIM_SERVE_HISTOGRAM_H_
#define FLEETSIM_SIM_SERVE_HISTOGRAM_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace fleetsim::serve {

class LogHistogram {
 public:
  static constexpr int kMantissaBits = 8;
  static constexpr double kLoS = 1e-6;
  static constexpr double kHiS = 1e7;
  static constexpr double kMaxRelativeError = 1.0 / (1 << kMantissaBits);  // 0.39%

  LogHistogram() : w_(Key(kHiS) - Key(kLoS) + 2, 0.0) {}

  void Add(double x, double weight = 1.0) {
    w_[Bucket(x)] += weight;
    total_ += weight;
  }
  // Starts loading x's bucket into the cache (a hint, no effect on contents): aggregate mode
  // issues it when a point is computed and adds the point later, so the miss overlaps work.
  void Prefetch(double x) const { __builtin_prefetch(&w_[Bucket(x)], 1); }
  void Merge(const LogHistogram& o) {
    for (size_t k = 0; k < w_.size(); ++k) w_[k] += o.w_[k];
    total_ += o.total_;
  }
  double total() const { return total_; }
  // Quantile p in [0, 1]: the bucket holding the weight rank p * total, interpolated linearly
  // inside it (NaN when empty). For unit weights this is within kMaxRelativeError of the
  // exact nearest-rank percentile.
  double Quantile(double p) const {
    if (total_ <= 0) return NAN;
    const double target = std::max(p * total_, 1e-300);
    double cum = 0;
    for (size_t k = 0; k < w_.size(); ++k) {
      if (w_[k] > 0 && cum + w_[k] >= target) {
        if (k == 0) return kLoS;
        if (k + 1 == w_.size()) return kHiS;
        const double lo = FromKey(k - 1 + Key(kLoS)), hi = FromKey(k + Key(kLoS));
        return lo + (hi - lo) * (target - cum) / w_[k];
      }
      cum += w_[k];
    }
    return kHiS;
  }

 private:
  static uint64_t Key(double x) {
    uint64_t b;
    std::memcpy(&b, &x, sizeof b);
    return b >> (52 - kMantissaBits);
  }
  static double FromKey(uint64_t k) {
    const uint64_t b = k << (52 - kMantissaBits);
    double x;
    std::memcpy(&x, &b, sizeof x);
    return x;
  }
  // Bucket 0: x < kLoS; bucket k >= 1: [FromKey(k - 1 + Key(kLoS)), FromKey(k + Key(kLoS)));
  // last: x >= kHiS.
  size_t Bucket(double x) const {
    if (!(x >= kLoS)) return 0;
    if (x >= kHiS) return w_.size() - 1;
    return static_cast<size_t>(Key(x) - Key(kLoS) + 1);
  }

  std::vector<double> w_;
  double total_ = 0;
};

}  // namespace fleetsim::serve

#endif  // FLEETSIM_SIM_SERVE_HISTOGRAM_H_
