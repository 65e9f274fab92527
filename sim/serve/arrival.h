// Request generators: arrival times and token counts of one stream, deterministic per seed.
#ifndef FLEETSIM_SIM_SERVE_ARRIVAL_H_
#define FLEETSIM_SIM_SERVE_ARRIVAL_H_

#include <cstdint>
#include <limits>

#include "sim/core/rng.h"
#include "sim/serve/stream_spec.h"

namespace fleetsim::serve {

constexpr double kSecondsPerYear = 365.0 * 86400.0;
constexpr double kNever = std::numeric_limits<double>::infinity();

// Instantaneous deterministic rate multiplier of a diurnal spec at t (daily shape interpolated
// linearly between hours, times the weekly multiplier of the day), without growth.
double DiurnalShape(const ArrivalSpec& a, double t_s);
// Mean arrival rate (requests/s) over [t0, t1) including growth; for trace arrivals the exact
// count of replayed records in the window divided by its length. Used by aggregate mode.
double MeanRate(const StreamSpec& s, double t0_s, double t1_s);
// The same with the growth exponent given: growth_per_s = GrowthPerSecond(s) (aggregate mode
// computes it once per stream instead of once per step).
double MeanRate(const StreamSpec& s, double t0_s, double t1_s, double growth_per_s);
// ln(annual_growth) / kSecondsPerYear (0 without growth).
double GrowthPerSecond(const StreamSpec& s);

struct Arrival {
  double time_s = kNever;  // kNever: the stream is exhausted
  int32_t prompt_tokens = 0;
  int32_t output_tokens = 0;
};

// Generates one stream's arrivals in time order. Growth applies as rate * g^(t/year), held
// constant within each hour (error < 0.02% per hour for g <= 4). Diurnal arrivals use thinning
// within hour-long windows; MMPP and piecewise-constant rates restart at window edges
// (exact by memorylessness).
class ArrivalGenerator {
 public:
  ArrivalGenerator(const StreamSpec* spec, uint64_t seed, uint64_t stream_index);
  // Next arrival strictly after the previous one (or at it, for equal trace timestamps).
  Arrival Next();

 private:
  double GrowthAt(double t_s) const;
  int32_t DrawTokens(const TokenDist& d, int32_t from_trace);

  const StreamSpec* spec_;
  Rng arrival_rng_;
  Rng token_rng_;
  double t_ = 0;
  int mmpp_state_ = 0;
  double mmpp_switch_s_ = 0;
  size_t trace_pos_ = 0;
  int64_t trace_emitted_ = 0;
  double trace_base_s_ = 0;  // simulated time of this loop's origin
  double log_growth_per_s_ = 0;
};

}  // namespace fleetsim::serve

#endif  // FLEETSIM_SIM_SERVE_ARRIVAL_H_
