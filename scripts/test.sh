#!/usr/bin/env bash
# Set up, build and run the whole test suite through ctest, then the same suite built with
# AddressSanitizer + UndefinedBehaviorSanitizer (scripts/sanitize.sh, build-asan/), then a
# bounded fuzzing run of every input parser (scripts/fuzz.sh, fuzz/README.md). Prints the time
# of each stage.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
scripts/setup.sh
(cd build && ctest --output-on-failure -j"$(nproc)")
t1=$(date +%s)
scripts/sanitize.sh
t2=$(date +%s)
scripts/fuzz.sh
t3=$(date +%s)
echo "[test] build+ctest $((t1 - t0)) s, sanitizers $((t2 - t1)) s, fuzzing $((t3 - t2)) s, total $((t3 - t0)) s" >&2
