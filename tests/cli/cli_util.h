// Shared helpers for the end-to-end tests that run the fleetsim binary (SimGrid allows one engine
// per process, so every simulation in a test runs as a child process).
#ifndef FLEETSIM_TESTS_CLI_CLI_UTIL_H_
#define FLEETSIM_TESTS_CLI_CLI_UTIL_H_

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fleetsim::cli_test {

struct Result {
  int status;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `fleetsim ARGS` and captures exit status, stdout and stderr.
inline Result Fleetsim(const std::string& args) {
  std::string dir = testing::TempDir();
  // ctest runs tests in parallel processes: keep capture files apart.
  std::string tag = std::to_string(::getpid());
  std::string so = dir + "/cli_stdout." + tag, se = dir + "/cli_stderr." + tag;
  std::string cmd = std::string(FLEETSIM_BINARY) + " " + args + " >" + so + " 2>" + se;
  int rc = std::system(cmd.c_str());
  return Result{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, Slurp(so), Slurp(se)};
}

// A path in the source tree.
inline std::string Src(const std::string& p) { return std::string(FLEETSIM_SOURCE_DIR) + "/" + p; }

// A fresh (removed) path under the test temp dir, unique per process.
inline std::string Tmp(const std::string& name) {
  std::string d = testing::TempDir() + "/" + name + "." + std::to_string(::getpid());
  std::filesystem::remove_all(d);
  return d;
}

// A CSV file as rows of named fields (header names -> values).
inline std::vector<std::map<std::string, std::string>> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  auto split = [](const std::string& l) {
    std::vector<std::string> f;
    std::stringstream ss(l);
    std::string x;
    while (std::getline(ss, x, ',')) f.push_back(x);
    return f;
  };
  if (std::getline(in, line)) header = split(line);
  while (std::getline(in, line)) {
    auto f = split(line);
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < f.size(); ++i) row[header[i]] = f[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

// The number after the first `"key": ` at or after `from` in a JSON text (NaN if absent).
inline double JsonNumber(const std::string& json, const std::string& key, size_t from = 0) {
  size_t p = json.find("\"" + key + "\": ", from);
  if (p == std::string::npos) return std::nan("");
  return std::strtod(json.c_str() + p + key.size() + 4, nullptr);
}

}  // namespace fleetsim::cli_test

#endif  // FLEETSIM_TESTS_CLI_CLI_UTIL_H_
