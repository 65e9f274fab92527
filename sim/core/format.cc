#include "sim/core/format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "absl/base/casts.h"
#include "absl/strings/str_cat.h"

namespace fleetsim {

namespace {

// Appends `n` as decimal digits at `p`; returns the end.
char* AppendInt(char* p, int64_t n) { return std::to_chars(p, p + 20, n).ptr; }

// %.*g of `v` for precisions from `first` on, the first that reads back as `v` (17 always does).
char* FormatByRoundTrip(double v, int first, char* buf) {
  for (int prec = first;; ++prec) {
    char* end =
        std::to_chars(buf, buf + kFormatDoubleBufferSize, v, std::chars_format::general, prec).ptr;
    double back = 0;
    std::from_chars(buf, end, back);
    if (back == v || prec >= 17) return end;
  }
}

}  // namespace

// The result is what printf("%.*g", p, v) gives for the least p in 6..17 that round-trips, but
// found without trying each p. Let D be the shortest round-trip digits of v (std::to_chars), q
// their count and E the decimal exponent. For a normal double, |v - D| <= ulp(v) / 2 <= v 2^-53,
// which is under half a unit of the p-th digit for every p <= 15; so for q <= 15 the p-digit
// rounding of v is D itself for every p >= q (it round-trips), no p < q round-trips (D is
// shortest), and the answer is D printed in %g style with p = max(q, 6): fixed notation when
// -4 <= E < p, else d.ddde+XX, trailing zeros dropped. Why D is also the answer for q of 16 and 17
// is argued where they are handled. The remaining cases (a power of two with q = 16, subnormals)
// ask std::to_chars for %.16g / %.17g (from %.6g for subnormals), which the standard defines as
// printf's output, and check the round trip with std::from_chars.
size_t FormatDoubleTo(double v, char* buf) {
  char* p = buf;
  if (std::isnan(v)) return std::memcpy(buf, "nan", 3), 3;
  if (std::isinf(v)) {
    if (v > 0) return std::memcpy(buf, "inf", 3), 3;
    return std::memcpy(buf, "-inf", 4), 4;
  }
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return static_cast<size_t>(AppendInt(p, static_cast<int64_t>(v)) - buf);  // -0 prints "0"
  }
  if (std::fabs(v) < std::numeric_limits<double>::min()) {
    return static_cast<size_t>(FormatByRoundTrip(v, 6, buf) - buf);
  }
  // Shortest digits in scientific form: [-]d[.ddd]e(+|-)XX.
  char sci[kFormatDoubleBufferSize];
  char* sci_end = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific).ptr;
  const char* s = sci;
  if (*s == '-') *p++ = *s++;
  char digits[20];
  int q = 0;
  for (; *s != 'e'; ++s) {
    if (*s != '.') digits[q++] = *s;
  }
  // q = 17: printf's answer is %.17g, the 17-digit decimal nearest v, which always round-trips;
  // D is the nearest among the round-tripping 17-digit decimals (Ryu), so it is that one. q = 16:
  // printf's answer is %.16g if that round-trips. Unless v is a power of two, the interval of
  // decimals that read back as v is symmetric about v, so the 16-digit decimal nearest v is at
  // least as close as D, round-trips, and is D. A power of two (interval narrower below v) checks
  // the round trip.
  if (q == 16 && (absl::bit_cast<uint64_t>(v) & ((uint64_t{1} << 52) - 1)) == 0) {
    return static_cast<size_t>(FormatByRoundTrip(v, 16, buf) - buf);
  }
  int e = 0;  // the exponent: 'e', a sign, then two or three digits
  for (const char* d = s + 2; d < sci_end; ++d) e = 10 * e + (*d - '0');
  if (s[1] == '-') e = -e;
  const int prec = std::max(q, 6);
  if (e < -4 || e >= prec) {
    *p++ = digits[0];
    if (q > 1) {
      *p++ = '.';
      p = std::copy(digits + 1, digits + q, p);
    }
    *p++ = 'e';
    *p++ = e < 0 ? '-' : '+';
    const int abs_e = e < 0 ? -e : e;
    if (abs_e < 10) *p++ = '0';
    p = AppendInt(p, abs_e);
  } else if (e >= 0) {
    for (int i = 0; i <= e; ++i) *p++ = i < q ? digits[i] : '0';
    if (q > e + 1) {
      *p++ = '.';
      p = std::copy(digits + e + 1, digits + q, p);
    }
  } else {
    *p++ = '0';
    *p++ = '.';
    for (int i = -1; i > e; --i) *p++ = '0';
    p = std::copy(digits, digits + q, p);
  }
  return static_cast<size_t>(p - buf);
}

