#!/usr/bin/env bash
# Set up, build, run the embedded default scenario and plot it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
./build/fleetsim run workloads/default.yaml --out results/default
/usr/bin/python3 scripts/plot_run.py results/default
