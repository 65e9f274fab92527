// Tests that read ../shared (reference data beside the checkout, also in CI) declare the files
// they need with FLEETSIM_REQUIRE_SHARED. A missing file fails the test with a message naming
// every missing path, so a green run always means the reference checks ran. Setting
// FLEETSIM_ALLOW_MISSING_SHARED=1 turns that failure into a skip (README, "Tests").
#ifndef FLEETSIM_TESTS_SHARED_DATA_H_
#define FLEETSIM_TESTS_SHARED_DATA_H_

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <string>

#include "gtest/gtest.h"

namespace fleetsim::testing_util {

inline std::string SharedDir() { return FLEETSIM_SHARED_DIR; }

// True when FLEETSIM_ALLOW_MISSING_SHARED is set to "1".
inline bool AllowMissingShared() {
  const char* v = std::getenv("FLEETSIM_ALLOW_MISSING_SHARED");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

// Empty when every path (relative to SharedDir()) exists; otherwise a message naming the
// missing ones.
inline std::string MissingShared(std::initializer_list<std::string> rel_paths) {
  std::string missing;
  for (const auto& rel : rel_paths) {
    std::error_code ec;
    if (!std::filesystem::exists(SharedDir() + "/" + rel, ec)) {
      missing += (missing.empty() ? "" : ", ") + SharedDir() + "/" + rel;
    }
  }
  if (missing.empty()) return missing;
  return "shared reference data missing: " + missing;
}

}  // namespace fleetsim::testing_util

// Fails (or, with FLEETSIM_ALLOW_MISSING_SHARED=1, skips) the current test and returns from the
// enclosing void function when any of the given paths under ../shared is missing.
#define FLEETSIM_REQUIRE_SHARED(...)                                                         \
  do {                                                                                       \
    const std::string fleetsim_missing_ =                                                    \
        ::fleetsim::testing_util::MissingShared({__VA_ARGS__});                              \
    if (!fleetsim_missing_.empty()) {                                                        \
      if (::fleetsim::testing_util::AllowMissingShared()) {                                  \
        GTEST_SKIP() << fleetsim_missing_ << " (FLEETSIM_ALLOW_MISSING_SHARED=1: skipped)";  \
      }                                                                                      \
      FAIL() << fleetsim_missing_                                                            \
             << " (put the shared data beside the checkout, or set "                         \
                "FLEETSIM_ALLOW_MISSING_SHARED=1 to skip the tests that need it)";           \
    }                                                                                        \
  } while (0)

#endif  // FLEETSIM_TESTS_SHARED_DATA_H_
