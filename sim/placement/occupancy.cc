#include "sim/placement/occupancy.h"

#include <algorithm>
#include <bit>

namespace fleetsim::placement {

Occupancy::Occupancy(const std::vector<int64_t>& cluster_hosts, const std::vector<int>& cores) {
  const int nc = static_cast<int>(cluster_hosts.size());
  first_host_.assign(nc + 1, 0);
  online_acc_.assign(nc, 0);
  held_acc_.assign(nc, 0);
  free_acc_.assign(nc, 0);
  for (int c = 0; c < nc; ++c) {
    first_host_[c] = static_cast<int>(hosts_.size());
    for (int64_t i = 0; i < cluster_hosts[c]; ++i) hosts_.push_back(Host{c, cores[c], 0, true, false});
    online_acc_[c] = free_acc_[c] = cluster_hosts[c] * cores[c];
  }
  first_host_[nc] = static_cast<int>(hosts_.size());
  room_.assign((hosts_.size() + 63) / 64, 0);
  for (int h = 0; h < num_hosts(); ++h) UpdateBit(h);
}

void Occupancy::UpdateBit(int h) {
  const Host& x = hosts_[h];
  const uint64_t bit = uint64_t{1} << (h & 63);
  if (Available(x) && x.held < x.cores) {
    room_[h >> 6] |= bit;
  } else {
    room_[h >> 6] &= ~bit;
  }
}

Placement Occupancy::Find(int cluster, int64_t need, bool one_host) const {
  Placement out;
  if (need <= 0 || free_acc_[cluster] < need) return out;
  const int begin = first_host_[cluster], end = first_host_[cluster + 1];
  // Visits available hosts with room in index order until `visit` returns false.
  auto scan = [&](auto visit) {
    for (int w = begin >> 6; w <= (end - 1) >> 6; ++w) {
      uint64_t bits = room_[w];
      while (bits != 0) {
        const int h = (w << 6) + std::countr_zero(bits);
        bits &= bits - 1;
        if (h < begin) continue;
        if (h >= end) return;
        if (!visit(h)) return;
      }
    }
  };
  if (one_host) {
    int found = -1;
    scan([&](int h) {
      if (hosts_[h].cores - hosts_[h].held >= need) {
        found = h;
        return false;
      }
      return true;
    });
    if (found >= 0) return {{found, static_cast<int>(need)}};
  }
  int64_t left = need;
  // Room for the hosts a compact placement takes (a cluster's hosts have one core count), plus a
  // few partly held ones; a fragmented cluster grows the vector. Not the cluster's host count:
  // the placement is kept for the job's lifetime (5,000 rack-scale jobs held 200 MB of spare
  // capacity that way in the fleet-year benchmark).
  const int64_t cores = std::max(1, hosts_[begin].cores);
  out.reserve(static_cast<size_t>(std::min<int64_t>((need + cores - 1) / cores + 8, end - begin)));
  scan([&](int h) {
    const int take = static_cast<int>(std::min<int64_t>(left, hosts_[h].cores - hosts_[h].held));
    out.emplace_back(h, take);
    left -= take;
    return left > 0;
  });
  if (left > 0) out.clear();  // unreachable while free_acc_ is exact; kept for safety
  return out;
}

void Occupancy::Hold(const Placement& p) {
  for (auto [h, k] : p) {
    Host& x = hosts_[h];
    x.held += k;
    held_acc_[x.cluster] += k;
    if (Available(x)) free_acc_[x.cluster] -= k;
    UpdateBit(h);
  }
}

void Occupancy::Release(const Placement& p) {
  for (auto [h, k] : p) {
    Host& x = hosts_[h];
    x.held -= k;
    held_acc_[x.cluster] -= k;
    if (Available(x)) free_acc_[x.cluster] += k;
    UpdateBit(h);
  }
}

void Occupancy::SetOnline(int h, bool online) {
  Host& x = hosts_[h];
  if (x.online == online) return;
  if (online) {
    x.online = true;
    x.retiring = false;  // was offline: not counted in retiring_online_
    online_acc_[x.cluster] += x.cores;
    free_acc_[x.cluster] += x.cores - x.held;
  } else {
    if (Available(x)) free_acc_[x.cluster] -= x.cores - x.held;
    if (x.retiring) --retiring_online_;
    x.online = false;
    online_acc_[x.cluster] -= x.cores;
  }
  UpdateBit(h);
}

void Occupancy::SetRetiring(int h) {
  Host& x = hosts_[h];
  if (x.retiring || !x.online) return;
  free_acc_[x.cluster] -= x.cores - x.held;
  x.retiring = true;
  ++retiring_online_;
  UpdateBit(h);
}

}  // namespace fleetsim::placement
