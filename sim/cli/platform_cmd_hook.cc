#include "sim/cli/platform_cmd_hook.h"

#include <cstdio>

namespace fleetsim::cli {
int RunPlatformCommandHook(int, char**) {
  std::fprintf(stderr, "fleetsim: the platform command is not built in this version\n");
  return 2;
}
}  // namespace fleetsim::cli
