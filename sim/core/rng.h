// Seeded random numbers that are identical on every platform.
//
// std::*_distribution results are implementation-defined, so fleetsim draws its own variates
// from a SplitMix64-seeded xoshiro256** generator. Streams are derived from (seed, stream id) so
// adding a stream never perturbs another.
#ifndef FLEETSIM_SIM_CORE_RNG_H_
#define FLEETSIM_SIM_CORE_RNG_H_

#include <cstdint>

namespace fleetsim {

class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream);
  uint64_t NextU64();
  // Uniform in [0, 1), 53 bits.
  double Uniform();
  // Uniform in (0, 1].
  double UniformPositive() { return 1.0 - Uniform(); }
  // Exponential with the given mean (> 0).
  double Exponential(double mean);
  // Standard normal (Box-Muller, one value per call).
  double Normal();
  // Lognormal with parameters of the underlying normal.
  double LogNormal(double mu, double sigma);
  // Uniform integer in [0, n).
  uint64_t Below(uint64_t n);

 private:
  uint64_t s_[4];
};

}  // namespace fleetsim

#endif  // FLEETSIM_SIM_CORE_RNG_H_
