// The fleet catalogue: system types (systems.yaml) and sites with build-out phases (sites.yaml).
//
// Plain C++ (no SimGrid). LoadCatalog() reads `<dir>/systems.yaml` and `<dir>/sites.yaml`
// strictly: unknown keys, missing fields, out-of-range numbers, bad dates and references to
// unknown systems are errors with one line "file:line:col: field.path: message". The schema with
// units is documented in platforms/README.md; every number is sourced in platforms/SOURCES.md.
#ifndef FLEETSIM_SIM_PLATFORM_CATALOG_H_
#define FLEETSIM_SIM_PLATFORM_CATALOG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fleetsim::platform {

// One DVFS performance state of a system, as catalogued. Watts are per host (node, rack or
// system). speed_factor multiplies every peak FLOP/s of the system.
struct PStateSpec {
  double speed_factor = 1.0;  // (0, 1]; pstate 0 is 1.0 and factors strictly decrease
  double idle_w = 0;          // no accelerator busy
  double full_w = 0;          // every accelerator busy (>= idle_w)
};

// A system type: what one SimGrid host stands for (an 8-GPU node, an NVL72 rack, a CS-3).
struct SystemSpec {
  std::string name;    // catalogue key, e.g. "gb200_nvl72"
  std::string vendor;  // "NVIDIA", "AMD", "Cerebras"
  std::string description;
  int accelerators_per_host = 1;
  double peak_flops_bf16 = 0;           // dense, per accelerator, FLOP/s (> 0)
  double peak_flops_fp8 = 0;            // 0 = not supported
  double peak_flops_fp4 = 0;            // 0 = not supported
  double mem_bytes = 0;                 // per accelerator
  double mem_bw_bytes_per_s = 0;        // per accelerator
  double scale_out_bw_bytes_per_s = 0;  // per host, used as the SimGrid intra-cluster link bw
  double off_w = 0;                     // host switched off
  double failures_per_host_year = 0;
  std::vector<PStateSpec> pstates;  // >= 3, pstate 0 fastest
  std::vector<int> sources;         // reference numbers in platforms/SOURCES.md

  // Power with `busy` of the accelerators busy in pstate `p`: linear between idle_w (0 busy)
  // and full_w (all busy); the generator writes epsilon = idle (see power/model.h).
};

// A build-out phase of one logical cluster: one tranche of hosts that come online (and possibly
// retire) together. Exactly one of `hosts` or `facility_mw` is given in the catalogue; the
// catalogue loader resolves facility_mw into `hosts` with the documented rule
//   hosts = floor(facility_mw * 1e6 / site.pue / system.pstates[0].full_w)
// (at least 1).
struct PhaseSpec {
  std::optional<std::string> online_date;  // YYYY-MM-DD; absent = online from the start
  std::optional<std::string> retire_date;  // YYYY-MM-DD (> online); absent = never
  int64_t hosts = 0;                       // full-scale host count (resolved)
  std::optional<double> facility_mw;       // as given, if given in MW
  std::string note;                        // where the phase comes from (free text)
};

struct ClusterSpec {
  std::string name;    // short name, unique in its site, e.g. "gb200"
  std::string system;  // a SystemSpec name
  std::vector<PhaseSpec> phases;
  // Full name used in platforms: "<site>.<name>".
};

struct SiteSpec {
  std::string name;      // unique in the catalogue, [a-z0-9-]+
  std::string provider;  // output file key, [a-z0-9-]+ ("microsoft", "oracle", ...)
  std::string operator_name;
  std::string location;
  double power_cap_mw = 0;  // facility cap, MW (> 0)
  double pue = 1.15;        // [1, 3]
  std::vector<ClusterSpec> clusters;
  std::vector<int> sources;
};

// A fleet composition: every tranche online by `end_date` and not retired before `start_date`.
struct CompositionSpec {
  std::string name;        // e.g. "fleet-2026"
  std::string start_date;  // YYYY-MM-DD
  std::string end_date;    // YYYY-MM-DD
};

// A wide-area link joining two sites (runs that span sites: sim/engine/exchange.h). Full
// duplex; its bandwidth scales with the fleet like the host counts (platforms/README.md).
struct WanLinkSpec {
  std::string site_a, site_b;  // names of two different sites of the catalogue
  double bw_bytes_per_s = 0;   // each direction, at full scale (> 0)
  double latency_s = 0;        // one way (> 0)
  std::vector<int> sources;
};

struct Catalog {
  std::string dir;
  std::vector<SystemSpec> systems;
  std::vector<SiteSpec> sites;
  std::vector<CompositionSpec> compositions;
  std::vector<WanLinkSpec> wan_links;

  const SystemSpec* FindSystem(const std::string& name) const;  // nullptr if absent
  // Providers in first-appearance order of the sites.
  std::vector<std::string> Providers() const;
};

// Reads and validates `<dir>/systems.yaml` and `<dir>/sites.yaml`.
absl::StatusOr<Catalog> LoadCatalog(const std::string& dir);
// The same for the two files' text already in memory; `dir` names them in messages.
absl::StatusOr<Catalog> ParseCatalog(const std::string& systems_text,
                                     const std::string& sites_text, const std::string& dir);

}  // namespace fleetsim::platform

#endif  // FLEETSIM_SIM_PLATFORM_CATALOG_H_
