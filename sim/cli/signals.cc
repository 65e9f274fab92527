#include "sim/cli/signals.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

namespace fleetsim::cli {
namespace {

std::mutex g_mu;
std::function<void(int)> g_action;  // guarded by g_mu
bool g_polling = false;             // guarded by g_mu
double g_grace_s = 0;               // guarded by g_mu; > 0: deferred mode
std::atomic<int> g_signal{0};

sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

void SignalLoop() {
  sigset_t set = TerminationSet();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    int expected = 0;
    g_signal.compare_exchange_strong(expected, sig);
    sig = g_signal.load();  // the first signal decides the exit status
    std::function<void(int)> action;
    double grace_s;
    {
      std::lock_guard<std::mutex> l(g_mu);
      if (g_polling) continue;
      action = g_action;
      grace_s = g_grace_s;
    }
    const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    if (grace_s > 0) {
      std::fprintf(stderr,
                   "fleetsim: interrupted by %s: stopping at the next simulated instant and "
                   "writing the outputs so far (marked interrupted)\n",
                   name);
      // The main thread ends the process once they are written; signals arriving meanwhile stay
      // pending (blocked) and change nothing.
      std::this_thread::sleep_for(std::chrono::duration<double>(grace_s));
      std::fprintf(stderr,
                   "fleetsim: outputs not written within %.0f s of %s; stopping without them\n",
                   grace_s, name);
    } else {
      std::fprintf(stderr, "fleetsim: interrupted by %s\n", name);
    }
    if (action) action(sig);
    std::fflush(stderr);
    ::_exit(128 + sig);
  }
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void UnblockTerminationSignals() {
  sigset_t set = TerminationSet();
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

void StartSignalThread() {
  static std::once_flag once;
  std::call_once(once, [] { std::thread(SignalLoop).detach(); });
}

void SetInterruptAction(std::function<void(int)> action) {
  std::lock_guard<std::mutex> l(g_mu);
  g_action = std::move(action);
}

void SetInterruptPolling(bool polling) {
  std::lock_guard<std::mutex> l(g_mu);
  g_polling = polling;
}

void SetInterruptDeferred(double grace_s) {
  std::lock_guard<std::mutex> l(g_mu);
  g_grace_s = grace_s;
}

int InterruptSignal() { return g_signal.load(); }

}  // namespace fleetsim::cli
