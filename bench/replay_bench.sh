#!/usr/bin/env bash
# Replay benchmark (issue 8): every SWF trace in ../shared/data/swf under EASY and FCFS with the
# replay's defaults, plus the CEA-Curie sample at one processor per host (93,312 SimGrid hosts)
# and that platform's load time alone (`fleetsim validate`-like: replay of a 1-job trace).
# Prints one markdown row per run: wall seconds and peak RSS (GNU time). Usage:
#   bash bench/replay_bench.sh [BUILD_DIR]     (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
SWF=../shared/data/swf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {  # label, args...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/t" "$B/fleetsim" replay-swf "$@" --out "$tmp/o" --quiet >/dev/null
  read -r wall kb < "$tmp/t"
  printf '| %s | %s s | %d MB |\n' "$label" "$wall" $((kb / 1024))
}
echo "| run | wall | peak RSS |"
echo "|---|---|---|"
for f in "$SWF"/*.swf "$SWF"/*.swf.gz; do
  [ -e "$f" ] || continue
  # fleetsim reads .gz itself; grep and awk below need the text.
  txt=$f
  if [[ $f == *.gz ]]; then txt=$tmp/plain.swf; gunzip -c "$f" > "$txt"; fi
  extra=()
  # A trace without a MaxProcs/MaxNodes header (the accasim fixture) runs on its largest job.
  if ! grep -qE '^; *(MaxProcs|MaxNodes):' "$txt"; then
    extra=(--processors "$(awk '!/^;/ {m = ($5 > m ? $5 : m); m = ($8 > m ? $8 : m)} END {print m}' "$txt")")
  fi
  for p in easy fcfs; do run "$(basename "$f") $p ${extra[*]}" "$f" --policy "$p" "${extra[@]}"; done
done
curie=$SWF/CEA-Curie-sample.predictsim.swf
run "CEA-Curie easy, 1 processor per host" "$curie" --policy easy --accelerators-per-host 1
# Platform load alone: the first job line of the trace only, same 93,312 hosts.
{ grep '^;' "$curie"; awk '!/^;/ {print; exit}' "$curie"; } > "$tmp/one.swf"
run "CEA-Curie platform load (1 job), 1 processor per host" "$tmp/one.swf" --accelerators-per-host 1
