// Deterministic text output: number formatting, CSV rows and a small ordered JSON writer.
#ifndef FLEETSIM_SIM_CORE_FORMAT_H_
#define FLEETSIM_SIM_CORE_FORMAT_H_

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

namespace fleetsim {

// Shortest decimal text that reads back as the same double ("%.17g" trimmed via round trip);
// integers print without a fraction; NaN prints "nan" (only ever for undefined statistics).
std::string FormatDouble(double v);

// FormatDouble(v) written to `buf`, which holds at least kFormatDoubleBufferSize chars (no
// terminating NUL); returns the length. For appending numbers without a temporary string.
inline constexpr size_t kFormatDoubleBufferSize = 32;
size_t FormatDoubleTo(double v, char* buf);

// Appends FormatDouble(v) to *out without a temporary string (large logs, e.g. requests.csv).
void AppendDouble(std::string* out, double v);

// Builds one line of a large log (requests.csv) in a stack buffer and appends it to `*out` in
// one append when it ends (or when the buffer fills): per-field appends were a third of a
// request row's cost. Numbers as FormatDouble, integers in decimal, text as given (no quoting:
// callers write fields that need none).
class LineBuilder {
 public:
  explicit LineBuilder(std::string* out) : out_(out) {}
  LineBuilder(const LineBuilder&) = delete;
  LineBuilder& operator=(const LineBuilder&) = delete;
  ~LineBuilder() { Flush(); }
  LineBuilder& Text(absl::string_view s) {
    if (n_ + s.size() > kCapacity) {
      Flush();
      if (s.size() > kCapacity) return out_->append(s.data(), s.size()), *this;
    }
    std::memcpy(buf_ + n_, s.data(), s.size());
    n_ += s.size();
    return *this;
  }
  LineBuilder& Char(char c) {
    if (n_ + 1 > kCapacity) Flush();
    buf_[n_++] = c;
    return *this;
  }
  LineBuilder& Number(double v) {
    if (n_ + kFormatDoubleBufferSize > kCapacity) Flush();
    n_ += FormatDoubleTo(v, buf_ + n_);
    return *this;
  }
  LineBuilder& Int(int64_t v) {
    if (n_ + 20 > kCapacity) Flush();
    n_ = static_cast<size_t>(std::to_chars(buf_ + n_, buf_ + kCapacity, v).ptr - buf_);
    return *this;
  }
  void Flush() {
    out_->append(buf_, n_);
    n_ = 0;
  }

 private:
  static constexpr size_t kCapacity = 512;
  std::string* out_;
  size_t n_ = 0;
  char buf_[kCapacity];
};

// Builds a CSV file in memory. Fields are quoted only when they contain , " or newline.
class CsvWriter {
 public:
  explicit CsvWriter(const std::vector<std::string>& header);
  CsvWriter& Add(absl::string_view s);
  CsvWriter& Add(const char* s) { return Add(absl::string_view(s)); }
  CsvWriter& Add(const std::string& s) { return Add(absl::string_view(s)); }
  CsvWriter& Add(double v);
  CsvWriter& Add(int64_t v);
  CsvWriter& Add(int v) { return Add(static_cast<int64_t>(v)); }
  CsvWriter& Add(size_t v) { return Add(static_cast<int64_t>(v)); }
  // Ends the row; aborts (internal error) if the field count differs from the header.
  void EndRow();
  // About how many data rows will follow: once the first is written, room for all of them is
  // reserved from its length (with a margin), so a large table is built without regrowing
  // (each regrowth copies the text and touches fresh pages). Output is unchanged.
  void ExpectRows(size_t rows) { expected_rows_ = rows; }
  const std::string& str() const { return out_; }
  // Moves the text out (the writer is left empty); avoids copying a large file.
  std::string Release() { return std::move(out_); }
  size_t rows() const { return rows_; }

 private:
  std::string out_;
  size_t columns_;
  size_t fields_in_row_ = 0;
  size_t rows_ = 0;
  size_t header_bytes_ = 0;
  size_t expected_rows_ = 0;
};

// Writes JSON with keys in insertion order, two-space indentation.
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(absl::string_view k);
  JsonWriter& Value(absl::string_view s);
  JsonWriter& Value(const char* s) { return Value(absl::string_view(s)); }
  JsonWriter& Value(const std::string& s) { return Value(absl::string_view(s)); }
  JsonWriter& Value(double v);  // NaN/inf are written as null
  JsonWriter& Value(int64_t v);
  JsonWriter& Value(int v) { return Value(static_cast<int64_t>(v)); }
  JsonWriter& Value(size_t v) { return Value(static_cast<int64_t>(v)); }
  JsonWriter& Value(bool v);
  JsonWriter& Null();
  std::string str() const { return out_ + "\n"; }

 private:
  void Prefix();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

std::string JsonEscape(absl::string_view s);

}  // namespace fleetsim

#endif  // FLEETSIM_SIM_CORE_FORMAT_H_
