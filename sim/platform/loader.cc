#include "sim/platform/loader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <simgrid/s4u.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "sim/core/date.h"
#include "sim/core/io.h"
#include "sim/core/status.h"

namespace fleetsim::platform {
namespace sg = simgrid::s4u;

absl::StatusOr<std::vector<PState>> ParseWattages(const std::string& text,
                                                  const std::vector<double>& speeds_flops) {
  std::vector<PState> out;
  std::vector<std::string> states = absl::StrSplit(text, ',');
  if (states.size() != speeds_flops.size()) {
    return absl::InvalidArgumentError(absl::StrCat("has ", states.size(), " pstates but speed has ",
                                                   speeds_flops.size()));
  }
  for (size_t i = 0; i < states.size(); ++i) {
    const std::string state(absl::StripAsciiWhitespace(states[i]));
    std::vector<std::string> w = absl::StrSplit(state, ':');
    if (w.size() != 2 && w.size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pstate ", i, ": expected idle:epsilon:full or idle:full, got '", state, "'"));
    }
    std::vector<double> v;
    for (auto& s : w) {
      double d;
      if (!absl::SimpleAtod(absl::StripAsciiWhitespace(s), &d) || d < 0 || !std::isfinite(d)) {
        return absl::InvalidArgumentError(
            absl::StrCat("pstate ", i, ": watts must be numbers >= 0, got '", s, "'"));
      }
      v.push_back(d);
    }
    PState p;
    p.speed_flops = speeds_flops[i];
    if (v.size() == 3) {
      p.idle_w = v[0], p.epsilon_w = v[1], p.full_w = v[2];
    } else {
      // SimGrid 3.32 reads the two-value form idle:full with epsilon = idle (measured: a host
      // at 1 of 8 cores busy on 100:900 draws 100 + 800 / 8 = 200 W).
      p.idle_w = v[0], p.epsilon_w = v[0], p.full_w = v[1];
    }
    out.push_back(p);
  }
  return out;
}

namespace {

// A minimal scan of the platform XML for the host attributes and energy properties that SimGrid
// 3.32 does not report as a catchable error: it aborts the process (xbt_assert) on core < 1 and
// on a wattage_per_state with the wrong number of pstates or of values per pstate, and names no
// file for non-numeric watts. Elements are read only as far as needed; anything this scan does
// not understand is left to SimGrid's parser, which reports it.
//
// It also finds the fleetsim.* properties of <cluster> elements (written as self-closing <prop/>
// tags without entities), which the loader moves from the hosts to the cluster's zone (see
// LoadPlatformFile).
class PlatformPrecheck {
 public:
  PlatformPrecheck(const std::string& text, const std::string& path) : text_(text), path_(path) {}

  // A fleetsim.* property of a <cluster>: its zone, key and value, and the byte span of its tag.
  struct ZoneProp {
    std::string zone, key, value;
    size_t begin = 0, end = 0;
  };
  const std::vector<ZoneProp>& cluster_props() const { return cluster_props_; }

  absl::Status Run() {
    size_t i = 0;
    while ((i = text_.find('<', i)) != std::string::npos) {
      if (text_.compare(i, 4, "<!--") == 0) {
        i = Skip(i, "-->");
      } else if (text_.compare(i, 2, "<?") == 0 || text_.compare(i, 2, "<!") == 0) {
        i = Skip(i, ">");
      } else {
        FLEETSIM_RETURN_IF_ERROR(Tag(&i));
      }
      if (i == std::string::npos) break;
    }
    return absl::OkStatus();
  }

 private:
  struct Element {
    std::string tag, id, speed, core;
    int line = 0;
    bool has_core = false;
    std::map<std::string, std::string> props;
  };

  // Index past the next `end` at or after `from` (npos if none).
  size_t Skip(size_t from, const char* end) {
    size_t e = text_.find(end, from);
    if (e == std::string::npos) return e;
    return e + std::string(end).size();
  }

  int LineAt(size_t pos) {
    for (; counted_ < pos && counted_ < text_.size(); ++counted_) line_ += text_[counted_] == '\n';
    return line_;
  }

