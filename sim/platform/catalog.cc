#include "sim/platform/catalog.h"

#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "sim/core/date.h"
#include "sim/core/io.h"
#include "sim/core/status.h"
#include "sim/core/yaml_reader.h"

namespace fleetsim::platform {
namespace {

constexpr double kTera = 1e12;
constexpr double kGiga = 1e9;

bool IsSlug(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

// The sequence under `key` of `m` (required unless `optional`); error if not a sequence.
absl::StatusOr<YAML::Node> Sequence(YamlMap& m, const std::string& key, bool optional = false) {
  YAML::Node n = m.Child(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (optional) return YAML::Node(YAML::NodeType::Sequence);
    return m.ErrorAt(key, "missing required field");
  }
  if (!n.IsSequence()) return InputError(PosOf(n, m.file()), m.FieldPath(key), "must be a list");
  return n;
}

std::string Index(const std::string& path, size_t i) { return absl::StrCat(path, "[", i, "]"); }

absl::StatusOr<std::vector<int>> SourceRefs(YamlMap& m) {
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node seq, Sequence(m, "sources", /*optional=*/false));
  std::vector<int> out;
  for (size_t i = 0; i < seq.size(); ++i) {
    FLEETSIM_ASSIGN_OR_RETURN(int64_t v,
                              YamlInt(seq[i], m.file(), Index(m.FieldPath("sources"), i), 1, 999));
    out.push_back(static_cast<int>(v));
  }
  if (out.empty()) return m.ErrorAt("sources", "must cite at least one source");
  return out;
}

absl::StatusOr<std::string> DateField(YamlMap& m, const std::string& key) {
  FLEETSIM_ASSIGN_OR_RETURN(std::string text, m.String(key));
  auto d = ParseIsoDate(text);
  if (!d.ok()) return m.ErrorAt(key, std::string(d.status().message()));
  return text;
}

absl::StatusOr<SystemSpec> ParseSystem(const YAML::Node& node, const std::string& file,
                                       const std::string& path) {
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap m, YamlMap::Make(node, file, path));
  SystemSpec s;
  FLEETSIM_ASSIGN_OR_RETURN(s.name, m.String("name"));
  if (!IsSlug(s.name)) return m.ErrorAt("name", "must match [a-z0-9_-]+");
  FLEETSIM_ASSIGN_OR_RETURN(s.vendor, m.String("vendor"));
  FLEETSIM_ASSIGN_OR_RETURN(s.description, m.String("description"));
  FLEETSIM_ASSIGN_OR_RETURN(int64_t accels, m.Int("accelerators_per_host", 1, 1000000));
  s.accelerators_per_host = static_cast<int>(accels);
  FLEETSIM_ASSIGN_OR_RETURN(double bf16, m.Double("peak_tflops_bf16", 1e-3, 1e9));
  FLEETSIM_ASSIGN_OR_RETURN(double fp8, m.Double("peak_tflops_fp8", 0, 1e9));
  FLEETSIM_ASSIGN_OR_RETURN(double fp4, m.Double("peak_tflops_fp4", 0, 1e9));
  s.peak_flops_bf16 = bf16 * kTera;
  s.peak_flops_fp8 = fp8 * kTera;
  s.peak_flops_fp4 = fp4 * kTera;
  FLEETSIM_ASSIGN_OR_RETURN(double mem_gb, m.Double("mem_gb", 1e-3, 1e9));
  FLEETSIM_ASSIGN_OR_RETURN(double mem_bw, m.Double("mem_bw_tb_per_s", 1e-3, 1e9));
  FLEETSIM_ASSIGN_OR_RETURN(double net_gbit, m.Double("scale_out_gbit_per_s_per_host", 1e-3, 1e9));
  s.mem_bytes = mem_gb * kGiga;
  s.mem_bw_bytes_per_s = mem_bw * kTera;
  s.scale_out_bw_bytes_per_s = net_gbit * kGiga / 8;
  FLEETSIM_ASSIGN_OR_RETURN(s.off_w, m.Double("off_w", 0, 1e9));
  FLEETSIM_ASSIGN_OR_RETURN(s.failures_per_host_year, m.Double("failures_per_host_year", 0, 1e6));

  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node ps, Sequence(m, "pstates"));
  const std::string ps_path = m.FieldPath("pstates");
  if (ps.size() < 3) {
    return InputError(PosOf(ps, file), ps_path,
                      absl::StrCat("needs at least 3 pstates, got ", ps.size()));
  }
  for (size_t i = 0; i < ps.size(); ++i) {
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap pm, YamlMap::Make(ps[i], file, Index(ps_path, i)));
    PStateSpec p;
    FLEETSIM_ASSIGN_OR_RETURN(p.speed_factor, pm.Double("speed_factor", 1e-3, 1.0));
    FLEETSIM_ASSIGN_OR_RETURN(p.idle_w, pm.Double("idle_w", 0, 1e9));
    FLEETSIM_ASSIGN_OR_RETURN(p.full_w, pm.Double("full_w", 0, 1e9));
    FLEETSIM_RETURN_IF_ERROR(pm.Finish());
    if (p.full_w < p.idle_w) {
      return pm.ErrorAt("full_w",
                        absl::StrCat("must be >= idle_w (", p.idle_w, "), got ", p.full_w));
    }
    if (i == 0 && p.speed_factor != 1.0) {
      return pm.ErrorAt("speed_factor", "pstate 0 must have speed_factor 1");
    }
    if (i > 0 && p.speed_factor >= s.pstates.back().speed_factor) {
      return pm.ErrorAt("speed_factor", "must be below the previous pstate's");
    }
    if (i > 0 && p.full_w > s.pstates.back().full_w) {
      return pm.ErrorAt("full_w", "must not exceed the previous pstate's");
    }
    s.pstates.push_back(p);
  }
  if (s.off_w > s.pstates.back().idle_w) {
    return m.ErrorAt("off_w", "must not exceed the idle power of the slowest pstate");
  }
  FLEETSIM_ASSIGN_OR_RETURN(s.sources, SourceRefs(m));
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  return s;
}

