#include "sim/scenario/scenario.h"

#include "sim/power/cap_policy.h"

#include <algorithm>
#include <filesystem>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sim/core/date.h"
#include "sim/metrics/accounting.h"
#include "sim/core/io.h"
#include "sim/core/status.h"
#include "sim/core/yaml_reader.h"
#include "sim/sched/scheduler.h"
#include "sim/workload/gpu_trace.h"
#include "sim/workload/swf.h"
#include "yaml-cpp/depthguard.h"

namespace fleetsim::scenario {
namespace fs = std::filesystem;

absl::Status ApplyOverrides(const std::vector<std::string>& overrides, void* root_ptr) {
  YAML::Node& root = *static_cast<YAML::Node*>(root_ptr);
  for (const auto& o : overrides) {
    size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat("--set ", o, ": expected key.path=value"));
    }
    std::string key = o.substr(0, eq);
    std::vector<std::string> parts = absl::StrSplit(key, '.');
    YAML::Node value;
    try {
      value = YAML::Load(o.substr(eq + 1));
    } catch (const YAML::DeepRecursion&) {
      return absl::InvalidArgumentError(
          absl::StrCat("--set ", key, ": malformed value: nested too deeply"));
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(absl::StrCat("--set ", o, ": malformed value: ", e.msg));
    }
    // Walk with node identity: yaml-cpp's operator[] on a non-const node returns a handle that
    // writes through (and Node::operator= assigns contents), so we keep the chain of handles.
    std::vector<YAML::Node> chain{root};
    try {
      for (size_t i = 0; i < parts.size(); ++i) {
        YAML::Node cur = chain.back();
        const bool last = i + 1 == parts.size();
        if (cur.IsScalar()) {
          return absl::InvalidArgumentError(absl::StrCat("--set ", key, ": '", parts[i - 1],
                                                         "' is a value, not a mapping"));
        }
        if (cur.IsSequence()) {
          size_t idx = 0;
          if (!absl::SimpleAtoi(parts[i], &idx) || idx >= cur.size()) {
            return absl::InvalidArgumentError(
                absl::StrCat("--set ", key, ": '", parts[i], "' is not an index of that list"));
          }
          if (last) {
            cur[idx] = value;
          } else {
            chain.push_back(cur[idx]);
          }
        } else if (last) {
          cur[parts[i]] = value;
        } else {
          chain.push_back(cur[parts[i]]);
        }
      }
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(absl::StrCat("--set ", key, ": ", e.msg));
    }
  }
  return absl::OkStatus();
}

namespace {

std::string Resolve(const std::string& base_file, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  fs::path dir = fs::path(base_file).parent_path();
  return (dir / p).lexically_normal().string();
}

// A list of non-empty names at `key` (absent = empty).
absl::StatusOr<std::vector<std::string>> NameList(YamlMap& m, const std::string& key,
                                                   const char* what) {
  std::vector<std::string> out;
  YAML::Node n = m.Child(key);
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) return InputError(PosOf(n, m.file()), m.FieldPath(key), "must be a list");
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar() || n[i].Scalar().empty()) {
      return InputError(PosOf(n[i], m.file()), absl::StrCat(m.FieldPath(key), "[", i, "]"),
                        absl::StrCat("must be a ", what, " name"));
    }
    out.push_back(n[i].Scalar());
  }
  return out;
}

// Seconds from the scenario's start of an entry's `at_s` or `date` (exactly one; neither = 0
// when `optional`).
absl::StatusOr<double> StepTime(YamlMap& c, const std::string& start_date, bool optional) {
  if (c.Has("at_s") && c.Has("date")) return c.ErrorAt("date", "give exactly one of at_s and date");
  if (!c.Has("at_s") && !c.Has("date")) {
    if (optional) return 0.0;
    return c.ErrorAt("at_s", "give exactly one of at_s and date");
  }
  if (c.Has("at_s")) return c.Double("at_s", 0, 1e12);
  FLEETSIM_ASSIGN_OR_RETURN(std::string date, c.String("date"));
  if (start_date.empty()) return c.ErrorAt("date", "needs the scenario's start_date");
  auto d = ParseIsoDate(date);
  if (!d.ok()) return c.ErrorAt("date", std::string(d.status().message()));
  const int64_t days = *d - *ParseIsoDate(start_date);
  if (days < 0) return c.ErrorAt("date", absl::StrCat("is before start_date ", start_date));
  return static_cast<double>(days) * 86400;
}

