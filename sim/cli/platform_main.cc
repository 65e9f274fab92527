// Standalone `fleetsim-platform` until `fleetsim platform ...` is wired into the main binary.
#include "sim/cli/platform_cmd.h"

int main(int argc, char** argv) { return fleetsim::cli::RunPlatformCommand(argc, argv); }
