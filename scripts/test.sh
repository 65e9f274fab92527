#!/usr/bin/env bash
# Set up, build and run the whole test suite through ctest, then a bounded fuzzing run of every
# input parser (scripts/fuzz.sh, fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
(cd build && ctest --output-on-failure -j"$(nproc)")
scripts/fuzz.sh
