#include "sim/sweep/sweep.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "sim/core/format.h"
#include "sim/core/io.h"
#include "sim/core/portable_math.h"
#include "sim/core/rng.h"
#include "sim/core/status.h"
#include "sim/core/yaml_reader.h"
#include "sim/scenario/scenario.h"

namespace fleetsim::sweep {
namespace fs = std::filesystem;

namespace {

using Point = std::vector<std::pair<std::string, std::string>>;

// The values of a list of scalars (a grid or zip column).
absl::StatusOr<std::vector<std::string>> ScalarList(const YAML::Node& n, const std::string& file,
                                                    const std::string& field) {
  if (!n.IsSequence() || n.size() == 0) {
    return InputError(PosOf(n, file), field, "must be a non-empty list of values");
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) {
      return InputError(PosOf(n[i], file), absl::StrCat(field, "[", i, "]"),
                        "must be a scalar value");
    }
    out.push_back(n[i].Scalar());
  }
  return out;
}

// The (path, list) pairs of a grid/zip mapping, in file order.
absl::StatusOr<std::vector<std::pair<std::string, std::vector<std::string>>>> Columns(
    YamlMap& axis, const std::string& key) {
  YAML::Node m = axis.Child(key);
  const std::string field = axis.FieldPath(key);
  if (!m.IsMap() || m.size() == 0) {
    return InputError(PosOf(m, axis.file()), field, "must map --set paths to lists of values");
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> cols;
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (!it->first.IsScalar()) {
      return InputError(PosOf(it->first, axis.file()), field, "keys must be --set paths");
    }
    const std::string path = it->first.Scalar();
    FLEETSIM_ASSIGN_OR_RETURN(auto values,
                              ScalarList(it->second, axis.file(), absl::StrCat(field, ".", path)));
    cols.emplace_back(path, std::move(values));
  }
  return cols;
}

// Run counts multiply across grid columns, axes and seeds; they are checked against the limit
// before anything is expanded, so a small file cannot ask for 10^12 points in memory.
bool MulWithin(size_t a, size_t b, size_t limit, size_t* out) {
  if (b != 0 && a > limit / b) return false;
  *out = a * b;
  return *out <= limit;
}

absl::StatusOr<std::vector<Point>> GridPoints(YamlMap& axis, size_t max_runs) {
  FLEETSIM_ASSIGN_OR_RETURN(auto cols, Columns(axis, "grid"));
  size_t n = 1;
  for (const auto& col : cols) {
    if (!MulWithin(n, col.second.size(), max_runs, &n)) {
      return axis.ErrorAt("grid", absl::StrCat("expands to more than ", max_runs, " runs"));
    }
  }
  std::vector<Point> points{{}};
  for (const auto& [path, values] : cols) {
    std::vector<Point> next;
    for (const auto& p : points) {
      for (const auto& v : values) {
        Point q = p;
        q.emplace_back(path, v);
        next.push_back(std::move(q));
      }
    }
    points = std::move(next);
  }
  return points;
}

absl::StatusOr<std::vector<Point>> ZipPoints(YamlMap& axis) {
  FLEETSIM_ASSIGN_OR_RETURN(auto cols, Columns(axis, "zip"));
  const size_t n = cols[0].second.size();
  for (const auto& [path, values] : cols) {
    if (values.size() != n) {
      return axis.ErrorAt("zip", absl::StrCat("lists must have equal lengths: '", cols[0].first,
                                              "' has ", n, ", '", path, "' has ", values.size()));
    }
  }
  std::vector<Point> points(n);
  for (size_t i = 0; i < n; ++i) {
    for (const auto& [path, values] : cols) points[i].emplace_back(path, values[i]);
  }
  return points;
}

// Random or Latin-hypercube samples of ranges {min, max, integer, log}.
absl::StatusOr<std::vector<Point>> SamplePoints(YamlMap& axis, const std::string& kind,
                                                uint64_t stream) {
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap s, axis.Map(kind));
  FLEETSIM_ASSIGN_OR_RETURN(int64_t samples, s.Int("samples", 1, 100000));
  FLEETSIM_ASSIGN_OR_RETURN(int64_t seed, s.Int("seed", 0, int64_t{1} << 62, 1));
  YAML::Node params = s.Child("params");
  if (!params.IsMap() || params.size() == 0) {
    return InputError(PosOf(params.IsDefined() ? params : s.node(), s.file()),
                      s.FieldPath("params"), "must map --set paths to {min, max} ranges");
  }
  struct Range {
    std::string path;
    double min, max;
    bool integer, log;
  };
  std::vector<Range> ranges;
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (!it->first.IsScalar()) {
      return InputError(PosOf(it->first, s.file()), s.FieldPath("params"),
                        "keys must be --set paths");
    }
    const std::string path = it->first.Scalar();
    FLEETSIM_ASSIGN_OR_RETURN(
        YamlMap r,
        YamlMap::Make(it->second, s.file(), absl::StrCat(s.FieldPath("params"), ".", path)));
    Range g{path, 0, 0, false, false};
    FLEETSIM_ASSIGN_OR_RETURN(g.min, r.Double("min", -1e300, 1e300));
    FLEETSIM_ASSIGN_OR_RETURN(g.max, r.Double("max", -1e300, 1e300));
    FLEETSIM_ASSIGN_OR_RETURN(g.integer, r.Bool("integer", false));
    FLEETSIM_ASSIGN_OR_RETURN(g.log, r.Bool("log", false));
    FLEETSIM_RETURN_IF_ERROR(r.Finish());
    if (!(g.max > g.min)) return r.ErrorAt("max", "must be greater than min");
    if (g.log && g.min <= 0) return r.ErrorAt("min", "must be > 0 with log: true");
    if (g.integer && (std::fabs(g.min) > 0x1p53 || std::fabs(g.max) > 0x1p53)) {
      return r.ErrorAt(std::fabs(g.min) > 0x1p53 ? "min" : "max",
                       "must be within +-2^53 with integer: true");
    }
    ranges.push_back(g);
  }
  FLEETSIM_RETURN_IF_ERROR(s.Finish());
  // One generator per axis (stream = axis position): adding an axis never perturbs another.
  Rng rng(static_cast<uint64_t>(seed), stream);
  const size_t n = static_cast<size_t>(samples);
  std::vector<std::vector<double>> u(ranges.size(), std::vector<double>(n));
  for (size_t j = 0; j < ranges.size(); ++j) {
    if (kind == "lhs") {
      // One sample in each of n equal strata per parameter, strata shuffled independently.
      std::vector<size_t> perm(n);
      for (size_t i = 0; i < n; ++i) perm[i] = i;
      for (size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[rng.Below(i)]);
      for (size_t i = 0; i < n; ++i) u[j][i] = (static_cast<double>(perm[i]) + rng.Uniform()) / n;
    } else {
      for (size_t i = 0; i < n; ++i) u[j][i] = rng.Uniform();
    }
  }
  std::vector<Point> points(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < ranges.size(); ++j) {
      const Range& g = ranges[j];
      // pmath: the same samples on every machine (libm's exp/log may differ in the last bit).
      double v = g.log ? pmath::Exp(pmath::Log(g.min) +
                                    u[j][i] * (pmath::Log(g.max) - pmath::Log(g.min)))
                       : g.min + u[j][i] * (g.max - g.min);
      std::string text;
      if (g.integer) {
        text = absl::StrCat(static_cast<int64_t>(std::llround(std::clamp(v, g.min, g.max))));
      } else {
        // 6 significant digits: readable in tables and plots, and the scenario gets exactly
        // the value the index shows.
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%.6g", v);
        text = buf;
      }
      points[i].emplace_back(g.path, text);
    }
  }
  return points;
}

