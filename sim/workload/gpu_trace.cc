#include "sim/workload/gpu_trace.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sim/core/date.h"
#include "sim/core/io.h"
#include "sim/core/status.h"

namespace fleetsim::workload {
namespace {

// One row being read: errors name file:line and the column.
struct Row {
  const std::string& file;
  int line;
  absl::Status Error(absl::string_view field, absl::string_view msg) const {
    return InputError(SourcePos{file, line, 0}, absl::StrCat("field ", field), msg);
  }
  absl::StatusOr<double> Number(absl::string_view s, absl::string_view field, double lo,
                                double hi) const {
    double v = 0;
    if (s.empty() || !absl::SimpleAtod(s, &v) || !std::isfinite(v)) {
      return Error(field, absl::StrCat("'", s, "' is not a number"));
    }
    if (v < lo || v > hi) {
      return Error(field, absl::StrCat(s, " is out of range [", lo, ", ", hi, "]"));
    }
    return v;
  }
  absl::StatusOr<int64_t> Integer(absl::string_view s, absl::string_view field, int64_t lo,
                                  int64_t hi) const {
    double v = 0;
    if (s.empty() || !absl::SimpleAtod(s, &v) || !std::isfinite(v)) {
      return Error(field, absl::StrCat("'", s, "' is not a number"));
    }
    if (v != std::floor(v)) return Error(field, absl::StrCat(s, " is not an integer"));
    if (v < static_cast<double>(lo) || v > static_cast<double>(hi)) {
      return Error(field, absl::StrCat(s, " is out of range [", lo, ", ", hi, "]"));
    }
    return static_cast<int64_t>(v);
  }
};

// "YYYY-MM-DD HH:MM:SS" -> seconds since 1970-01-01 UTC.
absl::StatusOr<double> Timestamp(const Row& row, absl::string_view s) {
  std::vector<absl::string_view> dt = absl::StrSplit(s, ' ');
  if (dt.size() != 2) return row.Error("timestamp", absl::StrCat("'", s, "' is not YYYY-MM-DD HH:MM:SS"));
  auto days = ParseIsoDate(std::string(dt[0]));
  if (!days.ok()) return row.Error("timestamp", days.status().message());
  std::vector<absl::string_view> hms = absl::StrSplit(dt[1], ':');
  int v[3] = {0, 0, 0};
  const int hi[3] = {23, 59, 59};
  if (hms.size() != 3) return row.Error("timestamp", absl::StrCat("'", s, "' is not YYYY-MM-DD HH:MM:SS"));
  for (int i = 0; i < 3; ++i) {
    if (hms[i].size() != 2 || !absl::SimpleAtoi(hms[i], &v[i]) || v[i] < 0 || v[i] > hi[i]) {
      return row.Error("timestamp", absl::StrCat("'", s, "' has an invalid time of day"));
    }
  }
  return static_cast<double>(*days) * 86400 + v[0] * 3600 + v[1] * 60 + v[2];
}

struct Raw {
  double arrival_s;
  double duration_s;
  int64_t gpus;
  std::string gpu_type;  // lower case, "" = not recorded
  std::string name;
  int line;
};

std::vector<absl::string_view> SplitCsv(absl::string_view line) {
  return absl::StrSplit(line, ',');
}

absl::Status CheckHeader(absl::string_view got, const char* want, const std::string& file) {
  if (got != want) {
    return InputError(SourcePos{file, 1, 0}, "header",
                      absl::StrCat("expected '", want, "', got '", got, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

double SourceGpuPeak16Flops(const std::string& gpu_type) {
  // Dense 16-bit peaks from NVIDIA's datasheets (SXM parts where both exist; not in ../shared):
  // Tesla P100 SXM2 FP16 21.2 TFLOP/s; Tesla P40 has no fast FP16, FP32 11.8 TFLOP/s;
  // V100 SXM2 tensor 125; T4 FP16 tensor 65; A10 BF16 tensor 125 (250 with sparsity);
  // A100 BF16 tensor 312 (624 with sparsity).
  static const std::map<std::string, double> kPeak = {
      {"p100", 21.2e12}, {"p40", 11.8e12},  {"v100", 125e12}, {"v100m16", 125e12},
      {"v100m32", 125e12}, {"t4", 65e12},   {"a10", 125e12},  {"a100", 312e12}};
  auto it = kPeak.find(absl::AsciiStrToLower(gpu_type));
  return it == kPeak.end() ? 0 : it->second;
}

absl::StatusOr<GpuTrace> ParseGpuTrace(const std::string& text, const std::string& file,
                                       const GpuTraceOptions& opt) {
  GpuTrace out;
  std::vector<Raw> raws;
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  while (!lines.empty() && absl::StripSuffix(lines.back(), "\r").empty()) lines.pop_back();  // trailing blank lines
  if (lines.empty()) return InputError(SourcePos{file, 1, 0}, "header", "file is empty");
  const bool philly = opt.format == GpuTraceFormat::kPhilly;
  FLEETSIM_RETURN_IF_ERROR(CheckHeader(
      absl::StripSuffix(lines[0], "\r"),
      philly ? "timestamp,duration,num_gpus,gpu_time,cluster"
             : "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
               "creation_time,deletion_time,scheduled_time",
      file));
  const size_t ncol = philly ? 5 : 11;
  for (size_t i = 1; i < lines.size(); ++i) {
    const Row row{file, static_cast<int>(i + 1)};
    std::vector<absl::string_view> f = SplitCsv(absl::StripSuffix(lines[i], "\r"));
    if (f.size() != ncol) {
      return InputError(SourcePos{file, row.line, 0}, "",
                        absl::StrCat("expected ", ncol, " comma-separated fields, got ", f.size()));
    }
    ++out.rows;
    Raw r{0, 0, 0, "", "", row.line};
    if (philly) {
      FLEETSIM_ASSIGN_OR_RETURN(r.arrival_s, Timestamp(row, f[0]));
      FLEETSIM_ASSIGN_OR_RETURN(r.duration_s, row.Number(f[1], "duration", 1e-3, 1e9));
      FLEETSIM_ASSIGN_OR_RETURN(r.gpus, row.Integer(f[2], "num_gpus", 1, 1 << 20));
      FLEETSIM_ASSIGN_OR_RETURN(double gpu_time, row.Number(f[3], "gpu_time", 0, 1e15));
      if (std::fabs(gpu_time - r.duration_s * r.gpus) > 0.5) {
        return row.Error("gpu_time", absl::StrCat(f[3], " is not duration x num_gpus = ",
                                                  r.duration_s * r.gpus));
      }
      if (f[4].empty()) return row.Error("cluster", "is empty");
      r.name = absl::StrCat("philly-", f[4]);
    } else {
      if (f[0].empty()) return row.Error("name", "is empty");
      r.name = std::string(f[0]);
      FLEETSIM_RETURN_IF_ERROR(row.Integer(f[1], "cpu_milli", 0, int64_t{1} << 40).status());
      FLEETSIM_RETURN_IF_ERROR(row.Integer(f[2], "memory_mib", 0, int64_t{1} << 40).status());
      FLEETSIM_ASSIGN_OR_RETURN(r.gpus, row.Integer(f[3], "num_gpu", 0, 1 << 20));
      FLEETSIM_ASSIGN_OR_RETURN(int64_t milli, row.Integer(f[4], "gpu_milli", 0, 1000));
      if (r.gpus == 1 && milli == 0) return row.Error("gpu_milli", "is 0 for a GPU pod");
      if (!f[5].empty()) {
        std::vector<absl::string_view> types = absl::StrSplit(f[5], '|');
        for (auto t : types) {
          if (t.empty()) return row.Error("gpu_spec", absl::StrCat("'", f[5], "' has an empty type"));
        }
        r.gpu_type = absl::AsciiStrToLower(types[0]);
      }
      if (f[6] != "LS" && f[6] != "BE" && f[6] != "Burstable" && f[6] != "Guaranteed") {
        return row.Error("qos", absl::StrCat("'", f[6], "' is not LS, BE, Burstable or Guaranteed"));
      }
      const bool pending = f[7] == "Pending";
      if (!pending && f[7] != "Running" && f[7] != "Succeeded" && f[7] != "Failed") {
        return row.Error("pod_phase",
                         absl::StrCat("'", f[7], "' is not Running, Succeeded, Failed or Pending"));
      }
      FLEETSIM_ASSIGN_OR_RETURN(r.arrival_s, row.Number(f[8], "creation_time", 0, 1e12));
      FLEETSIM_ASSIGN_OR_RETURN(double del, row.Number(f[9], "deletion_time", 0, 1e12));
      if (pending) {
        if (!f[10].empty()) return row.Error("scheduled_time", "given for a Pending pod");
        ++out.skipped_pending;
        continue;
      }
      FLEETSIM_ASSIGN_OR_RETURN(double sched, row.Number(f[10], "scheduled_time", 0, 1e12));
      if (sched < r.arrival_s) return row.Error("scheduled_time", "is before creation_time");
      if (del <= sched) return row.Error("deletion_time", "is not after scheduled_time");
      r.duration_s = del - sched;
      if (r.gpus == 0) {
        ++out.skipped_cpu;
        continue;
      }
    }
    if (opt.as_work) {
      const std::string& t = r.gpu_type.empty() ? opt.source_gpu : r.gpu_type;
      if (t.empty()) {
        return row.Error(philly ? "cluster" : "gpu_spec",
                         "no GPU type recorded and gpu_trace.source_gpu not set");
      }
      if (SourceGpuPeak16Flops(t) <= 0) {
        return row.Error(r.gpu_type.empty() ? "source_gpu" : "gpu_spec",
                         absl::StrCat("GPU type '", t,
                                      "' has no tabulated peak (known: p100, p40, v100, v100m16, "
                                      "v100m32, t4, a10, a100)"));
      }
      r.gpu_type = t;
    }
    raws.push_back(std::move(r));
  }
  if (raws.empty()) return InputError(SourcePos{file, 0, 0}, "", "no GPU job in the trace");
  double t0 = raws[0].arrival_s;
  for (const auto& r : raws) t0 = std::min(t0, r.arrival_s);
  std::stable_sort(raws.begin(), raws.end(),
                   [](const Raw& a, const Raw& b) { return a.arrival_s < b.arrival_s; });
  if (opt.limit_jobs > 0 && static_cast<size_t>(opt.limit_jobs) < raws.size()) {
    raws.resize(opt.limit_jobs);
  }
  out.workload.jobs.reserve(raws.size());
  for (const auto& r : raws) {
    JobSpec j;
    j.id = r.line;
    j.name = r.name;
    j.submit_s = (r.arrival_s - (philly ? t0 : 0)) / opt.arrival_scale;
    j.accelerators = r.gpus * opt.accelerator_scale;
    if (opt.as_work) {
      TrainingSpec t;
      t.model.params = opt.model_params;
      t.model.precision = training::Precision::kBf16;
      // A trace GPU stands for accelerator_scale accelerators' worth of work.
      const double flops = r.duration_s * static_cast<double>(r.gpus * opt.accelerator_scale) *
                           SourceGpuPeak16Flops(r.gpu_type) * opt.source_mfu;
      t.work.tokens = flops / (6 * opt.model_params);
      t.estimate_factor = opt.estimate_factor;
      j.training = std::make_shared<const TrainingSpec>(t);
      j.run_s = j.estimate_s = 1;  // unused: the system sets the run time
    } else {
      j.run_s = r.duration_s * opt.duration_scale;
      j.estimate_s = j.run_s * opt.estimate_factor;
    }
    out.workload.jobs.push_back(std::move(j));
  }
  return out;
}

absl::StatusOr<GpuTrace> LoadGpuTrace(const std::string& path, const GpuTraceOptions& options) {
  FLEETSIM_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseGpuTrace(text, path, options);
}

}  // namespace fleetsim::workload
