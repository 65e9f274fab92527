#!/usr/bin/env bash
# Installs missing Debian packages (as root; otherwise prints the apt-get line) and builds
# fleetsim in build/ (Release). Usage: scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(build-essential cmake pkg-config libsimgrid-dev libyaml-cpp-dev libabsl-dev libgtest-dev zlib1g-dev
      nlohmann-json3-dev libssl-dev
      clang libclang-rt-14-dev
      python3-pandas python3-matplotlib
      chromium)  # headless: tests/cli/sweep_test.cc renders scripts/report.py's HTML
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "[setup] installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "[setup] missing packages; run as root:" >&2
    echo "  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >&2
