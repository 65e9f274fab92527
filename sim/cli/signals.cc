#include "sim/cli/signals.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

namespace fleetsim::cli {
namespace {

std::mutex g_mu;
std::function<void(int)> g_action;  // guarded by g_mu
bool g_polling = false;             // guarded by g_mu
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
    std::function<void(int)> action;
    {
      std::lock_guard<std::mutex> l(g_mu);
      if (g_polling) continue;
      action = g_action;
    }
    std::fprintf(stderr, "fleetsim: interrupted by %s\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
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

int InterruptSignal() { return g_signal.load(); }

}  // namespace fleetsim::cli
