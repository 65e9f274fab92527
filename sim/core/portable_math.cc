#include "sim/core/portable_math.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

// Method: classical range reduction to a small interval plus a truncated Taylor series with
// enough terms that the truncation error is below 2^-60 relative; coefficients are exact
// rationals 1/n! or 1/(2k+1) rounded once at compile time (IEEE division, the same on every
// compiler). No table, no FMA, no long double.

namespace fleetsim::pmath {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ln 2 split so that k * kLn2Hi is exact for |k| < 2^21 (kLn2Hi has 32 significant bits);
// kLn2Hi + kLn2Lo = ln 2 to about 2^-85.
constexpr double kLn2Hi = 0x1.62e42fee00000p-1;
constexpr double kLn2Lo = 0x1.a39ef35793c76p-33;
constexpr double kInvLn2 = 0x1.71547652b82fep+0;
constexpr double kSqrt2 = 0x1.6a09e667f3bcdp+0;
constexpr double kHalfPi = 0x1.921fb54442d18p+0;  // pi/2 rounded to nearest

// kInvFact[n] = 1/n!, n <= 18 (n! is exact in double up to 22!), rounded once at compile time.
constexpr std::array<double, 19> kInvFact = [] {
  std::array<double, 19> a{};
  double f = 1;
  for (int n = 0; n < 19; ++n) {
    if (n > 1) f *= n;
    a[n] = 1.0 / f;
  }
  return a;
}();

// kInvOdd[k] = 1/(2k+1), k <= 11.
constexpr std::array<double, 12> kInvOdd = [] {
  std::array<double, 12> a{};
  for (int k = 0; k < 12; ++k) a[k] = 1.0 / (2 * k + 1);
  return a;
}();

// 2^k as a double for -1022 <= k <= 1023.
double Pow2(int k) { return std::bit_cast<double>(static_cast<uint64_t>(k + 1023) << 52); }

// sin(a) and cos(a) for |a| <= pi/4: Taylor series to a^17 and a^18 (truncation < 2^-62).
double SinKernel(double a) {
  const double z = a * a;
  double p = kInvFact[17];
  p = -kInvFact[15] + z * p;
  p = kInvFact[13] + z * p;
  p = -kInvFact[11] + z * p;
  p = kInvFact[9] + z * p;
  p = -kInvFact[7] + z * p;
  p = kInvFact[5] + z * p;
  p = -kInvFact[3] + z * p;  // sin a = a + a * z * p
  return a + a * z * p;
}

double CosKernel(double a) {
  const double z = a * a;
  double q = -kInvFact[18];
  q = kInvFact[16] + z * q;
  q = -kInvFact[14] + z * q;
  q = kInvFact[12] + z * q;
  q = -kInvFact[10] + z * q;
  q = kInvFact[8] + z * q;
  q = -kInvFact[6] + z * q;
  q = kInvFact[4] + z * q;  // cos a = 1 - z/2 + z^2 * q
  const double hz = 0.5 * z;
  const double w = 1.0 - hz;
  // (1 - w) - hz recovers the rounding error of w exactly (Sterbenz), so it is not lost.
  return w + (((1.0 - w) - hz) + z * z * q);
}

// Quadrant q in 0..4 and a in [-pi/4, pi/4] with 2*pi*t = q*pi/2 + a (mod 2*pi).
void ReduceTurns(double t, int* q, double* a) {
  const double frac = t - std::floor(t);  // exact, in [0, 1)
  const double x = 4.0 * frac;            // exact, in [0, 4)
  const double qd = std::floor(x + 0.5);  // nearest quadrant, 0..4
  *q = static_cast<int>(qd) & 3;
  *a = (x - qd) * kHalfPi;  // x - qd exact, in [-0.5, 0.5]
}

}  // namespace

double Log(double x) {
  if (!(x > 0)) return x == 0 ? -kInf : kNaN;  // also NaN
  if (x == kInf) return kInf;
  int k = 0;
  uint64_t bits = std::bit_cast<uint64_t>(x);
  if ((bits >> 52) == 0) {  // subnormal: scale into the normal range (exact)
    x *= 0x1p54;
    k = -54;
    bits = std::bit_cast<uint64_t>(x);
  }
  k += static_cast<int>(bits >> 52) - 1023;
  double m = std::bit_cast<double>((bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1023} << 52));
  if (m > kSqrt2) {  // m in [1, 2) -> (sqrt(2)/2, sqrt(2)]
    m *= 0.5;
    ++k;
  }
  // log m = 2 atanh(s), s = f / (2 + f), |s| <= 0.1716, so s^2 <= 0.0295:
  // log m = 2s + 2s * P, P = z/3 + z^2/5 + ... + z^11/23 (truncation < 2^-62), and since
  // 2s = f - s*f, log m = f - s * (f - 2P) with f exact.
  const double f = m - 1.0;  // exact (Sterbenz)
  const double s = f / (2.0 + f);
  const double z = s * s;
  double p = kInvOdd[11];
  for (int i = 10; i >= 1; --i) p = kInvOdd[i] + z * p;
  p *= z;
  const double kd = static_cast<double>(k);
  return kd * kLn2Hi + (f - (s * (f - 2.0 * p) - kd * kLn2Lo));
}

