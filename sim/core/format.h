// Deterministic text output: number formatting, CSV rows and a small ordered JSON writer.
#ifndef FLEETSIM_SIM_CORE_FORMAT_H_
#define FLEETSIM_SIM_CORE_FORMAT_H_

#include <cstdint>
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
  const std::string& str() const { return out_; }
  // Moves the text out (the writer is left empty); avoids copying a large file.
  std::string Release() { return std::move(out_); }
  size_t rows() const { return rows_; }

 private:
  std::string out_;
  size_t columns_;
  size_t fields_in_row_ = 0;
  size_t rows_ = 0;
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
