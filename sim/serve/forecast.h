// Demand forecasts for predictive autoscaling (sim/engine/serving_wiring.cc).
//
// A predictive autoscaler sizes a deployment at time t for the highest arrival rate it expects
// over [t, t + window], where the window covers the time until its next decision plus a lead
// (see serve::Deployment). Two sources:
//  - the stream spec, where the rate is a known function of time (poisson: rate x growth;
//    diurnal: rate x daily shape, linear between hours, x weekly multiplier x growth):
//    PeakRate is the exact maximum of that function over the window, except that growth is taken
//    at the window's later end (an upper bound by at most g^(window / year): 0.02% per hour at
//    g = 4);
//  - recent slope, for arrivals whose rate is not a known function of time (mmpp, trace
//    replay): the rate measured over the last interval extrapolated linearly to the window's end
//    (SlopeForecast), never below the measured rate.
#ifndef FLEETSIM_SIM_SERVE_FORECAST_H_
#define FLEETSIM_SIM_SERVE_FORECAST_H_

#include "sim/serve/stream_spec.h"

namespace fleetsim::serve {

// True when the stream's arrival rate is a known function of time (poisson, diurnal).
bool RateKnown(const StreamSpec& s);

// Maximum arrival rate (requests/s) of stream `s` over [t0_s, t1_s] (t1_s >= t0_s), by its
// spec. Requires RateKnown(s).
double PeakRate(const StreamSpec& s, double t0_s, double t1_s);

// Slope forecast: `rate_now_per_s` was measured over the interval of length `interval_s` that
// ended now, `rate_prev_per_s` over the one before it. Their slope extrapolated from the middle
// of the last interval to `window_s` ahead of now; never below rate_now_per_s (a falling rate is
// not anticipated: scale-down stays with the hysteresis and cooldown of the policy).
double SlopeForecast(double rate_now_per_s, double rate_prev_per_s, double interval_s,
                     double window_s);

}  // namespace fleetsim::serve

#endif  // FLEETSIM_SIM_SERVE_FORECAST_H_