// The `power:` section (sim/power/cap_policy.h): levers, control delay, cap time series.
absl::StatusOr<power::PowerPlan> ParsePower(YamlMap& m, const std::string& start_date) {
  power::PowerPlan plan;
  if (m.Has("levers")) {
    FLEETSIM_ASSIGN_OR_RETURN(std::vector<std::string> names, NameList(m, "levers", "lever"));
    plan.levers.clear();
    YAML::Node list = m.Child("levers");
    for (size_t i = 0; i < names.size(); ++i) {
      auto l = power::LeverFromName(names[i]);
      if (!l.ok()) {
        return InputError(PosOf(list[i], m.file()), absl::StrCat(m.FieldPath("levers"), "[", i, "]"),
                          l.status().message());
      }
      if (plan.Has(*l)) {
        return InputError(PosOf(list[i], m.file()), absl::StrCat(m.FieldPath("levers"), "[", i, "]"),
                          absl::StrCat("lever '", names[i], "' given twice"));
      }
      plan.levers.push_back(*l);
    }
  }
  FLEETSIM_ASSIGN_OR_RETURN(plan.control_delay_s, m.Double("control_delay_s", 0, 1e9, 0));
  if (plan.control_delay_s > 0 && plan.levers.empty()) {
    return m.ErrorAt("control_delay_s", "given but no lever enforces the caps (levers: [])");
  }
  FLEETSIM_ASSIGN_OR_RETURN(std::string basis,
                            m.Enum("basis", {"committed", "measured"}, "committed"));
  plan.measured_basis = basis == "measured";
  if (plan.measured_basis && plan.levers.empty()) {
    return m.ErrorAt("basis", "given but no lever enforces the caps (levers: [])");
  }
  YAML::Node th = m.Child("thresholds");
  if (th.IsDefined() && !th.IsNull()) {
    if (!th.IsSequence()) {
      return InputError(PosOf(th, m.file()), m.FieldPath("thresholds"), "must be a list");
    }
    if (!plan.Has(power::Lever::kThrottle)) {
      return m.ErrorAt("thresholds", "need the throttle lever in power.levers");
    }
    for (size_t i = 0; i < th.size(); ++i) {
      const std::string field = absl::StrCat(m.FieldPath("thresholds"), "[", i, "]");
      FLEETSIM_ASSIGN_OR_RETURN(YamlMap t, YamlMap::Make(th[i], m.file(), field));
      power::ThrottleThreshold x;
      FLEETSIM_ASSIGN_OR_RETURN(x.cap_fraction, t.Double("cap_fraction", 1e-6, 1));
      FLEETSIM_ASSIGN_OR_RETURN(int64_t prio, t.Int("max_priority", -1000000, 1000000));
      x.max_priority = static_cast<int>(prio);
      FLEETSIM_ASSIGN_OR_RETURN(x.share, t.Double("share", power::kMinThrottleShare, 1));
      FLEETSIM_RETURN_IF_ERROR(t.Finish());
      plan.thresholds.push_back(x);
    }
  }
  FLEETSIM_ASSIGN_OR_RETURN(plan.release_margin, m.Double("release_margin", 0, 0.99, 0.05));
  YAML::Node caps = m.Child("caps");
  if (caps.IsDefined() && !caps.IsNull()) {
    if (!caps.IsSequence()) return InputError(PosOf(caps, m.file()), m.FieldPath("caps"), "must be a list");
    for (size_t i = 0; i < caps.size(); ++i) {
      const std::string field = absl::StrCat(m.FieldPath("caps"), "[", i, "]");
      FLEETSIM_ASSIGN_OR_RETURN(YamlMap c, YamlMap::Make(caps[i], m.file(), field));
      power::CapStep step;
      const SourcePos pos = c.Pos();
      step.where = absl::StrCat(pos.ToString(), ": ", field);
      // The domain: exactly one of site: NAME, cluster: NAME, fleet: true.
      const int scopes = c.Has("site") + c.Has("cluster") + c.Has("fleet");
      if (scopes != 1) {
        const char* at = scopes == 0                            ? "site"
                         : c.Has("site") && c.Has("cluster") ? "cluster"
                                                             : "fleet";
        return c.ErrorAt(at, "give exactly one of site, cluster and fleet: true");
      }
      if (c.Has("site")) {
        FLEETSIM_ASSIGN_OR_RETURN(step.site, c.String("site"));
      } else if (c.Has("cluster")) {
        step.scope = power::CapScope::kCluster;
        FLEETSIM_ASSIGN_OR_RETURN(step.site, c.String("cluster"));
      } else {
        step.scope = power::CapScope::kFleet;
        FLEETSIM_ASSIGN_OR_RETURN(bool fleet, c.Bool("fleet", false));
        if (!fleet) return c.ErrorAt("fleet", "must be true (or give site or cluster)");
      }
      FLEETSIM_ASSIGN_OR_RETURN(step.time_s, StepTime(c, start_date, /*optional=*/false));
      if (c.Has("cap_mw") == c.Has("uncapped")) {
        return c.ErrorAt(c.Has("cap_mw") ? "uncapped" : "cap_mw", "give exactly one of cap_mw and uncapped: true");
      }
      if (c.Has("cap_mw")) {
        FLEETSIM_ASSIGN_OR_RETURN(double mw, c.Double("cap_mw", 1e-9, 1e7));
        step.cap_w = mw * 1e6;
      } else {
        FLEETSIM_ASSIGN_OR_RETURN(bool u, c.Bool("uncapped", false));
        if (!u) return c.ErrorAt("uncapped", "must be true (or give cap_mw)");
        step.cap_w = 0;
      }
      FLEETSIM_RETURN_IF_ERROR(c.Finish());
      plan.caps.push_back(std::move(step));
    }
  }
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  return plan;
}

