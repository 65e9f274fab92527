// Training-job specifications, as loaded from YAML or traces and validated before a run.
#ifndef FLEETSIM_SIM_WORKLOAD_JOB_H_
#define FLEETSIM_SIM_WORKLOAD_JOB_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "sim/core/status.h"
#include "sim/training/work.h"

namespace fleetsim::workload {

// A job defined by its work: run time follows from the system it lands on
// (sim/training/speed.h), and it may run wherever its training state fits in memory.
struct TrainingSpec {
  training::TrainingModel model;
  training::TrainingWork work;
  double estimate_factor = 1.0;  // walltime estimate = factor x modelled run time (>= 1)
};

// A system, vendor or site name a job refers to, with where it was written (for errors).
struct NameRef {
  enum class Kind { kSystem, kVendor, kSite };
  Kind kind = Kind::kSystem;
  std::string name;
  SourcePos pos;      // position of the name in its file
  std::string field;  // e.g. "workload.jobs[3].vendors[1]"
};

// Runs larger than a cluster (sim/engine/README.md, "Spanning runs"): none = inside one
// cluster (the default); clusters = over clusters of one site and one system; sites = over
// clusters of one system at any sites joined by the platform's links.
enum class Span { kNone, kClusters, kSites };

// One gang-scheduled training job. Times are seconds from the scenario start. Its run time at
// pstate 0 on a cluster is, in order: the model's (`training`), `run_s_by_system` for the
// cluster's system, else `run_s`.
struct JobSpec {
  int64_t id = 0;              // unique within the workload
  std::string name;            // optional label
  double submit_s = 0;         // >= 0
  double run_s = 1;            // run time at nominal speed (pstate 0), > 0
  double estimate_s = 1;       // user's walltime estimate, > 0 (schedulers plan with it)
  int64_t accelerators = 1;    // gang size, >= 1
  std::vector<std::string> systems;  // system types it may run on; empty = any
  std::vector<std::string> vendors;  // vendors it may run on (software stack); empty = any
  std::vector<std::string> sites;    // sites it may run on (data residency); empty = any
  std::vector<std::pair<std::string, double>> run_s_by_system;  // measured per-system run times
  // A work-defined job's spec, shared and immutable (null for trace jobs, which then carry 16
  // bytes for it instead of the spec's 128: a replay holds tens of thousands of jobs).
  std::shared_ptr<const TrainingSpec> training;
  int priority = 0;
  Span span = Span::kNone;         // work-defined jobs only
  SourcePos span_pos;              // where `span` was written (errors); empty file = not written
  std::string span_field;          // e.g. "workload.jobs[3].span"
  std::vector<NameRef> name_refs;  // every name above as written (scenario jobs; may be empty)
};

struct Workload {
  std::vector<JobSpec> jobs;  // sorted by (submit_s, file order); ids unique
};

// True if `name` is among `allowed`, or `allowed` is empty (any): the rule of JobSpec's systems,
// vendors and sites, and of a serving deployment's systems.
bool Allows(const std::vector<std::string>& allowed, const std::string& name);

// Checks that every system, vendor and site a job names (NameRef) exists in the platform: an
// error "FILE:LINE:COL: FIELD: no cluster of PLATFORM has system 'X' (it has: a, b)" for the
// first that does not. Runs before the run, so a typo is reported where it was written.
absl::Status CheckJobNames(const Workload& workload, const std::vector<std::string>& systems,
                           const std::vector<std::string>& vendors,
                           const std::vector<std::string>& sites,
                           const std::string& platform_path);

}  // namespace fleetsim::workload

#endif  // FLEETSIM_SIM_WORKLOAD_JOB_H_
