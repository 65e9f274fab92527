#include "sim/power/accountant.h"

#include "sim/power/model.h"

namespace fleetsim::power {

PowerAccountant::PowerAccountant(const platform::Fleet& fleet, const std::vector<int>& host_cluster)
    : fleet_(fleet), cluster_w_(fleet.clusters.size(), 0), shown_w_(fleet.clusters.size(), 0) {
  hosts_.resize(host_cluster.size());
  for (size_t h = 0; h < host_cluster.size(); ++h) {
    Host& x = hosts_[h];
    x.cluster = host_cluster[h];
    x.cores = fleet.clusters[x.cluster].accelerators_per_host;
    x.power_w = PowerOf(x);
    cluster_w_[x.cluster] += x.power_w;
  }
}

double PowerAccountant::PowerOf(const Host& h, double idle_w, double off_w) {
  if (!h.online) return off_w;
  if (h.held <= 0) return idle_w;
  return h.eps_sum_w / h.held + h.dyn_w;
}

double PowerAccountant::PowerOf(const Host& h) const {
  const auto& cl = fleet_.clusters[h.cluster];
  return PowerOf(h, cl.pstates[0].idle_w, cl.off_w);
}

void PowerAccountant::Settle(Host& h, double now_s) {
  if (now_s > h.last_s) {
    h.energy_j += h.power_w * (now_s - h.last_s);
    h.last_s = now_s;
  }
}

void PowerAccountant::Refresh(Host& h) {
  ++version_;
  if (h.held == 0) h.eps_sum_w = h.dyn_w = 0;  // no drift once empty
  const double w = PowerOf(h);
  cluster_w_[h.cluster] += w - h.power_w;
  h.power_w = w;
}

void PowerAccountant::Hold(int host, int k, int pstate, double activity, double now_s) {
  Host& h = hosts_[host];
  Settle(h, now_s);
  const auto& p = fleet_.clusters[h.cluster].pstates[pstate];
  h.held += k;
  h.eps_sum_w += k * p.epsilon_w;
  h.dyn_w += k * activity * AcceleratorSlopeW(p, h.cores);
  Refresh(h);
}

void PowerAccountant::Release(int host, int k, int pstate, double activity, double now_s) {
  Host& h = hosts_[host];
  Settle(h, now_s);
  const auto& p = fleet_.clusters[h.cluster].pstates[pstate];
  h.held -= k;
  h.eps_sum_w -= k * p.epsilon_w;
  h.dyn_w -= k * activity * AcceleratorSlopeW(p, h.cores);
  Refresh(h);
}

void PowerAccountant::AddAll(const placement::Placement& pl, int sign, int pstate,
                            double activity, double now_s) {
  // The hot path of a job start or end (O(hosts)): per run of hosts of one cluster, the pstate
  // and cluster constants are looked up once and the cluster total is kept in a register, added
  // to host by host in order (the same sums, so the same bits, as Hold/Release).
  ++version_;
  const size_t n = pl.size();
  size_t i = 0;
  while (i < n) {
    const int cluster = hosts_[pl[i].first].cluster;
    const auto& cl = fleet_.clusters[cluster];
    const auto& p = cl.pstates[pstate];
    const double eps_w = sign * p.epsilon_w;
    const double dyn_w = sign * activity * AcceleratorSlopeW(p, cl.accelerators_per_host);
    const double idle_w = cl.pstates[0].idle_w, off_w = cl.off_w;
    double total_w = cluster_w_[cluster];
    for (; i < n; ++i) {
      const auto [host, k] = pl[i];
      Host& h = hosts_[host];
      if (h.cluster != cluster) break;
      Settle(h, now_s);
      h.held += sign * k;
      h.eps_sum_w += k * eps_w;
      h.dyn_w += k * dyn_w;
      if (h.held == 0) h.eps_sum_w = h.dyn_w = 0;  // no drift once empty
      const double w = PowerOf(h, idle_w, off_w);
      total_w += w - h.power_w;
      h.power_w = w;
    }
    cluster_w_[cluster] = total_w;
  }
}

void PowerAccountant::HoldAll(const placement::Placement& pl, int pstate, double activity,
                              double now_s) {
  AddAll(pl, +1, pstate, activity, now_s);
}

void PowerAccountant::ReleaseAll(const placement::Placement& pl, int pstate, double activity,
                                 double now_s) {
  AddAll(pl, -1, pstate, activity, now_s);
}

void PowerAccountant::Change(const placement::Placement& pl, int old_pstate, double old_activity,
                             int new_pstate, double new_activity, double now_s) {
  for (auto [host, k] : pl) {
    Host& h = hosts_[host];
    Settle(h, now_s);
    const auto& cl = fleet_.clusters[h.cluster];
    const auto& po = cl.pstates[old_pstate];
    const auto& pn = cl.pstates[new_pstate];
    h.eps_sum_w += k * (pn.epsilon_w - po.epsilon_w);
    h.dyn_w += k * (new_activity * AcceleratorSlopeW(pn, h.cores) -
                    old_activity * AcceleratorSlopeW(po, h.cores));
    Refresh(h);
  }
}

void PowerAccountant::SetOnline(int host, bool online, double now_s) {
  Host& h = hosts_[host];
  if (h.online == online) return;
  Settle(h, now_s);
  h.online = online;
  Refresh(h);
}

void PowerAccountant::AddEnergyJ(int host, double energy_j) { hosts_[host].energy_j += energy_j; }

void PowerAccountant::AddShownPowerW(int cluster, double delta_w) { shown_w_[cluster] += delta_w; }

double PowerAccountant::HostEnergyJ(int host, double now_s) const {
  const Host& h = hosts_[host];
  return h.energy_j + (now_s > h.last_s ? h.power_w * (now_s - h.last_s) : 0.0);
}

double PowerAccountant::SiteItPowerW(int site) const {
  double w = 0;
  for (int c : fleet_.sites[site].clusters) w += cluster_power_w(c);
  return w;
}

double PowerAccountant::SiteHostItPowerW(int site) const {
  double w = 0;
  for (int c : fleet_.sites[site].clusters) w += cluster_w_[c];
  return w;
}

double PowerAccountant::TenantPowerW(const placement::Placement& pl, int held_pstate,
                                     int at_pstate) const {
  double w = 0;
  for (auto [host, k] : pl) {
    Host h = hosts_[host];
    const auto& cl = fleet_.clusters[h.cluster];
    const auto& held = cl.pstates[held_pstate];
    h.held -= k;
    h.eps_sum_w -= k * held.epsilon_w;
    h.dyn_w -= k * AcceleratorSlopeW(held, h.cores);
    if (h.held == 0) h.eps_sum_w = h.dyn_w = 0;
    const double without = PowerOf(h);
    const auto& at = cl.pstates[at_pstate];
    h.held += k;
    h.eps_sum_w += k * at.epsilon_w;
    h.dyn_w += k * AcceleratorSlopeW(at, h.cores);
    w += PowerOf(h) - without;
  }
  return w;
}

double PowerAccountant::AddedPowerW(const placement::Placement& pl, int pstate) const {
  double added = 0;
  for (auto [host, k] : pl) {
    Host h = hosts_[host];
    const double before = PowerOf(h);
    const auto& p = fleet_.clusters[h.cluster].pstates[pstate];
    h.held += k;
    h.eps_sum_w += k * p.epsilon_w;
    h.dyn_w += k * AcceleratorSlopeW(p, h.cores);
    added += PowerOf(h) - before;
  }
  return added;
}

}  // namespace fleetsim::power
