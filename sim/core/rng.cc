#include "sim/core/rng.h"

#include <cmath>

#include "sim/core/portable_math.h"

namespace fleetsim {
namespace {
uint64_t SplitMix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Rng::Rng(uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
  for (auto& s : s_) s = SplitMix(x);
}

uint64_t Rng::NextU64() {
  uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Rng::Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

// Log, Exp and CosTurns are ours (sim/core/portable_math.h), not libm's, so a seed gives the same
// bits on every machine; sqrt is correctly rounded by IEEE 754 everywhere.
double Rng::Exponential(double mean) { return -mean * pmath::Log(UniformPositive()); }

double Rng::Normal() {
  double u1 = UniformPositive();
  double u2 = Uniform();
  return std::sqrt(-2.0 * pmath::Log(u1)) * pmath::CosTurns(u2);
}

double Rng::LogNormal(double mu, double sigma) { return pmath::Exp(mu + sigma * Normal()); }

uint64_t Rng::Below(uint64_t n) {
  // Lemire's nearly-divisionless method without the rejection shortcut: exact and unbiased.
  uint64_t threshold = (0 - n) % n;
  while (true) {
    uint64_t x = NextU64();
    __uint128_t m = static_cast<__uint128_t>(x) * n;
    if (static_cast<uint64_t>(m) >= threshold) return static_cast<uint64_t>(m >> 64);
  }
}

}  // namespace fleetsim
