#include "sim/serve/deployment.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "sim/core/status.h"

namespace fleetsim::serve {
namespace {

absl::StatusOr<Deployment> ParseDeployment(YamlMap& m) {
  Deployment d;
  FLEETSIM_ASSIGN_OR_RETURN(d.model, m.String("model"));
  YAML::Node sys = m.Child("systems");
  if (sys.IsDefined() && !sys.IsNull()) {
    if (!sys.IsSequence()) {
      return InputError(PosOf(sys, m.file()), m.FieldPath("systems"), "must be a list");
    }
    for (size_t i = 0; i < sys.size(); ++i) {
      if (!sys[i].IsScalar() || sys[i].Scalar().empty()) {
        return InputError(PosOf(sys[i], m.file()),
                          absl::StrCat(m.FieldPath("systems"), "[", i, "]"),
                          "must be a system name");
      }
      d.systems.push_back(sys[i].Scalar());
    }
  }
  FLEETSIM_ASSIGN_OR_RETURN(int64_t tp, m.Int("tp", 1, 1 << 20, 1));
  FLEETSIM_ASSIGN_OR_RETURN(int64_t replicas, m.Int("replicas", 0, 1 << 24, 1));
  FLEETSIM_ASSIGN_OR_RETURN(int64_t prio, m.Int("priority", -1000000, 1000000, 100));
  d.tp = static_cast<int>(tp);
  d.replicas = static_cast<int>(replicas);
  d.priority = static_cast<int>(prio);
  if (m.Has("autoscale")) {
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap a, m.Map("autoscale"));
    d.autoscale = true;
    FLEETSIM_ASSIGN_OR_RETURN(int64_t mn, a.Int("min", 0, 1 << 24, 0));
    FLEETSIM_ASSIGN_OR_RETURN(int64_t mx, a.Int("max", 1, 1 << 24));
    if (mx < mn) return a.ErrorAt("max", absl::StrCat("must be >= min (", mn, ")"));
    d.policy.min_replicas = static_cast<int>(mn);
    d.policy.max_replicas = static_cast<int>(mx);
    FLEETSIM_ASSIGN_OR_RETURN(d.policy.target_utilization,
                              a.Double("target_utilization", 0.01, 1.0, 0.7));
    FLEETSIM_ASSIGN_OR_RETURN(d.policy.scale_down_hysteresis,
                              a.Double("hysteresis", 0.0, 10.0, 0.15));
    FLEETSIM_ASSIGN_OR_RETURN(d.drain_s, a.Double("drain_s", 1.0, 1e9, 600));
    FLEETSIM_ASSIGN_OR_RETURN(d.cooldown_s, a.Double("cooldown_s", 0.0, 1e9, 1800));
    FLEETSIM_ASSIGN_OR_RETURN(std::string policy,
                              a.Enum("policy", {"reactive", "predictive"}, "reactive"));
    d.predictive = policy == "predictive";
    FLEETSIM_ASSIGN_OR_RETURN(d.lead_s, a.Double("lead_s", 0.0, 1e9, 0));
    FLEETSIM_ASSIGN_OR_RETURN(d.headroom, a.Double("headroom", 0.0, 10.0, 0));
    if (!d.predictive) {
      for (const char* key : {"lead_s", "headroom"}) {
        if (a.Has(key)) return a.ErrorAt(key, "applies only with policy: predictive");
      }
    }
    FLEETSIM_RETURN_IF_ERROR(a.Finish());
    if (d.replicas < mn || d.replicas > mx) {
      return m.ErrorAt("replicas", absl::StrCat("must lie within autoscale min..max (", mn,
                                                "..", mx, ")"));
    }
  }
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  return d;
}

}  // namespace

