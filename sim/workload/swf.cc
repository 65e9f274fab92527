#include "sim/workload/swf.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <future>
#include <system_error>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

// Splits `line` at spaces and tabs (runs of them are one separator, as absl::ByAnyChar(" \t")
// with SkipEmpty): stores the first 18 fields in `parts` and returns how many fields there are.
size_t SplitFields(absl::string_view line, absl::string_view (&parts)[18]) {
  size_t n = 0;
  const char* p = line.data();
  const char* const end = p + line.size();
  while (true) {
    while (p != end && (*p == ' ' || *p == '\t')) ++p;
    if (p == end) return n;
    const char* start = p;
    while (p != end && *p != ' ' && *p != '\t') ++p;
    if (n < 18) parts[n] = absl::string_view(start, static_cast<size_t>(p - start));
    ++n;
  }
}

// absl::SimpleAtod, faster on the common forms: an optional '-' and at most 15 digits (exact in a
// double) are read directly, other numbers with std::from_chars (correctly rounded, like
// absl::from_chars under SimpleAtod). Anything else (a leading '+', surrounding whitespace,
// out-of-range exponents, malformed text) goes to SimpleAtod itself, so results and rejections
// are those of SimpleAtod.
bool ParseNumber(absl::string_view s, double* out) {
  const char* p = s.data();
  const char* const end = p + s.size();
  const bool negative = p != end && *p == '-';
  if (negative) ++p;
  if (p != end && end - p <= 15) {
    int64_t v = 0;
    const char* q = p;
    for (; q != end && static_cast<unsigned>(*q - '0') < 10; ++q) v = 10 * v + (*q - '0');
    if (q == end) {
      const double d = static_cast<double>(v);
      *out = negative ? -d : d;
      return true;
    }
  }
  if (!s.empty() && s[0] != '+') {
    double v = 0;
    const std::from_chars_result r = std::from_chars(s.data(), end, v);
    if (r.ec == std::errc() && r.ptr == end) {
      *out = v;
      return true;
    }
  }
  return absl::SimpleAtod(s, out);
}

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
  const size_t max_lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  trace.workload.jobs.reserve(max_lines);
  absl::flat_hash_set<int64_t> ids;
  ids.reserve(max_lines);
  int line_no = 0;
  absl::string_view rest = text;
  for (bool more = true; more;) {
    const size_t eol = rest.find('\n');
    absl::string_view line = rest.substr(0, eol);
    if (eol == absl::string_view::npos) {
      more = false;
    } else {
      rest.remove_prefix(eol + 1);
    }
    ++line_no;
    absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (stripped.empty()) continue;
    if (stripped[0] == ';') {
      int64_t v = 0;
      if (HeaderInt(stripped, "MaxProcs", &v)) trace.max_procs = v;
      if (HeaderInt(stripped, "MaxNodes", &v)) trace.max_nodes = v;
      continue;
    }
    absl::string_view parts[18];
    const size_t num_parts = SplitFields(stripped, parts);
    if (num_parts != 18) {
      return LineError(file, line_no, -1,
                       absl::StrCat("expected 18 whitespace-separated fields, got ", num_parts));
    }
    double f[18];
    for (int i = 0; i < 18; ++i) {
      if (!ParseNumber(parts[i], &f[i]) || !std::isfinite(f[i])) {
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
    // MaxProcs, else MaxNodes (Lublin's synthetic traces give only MaxNodes, one processor
    // per node).
    const int64_t cap = options.max_procs_override > 0 ? options.max_procs_override
                        : trace.max_procs > 0          ? trace.max_procs
                                                       : trace.max_nodes;

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
  // Submission order: by submit time, ties in file order (most traces are sorted already).
  const auto by_submit = [](const JobSpec& a, const JobSpec& b) { return a.submit_s < b.submit_s; };
  if (std::is_sorted(trace.workload.jobs.begin(), trace.workload.jobs.end(), by_submit)) {
    return trace;
  }
  std::stable_sort(trace.workload.jobs.begin(), trace.workload.jobs.end(),
                   [](const JobSpec& a, const JobSpec& b) { return a.submit_s < b.submit_s; });
  return trace;
}

namespace {

// The file's text; a name ending in .gz is gunzipped (the Parallel Workloads Archive ships
// traces that way).
absl::StatusOr<std::string> ReadTrace(const std::string& path) {
  if (!absl::EndsWith(path, ".gz")) return ReadFile(path);
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open"));
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) {
    // A small gzip file can expand without bound (a compressed /dev/zero): same cap as ReadFile.
    if (out.size() + static_cast<size_t>(n) > kMaxInputBytes) {
      gzclose(f);
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": larger than ", kMaxInputBytes >> 30, " GiB uncompressed: not read as an input"));
    }
    out.append(buf, n);
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  const std::string why = msg ? msg : "";
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a readable gzip file (", why, ")"));
  }
  return out;
}

}  // namespace

absl::StatusOr<SwfTrace> LoadSwf(const std::string& path, const SwfOptions& options) {
  auto text = ReadTrace(path);
  if (!text.ok()) return absl::InvalidArgumentError(std::string(text.status().message()));
  // The hash of the bytes read (a plain trace's text is its bytes; a .gz file is read again
  // as stored) runs beside the parse: it is a fifth of a small replay's loading otherwise.
  if (!options.hash_file) return ParseSwf(*text, path, options);
  const bool gz = absl::EndsWith(path, ".gz");
  auto hash = std::async(std::launch::async, [&]() -> absl::StatusOr<std::string> {
    if (gz) return Sha256File(path);
    return Sha256Hex(*text);
  });
  auto trace = ParseSwf(*text, path, options);
  auto sha = hash.get();
  if (!trace.ok()) return trace.status();
  if (!sha.ok()) return absl::InvalidArgumentError(std::string(sha.status().message()));
  trace->file_sha256 = *std::move(sha);
  return trace;
}

}  // namespace fleetsim::workload
