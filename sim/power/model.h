// The host power model: pure functions, identical to SimGrid's host energy plugin.
#ifndef FLEETSIM_SIM_POWER_MODEL_H_
#define FLEETSIM_SIM_POWER_MODEL_H_

#include "sim/platform/fleet.h"

namespace fleetsim::power {

// Watts drawn by a host with `busy` of `cores` accelerators busy in pstate `p`:
// idle when none is busy; otherwise linear from epsilon (one busy) to full (all busy).
// A single-core host draws full when busy. Matches SimGrid 3.32's wattage_per_state semantics.
inline double HostPowerW(const platform::PState& p, int cores, int busy) {
  if (busy <= 0) return p.idle_w;
  if (cores <= 1) return p.full_w;
  return p.epsilon_w + (p.full_w - p.epsilon_w) * static_cast<double>(busy - 1) / (cores - 1);
}

}  // namespace fleetsim::power

#endif  // FLEETSIM_SIM_POWER_MODEL_H_
