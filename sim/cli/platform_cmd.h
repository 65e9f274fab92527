// `fleetsim platform build|info`: generate SimGrid fleet platforms from the catalogue and
// summarise a platform file as the simulator loads it.
#ifndef FLEETSIM_SIM_CLI_PLATFORM_CMD_H_
#define FLEETSIM_SIM_CLI_PLATFORM_CMD_H_

namespace fleetsim::cli {

extern const char kPlatformUsage[];

// argv[0] is "platform" (ignored), argv[1] the subcommand. Returns the process exit code:
// 0 ok, 2 bad input (one line on stderr: "file:line:col: field: message" for catalogue errors;
// nothing is written), 1 internal error (e.g. an output file cannot be written).
// `info` creates a SimGrid engine: call it at most once per process, with no other engine.
int RunPlatformCommand(int argc, char** argv);

}  // namespace fleetsim::cli

#endif  // FLEETSIM_SIM_CLI_PLATFORM_CMD_H_
