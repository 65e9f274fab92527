#!/usr/bin/env bash
# Cost of the sweep machinery per run (bench/README.md, "Sweep overhead").
# Plans 1,000 short runs (the 3-job hand-worked scenario, tests/data/valid/hand_schedule.yaml:
# 500 Latin-hypercube run times of job 1 x {fcfs, easy}), runs them with `sweep run --jobs 1`,
# then runs the same 1,000 resolved scenarios with a plain shell loop of `fleetsim run` (what a
# user would do by hand), and collects. Reports the wall time of each step, the runner's own time
# (sweep run wall minus the children's wall time it recorded in state/*.json) and the difference
# to the plain loop, per run. Usage: bench/sweep_overhead.sh [FLEETSIM] [N_LHS_SAMPLES (500)]
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
FLEETSIM=$(readlink -f "${1:-$SRC/build/fleetsim}")
N=${2:-500}
W=$(mktemp -d /tmp/fleetsim-sweep-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cat > "$W/bench.yaml" <<YAML
name: overhead
scenario: $SRC/tests/data/valid/hand_schedule.yaml
axes:
  - grid: {scheduler.policy: [fcfs, easy]}
  - lhs: {samples: $N, seed: 1, params: {workload.jobs.0.run_s: {min: 50, max: 500, integer: true}}}
YAML
now() { date +%s.%N; }
echo "commit $(git -C "$SRC" describe --always --dirty --abbrev=12), $(nproc) cores"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(now); "$FLEETSIM" sweep plan "$W/bench.yaml" --out "$W/s" >/dev/null; t1=$(now)
runs=$(($(wc -l < "$W/s/index.csv") - 1))
"$FLEETSIM" sweep run "$W/s" --jobs 1 --quiet; t2=$(now)
children=$(/usr/bin/python3 -c 'import glob,json,sys; print(sum(json.load(open(f))["wall_s"] for f in glob.glob(sys.argv[1]+"/state/*.json")))' "$W/s")
"$FLEETSIM" sweep collect "$W/s" >/dev/null; t3=$(now)
echo "load between: $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$W/direct"
t4=$(now)
for f in "$W"/s/scenarios/*.yaml; do
  id=$(basename "$f" .yaml)
  "$FLEETSIM" run "$f" --out "$W/direct/$id" --quiet >/dev/null
done
t5=$(now)
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$runs" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$children" <<'PY'
import sys
n = int(sys.argv[1]); t0, t1, t2, t3, t4, t5, ch = map(float, sys.argv[2:])
plan, run, collect, direct = t1 - t0, t2 - t1, t3 - t2, t5 - t4
print("runs %d" % n)
print("plan %.2f s (%.1f ms/run)" % (plan, 1e3 * plan / n))
print("sweep run --jobs 1: %.1f s (%.1f ms/run); children's wall time %.1f s (%.1f ms/run)"
      % (run, 1e3 * run / n, ch, 1e3 * ch / n))
print("runner's own time (sweep run - children): %.1f s, %.1f ms/run" % (run - ch, 1e3 * (run - ch) / n))
print("collect %.2f s (%.2f ms/run)" % (collect, 1e3 * collect / n))
print("plain loop of fleetsim run: %.1f s (%.1f ms/run)" % (direct, 1e3 * direct / n))
print("sweep (plan + run + collect) - plain loop: %.1f s, %.1f ms/run (%.1f%%)"
      % (plan + run + collect - direct, 1e3 * (plan + run + collect - direct) / n,
         100 * (plan + run + collect - direct) / direct))
PY
