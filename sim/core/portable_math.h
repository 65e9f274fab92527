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

}  // namespace fleetsim::pmath

#endif  // FLEETSIM_SIM_CORE_PORTABLE_MATH_H_