// The `cost:` section (sim/metrics/accounting.h): prices, capital rates, accounting period.
absl::Status ParseCost(YamlMap& m, metrics::CostPlan* plan) {
  if (m.Has("period") && m.Has("period_s")) {
    return m.ErrorAt("period_s", "give period or period_s, not both");
  }
  if (m.Has("period_s")) {
    FLEETSIM_ASSIGN_OR_RETURN(plan->period_s, m.Double("period_s", 1, 1e12));
    plan->period = metrics::PeriodKind::kSeconds;
  } else if (m.Has("period")) {
    FLEETSIM_ASSIGN_OR_RETURN(std::string p,
                              m.Enum("period", {"run", "month", "quarter", "year"}, ""));
    if (p != "run" && plan->start_date.empty()) {
      return m.ErrorAt("period", absl::StrCat("'", p, "' needs the scenario's start_date (or give period_s)"));
    }
    plan->period = p == "run"     ? metrics::PeriodKind::kRun
                   : p == "month" ? metrics::PeriodKind::kMonth
                   : p == "year"  ? metrics::PeriodKind::kYear
                                  : metrics::PeriodKind::kQuarter;
  }
  FLEETSIM_ASSIGN_OR_RETURN(plan->default_usd_per_mwh,
                            m.Double("default_usd_per_mwh", 0, 1e6, plan->default_usd_per_mwh));
  FLEETSIM_ASSIGN_OR_RETURN(plan->capex_usd_per_gw,
                            m.Double("capex_usd_per_gw", 0, 1e15, plan->capex_usd_per_gw));
  FLEETSIM_ASSIGN_OR_RETURN(plan->amortization_years,
                            m.Double("amortization_years", 0.01, 100, plan->amortization_years));
  for (const char* key : {"electricity", "capex"}) {
    YAML::Node list = m.Child(key);
    if (!list.IsDefined() || list.IsNull()) continue;
    if (!list.IsSequence()) return InputError(PosOf(list, m.file()), m.FieldPath(key), "must be a list");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string field = absl::StrCat(m.FieldPath(key), "[", i, "]");
      FLEETSIM_ASSIGN_OR_RETURN(YamlMap c, YamlMap::Make(list[i], m.file(), field));
      const std::string where = absl::StrCat(c.Pos().ToString(), ": ", field);
      if (std::string(key) == "electricity") {
        metrics::PriceStep step;
        step.where = where;
        FLEETSIM_ASSIGN_OR_RETURN(step.site, c.String("site"));
        FLEETSIM_ASSIGN_OR_RETURN(step.usd_per_mwh, c.Double("usd_per_mwh", 0, 1e6));
        FLEETSIM_ASSIGN_OR_RETURN(step.time_s, StepTime(c, plan->start_date, /*optional=*/true));
        FLEETSIM_RETURN_IF_ERROR(c.Finish());
        plan->electricity.push_back(std::move(step));
      } else {
        metrics::CapexRate rate;
        rate.where = where;
        FLEETSIM_ASSIGN_OR_RETURN(rate.system, c.String("system"));
        FLEETSIM_ASSIGN_OR_RETURN(rate.usd_per_accelerator_hour,
                                  c.Double("usd_per_accelerator_hour", 0, 1e6));
        FLEETSIM_RETURN_IF_ERROR(c.Finish());
        for (const auto& other : plan->capex) {
          if (other.system == rate.system) {
            return c.ErrorAt("system", absl::StrCat("system '", rate.system, "' given twice"));
          }
        }
        plan->capex.push_back(std::move(rate));
      }
    }
  }
  return m.Finish();
}

