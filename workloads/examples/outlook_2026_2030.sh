#!/bin/bash
# The 2030 question: runs workloads/examples/outlook-2026-2030.yaml (base) and three variants,
# then plots the training-versus-inference share of cost per quarter for all four
# (workloads/examples/outlook-2026-2030.png). Variants:
#   inference x1.8/yr    --set workload.streams.N.annual_growth=1.8 (all three streams)
#   inference x3.5/yr    the same with 3.5
#   training x2.5/yr     a scenario regenerated with make_outlook.py --training-growth 2.5
# Usage: workloads/examples/outlook_2026_2030.sh [OUT_DIR]   (default results/outlook)
# Each run takes a few minutes (outlook-2026-2030.md); the four run one after another.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-results/outlook}
mkdir -p "$out"
fleetsim=./build/fleetsim
scenario=workloads/examples/outlook-2026-2030.yaml
growth() { for i in 0 1 2; do echo "--set workload.streams.$i.annual_growth=$1"; done; }

$fleetsim run "$scenario" --out "$out/base" --quiet
# shellcheck disable=SC2046
$fleetsim run "$scenario" $(growth 1.8) --out "$out/inference-1.8" --quiet
# shellcheck disable=SC2046
$fleetsim run "$scenario" $(growth 3.5) --out "$out/inference-3.5" --quiet
# The regenerated scenario sits beside the committed one (its platform path is relative).
variant=workloads/examples/outlook-2026-2030-training-2.5.yaml
trap 'rm -f "$variant"' EXIT
/usr/bin/python3 workloads/examples/make_outlook.py --training-growth 2.5 > "$variant"
$fleetsim run "$variant" --out "$out/training-2.5" --quiet

/usr/bin/python3 workloads/examples/outlook_plot.py workloads/examples/outlook-2026-2030.png \
  "base (training x1.8/yr, inference x2.5/yr)=$out/base" \
  "inference x1.8/yr=$out/inference-1.8" \
  "inference x3.5/yr=$out/inference-3.5" \
  "training x2.5/yr=$out/training-2.5"