// Splits one CSV line (RFC 4180 quoting, no embedded newlines).
std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else if (c != '\r') {
      cur.push_back(c);
    }
  }
  out.push_back(std::move(cur));
  return out;
}

}  // namespace

absl::StatusOr<Plan> MakePlan(const std::string& sweep_file, const std::string& out_dir) {
  FLEETSIM_ASSIGN_OR_RETURN(std::string text, ReadFile(sweep_file));
  return MakePlanFromText(text, sweep_file, out_dir, kMaxRuns);
}

absl::StatusOr<Plan> MakePlanFromText(const std::string& text, const std::string& sweep_file,
                                      const std::string& out_dir, size_t max_runs) {
  Plan plan;
  plan.sweep_file = sweep_file;
  plan.sweep_text = text;
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node root, ParseYaml(plan.sweep_text, sweep_file));
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap top, YamlMap::Make(root, sweep_file, ""));
  FLEETSIM_ASSIGN_OR_RETURN(plan.name, top.String("name", fs::path(sweep_file).stem().string()));
  FLEETSIM_ASSIGN_OR_RETURN(std::string scenario_rel, top.String("scenario"));
  const std::string base =
      fs::path(scenario_rel).is_absolute()
          ? scenario_rel
          : (fs::path(sweep_file).parent_path() / scenario_rel).lexically_normal().string();
  std::error_code ec;  // a name too long for the file system is "not found", not a throw
  if (!fs::exists(base, ec)) return top.ErrorAt("scenario", absl::StrCat("file not found: ", base));
  std::vector<uint64_t> seeds;
  if (top.Has("seeds")) {
    YAML::Node sn = top.Child("seeds");
    FLEETSIM_ASSIGN_OR_RETURN(auto list, ScalarList(sn, sweep_file, "seeds"));
    for (size_t i = 0; i < list.size(); ++i) {
      uint64_t v;
      if (!absl::SimpleAtoi(list[i], &v) || v > (uint64_t{1} << 62)) {
        return InputError(PosOf(sn[i], sweep_file), absl::StrCat("seeds[", i, "]"),
                          absl::StrCat("must be an integer in [0, 2^62], got '", list[i], "'"));
      }
      seeds.push_back(v);
    }
  }
  std::vector<std::vector<Point>> axes;
  if (top.Has("axes")) {
    YAML::Node an = top.Child("axes");
    if (!an.IsSequence()) return InputError(PosOf(an, sweep_file), "axes", "must be a list");
    for (size_t i = 0; i < an.size(); ++i) {
      FLEETSIM_ASSIGN_OR_RETURN(YamlMap axis,
                                YamlMap::Make(an[i], sweep_file, absl::StrCat("axes[", i, "]")));
      int kinds = 0;
      for (const char* k : {"grid", "zip", "random", "lhs"}) kinds += axis.Has(k) ? 1 : 0;
      if (kinds != 1) {
        return InputError(axis.Pos(), axis.path(),
                          "must have exactly one of grid, zip, random, lhs");
      }
      std::vector<Point> pts;
      if (axis.Has("grid")) {
        FLEETSIM_ASSIGN_OR_RETURN(pts, GridPoints(axis, max_runs));
      } else if (axis.Has("zip")) {
        FLEETSIM_ASSIGN_OR_RETURN(pts, ZipPoints(axis));
      } else if (axis.Has("random")) {
        FLEETSIM_ASSIGN_OR_RETURN(pts, SamplePoints(axis, "random", i));
      } else if (axis.Has("lhs")) {
        FLEETSIM_ASSIGN_OR_RETURN(pts, SamplePoints(axis, "lhs", i));
      }
      FLEETSIM_RETURN_IF_ERROR(axis.Finish());
      for (const auto& [path, v] : pts[0]) {
        if (path == "seed") {
          return InputError(axis.Pos(), axis.path(),
                            "'seed' is not an axis; use the top-level seeds: list");
        }
        if (std::find(plan.param_names.begin(), plan.param_names.end(), path) !=
            plan.param_names.end()) {
          return InputError(axis.Pos(), axis.path(),
                            absl::StrCat("'", path, "' is already set by an earlier axis"));
        }
        plan.param_names.push_back(path);
      }
      axes.push_back(std::move(pts));
    }
  }
  FLEETSIM_RETURN_IF_ERROR(top.Finish());

  size_t nruns = std::max<size_t>(1, seeds.size());
  for (const auto& axis : axes) {
    if (!MulWithin(nruns, axis.size(), max_runs, &nruns)) {
      return top.ErrorAt("axes", absl::StrCat("expands to more than ", max_runs, " runs"));
    }
  }
  std::vector<Point> points{{}};
  for (const auto& axis : axes) {
    std::vector<Point> next;
    for (const auto& p : points) {
      for (const auto& q : axis) {
        Point r = p;
        r.insert(r.end(), q.begin(), q.end());
        next.push_back(std::move(r));
      }
    }
    points = std::move(next);
  }
  const int width = std::max<int>(4, static_cast<int>(std::to_string(nruns - 1).size()));
  const std::string scen_dir = (fs::path(out_dir) / "scenarios").string();
  for (const auto& p : points) {
    for (size_t k = 0; k < std::max<size_t>(1, seeds.size()); ++k) {
      PlannedRun run;
      std::string num = std::to_string(plan.runs.size());
      run.run_id = "r" + std::string(width - num.size(), '0') + num;
      run.params = p;
      std::vector<std::string> overrides;
      for (const auto& [path, v] : p) overrides.push_back(absl::StrCat(path, "=", v));
      if (!seeds.empty()) overrides.push_back(absl::StrCat("seed=", seeds[k]));
      std::vector<std::string> shown;
      for (const auto& o : overrides) shown.push_back(o);
      const std::string label =
          absl::StrCat(sweep_file, ": run ", run.run_id, " (",
                       shown.empty() ? "base scenario" : absl::StrJoin(shown, ", "), ")");
      auto s = scenario::LoadScenario(base, overrides);
      if (!s.ok())
        return absl::InvalidArgumentError(absl::StrCat(label, ": ", s.status().message()));
      run.has_seed = true;
      run.seed = s->seed;
      auto text = scenario::ResolvedScenarioYaml(base, overrides, scen_dir);
      if (!text.ok())
        return absl::InvalidArgumentError(absl::StrCat(label, ": ", text.status().message()));
      run.scenario_yaml = *text;
      run.scenario_sha256 = Sha256Hex(run.scenario_yaml);
      plan.runs.push_back(std::move(run));
    }
  }
  return plan;
}