absl::StatusOr<PhaseSpec> ParsePhase(const YAML::Node& node, const std::string& file,
                                     const std::string& path, const SiteSpec& site,
                                     const SystemSpec& sys) {
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap m, YamlMap::Make(node, file, path));
  PhaseSpec p;
  if (m.Has("online")) {
    FLEETSIM_ASSIGN_OR_RETURN(p.online_date, DateField(m, "online"));
  } else {
    m.Child("online");
  }
  if (m.Has("retire")) {
    FLEETSIM_ASSIGN_OR_RETURN(p.retire_date, DateField(m, "retire"));
    if (p.online_date && *p.retire_date <= *p.online_date) {
      return m.ErrorAt("retire", absl::StrCat("must be after online (", *p.online_date, ")"));
    }
  } else {
    m.Child("retire");
  }
  const bool has_hosts = m.Has("hosts");
  const bool has_mw = m.Has("facility_mw");
  if (has_hosts == has_mw) {
    return InputError(m.Pos(), path, "give exactly one of hosts or facility_mw");
  }
  if (has_hosts) {
    FLEETSIM_ASSIGN_OR_RETURN(p.hosts, m.Int("hosts", 1, 100000000));
  } else {
    FLEETSIM_ASSIGN_OR_RETURN(double mw, m.Double("facility_mw", 1e-3, 1e6));
    p.facility_mw = mw;
    double hosts = std::floor(mw * 1e6 / site.pue / sys.pstates[0].full_w);
    p.hosts = std::max<int64_t>(1, static_cast<int64_t>(hosts));
  }
  FLEETSIM_ASSIGN_OR_RETURN(p.note, m.String("note", ""));
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  return p;
}

