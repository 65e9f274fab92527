// Test helpers for trace replays against the external simulator's schedules.
#ifndef FLEETSIM_TESTS_SCHED_REFERENCE_REPLAY_H_
#define FLEETSIM_TESTS_SCHED_REFERENCE_REPLAY_H_

#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "tests/shared_data.h"

namespace fleetsim::testing_util {


// Reads a gzipped peer-run SWF (via gzip -dc) into job id -> start time (submit + wait).
inline std::map<long long, double> ReadPeerStarts(const std::string& gz_path) {
  std::map<long long, double> starts;
  std::string cmd = "gzip -dc '" + gz_path + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return starts;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) {
    if (buf[0] == ';') continue;
    std::istringstream ss(buf);
    long long id;
    double submit, wait;
    if (ss >> id >> submit >> wait) starts[id] = submit + wait;
  }
  pclose(p);
  return starts;
}

}  // namespace fleetsim::testing_util

#endif  // FLEETSIM_TESTS_SCHED_REFERENCE_REPLAY_H_