  // Reads the tag starting at `*i` (text_[*i] == '<') and advances past it.
  absl::Status Tag(size_t* i) {
    const size_t start = *i;
    const int line = LineAt(*i);
    size_t p = *i + 1;
    const bool closing = p < text_.size() && text_[p] == '/';
    if (closing) ++p;
    size_t name_end = text_.find_first_of(" \t\r\n/>", p);
    if (name_end == std::string::npos) return (*i = name_end, absl::OkStatus());
    Element e;
    e.tag = text_.substr(p, name_end - p);
    e.line = line;
    p = name_end;
    bool self_closing = false;
    std::map<std::string, std::string> attrs;
    while (true) {
      p = text_.find_first_not_of(" \t\r\n", p);
      if (p == std::string::npos) return (*i = p, absl::OkStatus());
      if (text_[p] == '>') break;
      if (text_.compare(p, 2, "/>") == 0) {
        self_closing = true;
        ++p;
        break;
      }
      size_t eq = text_.find('=', p);
      if (eq == std::string::npos) return (*i = eq, absl::OkStatus());
      std::string key(absl::StripAsciiWhitespace(text_.substr(p, eq - p)));
      size_t q = text_.find_first_not_of(" \t\r\n", eq + 1);
      if (q == std::string::npos || (text_[q] != '"' && text_[q] != '\'')) {
        return (*i = std::string::npos, absl::OkStatus());  // SimGrid reports it
      }
      size_t q_end = text_.find(text_[q], q + 1);
      if (q_end == std::string::npos) return (*i = q_end, absl::OkStatus());
      attrs[key] = text_.substr(q + 1, q_end - q - 1);
      p = q_end + 1;
    }
    *i = p + 1;
    if (closing) {
      if (stack_.empty()) return absl::OkStatus();
      Element done = std::move(stack_.back());
      stack_.pop_back();
      return Check(done);
    }
    if (e.tag == "prop") {
      if (!stack_.empty()) {
        const std::string& key = attrs["id"];
        const std::string& value = attrs["value"];
        stack_.back().props[key] = value;
        if (self_closing && stack_.back().tag == "cluster" && key.rfind("fleetsim.", 0) == 0 &&
            attrs.size() == 2 && key.find('&') == std::string::npos &&
            value.find('&') == std::string::npos) {
          cluster_props_.push_back({stack_.back().id, key, value, start, *i});
        }
      }
      if (!self_closing) stack_.push_back(std::move(e));
      return absl::OkStatus();
    }
    e.id = attrs["id"];
    e.speed = attrs["speed"];
    e.has_core = attrs.count("core") > 0;
    e.core = attrs["core"];
    if (self_closing) return Check(e);
    stack_.push_back(std::move(e));
    return absl::OkStatus();
  }

  absl::Status Error(const Element& e, const std::string& field, const std::string& msg) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ":", e.line, ": ", e.tag, " ", e.id, ": ", field, ": ", msg));
  }

  absl::Status Check(const Element& e) const {
    if (e.tag != "host" && e.tag != "cluster") return absl::OkStatus();
    int64_t core = 0;
    if (e.has_core && absl::SimpleAtoi(e.core, &core) && core < 1) {
      return Error(e, "core", absl::StrCat("must be an integer >= 1, got '", e.core, "'"));
    }
    auto w = e.props.find("wattage_per_state");
    if (w != e.props.end()) {
      const size_t pstates = std::vector<std::string>(absl::StrSplit(e.speed, ',')).size();
      auto ps = ParseWattages(w->second, std::vector<double>(pstates, 0.0));
      if (!ps.ok()) return Error(e, "wattage_per_state", std::string(ps.status().message()));
    }
    auto off = e.props.find("wattage_off");
    double d = 0;
    if (off != e.props.end() && (!absl::SimpleAtod(off->second, &d) || !std::isfinite(d) || d < 0)) {
      return Error(e, "wattage_off", absl::StrCat("must be a number >= 0, got '", off->second, "'"));
    }
    return absl::OkStatus();
  }

  const std::string& text_;
  const std::string& path_;
  std::vector<Element> stack_;
  std::vector<ZoneProp> cluster_props_;
  size_t counted_ = 0;
  int line_ = 1;
};

}  // namespace