// `model:` and `work:` of a work-defined job (sim/training/work.h).
absl::StatusOr<workload::TrainingSpec> ParseTraining(YamlMap& m) {
  workload::TrainingSpec t;
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap mm, m.Map("model"));
  FLEETSIM_ASSIGN_OR_RETURN(t.model.params, mm.Double("params", 1, 1e16));
  FLEETSIM_ASSIGN_OR_RETURN(t.model.active_params, mm.Double("active_params", 1, 1e16, 0));
  FLEETSIM_ASSIGN_OR_RETURN(t.model.trainable_params, mm.Double("trainable_params", 1, 1e16, 0));
  FLEETSIM_ASSIGN_OR_RETURN(std::string prec, mm.Enum("precision", {"bf16", "fp8", "fp4"}, "bf16"));
  t.model.precision = *training::ParsePrecision(prec);
  if (t.model.active_params > t.model.params) {
    return mm.ErrorAt("active_params", "must not exceed params");
  }
  if (t.model.trainable_params > t.model.params) {
    return mm.ErrorAt("trainable_params", "must not exceed params");
  }
  FLEETSIM_RETURN_IF_ERROR(mm.Finish());
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap wm, m.Map("work"));
  int forms = 0;
  if (wm.Has("tokens")) {
    FLEETSIM_ASSIGN_OR_RETURN(double v, wm.Double("tokens", 1, 1e20));
    t.work.tokens = v;
    ++forms;
  }
  if (wm.Has("flops")) {
    FLEETSIM_ASSIGN_OR_RETURN(double v, wm.Double("flops", 1, 1e32));
    t.work.flops = v;
    ++forms;
  }
  if (wm.Has("steps") || wm.Has("global_batch") || wm.Has("seq_len")) {
    FLEETSIM_ASSIGN_OR_RETURN(int64_t st, wm.Int("steps", 1, int64_t{1} << 40));
    FLEETSIM_ASSIGN_OR_RETURN(int64_t gb, wm.Int("global_batch", 1, int64_t{1} << 30));
    FLEETSIM_ASSIGN_OR_RETURN(int64_t sl, wm.Int("seq_len", 1, int64_t{1} << 30));
    t.work.steps = st, t.work.global_batch = gb, t.work.seq_len = sl;
    ++forms;
  }
  if (forms != 1) {
    return InputError(wm.Pos(), wm.path(),
                      "give exactly one of tokens, flops, or steps + global_batch + seq_len");
  }
  FLEETSIM_RETURN_IF_ERROR(wm.Finish());
  FLEETSIM_ASSIGN_OR_RETURN(t.estimate_factor, m.Double("estimate_factor", 1, 100, 1));
  return t;
}

