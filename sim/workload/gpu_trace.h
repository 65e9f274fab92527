// Importers for GPU-cluster job traces (../shared/data/gpu/): job populations from real clusters.
//
// Formats (columns as in the files; every row is checked, a bad row is an error
// "file:line: field NAME: ..." and nothing is imported):
//   kPhilly   the Philly-derived table of Pollux (petuum/adaptdl simulator/traces/philly.csv):
//             timestamp (YYYY-MM-DD HH:MM:SS, UTC), duration (s > 0), num_gpus (integer >= 1),
//             gpu_time (must equal duration x num_gpus), cluster (non-empty). Arrival =
//             timestamp - the earliest timestamp of the file. The GPU type is not recorded.
//   kPai2023  Alibaba PAI 2023 pod list (cluster-trace-gpu-v2023 openb_pod_list_*.csv with times):
//             name, cpu_milli, memory_mib, num_gpu (0..8), gpu_milli (0..1000), gpu_spec
//             ('|'-separated GPU types or empty), qos, pod_phase (Running|Succeeded|Failed|
//             Pending), creation_time, deletion_time, scheduled_time (s; empty for Pending).
//             Arrival = creation_time; duration = deletion_time - scheduled_time (> 0).
//             CPU-only pods (num_gpu 0) and pods never scheduled (Pending) are skipped, and
//             counted in GpuTrace; a GPU-sharing pod (gpu_milli < 1000) takes one accelerator.
//
// Each kept row becomes one gang job (job id = its line number in the file), either
//   - by time (`as_work` false): run_s = duration x duration_scale, estimate = run_s x
//     estimate_factor; it takes that time on any system (a replay), or
//   - by work (`as_work` true): the GPU-seconds the job used on its source GPU become FLOPs,
//       flops = duration x num_gpus x accelerator_scale x peak16(source GPU) x source_mfu
//     (each trace GPU stands for accelerator_scale accelerators' worth of work, so on a system
//     as fast as the source GPU the job would take its trace duration),
//     trained as a dense BF16 model of `model_params` parameters; its run time then follows from
//     the system it lands on (sim/training) and it may run wherever its state fits.
//     The source GPU is the pod's first gpu_spec type, else `source_gpu`. peak16 is the dense
//     16-bit tensor (or FP16) peak from each GPU's NVIDIA datasheet (table in gpu_trace.cc).
// Scaling to a frontier lab's fleet (rules in workloads/README.md "GPU traces"): accelerators =
// num_gpus x accelerator_scale; submit_s = arrival / arrival_scale (compresses time: offered load
// rises by that factor); duration_scale stretches replay durations.
#ifndef FLEETSIM_SIM_WORKLOAD_GPU_TRACE_H_
#define FLEETSIM_SIM_WORKLOAD_GPU_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/workload/job.h"

namespace fleetsim::workload {

enum class GpuTraceFormat { kPhilly, kPai2023 };

struct GpuTraceOptions {
  GpuTraceFormat format = GpuTraceFormat::kPhilly;
  bool as_work = false;
  std::string source_gpu;        // as_work: GPU type where the row has none ("" = required there)
  double model_params = 1e9;     // as_work: parameters of the model each job trains (EST)
  double source_mfu = 0.35;      // as_work: 6N MFU the jobs reached on their source GPU (EST)
  int64_t accelerator_scale = 1; // >= 1
  double arrival_scale = 1;      // > 0
  double duration_scale = 1;     // > 0 (replays)
  double estimate_factor = 1;    // >= 1: walltime estimate / run time
  int64_t limit_jobs = 0;        // > 0: keep the first N arrivals
};

// GPU types whose peak is tabulated (lower case): p100, p40, v100, v100m16, v100m32, t4, a10,
// a100. Returns the dense 16-bit peak in FLOP/s, or 0 if unknown.
double SourceGpuPeak16Flops(const std::string& gpu_type);

struct GpuTrace {
  Workload workload;         // sorted by submit_s (file order among ties)
  int64_t rows = 0;          // data rows read
  int64_t skipped_cpu = 0;   // kPai2023: num_gpu == 0
  int64_t skipped_pending = 0;  // kPai2023: never scheduled
};

// Parses trace text (`file` names it in errors).
absl::StatusOr<GpuTrace> ParseGpuTrace(const std::string& text, const std::string& file,
                                       const GpuTraceOptions& options);
absl::StatusOr<GpuTrace> LoadGpuTrace(const std::string& path, const GpuTraceOptions& options);

}  // namespace fleetsim::workload

#endif  // FLEETSIM_SIM_WORKLOAD_GPU_TRACE_H_
