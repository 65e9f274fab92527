// LLM request traces: Azure LLM inference CSV and Mooncake JSON-lines loaders.
//
// Both loaders return records sorted by time with times relative to the first record (seconds).
// Malformed input gives one InvalidArgument line "file:line:column: field: message".
#ifndef FLEETSIM_SIM_SERVE_TRACE_H_
#define FLEETSIM_SIM_SERVE_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fleetsim::serve {

struct TraceRecord {
  double time_s = 0;          // arrival, seconds since the trace's first record
  int32_t prompt_tokens = 0;  // >= 0
  int32_t output_tokens = 0;  // >= 0
};

enum class TraceFormat { kAzureCsv, kMooncakeJsonl };

// Parses text already in memory; `file` is used in messages only.
// Azure: header "TIMESTAMP,ContextTokens,GeneratedTokens", timestamps "YYYY-MM-DD
// HH:MM:SS.fffffff". Mooncake: one JSON object per line with numeric "timestamp" (ms),
// "input_length", "output_length".
absl::StatusOr<std::vector<TraceRecord>> ParseTrace(absl::string_view text, TraceFormat format,
                                                    const std::string& file);
// Reads and parses a file (error "path: cannot read" style from ReadFile when absent).
absl::StatusOr<std::vector<TraceRecord>> LoadTrace(const std::string& path, TraceFormat format);

}  // namespace fleetsim::serve

#endif  // FLEETSIM_SIM_SERVE_TRACE_H_