std::string IndexCsv(const Plan& plan) {
  std::vector<std::string> header{"run_id"};
  header.insert(header.end(), plan.param_names.begin(), plan.param_names.end());
  header.push_back("seed");
  header.push_back("scenario_sha256");
  CsvWriter w(header);
  for (const auto& r : plan.runs) {
    w.Add(r.run_id);
    for (const auto& name : plan.param_names) {
      std::string v;
      for (const auto& [k, x] : r.params) {
        if (k == name) v = x;
      }
      w.Add(v);
    }
    w.Add(static_cast<int64_t>(r.seed));
    w.Add(r.scenario_sha256);
    w.EndRow();
  }
  return w.Release();
}

absl::Status WritePlan(const Plan& plan, const std::string& out_dir) {
  const std::string index = IndexCsv(plan);
  std::error_code ec;
  if (fs::exists(out_dir, ec)) {
    if (!fs::is_directory(out_dir, ec)) {
      return absl::InvalidArgumentError(absl::StrCat(out_dir, ": --out: not a directory"));
    }
    if (fs::exists(out_dir + "/index.csv", ec)) {
      auto old = ReadFile(out_dir + "/index.csv");
      if (old.ok() && *old == index) return absl::OkStatus();  // same plan: nothing to do
      return absl::InvalidArgumentError(absl::StrCat(
          out_dir,
          ": --out: holds a different sweep plan (index.csv differs); choose another directory"));
    }
    if (!fs::is_empty(out_dir, ec)) {
      return absl::InvalidArgumentError(absl::StrCat(
          out_dir,
          ": --out: exists, is not empty and holds no sweep plan; choose another directory"));
    }
  }
  FLEETSIM_RETURN_IF_ERROR(MakeDirs(out_dir + "/scenarios"));
  FLEETSIM_RETURN_IF_ERROR(WriteFileAtomic(out_dir + "/sweep.yaml", plan.sweep_text));
  for (const auto& r : plan.runs) {
    FLEETSIM_RETURN_IF_ERROR(
        WriteFileAtomic(out_dir + "/scenarios/" + r.run_id + ".yaml", r.scenario_yaml));
  }
  return WriteFileAtomic(out_dir + "/index.csv", index);
}

