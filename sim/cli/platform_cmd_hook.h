// `fleetsim platform ...` is implemented in platform_cmd.cc when present (issue 3); until then
// this hook reports that the subcommand is unavailable.
#ifndef FLEETSIM_SIM_CLI_PLATFORM_CMD_HOOK_H_
#define FLEETSIM_SIM_CLI_PLATFORM_CMD_HOOK_H_

namespace fleetsim::cli {
int RunPlatformCommandHook(int argc, char** argv);
}  // namespace fleetsim::cli

#endif  // FLEETSIM_SIM_CLI_PLATFORM_CMD_HOOK_H_
