#include "sim/metrics/records.h"

namespace fleetsim::metrics {

const char* JobStatusName(JobStatus s) {
  switch (s) {
    case JobStatus::kCompleted: return "completed";
    case JobStatus::kRunning: return "running";
    case JobStatus::kQueued: return "queued";
  }
  return "?";
}

}  // namespace fleetsim::metrics