absl::StatusOr<workload::JobSpec> ParseJob(const YAML::Node& n, const std::string& file,
                                           const std::string& path) {
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap m, YamlMap::Make(n, file, path));
  workload::JobSpec j;
  FLEETSIM_ASSIGN_OR_RETURN(j.id, m.Int("id", 0, int64_t{1} << 53));
  FLEETSIM_ASSIGN_OR_RETURN(j.name, m.String("name", ""));
  FLEETSIM_ASSIGN_OR_RETURN(j.submit_s, m.Double("submit_s", 0, 1e12));
  const bool by_work = m.Has("model") || m.Has("work");
  if (by_work) {
    // A work-defined job: run time and estimate come from the system it lands on.
    for (const char* k : {"run_s", "estimate_s", "run_s_by_system"}) {
      if (m.Has(k)) {
        return m.ErrorAt(k, "not allowed with model/work (run time follows from the system)");
      }
    }
    FLEETSIM_ASSIGN_OR_RETURN(auto training, ParseTraining(m));
    j.training = std::make_shared<const workload::TrainingSpec>(std::move(training));
    j.run_s = j.estimate_s = 1;  // unused
  } else {
    if (m.Has("estimate_factor")) return m.ErrorAt("estimate_factor", "needs model and work");
    YAML::Node by = m.Child("run_s_by_system");
    if (by.IsDefined() && !by.IsNull()) {
      FLEETSIM_ASSIGN_OR_RETURN(YamlMap bm, YamlMap::Make(by, file, m.FieldPath("run_s_by_system")));
      for (auto it = by.begin(); it != by.end(); ++it) {
        const std::string sys = it->first.Scalar();
        FLEETSIM_ASSIGN_OR_RETURN(double v, bm.Double(sys, 1e-6, 1e12));
        j.run_s_by_system.emplace_back(sys, v);
      }
    }
    FLEETSIM_ASSIGN_OR_RETURN(j.run_s, m.Double("run_s", 1e-6, 1e12));
    FLEETSIM_ASSIGN_OR_RETURN(j.estimate_s, m.Double("estimate_s", 1e-6, 1e12, j.run_s));
  }
  FLEETSIM_ASSIGN_OR_RETURN(j.accelerators, m.Int("accelerators", 1, int64_t{1} << 40));
  FLEETSIM_ASSIGN_OR_RETURN(int64_t prio, m.Int("priority", -1000000, 1000000, 0));
  j.priority = static_cast<int>(prio);
  FLEETSIM_ASSIGN_OR_RETURN(j.systems, NameList(m, "systems", "system"));
  FLEETSIM_ASSIGN_OR_RETURN(j.vendors, NameList(m, "vendors", "vendor"));
  FLEETSIM_ASSIGN_OR_RETURN(j.sites, NameList(m, "sites", "site"));
  FLEETSIM_ASSIGN_OR_RETURN(std::string span,
                            m.Enum("span", {"none", "clusters", "sites"}, "none"));
  if (span != "none" && !by_work) {
    // The exchange that stretches a spanning run follows from its model's gradients.
    return m.ErrorAt("span", "needs model and work (a job defined by run_s cannot span)");
  }
  j.span = span == "clusters" ? workload::Span::kClusters
           : span == "sites"  ? workload::Span::kSites
                              : workload::Span::kNone;
  if (m.Has("span")) j.span_pos = PosOf(m.Child("span"), file), j.span_field = m.FieldPath("span");
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  // Where each name was written, checked against the platform before the run (CheckJobNames).
  using Kind = workload::NameRef::Kind;
  for (auto [key, kind] : {std::pair{"systems", Kind::kSystem}, std::pair{"vendors", Kind::kVendor},
                           std::pair{"sites", Kind::kSite}}) {
    const YAML::Node l = m.Child(key);
    if (!l.IsDefined() || l.IsNull()) continue;
    for (size_t i = 0; i < l.size(); ++i) {
      j.name_refs.push_back({kind, l[i].Scalar(), PosOf(l[i], file),
                             absl::StrCat(m.FieldPath(key), "[", i, "]")});
    }
  }
  const YAML::Node by_sys = m.Child("run_s_by_system");
  if (by_sys.IsDefined() && by_sys.IsMap()) {
    for (auto it = by_sys.begin(); it != by_sys.end(); ++it) {
      j.name_refs.push_back({Kind::kSystem, it->first.Scalar(), PosOf(it->first, file),
                             absl::StrCat(m.FieldPath("run_s_by_system"), ".", it->first.Scalar())});
    }
  }
  return j;
}

}  // namespace

namespace {

// "a.b.0.c" -> "a.b[0].c", the field-path form of error messages.
std::string OverrideFieldPath(const std::string& key) {
  std::string out;
  for (absl::string_view part : absl::StrSplit(key, '.')) {
    size_t idx;
    if (!out.empty() && absl::SimpleAtoi(part, &idx)) {
      absl::StrAppend(&out, "[", part, "]");
    } else {
      absl::StrAppend(&out, out.empty() ? "" : ".", part);
    }
  }
  return out;
}

// A value given by --set has no place in the file (yaml-cpp marks it 1:1): an error about a
// field set (or under a field set) by an override names the override instead.
absl::Status AttributeToOverride(const absl::Status& st, const std::string& path,
                                 const std::vector<std::string>& overrides) {
  const std::string prefix = path + ":1:1: ";
  const std::string msg(st.message());
  if (msg.rfind(prefix, 0) != 0) return st;
  const std::string rest = msg.substr(prefix.size());
  const std::string field = rest.substr(0, rest.find(": "));
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
    const std::string fp = OverrideFieldPath(it->substr(0, it->find('=')));
    if (field == fp || field.rfind(fp + ".", 0) == 0 || field.rfind(fp + "[", 0) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("--set ", *it, ": ", rest));
    }
  }
  return st;
}

absl::StatusOr<Scenario> LoadScenarioDocument(YAML::Node root, const std::string& path,
                                              const std::vector<std::string>& overrides);

}  // namespace

absl::StatusOr<Scenario> LoadScenario(const std::string& path,
                                      const std::vector<std::string>& overrides) {
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node root, LoadYamlFile(path));
  auto s = LoadScenarioDocument(std::move(root), path, overrides);
  if (!s.ok() && !overrides.empty()) return AttributeToOverride(s.status(), path, overrides);
  return s;
}

