#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang with ASan + UBSan) in build-fuzz/ and runs each
# one briefly from a seed corpus made of the repo's valid and invalid inputs, then replays the
# minimized inputs of every bug found so far (fuzz/regressions/<target>/).
#
# Usage: scripts/fuzz.sh [RUNS_SCALE]     (bounded run, part of scripts/test.sh)
#        FUZZ_SECONDS=600 scripts/fuzz.sh  (longer run: each target for 600 s; fuzz/README.md)
# A crash, leak, timeout or sanitizer report fails the script and leaves the input in
# build-fuzz/artifacts/. Prints executions per second per target.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if ! command -v clang++ >/dev/null 2>&1; then
  echo "[fuzz] clang++ not found (scripts/setup.sh installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi
B=build-fuzz
CC=clang CXX=clang++ cmake -S . -B $B -DFLEETSIM_FUZZ=ON -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" >/dev/null
nice -n 10 cmake --build $B --target fuzzers -j"$(nproc)" >&2

# Seed corpora, rebuilt every time from the repo (and ../shared when present).
S=$B/seeds
rm -rf "$S" $B/work
mkdir -p "$S" $B/work $B/artifacts
for t in swf gpu trace scenario streams catalog sweep; do mkdir -p "$S/$t" "$B/work/$t"; done
cp tests/data/invalid/*.swf "$S/swf/"
if [ -d ../shared/data/swf ]; then
  for f in ../shared/data/swf/*.swf; do head -c 8000 "$f" > "$S/swf/$(basename "$f")"; done
fi
printf 'timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-09 07:01:55,66.0,1,66.0,11cb48\n2017-10-09 06:13:03,2951.0,2,5902.0,6214e9\n' > "$S/gpu/philly.csv"
printf 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\nopenb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0\nopenb-pod-0001,6000,12288,1,460,V100M16|V100M32,BE,Failed,427061,12902960,427061\nopenb-pod-0002,1000,1024,0,0,,LS,Pending,9,10,\n' > "$S/gpu/pai.csv"
if [ -d ../shared/data/gpu ]; then
  for f in ../shared/data/gpu/philly-derived-pollux-philly.csv ../shared/data/gpu/alibaba-v2023-openb_pod_list_default.csv; do
    head -n 40 "$f" > "$S/gpu/$(basename "$f")"
  done
fi
printf 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,4808,10\n2023-11-16 18:15:50.9951690,3180,8\n' > "$S/trace/azure.csv"
printf '{"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1]}\n{"timestamp": 27, "input_length": 7319, "output_length": 490}\n' > "$S/trace/mooncake.jsonl"
if [ -d ../shared/data/llm ]; then
  for f in ../shared/data/llm/*.csv ../shared/data/llm/*.jsonl; do head -n 30 "$f" > "$S/trace/$(basename "$f")"; done
fi
# Scenarios are loaded as workloads/fuzz.yaml: point every seed's platform at a repo platform.
for f in workloads/*.yaml workloads/examples/*.yaml tests/data/valid/*.yaml tests/data/invalid/*.yaml; do
  case "$f" in *sweep*) continue ;; esac
  sed -E 's#^platform: .*platforms/#platform: ../platforms/#' "$f" > "$S/scenario/$(echo "$f" | tr / _)"
done
{ echo '#set horizon_s=3600'; echo '#set workload.jobs.0.run_s=20'; echo '#set scheduler.policy=fcfs'
  cat "$S/scenario/tests_data_valid_serving_trade.yaml"; } > "$S/scenario/with_overrides.yaml"
cp tests/serve/data/*.yaml "$S/streams/"
sed -n '/^  streams:/,/^  jobs:/p' workloads/default.yaml | sed '$d' | sed 's/^  //' > "$S/streams/default_streams.yaml"
{ cat platforms/catalog/systems.yaml; echo '#---sites---'; cat platforms/catalog/sites.yaml; } > "$S/catalog/catalog.yaml"
cp tests/data/sweep/*.yaml "$S/sweep/"
sed -E 's#^scenario: .*#scenario: ../valid/hand_schedule.yaml#' workloads/examples/sweep-policy-load.yaml > "$S/sweep/example.yaml"

# runs per target: about 5-15 s each on a loaded 2-core machine (RUNS_SCALE multiplies).
SCALE=${1:-1}
declare -A RUNS=([swf]=20000 [gpu]=20000 [trace]=20000 [scenario]=3000 [streams]=6000 [catalog]=1500 [sweep]=600)
status=0
printf '%-10s %10s %8s %10s\n' target runs seconds execs/s >&2
for t in swf gpu trace scenario streams catalog sweep; do
  runs=$(( ${RUNS[$t]} * SCALE ))
  limit=()
  if [ -n "${FUZZ_SECONDS:-}" ]; then limit=(-max_total_time="$FUZZ_SECONDS"); runs=-1; fi
  log=$B/work/$t.log
  start=$(date +%s.%N)
  if ! (cd $B/work && ASAN_OPTIONS=detect_leaks=1 nice -n 10 "$ROOT/$B/fuzz/fuzz_$t" -seed=1 \
        -runs="$runs" "${limit[@]}" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="$ROOT/$B/artifacts/${t}-" -print_final_stats=1 \
        "$t" "$ROOT/$S/$t") >"$log" 2>&1; then
    echo "[fuzz] fuzz_$t FAILED; see $log and $B/artifacts/" >&2
    tail -n 30 "$log" >&2
    status=1
  fi
  end=$(date +%s.%N)
  done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')
  printf '%-10s %10s %8.1f %10.0f\n' "$t" "${done_runs:-?}" "$secs" \
    "$(awk -v n="${done_runs:-0}" -v s="$secs" 'BEGIN{print n/s}')" >&2
  # Regression inputs: every bug's minimized input must now pass.
  if [ -d fuzz/regressions/$t ] && [ -n "$(ls fuzz/regressions/$t)" ]; then
    if ! "$B/fuzz/fuzz_$t" fuzz/regressions/$t/* >"$B/work/$t.regress.log" 2>&1; then
      echo "[fuzz] fuzz_$t fails on a regression input; see $B/work/$t.regress.log" >&2
      status=1
    fi
  fi
done
exit $status
