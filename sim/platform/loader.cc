#include "sim/platform/loader.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <simgrid/s4u.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace fleetsim::platform {
namespace sg = simgrid::s4u;

absl::Status LoadPlatformFile(sg::Engine& engine, const std::string& path) {
  try {
    engine.load_platform(path);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PState>> ParseWattages(const std::string& text,
                                                  const std::vector<double>& speeds_flops) {
  std::vector<PState> out;
  std::vector<std::string> states = absl::StrSplit(text, ',');
  if (states.size() != speeds_flops.size()) {
    return absl::InvalidArgumentError(absl::StrCat("wattage_per_state has ", states.size(),
                                                   " pstates but speed has ", speeds_flops.size()));
  }
  for (size_t i = 0; i < states.size(); ++i) {
    std::vector<std::string> w = absl::StrSplit(absl::StripAsciiWhitespace(states[i]), ':');
    std::vector<double> v;
    for (auto& s : w) {
      double d;
      if (!absl::SimpleAtod(absl::StripAsciiWhitespace(s), &d) || d < 0 || !std::isfinite(d)) {
        return absl::InvalidArgumentError(absl::StrCat("wattage_per_state: bad number '", s, "'"));
      }
      v.push_back(d);
    }
    PState p;
    p.speed_flops = speeds_flops[i];
    if (v.size() == 3) {
      p.idle_w = v[0], p.epsilon_w = v[1], p.full_w = v[2];
    } else if (v.size() == 2) {
      p.idle_w = v[0], p.epsilon_w = v[1], p.full_w = v[1];
    } else {
      return absl::InvalidArgumentError("wattage_per_state: each pstate needs idle:epsilon:full");
    }
    out.push_back(p);
  }
  return out;
}

namespace {

std::string Prop(const sg::Host* h, const char* key) {
  const char* v = h->get_property(key);
  return v ? std::string(v) : std::string();
}

absl::Status PropError(const std::string& path, const std::string& zone, const std::string& key,
                       const std::string& msg) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": cluster ", zone, ": ", key, ": ", msg));
}

absl::StatusOr<double> NumProp(const sg::Host* h, const std::string& path, const std::string& zone,
                               const char* key, bool required) {
  std::string v = Prop(h, key);
  if (v.empty()) {
    if (required) return PropError(path, zone, key, "missing property");
    return 0.0;
  }
  double d;
  if (!absl::SimpleAtod(v, &d) || !std::isfinite(d) || d < 0) {
    return PropError(path, zone, key, absl::StrCat("must be a number >= 0, got '", v, "'"));
  }
  return d;
}

int64_t HostIndex(const std::string& name) {
  size_t dash = name.rfind('-');
  int64_t i = 0;
  if (dash != std::string::npos && absl::SimpleAtoi(name.substr(dash + 1), &i)) return i;
  return 0;
}

// The hosts of one tranche (a SimGrid zone) and its sort key.
struct TrancheHosts {
  std::string zone;
  std::vector<sg::Host*> hosts;
  std::string online;  // "" = online from the start
  int64_t index = -1;  // the zone id's trailing number (SITE.CLUSTER.tN -> N), -1 if none
};

int64_t TrailingNumber(const std::string& id) {
  size_t start = id.size();
  while (start > 0 && id[start - 1] >= '0' && id[start - 1] <= '9') --start;
  int64_t n = -1;
  if (start == id.size() || !absl::SimpleAtoi(id.substr(start), &n)) return -1;
  return n;
}

// Tranches in build-out order: online from the start first, then by online date (ISO dates
// compare as text), then by the numeric index of the zone id (t2 before t10), then by id.
bool TrancheBefore(const TrancheHosts& a, const TrancheHosts& b) {
  if (a.online != b.online) return a.online < b.online;
  if (a.index != b.index) return a.index < b.index;
  return a.zone < b.zone;
}

}  // namespace