absl::StatusOr<Index> ReadIndex(const std::string& dir) {
  const std::string path = dir + "/index.csv";
  auto text = ReadFile(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, ": not a sweep plan directory (no index.csv; run fleetsim sweep plan)"));
  }
  Index idx;
  std::vector<std::string> lines = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  if (lines.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ":1: empty index"));
  auto header = SplitCsvLine(lines[0]);
  if (header.size() < 3 || header.front() != "run_id" || header.back() != "scenario_sha256") {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":1: header must start with run_id and end with scenario_sha256"));
  }
  idx.columns.assign(header.begin() + 1, header.end() - 1);
  for (size_t i = 1; i < lines.size(); ++i) {
    auto f = SplitCsvLine(lines[i]);
    if (f.size() != header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", i + 1, ": expected ", header.size(), " fields, got ", f.size()));
    }
    IndexRow row;
    row.run_id = f.front();
    row.scenario_sha256 = f.back();
    row.values.assign(f.begin() + 1, f.end() - 1);
    idx.rows.push_back(std::move(row));
  }
  return idx;
}

absl::StatusOr<RunState> ReadRunState(const std::string& dir, const std::string& run_id) {
  RunState s;
  const std::string path = absl::StrCat(dir, "/state/", run_id, ".json");
  std::error_code ec;
  if (!fs::exists(path, ec)) return s;
  FLEETSIM_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return absl::InvalidArgumentError(absl::StrCat(path, ": malformed state file"));
  s.status = j.value("status", "");
  s.exit_status = j.value("exit_status", 0);
  s.wall_s = j.value("wall_s", 0.0);
  s.max_rss_kb = j.value("max_rss_kb", int64_t{0});
  s.host = j.value("host", "");
  s.pid = j.value("pid", int64_t{0});
  return s;
}

