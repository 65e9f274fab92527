#!/usr/bin/env bash
# Builds the whole test suite and the fleetsim binary with AddressSanitizer + UndefinedBehavior-
# Sanitizer in build-asan/ (CMake option FLEETSIM_SANITIZE, -O1) and runs it through ctest; any
# ASan, LeakSanitizer or UBSan report fails the test that triggered it. Part of scripts/test.sh.
#
# Usage: scripts/sanitize.sh [ctest arguments, e.g. -R Controller]
#
# SimGrid under the sanitizers: Debian's libsimgrid is not instrumented. fleetsim advances
# SimGrid's clock with Engine::run_until from a plain loop and creates a SimGrid actor only to
# time the gradient exchange of a run that spans clusters (engine.cc); that actor, and the ones
# of tests/power/energy_cross_test.cc (SimGrid's own energy plugin as a reference), run on
# SimGrid's thread contexts when built with ASan (--cfg=contexts/factory:thread), which ASan
# follows, instead of the default raw stack switching, which it cannot.
# Leaks: the process-wide sg::Engine is deliberately never destroyed (engine.cc); it stays
# reachable from SimGrid's static instance pointer, so LeakSanitizer does not report it. What
# SimGrid itself leaks at exit is suppressed by scripts/lsan.supp (each entry explained there).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=build-asan
cmake -S . -B $B -DFLEETSIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1" \
  >/dev/null
nice -n 10 cmake --build $B -j"$(nproc)" >&2
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Every test but the two that time Python plotting (PlotRun.*, Sweep.PlotSweep: the fleetsim runs
# they make first are made by other tests too, and matplotlib is not instrumented); they are the
# two longest tests of the suite and would only measure Python under the sanitizers.
SKIP='^(PlotRun\.|Sweep\.PlotSweep$)'
(cd $B && nice -n 10 ctest --output-on-failure -j"$(nproc)" -E "$SKIP" "$@")