absl::StatusOr<Scenario> LoadScenarioText(const std::string& text, const std::string& path,
                                          const std::vector<std::string>& overrides) {
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node root, ParseYaml(text, path));
  auto s = LoadScenarioDocument(std::move(root), path, overrides);
  if (!s.ok() && !overrides.empty()) return AttributeToOverride(s.status(), path, overrides);
  return s;
}

namespace {

absl::StatusOr<Scenario> LoadScenarioDocument(YAML::Node root, const std::string& path,
                                              const std::vector<std::string>& overrides) {
  if (!overrides.empty()) {
    if (!root.IsMap()) return InputError(PosOf(root, path), "<document>", "must be a mapping");
    FLEETSIM_RETURN_IF_ERROR(ApplyOverrides(overrides, &root));
  }
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap top, YamlMap::Make(root, path, ""));
  Scenario s;
  s.effective_yaml = YAML::Dump(root) + "\n";
  s.effective_sha256 = Sha256Hex(s.effective_yaml);
  s.file = path;
  s.overrides = overrides;
  s.inputs.push_back(path);
  FLEETSIM_ASSIGN_OR_RETURN(s.name, top.String("name", fs::path(path).stem().string()));
  FLEETSIM_ASSIGN_OR_RETURN(std::string platform, top.String("platform"));
  s.platform_path = Resolve(path, platform);
  std::error_code ec;  // a name too long for the file system is "not found", not a throw
  if (!fs::exists(s.platform_path, ec)) {
    return top.ErrorAt("platform", absl::StrCat("file not found: ", s.platform_path));
  }
  s.inputs.push_back(s.platform_path);
  FLEETSIM_ASSIGN_OR_RETURN(s.start_date, top.String("start_date", ""));
  if (!s.start_date.empty()) {
    auto d = ParseIsoDate(s.start_date);
    if (!d.ok()) return top.ErrorAt("start_date", std::string(d.status().message()));
  }
  FLEETSIM_ASSIGN_OR_RETURN(s.horizon_s, top.Double("horizon_s", 0, 1e12, 0));
  FLEETSIM_ASSIGN_OR_RETURN(int64_t seed, top.Int("seed", 0, int64_t{1} << 62, 1));
  s.seed = static_cast<uint64_t>(seed);

  FLEETSIM_ASSIGN_OR_RETURN(YamlMap sched, top.Map("scheduler"));
  FLEETSIM_ASSIGN_OR_RETURN(s.policy, sched.Enum("policy", sched::SchedulerNames(), ""));
  FLEETSIM_RETURN_IF_ERROR(sched.Finish());