void AppendDouble(std::string* out, double v) {
  char buf[kFormatDoubleBufferSize];
  out->append(buf, FormatDoubleTo(v, buf));
}

std::string FormatDouble(double v) {
  char buf[kFormatDoubleBufferSize];
  return std::string(buf, FormatDoubleTo(v, buf));
}

CsvWriter::CsvWriter(const std::vector<std::string>& header) : columns_(header.size()) {
  for (const auto& h : header) Add(absl::string_view(h));
  EndRow();
  rows_ = 0;
  header_bytes_ = out_.size();
}

CsvWriter& CsvWriter::Add(absl::string_view s) {
  bool quote = false;  // a plain loop with early exit: fields are short (find_first_of was 4%
                       // of a replay, a vectorized loop's set-up costs more than the field)
  for (char c : s) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (fields_in_row_ > 0) out_.push_back(',');
  if (quote) {
    out_.push_back('"');
    for (char c : s) {
      if (c == '"') out_.push_back('"');
      out_.push_back(c);
    }
    out_.push_back('"');
  } else {
    out_.append(s.data(), s.size());
  }
  ++fields_in_row_;
  return *this;
}

// Numbers never need quoting: their text goes straight into the buffer.
CsvWriter& CsvWriter::Add(double v) {
  char buf[kFormatDoubleBufferSize + 1];
  size_t n = 0;
  if (fields_in_row_ > 0) buf[n++] = ',';
  n += FormatDoubleTo(v, buf + n);
  out_.append(buf, n);
  ++fields_in_row_;
  return *this;
}
CsvWriter& CsvWriter::Add(int64_t v) {
  char buf[24];
  char* p = buf;
  if (fields_in_row_ > 0) *p++ = ',';
  p = AppendInt(p, v);
  out_.append(buf, static_cast<size_t>(p - buf));
  ++fields_in_row_;
  return *this;
}

void CsvWriter::EndRow() {
  if (fields_in_row_ != columns_) {
    std::fprintf(stderr, "internal error: CSV row has %zu fields, header has %zu\n", fields_in_row_,
                 columns_);
    std::abort();
  }
  out_.push_back('\n');
  fields_in_row_ = 0;
  if (++rows_ == 1 && expected_rows_ > 1) {
    const size_t row_bytes = out_.size() - header_bytes_;
    out_.reserve(out_.size() + (expected_rows_ - 1) * (row_bytes + row_bytes / 4 + 8));
  }
}

std::string JsonEscape(absl::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o.push_back(c);
        }
    }
  }
  o.push_back('"');
  return o;
}

void JsonWriter::Prefix() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ",";
    first_.back() = false;
    out_ += "\n" + std::string(2 * first_.size(), ' ');
  }
}

JsonWriter& JsonWriter::BeginObject() {
  Prefix();
  out_ += "{";
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty) out_ += "\n" + std::string(2 * first_.size(), ' ');
  out_ += "}";
  return *this;
}
JsonWriter& JsonWriter::BeginArray() {
  Prefix();
  out_ += "[";
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::EndArray() { return EndObject(), out_.back() = ']', *this; }
JsonWriter& JsonWriter::Key(absl::string_view k) {
  Prefix();
  out_ += JsonEscape(k) + ": ";
  after_key_ = true;
  return *this;
}
JsonWriter& JsonWriter::Value(absl::string_view s) {
  Prefix();
  out_ += JsonEscape(s);
  return *this;
}
JsonWriter& JsonWriter::Value(double v) {
  Prefix();
  if (std::isfinite(v)) {
    char buf[kFormatDoubleBufferSize];
    out_.append(buf, FormatDoubleTo(v, buf));
  } else {
    out_ += "null";
  }
  return *this;
}
JsonWriter& JsonWriter::Value(int64_t v) {
  Prefix();
  out_ += absl::StrCat(v);
  return *this;
}
JsonWriter& JsonWriter::Value(bool v) {
  Prefix();
  out_ += v ? "true" : "false";
  return *this;
}
JsonWriter& JsonWriter::Null() {
  Prefix();
  out_ += "null";
  return *this;
}

}  // namespace fleetsim
