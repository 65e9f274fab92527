#!/usr/bin/env bash
# A sweep as a real Slurm job array on a throw-away single-node cluster (how and why:
# ../shared/reference/SLURM-LOCAL.md). Runs as root (the daemons must); without root, or with
# FLEETSIM_SLURM_TEST=0, it exits 77 (ctest: skipped). Installs slurmctld, slurmd and
# slurm-client when missing (auth/none, no munge daemon), starts both daemons on free ports with
# private state, submits tests/data/sweep/small.yaml (8 runs) with `fleetsim sweep slurm --chunk 3
# --submit`, waits, checks status and every collected row; then submits two long runs
# (tests/data/sweep/two_long.yaml) and sends the job SIGTERM as a time limit would, checking that
# both stop with partial outputs marked interrupted. Always stops the cluster, ending only the
# processes it started (recorded PIDs and an environment marker). About 13 s once installed.
# Usage: tests/slurm/slurm_sweep_test.sh FLEETSIM_BINARY
set -euo pipefail
FLEETSIM=$(readlink -f "$1")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${FLEETSIM_SLURM_TEST:-1}" = 0 ]; then echo "skipped: FLEETSIM_SLURM_TEST=0"; exit 77; fi
if [ "$(id -u)" != 0 ]; then echo "skipped: needs root (slurmd launches jobs as root)"; exit 77; fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null; then
  echo "[slurm-test] installing slurmctld slurmd slurm-client" >&2
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends slurmctld slurmd slurm-client >&2
  if [ $made_policy = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

DIR=$(mktemp -d /tmp/fleetsim-slurm.XXXXXX)
MARK="FLEETSIM_SLURM_TEST_MARK=$DIR"
PIDS=()
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
P1=""; P2=""
for _ in $(seq 50); do
  a=$((20000 + RANDOM % 20000)); b=$((a + 1))
  if port_free $a && port_free $b; then P1=$a; P2=$b; break; fi
done
[ -n "$P1" ] || { echo "no free ports" >&2; exit 1; }
mkdir -p "$DIR"/{state,spool,log}
export SLURM_CONF=$DIR/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=fleetsimtest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
SlurmctldPort=$P1
SlurmdPort=$P2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
SlurmdParameters=config_overrides
MailProg=/bin/true
MinJobAge=3600
NodeName=localhost CPUs=2 RealMemory=1000
PartitionName=debug Nodes=localhost Default=YES State=UP
CONF

stop() {
  set +e
  if [ ${#PIDS[@]} -gt 0 ]; then
    scancel --partition=debug 2>/dev/null
    for _ in $(seq 80); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.25; done
    scontrol shutdown >/dev/null 2>&1
    for _ in $(seq 40); do
      alive=0; for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
      [ $alive = 0 ] && break; sleep 0.25
    done
  fi
  # Anything still carrying our marker (daemons, orphaned slurmstepd): ours, end it by pid.
  for f in $(grep -lzxF "$MARK" /proc/[0-9]*/environ 2>/dev/null); do
    p=${f#/proc/}; p=${p%/environ}; [ "$p" != $$ ] && kill -9 "$p" 2>/dev/null
  done
  rm -rf "$DIR"
}
trap stop EXIT

env "$MARK" setsid slurmctld -D -c -f "$SLURM_CONF" >"$DIR/log/slurmctld.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 80); do scontrol ping 2>/dev/null | grep -q "is UP" && break; sleep 0.25; done
env "$MARK" setsid slurmd -D -N localhost -f "$SLURM_CONF" >"$DIR/log/slurmd.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 80); do [ "$(sinfo -h -n localhost -o %T 2>/dev/null)" = idle ] && break; sleep 0.25; done
[ "$(sinfo -h -n localhost -o %T)" = idle ] || { echo "node not idle" >&2; cat "$DIR"/log/*.log >&2; exit 1; }

S=$DIR/sweep
"$FLEETSIM" sweep plan "$SRC/tests/data/sweep/small.yaml" --out "$S"
out=$("$FLEETSIM" sweep slurm "$S" --chunk 3 --max-concurrent 2 --partition debug --time 00:05:00 --submit)
echo "$out"
job=$(echo "$out" | sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p')
[ -n "$job" ] || { echo "no job id from sbatch" >&2; exit 1; }
for _ in $(seq 480); do [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.25; done
[ -z "$(squeue -h -j "$job")" ] || { echo "job array still queued after 120 s" >&2; exit 1; }
status=$("$FLEETSIM" sweep status "$S")
echo "$status"
echo "$status" | grep -q "8 runs: 8 done, 0 failed" || { cat "$S"/logs/slurm-*.out >&2; exit 1; }
"$FLEETSIM" sweep collect "$S"
rows=$(tail -n +2 "$S/results.csv" | wc -l)
done_rows=$(tail -n +2 "$S/results.csv" | awk -F, '$6 == "done"' | wc -l)
tasks=$(ls "$S"/logs/slurm-"$job"_*.out | wc -l)
echo "rows $rows, done $done_rows, array task logs $tasks"
[ "$rows" = 8 ] && [ "$done_rows" = 8 ] && [ "$tasks" = 3 ] || exit 1

# A time limit: Slurm sends SIGTERM to every process of the job (the batch script's `sweep run`
# and its child runs), SIGKILL KillWait (30 s) later. `scancel --full --signal=TERM` sends the
# same SIGTERM now. Two ~100 s runs (tests/data/sweep/two_long.yaml), one per array task, are
# signalled once both have simulated a few seconds: each must stop at its next instant, write
# its partial outputs and be marked interrupted, within seconds.
S2=$DIR/sweep-long
"$FLEETSIM" sweep plan "$SRC/tests/data/sweep/two_long.yaml" --out "$S2"
out=$("$FLEETSIM" sweep slurm "$S2" --chunk 1 --partition debug --time 00:05:00 --submit)
job2=$(echo "$out" | sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p')
[ -n "$job2" ] || { echo "no job id from sbatch" >&2; exit 1; }
for _ in $(seq 240); do [ "$(squeue -h -j "$job2" -t RUNNING | wc -l)" = 2 ] && break; sleep 0.25; done
[ "$(squeue -h -j "$job2" -t RUNNING | wc -l)" = 2 ] || { echo "array tasks not running" >&2; exit 1; }
sleep 4
t_sig=$(date +%s.%N)
scancel --full --signal=TERM "$job2"
for _ in $(seq 240); do [ -z "$(squeue -h -j "$job2" 2>/dev/null)" ] && break; sleep 0.25; done
[ -z "$(squeue -h -j "$job2")" ] || { echo "signalled tasks still queued after 60 s" >&2; exit 1; }
stop_s=$(awk -v a="$t_sig" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
status2=$("$FLEETSIM" sweep status "$S2")
echo "$status2"
echo "stopped ${stop_s} s after SIGTERM"
echo "$status2" | grep -q "2 runs: 0 done, 0 failed, 2 interrupted" || { cat "$S2"/logs/* >&2; exit 1; }
for id in r0000 r0001; do
  grep -q '"status": "interrupted"' "$S2/runs/$id/manifest.json" || { echo "$id: manifest" >&2; exit 1; }
  grep -q '"outcome": "interrupted"' "$S2/runs/$id/summary.json" || { echo "$id: no partial summary" >&2; exit 1; }
  grep -h '"end_time_s"' "$S2/runs/$id/summary.json"
done
"$FLEETSIM" sweep collect "$S2"
[ "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") c = i } NR > 1 && $c == "interrupted"' "$S2/results.csv" | wc -l)" = 2 ] || { head -3 "$S2/results.csv" >&2; exit 1; }
echo "slurm sweep test: ok"