  FLEETSIM_ASSIGN_OR_RETURN(YamlMap wl, top.Map("workload"));
  if (wl.Has("swf")) {
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap swf, wl.Map("swf"));
    FLEETSIM_ASSIGN_OR_RETURN(std::string p, swf.String("path"));
    workload::SwfOptions opt;
    FLEETSIM_ASSIGN_OR_RETURN(std::string est, swf.Enum("estimates", {"user", "exact"}, "user"));
    FLEETSIM_ASSIGN_OR_RETURN(std::string cl, swf.Enum("cleaning", {"predictsim", "strict"}, "predictsim"));
    FLEETSIM_ASSIGN_OR_RETURN(opt.max_procs_override, swf.Int("max_procs", 0, int64_t{1} << 40, 0));
    FLEETSIM_ASSIGN_OR_RETURN(int64_t limit, swf.Int("limit_jobs", 0, int64_t{1} << 40, 0));
    FLEETSIM_RETURN_IF_ERROR(swf.Finish());
    opt.estimates = est == "exact" ? workload::SwfEstimates::kExact : workload::SwfEstimates::kUser;
    opt.cleaning = cl == "strict" ? workload::SwfCleaning::kStrict : workload::SwfCleaning::kPredictsim;
    std::string resolved = Resolve(path, p);
    if (!fs::exists(resolved, ec)) return swf.ErrorAt("path", absl::StrCat("file not found: ", resolved));
    FLEETSIM_ASSIGN_OR_RETURN(workload::SwfTrace trace, workload::LoadSwf(resolved, opt));
    if (limit > 0 && static_cast<size_t>(limit) < trace.workload.jobs.size()) {
      trace.workload.jobs.resize(limit);
    }
    s.workload = std::move(trace.workload);
    s.inputs.push_back(resolved);
  }
  if (wl.Has("gpu_trace")) {
    if (wl.Has("swf")) return wl.ErrorAt("gpu_trace", "give swf or gpu_trace, not both");
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap gt, wl.Map("gpu_trace"));
    FLEETSIM_ASSIGN_OR_RETURN(std::string p, gt.String("path"));
    workload::GpuTraceOptions opt;
    FLEETSIM_ASSIGN_OR_RETURN(std::string fmt, gt.Enum("format", {"philly", "pai2023"}, ""));
    opt.format = fmt == "philly" ? workload::GpuTraceFormat::kPhilly
                                 : workload::GpuTraceFormat::kPai2023;
    FLEETSIM_ASSIGN_OR_RETURN(std::string as, gt.Enum("as", {"run_s", "work"}, "run_s"));
    opt.as_work = as == "work";
    FLEETSIM_ASSIGN_OR_RETURN(opt.source_gpu, gt.String("source_gpu", ""));
    if (!opt.source_gpu.empty() && workload::SourceGpuPeak16Flops(opt.source_gpu) <= 0) {
      return gt.ErrorAt("source_gpu", absl::StrCat("unknown GPU type '", opt.source_gpu,
                                                   "' (known: p100, p40, v100, v100m16, "
                                                   "v100m32, t4, a10, a100)"));
    }
    if (opt.as_work && opt.format == workload::GpuTraceFormat::kPhilly &&
        opt.source_gpu.empty()) {
      return gt.ErrorAt("as", "work needs source_gpu (the Philly table records no GPU type)");
    }
    FLEETSIM_ASSIGN_OR_RETURN(opt.model_params, gt.Double("model_params", 1e6, 1e13, 1e9));
    FLEETSIM_ASSIGN_OR_RETURN(opt.source_mfu, gt.Double("source_mfu", 0.01, 1, 0.35));
    FLEETSIM_ASSIGN_OR_RETURN(opt.accelerator_scale,
                              gt.Int("accelerator_scale", 1, int64_t{1} << 20, 1));
    FLEETSIM_ASSIGN_OR_RETURN(opt.arrival_scale, gt.Double("arrival_scale", 1e-6, 1e6, 1));
    FLEETSIM_ASSIGN_OR_RETURN(opt.duration_scale, gt.Double("duration_scale", 1e-6, 1e6, 1));
    FLEETSIM_ASSIGN_OR_RETURN(opt.estimate_factor, gt.Double("estimate_factor", 1, 100, 1));
    FLEETSIM_ASSIGN_OR_RETURN(opt.limit_jobs, gt.Int("limit_jobs", 0, int64_t{1} << 40, 0));
    if (!opt.as_work) {
      for (const char* k : {"model_params", "source_mfu"}) {
        if (gt.Has(k)) return gt.ErrorAt(k, "only with as: work");
      }
    } else if (gt.Has("duration_scale")) {
      return gt.ErrorAt("duration_scale", "only with as: run_s (work sets the run time)");
    }
    FLEETSIM_ASSIGN_OR_RETURN(std::vector<std::string> vendors, NameList(gt, "vendors", "vendor"));
    FLEETSIM_ASSIGN_OR_RETURN(std::vector<std::string> systems, NameList(gt, "systems", "system"));
    FLEETSIM_RETURN_IF_ERROR(gt.Finish());
    std::string resolved = Resolve(path, p);
    if (!fs::exists(resolved, ec)) return gt.ErrorAt("path", absl::StrCat("file not found: ", resolved));
    FLEETSIM_ASSIGN_OR_RETURN(workload::GpuTrace trace, workload::LoadGpuTrace(resolved, opt));
    std::vector<workload::NameRef> refs;
    for (auto [key, kind] : {std::pair{"systems", workload::NameRef::Kind::kSystem},
                             std::pair{"vendors", workload::NameRef::Kind::kVendor}}) {
      const YAML::Node l = gt.Child(key);
      if (!l.IsDefined() || l.IsNull()) continue;
      for (size_t i = 0; i < l.size(); ++i) {
        refs.push_back({kind, l[i].Scalar(), PosOf(l[i], path),
                        absl::StrCat(gt.FieldPath(key), "[", i, "]")});
      }
    }
    for (auto& j : trace.workload.jobs) j.vendors = vendors, j.systems = systems;
    if (!trace.workload.jobs.empty()) trace.workload.jobs[0].name_refs = refs;  // checked once
    s.workload = std::move(trace.workload);
    s.inputs.push_back(resolved);
  }
  YAML::Node jobs = wl.Child("jobs");
  if (jobs.IsDefined() && !jobs.IsNull()) {
    if (!jobs.IsSequence()) return InputError(PosOf(jobs, path), "workload.jobs", "must be a list");
    absl::flat_hash_set<int64_t> ids;  // of SWF jobs too
    for (const auto& other : s.workload.jobs) ids.insert(other.id);
    for (size_t i = 0; i < jobs.size(); ++i) {
      FLEETSIM_ASSIGN_OR_RETURN(workload::JobSpec j,
                                ParseJob(jobs[i], path, absl::StrCat("workload.jobs[", i, "]")));
      if (!ids.insert(j.id).second) {
        return InputError(PosOf(jobs[i]["id"], path), absl::StrCat("workload.jobs[", i, "].id"),
                          absl::StrCat("duplicate job id ", j.id));
      }
      s.workload.jobs.push_back(std::move(j));
    }
  }
  std::vector<serve::StreamSpec> streams;
  YAML::Node stream_list = wl.Child("streams");
  if (stream_list.IsDefined() && !stream_list.IsNull()) {
    FLEETSIM_ASSIGN_OR_RETURN(streams, serve::ParseStreamSpecs(stream_list, path, "workload.streams"));
    for (const auto& st : streams) {
      if (!st.arrival.trace_path.empty()) s.inputs.push_back(st.arrival.trace_path);
    }
  }
  FLEETSIM_RETURN_IF_ERROR(wl.Finish());
  if (s.workload.jobs.empty() && streams.empty()) {
    return top.ErrorAt("workload", "has no jobs and no streams (give swf, jobs or streams)");
  }
  if (!streams.empty()) {
    if (!top.Has("serving")) {
      return top.ErrorAt("workload", "has streams but the scenario has no serving: section");
    }
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap sv, top.Map("serving"));
    FLEETSIM_ASSIGN_OR_RETURN(s.serving, serve::ParseServingPlan(sv, std::move(streams)));
    if (s.horizon_s <= 0) {
      return top.ErrorAt("horizon_s", "must be > 0 when the workload has streams");
    }
  } else if (top.Has("serving")) {
    return top.ErrorAt("serving", "given but workload.streams is empty");
  }
  std::stable_sort(s.workload.jobs.begin(), s.workload.jobs.end(),
                   [](const auto& a, const auto& b) { return a.submit_s < b.submit_s; });

  if (top.Has("power")) {
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap pw, top.Map("power"));
    FLEETSIM_ASSIGN_OR_RETURN(s.power, ParsePower(pw, s.start_date));
  }

  s.cost.start_date = s.start_date;
  if (!s.start_date.empty()) s.cost.period = metrics::PeriodKind::kQuarter;
  if (top.Has("cost")) {
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap cm, top.Map("cost"));
    FLEETSIM_RETURN_IF_ERROR(ParseCost(cm, &s.cost));
  }

  if (top.Has("outputs")) {
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap out, top.Map("outputs"));
    FLEETSIM_ASSIGN_OR_RETURN(std::string dir, out.String("dir", ""));
    FLEETSIM_RETURN_IF_ERROR(out.Finish());
    s.out_dir = dir;  // relative to the working directory, like --out
  } else {
    top.Child("outputs");
  }
  FLEETSIM_RETURN_IF_ERROR(top.Finish());
  return s;
}

}  // namespace