double Exp(double x) {
  if (x != x) return x;
  if (x > 0x1.62e42fefa39efp+9) return kInf;  // above ln(DBL_MAX)
  if (x < -746.0) return 0.0;                 // below ln(DBL_TRUE_MIN / 2)
  // x = k ln2 + r, |r| <= ln2 / 2 (about 0.347); e^r by Taylor to r^14 (truncation < 2^-62).
  const double kd = std::floor(x * kInvLn2 + 0.5);
  const int k = static_cast<int>(kd);
  const double r = (x - kd * kLn2Hi) - kd * kLn2Lo;
  double p = kInvFact[14];
  for (int n = 13; n >= 1; --n) p = kInvFact[n] + r * p;
  const double er = 1.0 + r * p;
  if (k > 1023) return er * Pow2(1023) * Pow2(k - 1023);
  if (k < -1022) return er * Pow2(k + 54) * 0x1p-54;  // subnormal result
  return er * Pow2(k);
}

double Erfc(double x) {
  if (x != x) return x;
  if (x < 0) return 2.0 - Erfc(-x);
  if (x >= 27.0) return 0.0;
  constexpr double kInvSqrtPi = 0x1.20dd750429b6dp-1;  // 1 / sqrt(pi)
  // e^-x^2 with x^2 = xh^2 + xl (x + xh) split so that xh^2 is exact (xh: the top 21 bits of
  // the significand): rounding x^2 would cost up to x^2 * 2^-53 relative at large x.
  const double xh = std::bit_cast<double>(std::bit_cast<uint64_t>(x) & 0xffffffff00000000ull);
  const double xl = x - xh;
  const double e = Exp(-(xh * xh)) * Exp(-(xl * (x + xh)));
  if (x < 1.0) {
    // erf(x) = 2/sqrt(pi) e^-x^2 sum_n (2 x^2)^n x / (1 * 3 * ... * (2n + 1)): positive terms.
    const double x2 = 2.0 * x * x;
    double term = x, sum = x;
    for (int n = 1; n < 100 && term > 1e-18 * sum; ++n) {
      term = term * x2 / (2 * n + 1);
      sum += term;
    }
    return 1.0 - 2.0 * kInvSqrtPi * e * sum;
  }
  // erfc(x) = e^-x^2 / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + ...))))),
  // evaluated backward from 30 + 150 / x^2 levels (relative error about 3e-15 from x = 1 up).
  const int levels = 30 + static_cast<int>(150.0 / (x * x));
  double k = x;
  for (int n = levels; n >= 1; --n) k = x + (0.5 * n) / k;
  return kInvSqrtPi * e / k;
}

double NormalCdf(double z) {
  constexpr double kInvSqrt2 = 0x1.6a09e667f3bcdp-1;
  return 0.5 * Erfc(-z * kInvSqrt2);
}

double Pow(double x, double y) {
  if (x != x || y != y || x < 0) return kNaN;
  if (y == 0) return 1.0;
  if (x == 0) return y > 0 ? 0.0 : kInf;
  if (x == 1) return 1.0;
  return Exp(y * Log(x));
}

double CosTurns(double t) {
  if (t - t != 0) return kNaN;  // infinite or NaN
  int q;
  double a;
  ReduceTurns(t, &q, &a);
  const double r = q == 0   ? CosKernel(a)
                   : q == 1 ? -SinKernel(a)
                   : q == 2 ? -CosKernel(a)
                            : SinKernel(a);
  return r + 0.0;  // -0 -> +0: cos(pi/2) is printed as 0, not -0
}

double SinTurns(double t) {
  if (t - t != 0) return kNaN;
  int q;
  double a;
  ReduceTurns(t, &q, &a);
  const double r = q == 0   ? SinKernel(a)
                   : q == 1 ? CosKernel(a)
                   : q == 2 ? -SinKernel(a)
                            : -CosKernel(a);
  return r + 0.0;
}

}  // namespace fleetsim::pmath
