#include "sim/serve/trace.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sim/core/date.h"
#include "sim/core/io.h"
#include "sim/core/status.h"

namespace fleetsim::serve {
namespace {

bool ParseUInt(absl::string_view s, int64_t* v) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(s, v);
}

// "2023-11-16 18:17:03.9799600" -> seconds since the Unix epoch.
bool ParseAzureTimestamp(absl::string_view s, double* out) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
      s[13] != ':' || s[16] != ':') {
    return false;
  }
  int64_t y, mo, d, h, mi, sec;
  if (!ParseUInt(s.substr(0, 4), &y) || !ParseUInt(s.substr(5, 2), &mo) ||
      !ParseUInt(s.substr(8, 2), &d) || !ParseUInt(s.substr(11, 2), &h) ||
      !ParseUInt(s.substr(14, 2), &mi) || !ParseUInt(s.substr(17, 2), &sec)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  double frac = 0;
  if (s.size() > 19) {
    if (s[19] != '.') return false;
    absl::string_view f = s.substr(20);
    int64_t digits;
    if (!ParseUInt(f, &digits) || f.size() > 12) return false;
    constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3,  1e4,  1e5, 1e6,
                                 1e7, 1e8, 1e9, 1e10, 1e11, 1e12};
    frac = static_cast<double>(digits) / kPow10[f.size()];  // exact powers of ten
  }
  *out =
      static_cast<double>(DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) *
          86400.0 +
      static_cast<double>(h * 3600 + mi * 60 + sec) + frac;
  return true;
}

absl::Status Err(const std::string& file, int line, int col, absl::string_view field,
                 absl::string_view msg) {
  return InputError(SourcePos{file, line, col}, field, msg);
}

absl::StatusOr<int32_t> TokenCount(absl::string_view s, const std::string& file, int line, int col,
                                   absl::string_view field) {
  int64_t v;
  if (!ParseUInt(s, &v) || v > 100000000) {
    return Err(file, line, col, field,
               absl::StrCat("must be a non-negative integer, got '", s, "'"));
  }
  return static_cast<int32_t>(v);
}

// Next line of `text` from *pos (advanced past it), its trailing '\r' removed; *line counts
// lines from 1. False at the end of the text.
bool NextLine(absl::string_view text, size_t* pos, int* line, absl::string_view* row) {
  if (*pos >= text.size()) return false;
  size_t nl = text.find('\n', *pos);
  if (nl == absl::string_view::npos) nl = text.size();
  *row = text.substr(*pos, nl - *pos);
  *pos = nl + 1;
  ++*line;
  if (!row->empty() && row->back() == '\r') row->remove_suffix(1);
  return true;
}

absl::StatusOr<std::vector<TraceRecord>> ParseAzure(absl::string_view text,
                                                    const std::string& file) {
  std::vector<TraceRecord> out;
  std::vector<double> abs_t;
  size_t pos = 0;
  int line = 0;
  bool header_seen = false;
  absl::string_view row;
  while (NextLine(text, &pos, &line, &row)) {
    if (row.empty()) continue;
    if (!header_seen) {
      header_seen = true;
      if (row != "TIMESTAMP,ContextTokens,GeneratedTokens") {
        return Err(file, line, 1, "header", "expected 'TIMESTAMP,ContextTokens,GeneratedTokens'");
      }
      continue;
    }
    size_t c1 = row.find(',');
    size_t c2 = c1 == absl::string_view::npos ? c1 : row.find(',', c1 + 1);
    if (c2 == absl::string_view::npos || row.find(',', c2 + 1) != absl::string_view::npos) {
      return Err(file, line, 1, "", "expected 3 comma-separated fields");
    }
    double t;
    if (!ParseAzureTimestamp(row.substr(0, c1), &t)) {
      return Err(file, line, 1, "TIMESTAMP",
                 absl::StrCat("malformed timestamp '", row.substr(0, c1), "'"));
    }
    FLEETSIM_ASSIGN_OR_RETURN(int32_t p, TokenCount(row.substr(c1 + 1, c2 - c1 - 1), file, line,
                                                    static_cast<int>(c1) + 2, "ContextTokens"));
    FLEETSIM_ASSIGN_OR_RETURN(int32_t o, TokenCount(row.substr(c2 + 1), file, line,
                                                    static_cast<int>(c2) + 2, "GeneratedTokens"));
    abs_t.push_back(t);
    out.push_back(TraceRecord{0, p, o});
  }
  if (out.empty()) return Err(file, 0, 0, "", "trace has no records");
  for (size_t i = 0; i < out.size(); ++i) out[i].time_s = abs_t[i];
  return out;
}