namespace {

// Rewrites relative file references under `n` (keys named "path") from `from_dir` to `to_dir`.
void RebasePaths(YAML::Node n, const fs::path& from_dir, const fs::path& to_dir) {
  if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i) RebasePaths(n[i], from_dir, to_dir);
    return;
  }
  if (!n.IsMap()) return;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == "path" && it->second.IsScalar()) {
      fs::path p(it->second.Scalar());
      if (p.is_relative()) {
        it->second = (from_dir / p).lexically_normal().lexically_relative(to_dir).string();
      }
    } else {
      RebasePaths(it->second, from_dir, to_dir);
    }
  }
}

}  // namespace

absl::StatusOr<std::string> ResolvedScenarioYaml(const std::string& path,
                                                 const std::vector<std::string>& overrides,
                                                 const std::string& dest_dir) {
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node root, LoadYamlFile(path));
  if (!root.IsMap()) return InputError(PosOf(root, path), "<document>", "must be a mapping");
  FLEETSIM_RETURN_IF_ERROR(ApplyOverrides(overrides, &root));
  std::error_code ec;
  const fs::path from = fs::absolute(fs::path(path).parent_path(), ec).lexically_normal();
  const fs::path to = fs::absolute(fs::path(dest_dir), ec).lexically_normal();
  try {
    const YAML::Node& croot = root;  // const lookups never insert keys
    if (croot["platform"] && croot["platform"].IsScalar()) {
      fs::path p(croot["platform"].Scalar());
      if (p.is_relative()) {
        root["platform"] = (from / p).lexically_normal().lexically_relative(to).string();
      }
    }
    if (croot["workload"]) RebasePaths(root["workload"], from, to);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.msg));
  }
  return YAML::Dump(root) + "\n";
}

}  // namespace fleetsim::scenario
