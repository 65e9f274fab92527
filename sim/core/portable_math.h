// Elementary functions whose results do not depend on the C library or the CPU.
//
// libm's log, exp and cos differ in the last bit between glibc versions, musl, macOS and CPU
// code paths, so a seeded run that samples through them is not byte-identical across machines.
// These use only IEEE 754 double +, -, *, / and exact bit operations, with fixed evaluation
// order; the project compiles with -ffp-contract=off (CMakeLists.txt) so no compiler fuses a
// multiply-add on one machine and not on another. Results are within 2 ulp of the true value
// (tests/core/portable_math_test.cc compares with libm and pins bit patterns).
#ifndef FLEETSIM_SIM_CORE_PORTABLE_MATH_H_
#define FLEETSIM_SIM_CORE_PORTABLE_MATH_H_

namespace fleetsim::pmath {

// Natural logarithm. Log(0) = -inf, Log(+inf) = +inf, NaN for negative or NaN arguments.
double Log(double x);

// e^x. +inf above ln(DBL_MAX), 0 far below ln(DBL_TRUE_MIN), NaN for NaN.
double Exp(double x);

// cos(2*pi*t) and sin(2*pi*t) for t in turns. The reduction t - floor(t) is exact, so the
// result is accurate for any finite t (integers and half-integers give exact 1, -1, 0). NaN for
// infinite or NaN t.
double CosTurns(double t);
double SinTurns(double t);

// Complementary error function erfc(x) = 1 - erf(x), relative error below 1e-14 for x < 26
// (beyond, erfc underflows to 0) and absolute error below 2e-15 for x < 0 (tests compare with
// libm): not 2 ulp, but the same bits on every machine. A series for |x| < 1, a continued
// fraction evaluated backward above.
double Erfc(double x);

// Standard normal distribution function Phi(z) = erfc(-z / sqrt 2) / 2.
double NormalCdf(double z);

// x^y for x > 0 as Exp(y * Log(x)): relative error about |y ln x| * 2^-52 (so within 1e-14
// for the model exponents this project uses). Pow(0, y > 0) = 0, Pow(x, 0) = 1; NaN for x < 0.
double Pow(double x, double y);

}  // namespace fleetsim::pmath

#endif  // FLEETSIM_SIM_CORE_PORTABLE_MATH_H_