// Finds `"key"` followed by ':' and a number; returns the number text and its 0-based offset.
bool FindJsonNumber(absl::string_view row, absl::string_view key, absl::string_view* num,
                    size_t* offset, bool* malformed) {
  std::string quoted = absl::StrCat("\"", key, "\"");
  size_t k = row.find(quoted);
  if (k == absl::string_view::npos) return false;
  size_t p = k + quoted.size();
  while (p < row.size() && row[p] == ' ') ++p;
  if (p >= row.size() || row[p] != ':') {
    *malformed = true;
    *offset = p;
    return true;
  }
  ++p;
  while (p < row.size() && row[p] == ' ') ++p;
  size_t e = p;
  while (e < row.size() && row[e] != ',' && row[e] != '}' && row[e] != ' ') ++e;
  *num = row.substr(p, e - p);
  *offset = p;
  *malformed = false;
  return true;
}

absl::StatusOr<std::vector<TraceRecord>> ParseMooncake(absl::string_view text,
                                                       const std::string& file) {
  std::vector<TraceRecord> out;
  size_t pos = 0;
  int line = 0;
  absl::string_view row;
  while (NextLine(text, &pos, &line, &row)) {
    while (!row.empty() && (row.back() == '\r' || row.back() == ' ')) row.remove_suffix(1);
    if (row.empty()) continue;
    if (row.front() != '{' || row.back() != '}') {
      return Err(file, line, 1, "", "expected one JSON object per line");
    }
    double vals[3];
    const char* keys[3] = {"timestamp", "input_length", "output_length"};
    for (int i = 0; i < 3; ++i) {
      absl::string_view num;
      size_t off = 0;
      bool bad = false;
      if (!FindJsonNumber(row, keys[i], &num, &off, &bad)) {
        return Err(file, line, 0, keys[i], "missing field");
      }
      double v;
      if (bad || !absl::SimpleAtod(num, &v) || !std::isfinite(v) || v < 0) {
        return Err(file, line, static_cast<int>(off) + 1, keys[i],
                   absl::StrCat("must be a non-negative number, got '", num, "'"));
      }
      if (i > 0 && (v != std::floor(v) || v > 1e8)) {
        return Err(file, line, static_cast<int>(off) + 1, keys[i],
                   absl::StrCat("must be a non-negative integer, got '", num, "'"));
      }
      vals[i] = v;
    }
    out.push_back(TraceRecord{vals[0] / 1000.0, static_cast<int32_t>(vals[1]),
                              static_cast<int32_t>(vals[2])});
  }
  if (out.empty()) return Err(file, 0, 0, "", "trace has no records");
  return out;
}

}  // namespace

absl::StatusOr<std::vector<TraceRecord>> ParseTrace(absl::string_view text, TraceFormat format,
                                                    const std::string& file) {
  std::vector<TraceRecord> recs;
  if (format == TraceFormat::kAzureCsv) {
    FLEETSIM_ASSIGN_OR_RETURN(recs, ParseAzure(text, file));
  } else {
    FLEETSIM_ASSIGN_OR_RETURN(recs, ParseMooncake(text, file));
  }
  std::stable_sort(recs.begin(), recs.end(),
                   [](const TraceRecord& a, const TraceRecord& b) { return a.time_s < b.time_s; });
  const double t0 = recs.front().time_s;
  for (auto& r : recs) r.time_s -= t0;
  return recs;
}

absl::StatusOr<std::vector<TraceRecord>> LoadTrace(const std::string& path, TraceFormat format) {
  auto text = ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(std::string(text.status().message()));
  return ParseTrace(*text, format, path);
}

}  // namespace fleetsim::serve
