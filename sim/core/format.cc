#include "sim/core/format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace fleetsim {

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    if (std::string(buf) == "-0") return "0";
    return buf;
  }
  char buf[40];
  for (int prec = 6; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

CsvWriter::CsvWriter(const std::vector<std::string>& header) : columns_(header.size()) {
  for (const auto& h : header) Add(absl::string_view(h));
  EndRow();
  rows_ = 0;
}

CsvWriter& CsvWriter::Add(absl::string_view s) {
  if (fields_in_row_ > 0) out_.push_back(',');
  bool quote = s.find_first_of(",\"\n\r") != absl::string_view::npos;
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

CsvWriter& CsvWriter::Add(double v) { return Add(absl::string_view(FormatDouble(v))); }
CsvWriter& CsvWriter::Add(int64_t v) { return Add(absl::string_view(absl::StrCat(v))); }

void CsvWriter::EndRow() {
  if (fields_in_row_ != columns_) {
    std::fprintf(stderr, "internal error: CSV row has %zu fields, header has %zu\n", fields_in_row_,
                 columns_);
    std::abort();
  }
  out_.push_back('\n');
  fields_in_row_ = 0;
  ++rows_;
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
  out_ += std::isfinite(v) ? FormatDouble(v) : "null";
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
