#include "sim/serve/forecast.h"

#include <algorithm>
#include <cmath>

#include "sim/core/portable_math.h"
#include "sim/serve/arrival.h"

namespace fleetsim::serve {
namespace {
constexpr double kHour = 3600.0, kDay = 86400.0;
}  // namespace

bool RateKnown(const StreamSpec& s) {
  return s.arrival.kind == ArrivalKind::kPoisson || s.arrival.kind == ArrivalKind::kDiurnal;
}

double PeakRate(const StreamSpec& s, double t0, double t1) {
  const ArrivalSpec& a = s.arrival;
  t1 = std::max(t0, t1);
  // Growth rate x g^(t/year) is monotone: its maximum over the window is at one end.
  const double lg = pmath::Log(s.annual_growth);
  const double growth = pmath::Exp(lg * (lg >= 0 ? t1 : t0) / kSecondsPerYear);
  if (a.kind != ArrivalKind::kDiurnal) return a.rate_per_s * growth;
  // Piecewise linear within each hour (the weekly multiplier is constant within a day): the
  // maximum over each hour's part of the window is at one of that part's ends.
  double peak = 0;
  double lo = t0;
  while (true) {
    const double hour_start = std::floor(lo / kHour) * kHour;
    const double hi = std::min(t1, hour_start + kHour);
    const int h = static_cast<int>(std::fmod(hour_start, kDay) / kHour + 0.5) % 24;
    const int day = static_cast<int>(std::fmod(std::floor(hour_start / kDay), 7.0));
    const double y0 = a.daily_shape[h], y1 = a.daily_shape[(h + 1) % 24];
    for (double t : {lo, hi}) {
      const double f = std::clamp((t - hour_start) / kHour, 0.0, 1.0);
      peak = std::max(peak, (y0 * (1 - f) + y1 * f) * a.weekly_shape[day]);
    }
    if (hi >= t1) break;
    lo = hi;
  }
  return a.rate_per_s * growth * peak;
}

double SlopeForecast(double rate_now, double rate_prev, double interval_s, double window_s) {
  if (interval_s <= 0) return rate_now;
  const double slope = (rate_now - rate_prev) / interval_s;
  return std::max(rate_now, rate_now + slope * (window_s + 0.5 * interval_s));
}

}  // namespace fleetsim::serve
