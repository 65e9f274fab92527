// The host power model: pure functions, identical to SimGrid's host energy plugin.
#ifndef FLEETSIM_SIM_POWER_MODEL_H_
#define FLEETSIM_SIM_POWER_MODEL_H_

#include "sim/platform/fleet.h"

namespace fleetsim::power {

// Watts drawn by a host with `busy` of `cores` accelerators busy in pstate `p`:
// idle when none is busy; otherwise epsilon + (busy / cores) * (full - epsilon), so all busy
// draws full. This is SimGrid 3.32's host energy plugin (load = busy cores / cores); the test
// suite checks the integral of this model against the plugin's energy.
inline double HostPowerW(const platform::PState& p, int cores, int busy) {
  if (busy <= 0) return p.idle_w;
  return p.epsilon_w + (p.full_w - p.epsilon_w) * static_cast<double>(busy) / cores;
}

}  // namespace fleetsim::power

#endif  // FLEETSIM_SIM_POWER_MODEL_H_