absl::Status WriteRunState(const std::string& dir, const std::string& run_id, const RunState& s) {
  FLEETSIM_RETURN_IF_ERROR(MakeDirs(dir + "/state"));
  JsonWriter j;
  j.BeginObject();
  j.Key("run_id").Value(run_id);
  j.Key("status").Value(s.status);
  j.Key("exit_status").Value(s.exit_status);
  j.Key("wall_s").Value(s.wall_s);
  j.Key("max_rss_kb").Value(s.max_rss_kb);
  j.Key("host").Value(s.host);
  j.Key("pid").Value(s.pid);
  j.EndObject();
  return WriteFileAtomic(absl::StrCat(dir, "/state/", run_id, ".json"), j.str());
}

std::string StderrTail(const std::string& dir, const std::string& run_id, int lines) {
  auto text = ReadFile(absl::StrCat(dir, "/logs/", run_id, ".stderr"));
  if (!text.ok()) return "";
  std::vector<std::string> all = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  size_t from = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  return absl::StrJoin(all.begin() + from, all.end(), "\n");
}

absl::StatusOr<std::string> StatusReport(const std::string& dir) {
  FLEETSIM_ASSIGN_OR_RETURN(Index idx, ReadIndex(dir));
  std::map<std::string, int> count;
  std::string details;
  for (const auto& row : idx.rows) {
    FLEETSIM_ASSIGN_OR_RETURN(RunState s, ReadRunState(dir, row.run_id));
    const std::string st = s.status.empty() ? "not run" : s.status;
    ++count[st];
    if (s.status == "failed" || s.status == "interrupted") {
      absl::StrAppend(&details, row.run_id, " ", s.status, " (exit status ", s.exit_status, ")");
      std::string tail = StderrTail(dir, row.run_id, 3);
      if (!tail.empty()) {
        for (absl::string_view l : absl::StrSplit(tail, '\n'))
          absl::StrAppend(&details, "\n    ", l);
      }
      absl::StrAppend(&details, "\n");
    } else if (s.status == "running") {
      absl::StrAppend(&details, row.run_id, " running (host ", s.host, ", pid ", s.pid,
                      "; or died without a trace if that process is gone)\n");
    }
  }
  std::string out =
      absl::StrCat(dir, ": ", idx.rows.size(), " runs: ", count["done"], " done, ", count["failed"],
                   " failed, ", count["interrupted"], " interrupted, ", count["running"],
                   " running, ", count["not run"], " not run\n");
  return out + details;
}