absl::StatusOr<SiteSpec> ParseSite(const YAML::Node& node, const std::string& file,
                                   const std::string& path, const Catalog& cat) {
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap m, YamlMap::Make(node, file, path));
  SiteSpec s;
  FLEETSIM_ASSIGN_OR_RETURN(s.name, m.String("name"));
  if (!IsSlug(s.name)) return m.ErrorAt("name", "must match [a-z0-9_-]+");
  FLEETSIM_ASSIGN_OR_RETURN(s.provider, m.String("provider"));
  if (!IsSlug(s.provider)) return m.ErrorAt("provider", "must match [a-z0-9_-]+");
  FLEETSIM_ASSIGN_OR_RETURN(s.operator_name, m.String("operator"));
  FLEETSIM_ASSIGN_OR_RETURN(s.location, m.String("location"));
  FLEETSIM_ASSIGN_OR_RETURN(s.power_cap_mw, m.Double("power_cap_mw", 1e-3, 1e6));
  FLEETSIM_ASSIGN_OR_RETURN(s.pue, m.Double("pue", 1.0, 3.0));
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node cl, Sequence(m, "clusters"));
  const std::string cl_path = m.FieldPath("clusters");
  std::set<std::string> names;
  for (size_t i = 0; i < cl.size(); ++i) {
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap cm, YamlMap::Make(cl[i], file, Index(cl_path, i)));
    ClusterSpec c;
    FLEETSIM_ASSIGN_OR_RETURN(c.name, cm.String("name"));
    if (!IsSlug(c.name)) return cm.ErrorAt("name", "must match [a-z0-9_-]+");
    if (!names.insert(c.name).second) return cm.ErrorAt("name", "duplicate cluster name in site");
    FLEETSIM_ASSIGN_OR_RETURN(c.system, cm.String("system"));
    const SystemSpec* sys = cat.FindSystem(c.system);
    if (sys == nullptr) {
      return cm.ErrorAt("system",
                        absl::StrCat("unknown system '", c.system, "' (not in systems.yaml)"));
    }
    FLEETSIM_ASSIGN_OR_RETURN(YAML::Node ph, Sequence(cm, "phases"));
    if (ph.size() == 0) return cm.ErrorAt("phases", "needs at least one phase");
    for (size_t j = 0; j < ph.size(); ++j) {
      FLEETSIM_ASSIGN_OR_RETURN(PhaseSpec p,
                                ParsePhase(ph[j], file, Index(cm.FieldPath("phases"), j), s, *sys));
      c.phases.push_back(std::move(p));
    }
    FLEETSIM_RETURN_IF_ERROR(cm.Finish());
    s.clusters.push_back(std::move(c));
  }
  if (s.clusters.empty()) return m.ErrorAt("clusters", "needs at least one cluster");
  FLEETSIM_ASSIGN_OR_RETURN(s.sources, SourceRefs(m));
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  return s;
}

}  // namespace

