// Shared limits of the libFuzzer targets (fuzz/README.md).
#ifndef FLEETSIM_FUZZ_FUZZ_UTIL_H_
#define FLEETSIM_FUZZ_FUZZ_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fleetsim::fuzz {

// Inputs above this are ignored: every parser is linear in its input, so larger inputs only
// slow the fuzzer down (huge inputs are a separate, non-fuzzing test).
inline constexpr size_t kMaxInput = 64 * 1024;

inline std::string Text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Splits text at the first line equal to `separator` (the line excluded).
inline std::pair<std::string, std::string> SplitAt(const std::string& text,
                                                   const std::string& separator) {
  const std::string sep = "\n" + separator + "\n";
  const size_t p = text.find(sep);
  if (p == std::string::npos) return {text, ""};
  return {text.substr(0, p + 1), text.substr(p + sep.size())};
}

// Leading lines "#set key=value" (YAML comments, so the rest parses the same) become --set
// overrides.
inline std::vector<std::string> LeadingOverrides(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (text.compare(pos, 5, "#set ") == 0) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos + 5, end - pos - 5));
    pos = end + 1;
    if (pos >= text.size()) break;
  }
  return out;
}

}  // namespace fleetsim::fuzz

#endif  // FLEETSIM_FUZZ_FUZZ_UTIL_H_