namespace {

// Flattens summary.json into (column, text) pairs: nested objects join keys with '.', arrays of
// objects are keyed by their first string member (clusters.<cluster>.utilization), other arrays
// by index; null (an undefined statistic) becomes an empty cell.
void Flatten(const nlohmann::json& j, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>* out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      Flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      const auto& e = j[i];
      std::string key = std::to_string(i);
      std::string skip;
      if (e.is_object()) {
        for (auto it = e.begin(); it != e.end(); ++it) {
          if (it.value().is_string()) {
            key = it.value().get<std::string>();
            skip = it.key();
            break;
          }
        }
      }
      if (e.is_object() && !skip.empty()) {
        for (auto it = e.begin(); it != e.end(); ++it) {
          if (it.key() != skip) Flatten(it.value(), prefix + "." + key + "." + it.key(), out);
        }
      } else {
        Flatten(e, prefix + "." + key, out);
      }
    }
  } else if (j.is_string()) {
    out->emplace_back(prefix, j.get<std::string>());
  } else if (j.is_boolean()) {
    out->emplace_back(prefix, j.get<bool>() ? "true" : "false");
  } else if (j.is_number_integer()) {
    out->emplace_back(prefix, std::to_string(j.get<int64_t>()));
  } else if (j.is_number()) {
    out->emplace_back(prefix, FormatDouble(j.get<double>()));
  } else {
    out->emplace_back(prefix, "");
  }
}

// Two-sided 95% Student t critical values for 1..30 degrees of freedom; 1.96 beyond.
double T975(size_t df) {
  static const double kT[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                              2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                              2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                              2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  return df >= 1 && df <= 30 ? kT[df - 1] : 1.96;
}

}  // namespace

