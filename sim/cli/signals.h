// SIGINT/SIGTERM handling for fleetsim processes (Slurm sends SIGTERM before a time limit).
//
// BlockTerminationSignals() must run first in main(), before any thread exists, so every thread
// inherits the blocked mask; StartSignalThread() then starts one thread that waits for the
// signals with sigwait(). A command starts it once its interrupt action (or polling mode) is in
// place: a signal that came earlier (even before exec) stays pending until then, so the
// reaction never depends on how early the signal came. Nothing runs in an asynchronous signal
// handler, so the reaction may take locks, write files and call exit paths safely.
//
// Three modes:
//  - exit mode (default; `fleetsim run` / `replay-swf` while loading): on a signal the
//    registered interrupt action runs on the signal thread, then the process ends with
//    _exit(128 + signal) (130 for SIGINT, 143 for SIGTERM);
//  - deferred mode (`fleetsim run` / `replay-swf` while simulating): the signal is recorded;
//    the main thread polls InterruptSignal(), stops at the next simulated instant, writes what
//    it has and exits 128 + signal itself. If it has not exited `grace_s` seconds after the
//    signal, exit mode's action and _exit follow anyway (Slurm sends SIGKILL KillWait seconds
//    after SIGTERM, 30 s by default). Further signals in between change nothing: under Slurm a
//    run gets SIGTERM from Slurm and again from its `sweep run` parent;
//  - polling mode (`fleetsim sweep run`): the signal is only recorded; the caller polls
//    InterruptSignal() and shuts down its children itself.
// The mask and pending signals are inherited across fork and exec: a child that is fleetsim
// keeps them blocked (its own main() takes over); a child that is another program (sbatch)
// must call UnblockTerminationSignals() between fork and exec.
#ifndef FLEETSIM_SIM_CLI_SIGNALS_H_
#define FLEETSIM_SIM_CLI_SIGNALS_H_

#include <functional>

namespace fleetsim::cli {

void BlockTerminationSignals();
// Async-signal-safe (sigprocmask only): for use between fork and exec.
void UnblockTerminationSignals();
void StartSignalThread();  // idempotent

// Exit mode: `action(signal)` runs on the signal thread before _exit(128 + signal). Replaces any
// earlier action; nullptr = none.
void SetInterruptAction(std::function<void(int)> action);
// Polling mode on/off.
void SetInterruptPolling(bool polling);
// Deferred mode with this grace period (seconds); 0 = back to exit mode.
void SetInterruptDeferred(double grace_s);
// Grace period of `fleetsim run` and `replay-swf`: below Slurm's default KillWait (30 s).
inline constexpr double kInterruptGraceS = 20;
// The first SIGINT/SIGTERM received, 0 if none.
int InterruptSignal();

}  // namespace fleetsim::cli

#endif  // FLEETSIM_SIM_CLI_SIGNALS_H_
