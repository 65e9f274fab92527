#!/usr/bin/env bash
# The demand-response example (power-demand-response.yaml) under three lever sets and three
# depths of the cut (cap during hours 24-30), 9 runs of about 0.1 s; prints one markdown row per
# run from summary.json. Usage: bash workloads/examples/power-demand-response.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-results/power-demand-response}
mkdir -p "$out"
echo "| levers | cap MW h24-30 | mean wait h | p95 wait h | jobs shed | DVFS changes | lost work h | over cap s | max over cap kW |"
echo "|---|---|---|---|---|---|---|---|---|"
for levers in "[]" "[admission, shed]" "[admission, dvfs, shed]"; do
  for cap in 3 6 8; do
    d="$out/$(echo "$levers" | tr -d '[], ' | sed 's/^$/none/')-${cap}mw"
    ./build/fleetsim run workloads/examples/power-demand-response.yaml --quiet --out "$d" \
      --set "power.levers=$levers" --set "power.caps.0.cap_mw=$cap" >/dev/null
    /usr/bin/python3 - "$d" "$levers" "$cap" <<'PY'
import csv, json, sys
d, levers, cap = sys.argv[1:]
s = json.load(open(d + "/summary.json"))
site = next(x for x in s["sites"] if x["site"] == "nvidia-vr-1")
lost = sum(float(r["lost_work_s"]) for r in csv.DictReader(open(d + "/jobs.csv")))
print(f"| {levers} | {cap} | {s['jobs']['wait_mean_s'] / 3600:.1f} | {s['jobs']['wait_p95_s'] / 3600:.1f} | "
      f"{site['shed_jobs']} | {site['dvfs_changes']} | {lost / 3600:.1f} | {site['over_cap_s']:.0f} | "
      f"{site['max_over_cap_w'] / 1e3:.0f} |")
PY
  done
done
