#include "sim/platform/fleet.h"

namespace fleetsim::platform {

int64_t Cluster::num_hosts() const {
  int64_t n = 0;
  for (const auto& t : tranches) n += t.num_hosts;
  return n;
}

int Fleet::FindCluster(const std::string& name) const {
  for (size_t i = 0; i < clusters.size(); ++i) {
    if (clusters[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int Fleet::FindSite(const std::string& name) const {
  for (size_t i = 0; i < sites.size(); ++i) {
    if (sites[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace fleetsim::platform