absl::StatusOr<size_t> Collect(const std::string& dir, const std::string& results_csv,
                               const std::string& summary_csv) {
  FLEETSIM_ASSIGN_OR_RETURN(Index idx, ReadIndex(dir));
  std::vector<std::string> fixed{"run_id"};
  fixed.insert(fixed.end(), idx.columns.begin(), idx.columns.end());
  fixed.push_back("status");
  std::set<std::string> fixed_set(fixed.begin(), fixed.end());
  std::vector<std::string> metric_cols;
  std::set<std::string> metric_set;
  std::vector<std::map<std::string, std::string>> rows;
  for (const auto& row : idx.rows) {
    FLEETSIM_ASSIGN_OR_RETURN(RunState s, ReadRunState(dir, row.run_id));
    std::map<std::string, std::string> r;
    r["run_id"] = row.run_id;
    for (size_t i = 0; i < idx.columns.size(); ++i) r[idx.columns[i]] = row.values[i];
    r["status"] = s.status.empty() ? "not run" : s.status;
    // Done runs, and interrupted runs that wrote their partial outputs (summary.json outcome
    // "interrupted", covering [0, end_time_s]); the across-seed table takes done runs only.
    const std::string path = absl::StrCat(dir, "/runs/", row.run_id, "/summary.json");
    std::error_code ec;
    if (s.status == "done" || (s.status == "interrupted" && fs::exists(path, ec))) {
      FLEETSIM_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
      auto j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded())
        return absl::InvalidArgumentError(absl::StrCat(path, ": malformed JSON"));
      std::vector<std::pair<std::string, std::string>> flat;
      Flatten(j, "", &flat);
      for (auto& [k, v] : flat) {
        if (fixed_set.count(k)) continue;  // e.g. summary's seed repeats the index's
        if (metric_set.insert(k).second) metric_cols.push_back(k);
        r[k] = std::move(v);
      }
    }
    rows.push_back(std::move(r));
  }
  std::vector<std::string> header = fixed;
  header.insert(header.end(), metric_cols.begin(), metric_cols.end());
  CsvWriter w(header);
  for (const auto& r : rows) {
    for (const auto& h : header) {
      auto it = r.find(h);
      w.Add(it == r.end() ? std::string() : it->second);
    }
    w.EndRow();
  }
  FLEETSIM_RETURN_IF_ERROR(WriteFileAtomic(results_csv, w.str()));

  // Across seeds: group done runs by every index column except seed.
  std::vector<std::string> keys;
  for (const auto& c : idx.columns) {
    if (c != "seed") keys.push_back(c);
  }
  std::vector<std::string> sh = keys;
  for (const char* c : {"metric", "n", "mean", "sd", "ci95_low", "ci95_high"}) sh.push_back(c);
  CsvWriter sw(sh);
  std::vector<std::vector<std::string>> groups;  // first-seen order
  std::map<std::vector<std::string>, std::vector<const std::map<std::string, std::string>*>>
      members;
  for (const auto& r : rows) {
    if (r.at("status") != "done") continue;
    std::vector<std::string> g;
    for (const auto& k : keys) g.push_back(r.at(k));
    if (!members.count(g)) groups.push_back(g);
    members[g].push_back(&r);
  }
  for (const auto& g : groups) {
    for (const auto& m : metric_cols) {
      std::vector<double> xs;
      bool numeric = true;
      for (const auto* r : members[g]) {
        auto it = r->find(m);
        if (it == r->end() || it->second.empty()) continue;
        double x;
        if (!absl::SimpleAtod(it->second, &x)) {
          numeric = false;
          break;
        }
        xs.push_back(x);
      }
      if (!numeric || xs.empty()) continue;
      double mean = 0;
      for (double x : xs) mean += x;
      mean /= xs.size();
      for (const auto& v : g) sw.Add(v);
      sw.Add(m);
      sw.Add(static_cast<int64_t>(xs.size()));
      sw.Add(mean);
      if (xs.size() > 1) {
        double ss = 0;
        for (double x : xs) ss += (x - mean) * (x - mean);
        double sd = std::sqrt(ss / (xs.size() - 1));
        double half = T975(xs.size() - 1) * sd / std::sqrt(static_cast<double>(xs.size()));
        sw.Add(sd).Add(mean - half).Add(mean + half);
      } else {
        sw.Add("").Add("").Add("");
      }
      sw.EndRow();
    }
  }
  FLEETSIM_RETURN_IF_ERROR(WriteFileAtomic(summary_csv, sw.str()));
  return rows.size();
}

