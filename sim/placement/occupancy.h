// Host occupancy and placement: which accelerators of which hosts are held, and where a new
// gang goes. Plain C++ (no SimGrid); the engine owns one Occupancy for the whole fleet.
//
// Hosts are numbered 0..n-1, cluster by cluster (each cluster's hosts are contiguous, in tranche
// then host order). A host is *available* when it is online and not retiring; its free
// accelerators are cores - held. Placement is first fit in host index order over available
// hosts with room, so it is deterministic and packs the low-numbered hosts first.
//
// Cost: Place is O(hosts it returns + 64-host words scanned); Release O(hosts released); every
// counter O(1). Memory: 24 bytes per host plus one bit per host.
#ifndef FLEETSIM_SIM_PLACEMENT_OCCUPANCY_H_
#define FLEETSIM_SIM_PLACEMENT_OCCUPANCY_H_

#include <cstdint>
#include <utility>
#include <vector>

namespace fleetsim::placement {

// (host index, accelerators taken there)
using Placement = std::vector<std::pair<int, int>>;

class Occupancy {
 public:
  // `cluster_hosts[c]` = number of hosts of cluster c, `cores[c]` = accelerators per host.
  // Every host starts online, nothing held.
  Occupancy(const std::vector<int64_t>& cluster_hosts, const std::vector<int>& cores);

  int num_clusters() const { return static_cast<int>(first_host_.size()) - 1; }
  int num_hosts() const { return static_cast<int>(hosts_.size()); }
  int first_host(int cluster) const { return first_host_[cluster]; }
  int cluster_of(int host) const { return hosts_[host].cluster; }
  int cores(int host) const { return hosts_[host].cores; }
  int held(int host) const { return hosts_[host].held; }
  bool host_online(int host) const { return hosts_[host].online; }
  bool retiring(int host) const { return hosts_[host].retiring; }
  // Hosts retiring and still online (they go offline once nothing is held).
  int64_t retiring_online() const { return retiring_online_; }

  // Accelerators of online hosts (retiring hosts count until they go offline).
  int64_t online(int cluster) const { return online_acc_[cluster]; }
  // Accelerators held by jobs and replicas.
  int64_t held_in(int cluster) const { return held_acc_[cluster]; }
  // Accelerators a new gang could take now: free accelerators of available hosts.
  int64_t free(int cluster) const { return free_acc_[cluster]; }

  // Chooses hosts for `need` accelerators of `cluster` without taking them; empty if there is
  // not enough room. `one_host`: the first host with room for all of them if there is one
  // (a tensor-parallel group), else first fit across hosts.
  Placement Find(int cluster, int64_t need, bool one_host = false) const;
  // Takes (or gives back) the accelerators of a placement.
  void Hold(const Placement& p);
  void Release(const Placement& p);

  // Build-out, retirement, failures. Going offline requires nothing held (callers retire busy
  // hosts with SetRetiring and take them offline when Release empties them).
  void SetOnline(int host, bool online);
  // A retiring host takes no new work; the caller takes it offline once nothing is held.
  void SetRetiring(int host);

 private:
  struct Host {
    int cluster = 0;
    int cores = 1;
    int held = 0;
    bool online = true;
    bool retiring = false;
  };
  bool Available(const Host& h) const { return h.online && !h.retiring; }
  void UpdateBit(int host);

  std::vector<Host> hosts_;
  std::vector<int> first_host_;       // per cluster, plus one past the end
  std::vector<uint64_t> room_;        // bit per host: available and held < cores
  std::vector<int64_t> online_acc_, held_acc_, free_acc_;
  int64_t retiring_online_ = 0;
};

}  // namespace fleetsim::placement

#endif  // FLEETSIM_SIM_PLACEMENT_OCCUPANCY_H_
