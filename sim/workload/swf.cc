#include "sim/workload/swf.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "sim/core/io.h"
#include "sim/core/status.h"

namespace fleetsim::workload {
namespace {

constexpr const char* kFieldNames[18] = {
    "job_number", "submit_time", "wait_time", "run_time", "allocated_processors",
    "average_cpu_time", "used_memory", "requested_processors", "requested_time",
    "requested_memory", "status", "user_id", "group_id", "executable", "queue",
    "partition", "preceding_job", "think_time"};

absl::Status LineError(const std::string& file, int line, int field, const std::string& msg) {
  SourcePos pos{file, line, 0};
  if (field < 0) return InputError(pos, "", msg);
  return InputError(pos, absl::StrCat("field ", field + 1, " (", kFieldNames[field], ")"), msg);
}

// 2^53: every integer of at most this magnitude is exact in a double and fits int64_t.
constexpr double kMaxExactInteger = 9007199254740992.0;

bool HeaderInt(absl::string_view line, absl::string_view key, int64_t* out) {
  // "; MaxProcs: 100"
  absl::string_view s = absl::StripLeadingAsciiWhitespace(line.substr(1));
  if (!absl::ConsumePrefix(&s, key)) return false;
  s = absl::StripLeadingAsciiWhitespace(s);
  if (!absl::ConsumePrefix(&s, ":")) return false;
  return absl::SimpleAtoi(absl::StripAsciiWhitespace(s), out);
}

}  // namespace

absl::StatusOr<SwfTrace> ParseSwf(const std::string& text, const std::string& file,
                                  const SwfOptions& options) {
  SwfTrace trace;
  std::unordered_set<int64_t> ids;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (stripped.empty()) continue;
    if (stripped[0] == ';') {
      int64_t v = 0;
      if (HeaderInt(stripped, "MaxProcs", &v)) trace.max_procs = v;
      if (HeaderInt(stripped, "MaxNodes", &v)) trace.max_nodes = v;
      continue;
    }
    std::vector<absl::string_view> parts =
        absl::StrSplit(stripped, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.size() != 18) {
      return LineError(file, line_no, -1,
                       absl::StrCat("expected 18 whitespace-separated fields, got ", parts.size()));
    }
    double f[18];
    for (int i = 0; i < 18; ++i) {
      if (!absl::SimpleAtod(parts[i], &f[i]) || !std::isfinite(f[i])) {
        return LineError(file, line_no, i, absl::StrCat("not a number: '", parts[i], "'"));
      }
    }
    // The fields used: job id and processor counts (converted to int64_t, undefined beyond
    // 2^63) and times (integer seconds). Beyond 2^53 a double no longer holds every integer.
    for (int i : {0, 1, 3, 4, 7, 8}) {
      if (std::fabs(f[i]) > kMaxExactInteger) {
        return LineError(file, line_no, i,
                         absl::StrCat("out of range: '", parts[i], "' (magnitude above 2^53)"));
      }
    }
    if (f[0] != std::floor(f[0])) return LineError(file, line_no, 0, "must be an integer");
    JobSpec job;
    job.id = static_cast<int64_t>(f[0]);
    if (!ids.insert(job.id).second) {
      return LineError(file, line_no, 0, absl::StrCat("duplicate job id ", job.id));
    }
    const double submit = std::trunc(f[1]);
    const double run = std::trunc(f[3]);
    const int64_t allocated = static_cast<int64_t>(f[4]);
    int64_t requested = static_cast<int64_t>(f[7]);
    if (requested <= 0) requested = allocated;
    const double req_time = std::trunc(f[8]);
    const int64_t cap = options.max_procs_override > 0 ? options.max_procs_override
                                                       : trace.max_procs;

    // The run field itself (not truncated) decides: 0 < run < 1 is a valid 1-second run.
    if (f[3] <= 0 || requested <= 0 || submit < 0) {
      if (options.cleaning == SwfCleaning::kStrict) {
        int field = f[3] <= 0 ? 3 : (requested <= 0 ? 7 : 1);
        return LineError(file, line_no, field, "must be positive (strict cleaning)");
      }
      job.submit_s = std::max(submit, 1.0);
      job.run_s = 1;
      job.estimate_s = 1;
      job.accelerators = std::max<int64_t>(1, allocated);
    } else {
      const double est = std::max({req_time, run, 1.0});
      // Lowered to the requested time as given (not to `est`, which is never below `run`);
      // a missing request (<= 0) leaves the run as it is: see swf.h.
      const double r = std::max(req_time > 0 ? std::min(run, req_time) : run, 1.0);
      int64_t procs = requested;
      if (cap > 0 && procs > cap) {
        if (options.cleaning == SwfCleaning::kStrict) {
          return LineError(file, line_no, 7, absl::StrCat("exceeds MaxProcs ", cap));
        }
        procs = cap;
      }
      job.submit_s = submit;
      job.run_s = r;
      job.estimate_s = est;
      job.accelerators = std::max<int64_t>(1, procs);
    }
    if (cap > 0) job.accelerators = std::min(job.accelerators, cap);
    if (options.estimates == SwfEstimates::kExact) job.estimate_s = job.run_s;
    trace.workload.jobs.push_back(std::move(job));
  }
  // Submission order: by submit time, ties in file order.
  std::stable_sort(trace.workload.jobs.begin(), trace.workload.jobs.end(),
                   [](const JobSpec& a, const JobSpec& b) { return a.submit_s < b.submit_s; });
  return trace;
}

absl::StatusOr<SwfTrace> LoadSwf(const std::string& path, const SwfOptions& options) {
  auto text = ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(std::string(text.status().message()));
  return ParseSwf(*text, path, options);
}

}  // namespace fleetsim::workload
