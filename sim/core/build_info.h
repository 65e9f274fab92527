// Facts about this build, fixed when CMake configures the tree (see sim/core/CMakeLists.txt).
#ifndef FLEETSIM_SIM_CORE_BUILD_INFO_H_
#define FLEETSIM_SIM_CORE_BUILD_INFO_H_

namespace fleetsim {

// `git describe --always --dirty --abbrev=12` of the source tree at configure time ("unknown"
// outside git). A "-dirty" suffix means the tree had uncommitted changes. Re-run CMake (or any
// build after a commit that touched a CMakeLists.txt) to refresh it.
extern const char kSourceCommit[];
// true when kSourceCommit ends in "-dirty".
extern const bool kSourceModified;
// CMAKE_BUILD_TYPE (Release, Debug, ...).
extern const char kBuildType[];

}  // namespace fleetsim

#endif  // FLEETSIM_SIM_CORE_BUILD_INFO_H_
