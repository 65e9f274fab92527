// Hand-built fleets for the engine tests (controller_test.cc, cap_test.cc): clusters of HGX
// H100-like hosts (bf16 989 TFLOP/s, fp8 1979 TFLOP/s, 80 GB at 3.35 TB/s per accelerator) with
// a given shape and power table, in one tranche online from the start; and the serving plan
// both use.
#ifndef FLEETSIM_TESTS_ENGINE_TEST_FLEET_H_
#define FLEETSIM_TESTS_ENGINE_TEST_FLEET_H_

#include <string>
#include <utility>
#include <vector>

#include "sim/platform/fleet.h"
#include "sim/serve/deployment.h"
#include "tests/serve/streams.h"

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

// One deployment of 2 Llama-70B replicas (tp 8, one host each) serving the chat stream at
// 4 requests/s, request fidelity, 60 s ticks.
inline serve::ServingPlan TwoLlamaReplicas() {
  serve::ServingPlan plan;
  plan.streams.push_back(serve::testing_streams::ChatStream("chat", "llama", 4.0));
  serve::Deployment d;
  d.model = "llama";
  d.tp = 8;
  d.replicas = 2;
  plan.deployments.push_back(d);
  plan.options.fidelity = serve::Fidelity::kRequest;
  plan.tick_s = 60;
  return plan;
}

}  // namespace fleetsim::engine::testing

#endif  // FLEETSIM_TESTS_ENGINE_TEST_FLEET_H_
