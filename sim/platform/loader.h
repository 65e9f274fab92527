// Reads a loaded SimGrid platform into the typed Fleet view (the only SimGrid use in platform/).
#ifndef FLEETSIM_SIM_PLATFORM_LOADER_H_
#define FLEETSIM_SIM_PLATFORM_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/platform/fleet.h"

namespace simgrid::s4u {
class Engine;
class Host;
}  // namespace simgrid::s4u

namespace fleetsim::platform {

// Loads `path` into `engine` (which must have no platform yet). Parse errors become
// InvalidArgument "path:line: ...". Host attributes and energy properties on which SimGrid would
// abort the process (core < 1, malformed wattage_per_state or wattage_off) are checked first:
// "path:line: cluster|host ID: property: message". The fleetsim.* properties of a <cluster>
// (self-closing <prop/> tags) are set on the cluster's zone instead of being copied by SimGrid
// onto each of its hosts (about 1.6 KB per host); SimGrid's own properties stay on the hosts.
absl::Status LoadPlatformFile(simgrid::s4u::Engine& engine, const std::string& path);

// Builds the Fleet from the hosts' fleetsim.* properties (platforms/README.md; a host's own, else
// its zone's, where LoadPlatformFile puts those of a <cluster>). Hosts without
// fleetsim.cluster are ignored (e.g. helper hosts). Missing or malformed properties are errors
// naming the SimGrid zone and property. Clusters are ordered by name; a cluster's tranches in
// build-out order (online from the start first, then by fleetsim.online, then by the number
// ending the zone id, so SITE.CLUSTER.t2 comes before .t10); hosts by the number after the last
// '-'. `hosts[c][t][i]` receives the SimGrid host of cluster c, tranche t, index i, when non-null.
absl::StatusOr<Fleet> ReadFleet(const simgrid::s4u::Engine& engine, const std::string& path,
                                std::vector<std::vector<std::vector<simgrid::s4u::Host*>>>* hosts);

// Parses SimGrid's wattage_per_state ("idle:epsilon:full, ..."; "idle:full" means epsilon=full).
absl::StatusOr<std::vector<PState>> ParseWattages(const std::string& text,
                                                  const std::vector<double>& speeds_flops);

}  // namespace fleetsim::platform

#endif  // FLEETSIM_SIM_PLATFORM_LOADER_H_
