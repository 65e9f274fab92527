// The host power model: the one formula fleetsim uses for every host, job and replica.
//
// SimGrid 3.32's host energy plugin (measured on the Debian build, see tests/power/):
//   off:                       wattage_off
//   on, no accelerator busy:   idle_w
//   on, b of n busy:           epsilon_w + (full_w - epsilon_w) * b / n
// `wattage_per_state="idle:full"` means epsilon = idle (so power is linear from idle to full).
// fleetsim generalises b to the sum over tenants (jobs, replicas) of accelerators x activity,
// activity in [0, 1] (1 for a training job, the load fraction for an inference replica), each
// tenant at its own pstate; with one pstate per host and activity 1 it is SimGrid's formula
// exactly (tests/power/energy_cross_test.cc runs both on one platform).
#ifndef FLEETSIM_SIM_POWER_MODEL_H_
#define FLEETSIM_SIM_POWER_MODEL_H_

#include "sim/platform/fleet.h"

namespace fleetsim::power {

// Watts drawn by an online host with `busy` of `cores` accelerators busy in pstate `p`.
inline double HostPowerW(const platform::PState& p, int cores, double busy) {
  if (busy <= 0) return p.idle_w;
  return p.epsilon_w + (p.full_w - p.epsilon_w) * busy / cores;
}

// Watts one busy accelerator adds above epsilon in pstate `p` (the per-accelerator slope).
inline double AcceleratorSlopeW(const platform::PState& p, int cores) {
  return (p.full_w - p.epsilon_w) / cores;
}

}  // namespace fleetsim::power

#endif  // FLEETSIM_SIM_POWER_MODEL_H_