absl::StatusOr<ServingPlan> ParseServingPlan(YamlMap& m, std::vector<StreamSpec> streams) {
  ServingPlan p;
  FLEETSIM_ASSIGN_OR_RETURN(std::string fid, m.Enum("fidelity", {"request", "aggregate"}, "request"));
  p.options.fidelity = fid == "aggregate" ? Fidelity::kAggregate : Fidelity::kRequest;
  FLEETSIM_ASSIGN_OR_RETURN(p.tick_s, m.Double("tick_s", 1e-3, 1e9, 300));
  FLEETSIM_ASSIGN_OR_RETURN(p.options.bin_s, m.Double("bin_s", 1e-3, 1e9, 3600));
  FLEETSIM_ASSIGN_OR_RETURN(p.options.aggregate_step_s, m.Double("aggregate_step_s", 1e-3, 1e9, 60));
  FLEETSIM_ASSIGN_OR_RETURN(p.options.request_sample_rate,
                            m.Double("request_sample_rate", 0.0, 1.0, 0.0));
  YAML::Node list = m.Child("deployments");
  if (!list.IsDefined() || list.IsNull()) return m.ErrorAt("deployments", "missing required field");
  if (!list.IsSequence() || list.size() == 0) {
    return InputError(PosOf(list, m.file()), m.FieldPath("deployments"),
                      "must be a non-empty list");
  }
  std::set<std::string> stream_models;
  for (const auto& s : streams) stream_models.insert(s.model.name);
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    FLEETSIM_ASSIGN_OR_RETURN(
        YamlMap dm, YamlMap::Make(list[i], m.file(), absl::StrCat(m.FieldPath("deployments"), "[", i, "]")));
    const SourcePos pos = dm.PosOfKey("model");
    FLEETSIM_ASSIGN_OR_RETURN(Deployment d, ParseDeployment(dm));
    const std::string field = absl::StrCat(dm.path(), ".model");
    if (!seen.emplace(d.model, i).second) {
      return InputError(pos, field, absl::StrCat("model '", d.model, "' has two deployments"));
    }
    if (!stream_models.count(d.model)) {
      return InputError(pos, field,
                        absl::StrCat("no stream in workload.streams serves model '", d.model, "'"));
    }
    p.deployments.push_back(std::move(d));
  }
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  for (const auto& s : streams) {
    if (!seen.count(s.model.name)) {
      return m.ErrorAt("deployments", absl::StrCat("stream '", s.name, "' serves model '",
                                                   s.model.name, "', which has no deployment"));
    }
  }
  // Latency tiers: a model's replicas must meet the strictest per-user speed of its streams.
  std::map<std::string, double> tier;
  for (const auto& s : streams) {
    if (s.tpot_max_s <= 0) continue;
    auto [it, fresh] = tier.emplace(s.model.name, s.tpot_max_s);
    if (!fresh) it->second = std::min(it->second, s.tpot_max_s);
  }
  for (auto& s : streams) {
    auto it = tier.find(s.model.name);
    if (it != tier.end()) s.model.tier_tpot_max_s = it->second;
  }
  p.streams = std::move(streams);
  return p;
}

SystemPerf ServingPerfFor(const CatalogSystem& c, bool* mfu_estimated) {
  if (c.system == "cerebras_cs3") {
    // Wafer-scale: its own timing model (perf_model.h); catalogue peaks and SRAM override.
    SystemPerf p = CerebrasCs3();
    p.vendor = c.vendor;
    if (c.peak_flops_bf16 > 0) p.peak_flops_bf16 = c.peak_flops_bf16;
    if (c.mem_bytes > 0) p.hbm_bytes = c.mem_bytes;
    if (c.mem_bw_bytes_per_s > 0) p.hbm_bw_bytes_per_s = c.mem_bw_bytes_per_s;
    if (mfu_estimated) *mfu_estimated = true;
    return p;
  }
  // Catalogue system -> the calibrated accelerator whose mfu it uses (README: calibration).
  // Entries marked true are estimates: same vendor, nearest calibrated generation.
  static const std::map<std::string, std::pair<std::string, bool>> kCalibration = {
      {"hgx_h100", {"h100", false}},          {"hgx_h200", {"h200", false}},
      {"hgx_b200", {"b200", false}},          {"gb200_nvl72", {"gb200", false}},
      {"gb300_nvl72", {"gb200", true}},       {"vera_rubin_nvl144", {"gb200", true}},
      {"mi300x_8", {"mi300x", false}},        {"mi325x_8", {"mi325x", false}},
      {"mi355x_8", {"mi355x", false}},        {"helios_mi450", {"mi355x", true}},
  };
  SystemPerf p;
  p.name = c.system;
  p.vendor = c.vendor;
  p.peak_flops_bf16 = c.peak_flops_bf16;
  p.peak_flops_fp8 = c.peak_flops_fp8;
  p.peak_flops_fp4 = c.peak_flops_fp4;
  p.hbm_bytes = c.mem_bytes;
  p.hbm_bw_bytes_per_s = c.mem_bw_bytes_per_s;
  bool estimated = true;
  auto it = kCalibration.find(c.system);
  if (it != kCalibration.end()) {
    auto b = BuiltinSystem(it->second.first);
    if (b.ok()) {
      p.mfu = b->mfu;
      // Scale-up link of the calibrated sibling (perf_model.h; pass costs stay off by default).
      p.link_bw_bytes_per_s = b->link_bw_bytes_per_s;
      // NVLink6 3.6 TB/s bidirectional per package (HARDWARE.md [14]-[18]).
      if (c.system == "vera_rubin_nvl144") p.link_bw_bytes_per_s = 1.8e12;
      estimated = it->second.second;
    }
  }
  if (mfu_estimated) *mfu_estimated = estimated;
  return p;
}

}  // namespace fleetsim::serve