// SimGrid copies every property of a <cluster> onto each of its hosts (about 130 bytes per
// property and host: 240 MB for the 14 properties of the 135k hosts of the full 2030 fleet). The
// fleetsim.* properties describe the tranche, not the host, so SimGrid is given the file with
// those <prop/> tags blanked out (same lines and columns, for its error messages) and they are
// set once on the cluster's zone, where ReadFleet reads them. SimGrid's own properties
// (wattage_per_state, wattage_off) stay on the hosts.
absl::Status LoadPlatformFile(sg::Engine& engine, const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(std::string(text.status().message()));
  PlatformPrecheck pre(*text, path);
  FLEETSIM_RETURN_IF_ERROR(pre.Run());
  const auto& moved = pre.cluster_props();
  std::string load_path = path;
  int fd = -1;
  if (!moved.empty()) {
    std::string blanked = std::move(*text);
    for (const auto& m : moved) {
      for (size_t k = m.begin; k < m.end; ++k) {
        if (blanked[k] != '\n') blanked[k] = ' ';
      }
    }
    // An anonymous in-memory file; SimGrid opens it by its /proc path.
    fd = memfd_create("fleetsim-platform", MFD_CLOEXEC);
    if (fd < 0) {
      return absl::InternalError(absl::StrCat(path, ": memfd_create: ", std::strerror(errno)));
    }
    for (size_t off = 0; off < blanked.size();) {
      const ssize_t n = ::write(fd, blanked.data() + off, blanked.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(fd);
        return absl::InternalError(absl::StrCat(path, ": write: ", std::strerror(errno)));
      }
      off += static_cast<size_t>(n);
    }
    load_path = absl::StrCat("/proc/self/fd/", fd);
    // Files the platform names (traces) are looked up next to it, as for the file itself.
    const size_t slash = path.rfind('/');
    engine.set_config(absl::StrCat("path:", slash == std::string::npos ? "." : path.substr(0, slash)));
  }
  absl::Status st = absl::OkStatus();
  try {
    engine.load_platform(load_path);
  } catch (const std::exception& e) {
    st = absl::InvalidArgumentError(absl::StrReplaceAll(e.what(), {{load_path, path}}));
  }
  if (fd >= 0) ::close(fd);
  FLEETSIM_RETURN_IF_ERROR(st);
  for (const auto& m : moved) {
    if (sg::NetZone* z = engine.netzone_by_name_or_null(m.zone)) z->set_property(m.key, m.value);
  }
  return absl::OkStatus();
}

namespace {

// A host's property, else its zone's (where LoadPlatformFile puts a <cluster>'s fleetsim.*).
std::string Prop(const sg::Host* h, const char* key) {
  const char* v = h->get_property(key);
  if (v == nullptr) v = h->get_englobing_zone()->get_property(key);
  return v ? std::string(v) : std::string();
}

absl::Status PropError(const std::string& path, const std::string& zone, const std::string& key,
                       const std::string& msg) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": cluster ", zone, ": ", key, ": ", msg));
}

absl::Status SiteError(const std::string& path, const std::string& zone, const std::string& key,
                       const std::string& msg) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": site ", zone, ": ", key, ": ", msg));
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

int64_t HostIndex(absl::string_view name) {
  size_t dash = name.rfind('-');
  int64_t i = 0;
  if (dash != absl::string_view::npos && absl::SimpleAtoi(name.substr(dash + 1), &i)) return i;
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
      // Host order by the index in the name, each name read once (decorate, sort, undecorate).
      std::vector<std::pair<int64_t, sg::Host*>> keyed;
      keyed.reserve(hosts.size());
      for (sg::Host* h : hosts) keyed.emplace_back(HostIndex(h->get_name()), h);
      std::stable_sort(keyed.begin(), keyed.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (size_t i = 0; i < keyed.size(); ++i) hosts[i] = keyed[i].second;
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
      int64_t on_day = 0, off_day = 0;
      if (!on.empty()) {
        auto d = ParseIsoDate(on);
        if (!d.ok()) return PropError(path, zone, "fleetsim.online", std::string(d.status().message()));
        on_day = *d;
        t.online_date = on;
      }
      if (!off.empty()) {
        auto d = ParseIsoDate(off);
        if (!d.ok()) return PropError(path, zone, "fleetsim.retire", std::string(d.status().message()));
        off_day = *d;
        if (!on.empty() && off_day <= on_day) {
          return PropError(path, zone, "fleetsim.retire",
                           absl::StrCat("'", off, "' must be after fleetsim.online '", on, "'"));
        }
        t.retire_date = off;
      }
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
          if (!absl::SimpleAtod(cap, &d) || !std::isfinite(d) || d < 0) {
            return SiteError(path, z->get_name(), "fleetsim.power_cap_w",
                             absl::StrCat("must be a number >= 0, got '", cap, "'"));
          }
          s.power_cap_w = d;
        }
        if (!pue.empty()) {
          if (!absl::SimpleAtod(pue, &d) || !std::isfinite(d) || d < 1) {
            return SiteError(path, z->get_name(), "fleetsim.pue",
                             absl::StrCat("must be a number >= 1, got '", pue, "'"));
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