const SystemSpec* Catalog::FindSystem(const std::string& name) const {
  for (const auto& s : systems) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<std::string> Catalog::Providers() const {
  std::vector<std::string> out;
  for (const auto& s : sites) {
    bool seen = false;
    for (const auto& p : out) seen = seen || p == s.provider;
    if (!seen) out.push_back(s.provider);
  }
  return out;
}

absl::StatusOr<Catalog> LoadCatalog(const std::string& dir) {
  // Read errors are input errors, as from LoadYamlFile.
  auto systems = ReadFile(dir + "/systems.yaml");
  if (!systems.ok()) return absl::InvalidArgumentError(std::string(systems.status().message()));
  auto sites = ReadFile(dir + "/sites.yaml");
  if (!sites.ok()) return absl::InvalidArgumentError(std::string(sites.status().message()));
  return ParseCatalog(*systems, *sites, dir);
}

absl::StatusOr<Catalog> ParseCatalog(const std::string& systems_text,
                                     const std::string& sites_text, const std::string& dir) {
  Catalog cat;
  cat.dir = dir;
  {
    const std::string file = dir + "/systems.yaml";
    FLEETSIM_ASSIGN_OR_RETURN(YAML::Node root, ParseYaml(systems_text, file));
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap m, YamlMap::Make(root, file, ""));
    FLEETSIM_ASSIGN_OR_RETURN(YAML::Node seq, Sequence(m, "systems"));
    for (size_t i = 0; i < seq.size(); ++i) {
      FLEETSIM_ASSIGN_OR_RETURN(SystemSpec s, ParseSystem(seq[i], file, Index("systems", i)));
      if (cat.FindSystem(s.name) != nullptr) {
        return InputError(PosOf(seq[i]["name"], file), Index("systems", i) + ".name",
                          absl::StrCat("duplicate system '", s.name, "'"));
      }
      cat.systems.push_back(std::move(s));
    }
    FLEETSIM_RETURN_IF_ERROR(m.Finish());
  }
  {
    const std::string file = dir + "/sites.yaml";
    FLEETSIM_ASSIGN_OR_RETURN(YAML::Node root, ParseYaml(sites_text, file));
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap m, YamlMap::Make(root, file, ""));
    FLEETSIM_ASSIGN_OR_RETURN(YAML::Node seq, Sequence(m, "sites"));
    std::set<std::string> names;
    for (size_t i = 0; i < seq.size(); ++i) {
      FLEETSIM_ASSIGN_OR_RETURN(SiteSpec s, ParseSite(seq[i], file, Index("sites", i), cat));
      if (!names.insert(s.name).second) {
        return InputError(PosOf(seq[i]["name"], file), Index("sites", i) + ".name",
                          absl::StrCat("duplicate site '", s.name, "'"));
      }
      cat.sites.push_back(std::move(s));
    }
    FLEETSIM_ASSIGN_OR_RETURN(YAML::Node comp, Sequence(m, "compositions"));
    for (size_t i = 0; i < comp.size(); ++i) {
      FLEETSIM_ASSIGN_OR_RETURN(YamlMap cm, YamlMap::Make(comp[i], file, Index("compositions", i)));
      CompositionSpec c;
      FLEETSIM_ASSIGN_OR_RETURN(c.name, cm.String("name"));
      if (!IsSlug(c.name)) return cm.ErrorAt("name", "must match [a-z0-9_-]+");
      FLEETSIM_ASSIGN_OR_RETURN(c.start_date, DateField(cm, "start"));
      FLEETSIM_ASSIGN_OR_RETURN(c.end_date, DateField(cm, "end"));
      if (c.end_date < c.start_date) return cm.ErrorAt("end", "must not be before start");
      FLEETSIM_RETURN_IF_ERROR(cm.Finish());
      cat.compositions.push_back(std::move(c));
    }
    FLEETSIM_ASSIGN_OR_RETURN(YAML::Node wan, Sequence(m, "wan_links", /*optional=*/true));
    std::set<std::pair<std::string, std::string>> pairs;
    for (size_t i = 0; i < wan.size(); ++i) {
      FLEETSIM_ASSIGN_OR_RETURN(YamlMap wm, YamlMap::Make(wan[i], file, Index("wan_links", i)));
      WanLinkSpec w;
      FLEETSIM_ASSIGN_OR_RETURN(YAML::Node ends, Sequence(wm, "sites"));
      if (ends.size() != 2) return wm.ErrorAt("sites", "must name exactly two sites");
      for (size_t k = 0; k < 2; ++k) {
        const std::string name = ends[k].IsScalar() ? ends[k].Scalar() : "";
        if (!names.count(name)) {
          return InputError(PosOf(ends[k], file), Index(wm.FieldPath("sites"), k),
                            absl::StrCat("unknown site '", name, "'"));
        }
        (k == 0 ? w.site_a : w.site_b) = name;
      }
      if (w.site_a == w.site_b) return wm.ErrorAt("sites", "must name two different sites");
      if (!pairs.insert(std::minmax(w.site_a, w.site_b)).second) {
        return wm.ErrorAt("sites", "these two sites are already linked");
      }
      FLEETSIM_ASSIGN_OR_RETURN(double gbit, wm.Double("gbit_per_s", 1e-3, 1e9));
      FLEETSIM_ASSIGN_OR_RETURN(double ms, wm.Double("latency_ms", 1e-6, 1e4));
      w.bw_bytes_per_s = gbit * 1e9 / 8;
      w.latency_s = ms * 1e-3;
      FLEETSIM_ASSIGN_OR_RETURN(w.sources, SourceRefs(wm));
      FLEETSIM_ASSIGN_OR_RETURN(std::string note, wm.String("note", ""));
      (void)note;
      FLEETSIM_RETURN_IF_ERROR(wm.Finish());
      cat.wan_links.push_back(std::move(w));
    }
    FLEETSIM_RETURN_IF_ERROR(m.Finish());
  }
  for (const auto& p : cat.Providers()) {
    for (const auto& c : cat.compositions) {
      if (p == c.name) {
        return absl::InvalidArgumentError(absl::StrCat(dir, "/sites.yaml: compositions: name '",
                                                       c.name, "' collides with a provider name"));
      }
    }
  }
  return cat;
}

}  // namespace fleetsim::platform
