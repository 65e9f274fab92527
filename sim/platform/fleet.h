// Typed, SimGrid-free view of a fleet platform: sites, clusters, host tranches.
//
// A fleet platform is a SimGrid XML file following the property conventions of
// platforms/README.md: one <zone> per site (fleetsim.kind=site) and one <cluster> per build-out
// tranche of a logical cluster (fleetsim.cluster names the logical cluster; fleetsim.online /
// fleetsim.retire give the tranche's dates). LoadFleet() (sim/platform/loader.h) reads a loaded
// SimGrid platform into this struct; everything downstream (schedulers, power policies, metrics,
// `platform info`) sees only this view.
#ifndef FLEETSIM_SIM_PLATFORM_FLEET_H_
#define FLEETSIM_SIM_PLATFORM_FLEET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fleetsim::platform {

// One DVFS performance state of a host (a node or rack). Watts are for the whole host.
struct PState {
  double speed_flops = 0;  // per accelerator (= SimGrid core speed), dense BF16 FLOP/s
  double idle_w = 0;       // no accelerator busy
  double epsilon_w = 0;    // one accelerator busy
  double full_w = 0;       // every accelerator busy
};

// A tranche: hosts of one logical cluster that come online (and retire) together.
struct Tranche {
  std::string zone_id;               // the SimGrid <cluster> id
  int64_t num_hosts = 0;
  std::optional<std::string> online_date;  // ISO YYYY-MM-DD; absent = online from the start
  std::optional<std::string> retire_date;  // ISO YYYY-MM-DD; absent = never retires
  std::vector<std::string> host_names;     // SimGrid host names, in index order
};

// A logical cluster: one system type at one site.
struct Cluster {
  std::string name;      // unique in the fleet, e.g. "abilene.gb200"
  std::string site;
  std::string provider;
  std::string vendor;
  std::string system;    // catalogue system type, e.g. "gb200_nvl72"
  int accelerators_per_host = 1;
  std::vector<PState> pstates;  // pstate 0 is the fastest
  double off_w = 0;
  double peak_flops_bf16 = 0;  // dense, per accelerator
  double peak_flops_fp8 = 0;
  double peak_flops_fp4 = 0;
  double mem_bytes = 0;           // per accelerator
  double mem_bw_bytes_per_s = 0;  // per accelerator
  double failures_per_host_year = 0;
  std::vector<Tranche> tranches;

  int64_t num_hosts() const;
  int64_t num_accelerators() const { return num_hosts() * accelerators_per_host; }
};

struct Site {
  std::string name;
  std::string provider;
  std::string location;
  double power_cap_w = 0;  // facility cap; 0 = uncapped
  double pue = 1.0;
  std::vector<int> clusters;  // indices into Fleet::clusters
};

struct Fleet {
  std::string source_path;
  std::vector<Site> sites;
  std::vector<Cluster> clusters;

  int FindCluster(const std::string& name) const;  // -1 if absent
  int FindSite(const std::string& name) const;     // -1 if absent
};

}  // namespace fleetsim::platform

#endif  // FLEETSIM_SIM_PLATFORM_FLEET_H_
