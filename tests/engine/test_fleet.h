// Hand-built fleets for the engine tests (controller_test.cc, cap_test.cc): clusters of HGX
// H100-like hosts (bf16 989 TFLOP/s, fp8 1979 TFLOP/s, 80 GB at 3.35 TB/s per accelerator) with
// a given shape and power table, in one tranche online from the start.
#ifndef FLEETSIM_TESTS_ENGINE_TEST_FLEET_H_
#define FLEETSIM_TESTS_ENGINE_TEST_FLEET_H_

#include <string>
#include <utility>
#include <vector>

#include "sim/platform/fleet.h"

namespace fleetsim::engine::testing {

inline platform::Cluster HgxCluster(const std::string& name, const std::string& site,
                                    int accelerators_per_host, int64_t hosts,
                                    std::vector<platform::PState> pstates) {
  platform::Cluster c;
  c.name = name;
  c.site = site;
  c.system = "hgx_h100";
  c.vendor = "NVIDIA";
  c.accelerators_per_host = accelerators_per_host;
  c.pstates = std::move(pstates);
  c.peak_flops_bf16 = 989e12;
  c.peak_flops_fp8 = 1979e12;
  c.mem_bytes = 80e9;
  c.mem_bw_bytes_per_s = 3.35e12;
  platform::Tranche t;
  t.zone_id = name + ".t0";
  t.num_hosts = hosts;
  c.tranches.push_back(t);
  return c;
}

}  // namespace fleetsim::engine::testing

#endif  // FLEETSIM_TESTS_ENGINE_TEST_FLEET_H_