namespace {
std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

// Slurm option values go on #SBATCH lines, which are not shell-parsed: keep them plain.
absl::Status CheckSlurmValue(const std::string& flag, const std::string& v) {
  for (char c : v) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string("-_:.,+@%=").find(c) != std::string::npos)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": unexpected character in '", v, "'"));
    }
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<std::string> SlurmScript(const std::string& dir, size_t nruns,
                                        const SlurmOptions& o) {
  if (o.chunk < 1) return absl::InvalidArgumentError("--chunk must be >= 1");
  if (o.max_concurrent < 0) return absl::InvalidArgumentError("--max-concurrent must be >= 0");
  if (nruns == 0) return absl::InvalidArgumentError(absl::StrCat(dir, ": the plan has no runs"));
  FLEETSIM_RETURN_IF_ERROR(CheckSlurmValue("partition", o.partition));
  FLEETSIM_RETURN_IF_ERROR(CheckSlurmValue("time", o.time));
  FLEETSIM_RETURN_IF_ERROR(CheckSlurmValue("mem", o.mem));
  FLEETSIM_RETURN_IF_ERROR(CheckSlurmValue("account", o.account));
  const std::string abs_dir = fs::absolute(dir).lexically_normal().string();
  const size_t ntasks = (nruns + o.chunk - 1) / o.chunk;
  std::string s = "#!/bin/bash\n";
  absl::StrAppend(
      &s, "# Written by `fleetsim sweep slurm`: one array task per ", o.chunk,
      " run(s) of the plan in ", abs_dir, ".\n",
      "# Each task runs `fleetsim sweep run --runs A-B`: finished runs are skipped, so\n"
      "# resubmitting this script after a failure or a time limit resumes the sweep.\n");
  absl::StrAppend(&s, "#SBATCH --job-name=fleetsim-sweep\n");
  absl::StrAppend(&s, "#SBATCH --array=0-", ntasks - 1,
                  o.max_concurrent > 0 ? absl::StrCat("%", o.max_concurrent) : "", "\n");
  absl::StrAppend(&s, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n");
  absl::StrAppend(&s, "#SBATCH --output=", abs_dir, "/logs/slurm-%A_%a.out\n");
  if (!o.partition.empty()) absl::StrAppend(&s, "#SBATCH --partition=", o.partition, "\n");
  if (!o.time.empty()) absl::StrAppend(&s, "#SBATCH --time=", o.time, "\n");
  if (!o.mem.empty()) absl::StrAppend(&s, "#SBATCH --mem=", o.mem, "\n");
  if (!o.account.empty()) absl::StrAppend(&s, "#SBATCH --account=", o.account, "\n");
  absl::StrAppend(&s, "set -euo pipefail\n");
  absl::StrAppend(&s, "FLEETSIM=", ShellQuote(o.fleetsim_binary), "\n");
  absl::StrAppend(&s, "DIR=", ShellQuote(abs_dir), "\n");
  absl::StrAppend(&s, "CHUNK=", o.chunk, "\nNRUNS=", nruns, "\n");
  absl::StrAppend(
      &s,
      "first=$(( SLURM_ARRAY_TASK_ID * CHUNK ))\n"
      "last=$(( first + CHUNK - 1 ))\n"
      "if (( last >= NRUNS )); then last=$(( NRUNS - 1 )); fi\n"
      "# exec: Slurm's SIGTERM (time limit, scancel) reaches fleetsim, which stops its run\n"
      "# and marks it interrupted.\n"
      "exec \"$FLEETSIM\" sweep run \"$DIR\" --runs \"$first-$last\" --jobs 1 --quiet\n");
  return s;
}

absl::StatusOr<std::pair<size_t, size_t>> ParseRunRange(const std::string& spec, size_t nruns) {
  if (spec.empty()) return std::make_pair(size_t{0}, nruns == 0 ? 0 : nruns - 1);
  std::vector<std::string> parts = absl::StrSplit(spec, '-');
  size_t a, b;
  if (parts.size() == 1 && absl::SimpleAtoi(parts[0], &a)) {
    b = a;
  } else if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &a) ||
             !absl::SimpleAtoi(parts[1], &b)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--runs: expected A-B or A (0-based positions), got '", spec, "'"));
  }
  if (a > b || b >= nruns) {
    return absl::InvalidArgumentError(absl::StrCat("--runs ", spec, ": outside 0-", nruns - 1));
  }
  return std::make_pair(a, b);
}

}  // namespace fleetsim::sweep