absl::StatusOr<Fleet> ReadFleet(const sg::Engine& engine, const std::string& path,
                                std::vector<std::vector<std::vector<sg::Host*>>>* hosts_out) {
  Fleet fleet;
  fleet.source_path = path;
  // cluster name -> (zone id -> hosts)
  std::map<std::string, std::map<std::string, std::vector<sg::Host*>>> groups;
  for (sg::Host* h : engine.get_all_hosts()) {
    std::string cname = Prop(h, "fleetsim.cluster");
    if (cname.empty()) continue;
    groups[cname][h->get_englobing_zone()->get_name()].push_back(h);
  }
  for (auto& [cname, zones] : groups) {
    std::vector<TrancheHosts> tranches;
    for (auto& [zone, hosts] : zones) {
      std::sort(hosts.begin(), hosts.end(), [](sg::Host* a, sg::Host* b) {
        return HostIndex(a->get_name()) < HostIndex(b->get_name());
      });
      std::string online = Prop(hosts.front(), "fleetsim.online");
      tranches.push_back({zone, std::move(hosts), std::move(online), TrailingNumber(zone)});
    }
    std::sort(tranches.begin(), tranches.end(), TrancheBefore);
    Cluster c;
    c.name = cname;
    bool first = true;
    std::vector<std::vector<sg::Host*>> tranche_hosts;
    for (const TrancheHosts& th : tranches) {
      const std::string& zone = th.zone;
      const std::vector<sg::Host*>& hosts = th.hosts;
      const sg::Host* h = hosts.front();
      if (first) {
        first = false;
        c.site = Prop(h, "fleetsim.site");
        c.provider = Prop(h, "fleetsim.provider");
        c.vendor = Prop(h, "fleetsim.vendor");
        c.system = Prop(h, "fleetsim.system");
        if (c.site.empty()) return PropError(path, zone, "fleetsim.site", "missing property");
        if (c.vendor.empty()) return PropError(path, zone, "fleetsim.vendor", "missing property");
        if (c.system.empty()) return PropError(path, zone, "fleetsim.system", "missing property");
        c.accelerators_per_host = h->get_core_count();
        std::vector<double> speeds;
        for (unsigned long p = 0; p < h->get_pstate_count(); ++p) speeds.push_back(h->get_pstate_speed(p));
        std::string w = Prop(h, "wattage_per_state");
        if (w.empty()) return PropError(path, zone, "wattage_per_state", "missing property");
        auto ps = ParseWattages(w, speeds);
        if (!ps.ok()) return PropError(path, zone, "wattage_per_state", std::string(ps.status().message()));
        c.pstates = *ps;
        auto off = NumProp(h, path, zone, "wattage_off", false);
        if (!off.ok()) return off.status();
        c.off_w = *off;
        auto bf16 = NumProp(h, path, zone, "fleetsim.peak_flops_bf16", false);
        auto fp8 = NumProp(h, path, zone, "fleetsim.peak_flops_fp8", false);
        auto fp4 = NumProp(h, path, zone, "fleetsim.peak_flops_fp4", false);
        auto mem = NumProp(h, path, zone, "fleetsim.mem_bytes", false);
        auto bw = NumProp(h, path, zone, "fleetsim.mem_bw_bytes_per_s", false);
        auto fr = NumProp(h, path, zone, "fleetsim.failures_per_host_year", false);
        for (auto* s : {&bf16, &fp8, &fp4, &mem, &bw, &fr}) {
          if (!s->ok()) return s->status();
        }
        c.peak_flops_bf16 = *bf16, c.peak_flops_fp8 = *fp8, c.peak_flops_fp4 = *fp4;
        c.mem_bytes = *mem, c.mem_bw_bytes_per_s = *bw, c.failures_per_host_year = *fr;
      } else if (Prop(h, "fleetsim.site") != c.site || Prop(h, "fleetsim.system") != c.system ||
                 static_cast<int>(h->get_core_count()) != c.accelerators_per_host) {
        return PropError(path, zone, "fleetsim.cluster",
                         absl::StrCat("tranche of '", cname,
                                      "' differs in site, system or accelerators per host"));
      }
      Tranche t;
      t.zone_id = zone;
      t.num_hosts = static_cast<int64_t>(hosts.size());
      std::string on = Prop(h, "fleetsim.online"), off = Prop(h, "fleetsim.retire");
      if (!on.empty()) t.online_date = on;
      if (!off.empty()) t.retire_date = off;
      for (auto* x : hosts) t.host_names.push_back(x->get_name());
      c.tranches.push_back(std::move(t));
      tranche_hosts.push_back(hosts);
    }
    int site = fleet.FindSite(c.site);
    if (site < 0) {
      Site s;
      s.name = c.site;
      s.provider = c.provider;
      // Site properties live on the site zone (the cluster zone's parent) when present.
      const sg::NetZone* z = tranches.front().hosts.front()->get_englobing_zone()->get_parent();
      if (z != nullptr) {
        auto get = [&](const char* k) {
          const char* v = z->get_property(k);
          return v ? std::string(v) : std::string();
        };
        if (!get("fleetsim.provider").empty()) s.provider = get("fleetsim.provider");
        s.location = get("fleetsim.location");
        double d;
        std::string cap = get("fleetsim.power_cap_w"), pue = get("fleetsim.pue");
        if (!cap.empty()) {
          if (!absl::SimpleAtod(cap, &d) || d < 0) {
            return PropError(path, z->get_name(), "fleetsim.power_cap_w", "must be a number >= 0");
          }
          s.power_cap_w = d;
        }
        if (!pue.empty()) {
          if (!absl::SimpleAtod(pue, &d) || d < 1) {
            return PropError(path, z->get_name(), "fleetsim.pue", "must be a number >= 1");
          }
          s.pue = d;
        }
      }
      fleet.sites.push_back(s);
      site = static_cast<int>(fleet.sites.size()) - 1;
    }
    fleet.sites[site].clusters.push_back(static_cast<int>(fleet.clusters.size()));
    fleet.clusters.push_back(std::move(c));
    if (hosts_out) hosts_out->push_back(std::move(tranche_hosts));
  }
  if (fleet.clusters.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no host carries fleetsim.cluster (see platforms/README.md)"));
  }
  return fleet;
}

}  // namespace fleetsim::platform
