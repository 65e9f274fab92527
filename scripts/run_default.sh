#!/usr/bin/env bash
# Set up, build, run the embedded default scenario, plot it and write its HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
./build/fleetsim run workloads/default.yaml --out results/default
/usr/bin/python3 scripts/report.py results/default
