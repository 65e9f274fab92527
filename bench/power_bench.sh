#!/usr/bin/env bash
# Cost of power-cap enforcement (issue 9). Generates a scenario of N jobs (default 20,000) on the
# 1% 2026 fleet's Vera Rubin site (nvidia-vr-1, 37 racks, 2,664 accelerators) whose cap changes
# every hour between 5 and 10 MW for the whole run, and runs it with levers [] (caps reported,
# not enforced), [admission, shed] and [admission, dvfs, shed]. Prints one markdown row per run:
# wall, scheduler events, wall per event, enforcement actions, peak RSS. SCOPE `fleet` adds, at
# every site cap step, a fleet-wide cap 100 MW above it (a second cap domain holding every
# cluster of the fleet, that does not bind: the bookkeeping cost of cap domains); it needs a
# fleetsim with cap domains.
#   bash bench/power_bench.sh [BUILD_DIR] [JOBS] [site|fleet]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
N=${2:-20000}
SCOPE=${3:-site}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$N" "$tmp/s.yaml" "$PWD/platforms/fleet-2026-s0.01.xml" "$SCOPE" <<'PY'
import random, sys
n, out, plat, scope = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

r = random.Random(1)
t = 0
jobs = []
for i in range(1, n + 1):
    t += int(r.expovariate(1 / 900))
    acc = r.choice([72, 144, 288, 576, 720])
    run = int(min(36000, max(600, r.lognormvariate(8.8, 0.7))))
    jobs.append(f"    - {{id: {i}, submit_s: {t}, run_s: {run}, estimate_s: {int(run * 1.25)}, "
                f"accelerators: {acc}, priority: {r.choice([0, 0, 1])}, sites: [nvidia-vr-1]}}")
caps = []
for h in range(1, t // 3600 + 2):
    mw = 5 + 5 * r.random()
    caps.append(f"    - {{site: nvidia-vr-1, at_s: {h * 3600}, cap_mw: {mw:.3f}}}")
    if scope == "fleet":
        caps.append(f"    - {{fleet: true, at_s: {h * 3600}, cap_mw: {mw + 100:.3f}}}")
open(out, "w").write(f"""name: power-bench
platform: {plat}
start_date: 2026-10-01
scheduler: {{policy: easy}}
power:
  levers: [admission, shed]
  caps:
{chr(10).join(caps)}
workload:
  jobs:
{chr(10).join(jobs)}
""")
PY
/usr/bin/time -f "%e" -o "$tmp/v" "$B/fleetsim" validate "$tmp/s.yaml" >/dev/null
load=$(cat "$tmp/v")
echo "Loading and validating the scenario alone (yaml-cpp): $load s"
echo
echo "| levers | jobs | wall | events | µs per event (wall − load) | shed | DVFS changes | peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
for levers in "[]" "[admission, shed]" "[admission, dvfs, shed]"; do
  /usr/bin/time -f "%e %M" -o "$tmp/t" "$B/fleetsim" run "$tmp/s.yaml" --out "$tmp/o" \
    --set "power.levers=$levers" 2>"$tmp/err" >/dev/null
  read -r wall kb < "$tmp/t"
  events=$(sed -n 's/.*(\([0-9]*\) scheduler events.*/\1/p' "$tmp/err")
  read -r shed dvfs < <(/usr/bin/python3 -c "
import json; s = json.load(open('$tmp/o/summary.json'))
x = next(v for v in s['sites'] if v['site'] == 'nvidia-vr-1'); print(x['shed_jobs'], x['dvfs_changes'])")
  printf '| %s | %d | %s s | %s | %.2f | %s | %s | %d MB |\n' "$levers" "$N" "$wall" "$events" \
    "$(echo "($wall - $load) * 1000000 / $events" | bc -l)" "$shed" "$dvfs" $((kb / 1024))
done
