// ServingSim: inference streams served by replicas, driven by an outside clock.
//
// Engine-agnostic: the caller (the SimGrid engine) calls AdvanceTo(t) at its own event times and
// whenever it adds or removes replicas; ServingSim processes every request event up to t in its
// own binary-heap event loop (request fidelity) or in fixed time steps with queueing
// approximations (aggregate fidelity, for year-long fleet-scale runs). Same seed and same call
// sequence give byte-identical outputs.
//
// Replicas serve one model (by ServedModel::name); all replicas of that model form a pool shared
// by every stream of the model. Streams with a `service` override and token-model streams may not
// share a pool.
#ifndef FLEETSIM_SIM_SERVE_SERVING_SIM_H_
#define FLEETSIM_SIM_SERVE_SERVING_SIM_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/core/format.h"
#include "sim/core/rng.h"
#include "sim/serve/arrival.h"
#include "sim/serve/perf_model.h"
#include "sim/serve/router.h"
#include "sim/serve/stream_spec.h"

namespace fleetsim::serve {

enum class Fidelity { kRequest, kAggregate };

struct ServingOptions {
  Fidelity fidelity = Fidelity::kRequest;
  uint64_t seed = 1;
  double bin_s = 3600;             // time-series bin width
  double aggregate_step_s = 60;    // aggregate mode step
  double request_sample_rate = 0;  // share of completed requests written to RequestCsv()
};

struct ReplicaSpec {
  std::string model;  // ServedModel::name it serves
  SystemPerf system;
  int tp = 1;  // accelerators in the tensor-parallel group
};

// Usage of one replica over [since_s, until_s) (see TakeUsage).
struct ReplicaUsage {
  int id = 0;
  double busy_s = 0;          // time with at least one request in prefill, decode or service
  double load_s = 0;          // time-integral of load fraction (output tokens / saturated rate;
                              // service mode: = busy_s). Use for power: P = idle + load*(peak-idle)
  int64_t output_tokens = 0;  // tokens produced (service mode: requests completed)
  bool removed = false;       // drained and gone (reported once)
};

// Per-stream result summary (whole run so far).
struct StreamStats {
  int64_t arrivals = 0, completed = 0, dropped = 0, slo_met = 0;
  int64_t tier_met = 0;  // completions with TPOT <= the stream's tpot_max_s (latency tier)
  double output_tokens = 0;
  double mean_ttft_s = 0, mean_tpot_s = 0, mean_e2e_s = 0, mean_wait_s = 0;
  double p50_ttft_s = 0, p95_ttft_s = 0, p99_ttft_s = 0;
  double p50_tpot_s = 0, p95_tpot_s = 0, p99_tpot_s = 0;
  double p50_e2e_s = 0, p95_e2e_s = 0, p99_e2e_s = 0;
  double mean_in_system = 0;    // time-average number of requests in system (L)
  double mean_queued = 0;       // time-average number waiting (Lq)
  double throughput_per_s = 0;  // completions / elapsed
  double goodput_per_s = 0;     // SLO-meeting completions / elapsed
  bool token_model = true;      // false for service-time streams: their token, TTFT and TPOT
                                // figures are NaN and e2e is the sojourn time (wait + service)
  double busy_fraction = 0;     // of the stream's pool
  double load_fraction = 0;     // of the stream's pool
};

class ServingSim {
 public:
  static absl::StatusOr<std::unique_ptr<ServingSim>> Create(std::vector<StreamSpec> streams,
                                                            const ServingOptions& options);
  ~ServingSim();

  // Adds a replica now; returns its id (ids are never reused). Error if no stream serves the
  // model or the weights do not fit in tp * HBM.
  absl::StatusOr<int> AddReplica(const ReplicaSpec& spec);
  // Starts draining: no new work; queued requests of its own queue move back to the pool; the
  // replica disappears when its running requests finish (usage reports removed = true).
  void RemoveReplica(int id);
  bool IsRemoved(int id) const;
  void SetPowerHeadroom(int id, double headroom_w);
  // Power limits (perf_model.h header, README "Power limits"). From now on replica `id` runs
  // every phase at the fastest clock whose board power per accelerator is within `limit_w`
  // (ReplicaPerf::kNoLimitW = none): work started from now is timed at that clock, and its load
  // is measured against its saturated rate under the limit. Service-time pools (a `service`
  // override) have no token model and are not affected.
  void SetPowerLimitW(int id, double limit_w);
  // The same with the limit that leaves `share` in (0, 1] of the replica's saturated dynamic
  // power (ReplicaPerf::LimitForDynamicShare at the pool's mean token sizes; 1 = no limit).
  void SetPowerShare(int id, double share);
  // Dynamic power of replica `id` at full load under its limit as a share of that without a
  // limit (1 unlimited; <= the share given to SetPowerShare). Its power at load fraction x is
  // idle + x * DynamicPowerShare * (unlimited full-load power - idle).
  double DynamicPowerShare(int id) const;
  int ActiveReplicas(const std::string& model) const;

  // Processes everything up to t_s (>= now). Between calls the caller may change replicas.
  void AdvanceTo(double t_s);
  double now() const { return now_; }

  // Usage per live (or just removed) replica since the previous call.
  std::vector<ReplicaUsage> TakeUsage();

  // Autoscaling inputs: arrival rate of the model's streams since the previous call, current
  // backlog, and one replica's saturated capacity in requests/s.
  double TakeDemandRate(const std::string& model);
  double Backlog(const std::string& model) const;
  double ReplicaCapacityPerS(const ReplicaSpec& spec) const;

  // Results.
  int num_streams() const;
  StreamStats Stats(int stream) const;
  // Request fidelity: requests of `stream` still queued or running, and live entries of the
  // whole request table (for the run invariants, engine/invariants.h); -1 in aggregate fidelity.
  int64_t InSystem(int stream) const;
  int64_t LiveRequests() const;
  // Columns: stream,bin_start_s,arrivals,completed,dropped,queue_mean,in_system_mean,
  //          tokens_per_s,replica_busy_fraction,replica_load_fraction
  std::string SeriesCsv() const;
  // One row per stream with counts, percentiles (ttft_p99_s...), slo attainment, goodput, tokens,
  // mean waiting time (wait_mean_s), and the latency tier (tpot_max_s, tier_attainment; nan when
  // the stream has none). Service-time streams: ttft, tpot and tokens nan; e2e is the sojourn.
  std::string LatencyCsv() const;
  // Sampled requests (request fidelity): stream,arrival_s,prompt_tokens,output_tokens,replica,
  // wait_s,ttft_s,tpot_s,e2e_s
  std::string RequestCsv() const;
  // Appends key "serving": {...} inside an open object.
  void WriteSummary(JsonWriter& json) const;

  struct Impl;

 private:
  explicit ServingSim(std::unique_ptr<Impl> impl);
  StreamStats ComputeStats(int stream) const;
  // slo_met / completed; NaN without completions or without an SLO the stream states.
  double SloAttainment(int stream, const StreamStats& st) const;
  std::unique_ptr<Impl> impl_;
  double now_ = 0;
};

}  // namespace fleetsim::serve

#endif  // FLEETSIM_SIM_SERVE_SERVING_SIM_H_
