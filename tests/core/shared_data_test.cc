// The guard that makes missing ../shared data a failure, not a silent skip.
#include "tests/shared_data.h"

#include <cstdlib>

#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"

namespace fleetsim::testing_util {
namespace {

TEST(SharedData, MissingNamesEveryPath) {
  EXPECT_EQ(MissingShared({}), "");
  const std::string m = MissingShared({"no/such/a.swf", "no/such/b.csv"});
  EXPECT_NE(m.find(SharedDir() + "/no/such/a.swf"), std::string::npos) << m;
  EXPECT_NE(m.find(SharedDir() + "/no/such/b.csv"), std::string::npos) << m;
}

void RequireMissing() { FLEETSIM_REQUIRE_SHARED("no/such/trace.swf"); }

TEST(SharedData, MissingFailsUnlessAllowed) {
  const char* old = std::getenv("FLEETSIM_ALLOW_MISSING_SHARED");
  const std::string saved = old ? old : "";
  unsetenv("FLEETSIM_ALLOW_MISSING_SHARED");
  EXPECT_FATAL_FAILURE(RequireMissing(), "no/such/trace.swf");
  setenv("FLEETSIM_ALLOW_MISSING_SHARED", "0", 1);
  EXPECT_FATAL_FAILURE(RequireMissing(), "FLEETSIM_ALLOW_MISSING_SHARED=1 to skip");
  setenv("FLEETSIM_ALLOW_MISSING_SHARED", "1", 1);
  EXPECT_TRUE(AllowMissingShared());
  if (old) {
    setenv("FLEETSIM_ALLOW_MISSING_SHARED", saved.c_str(), 1);
  } else {
    unsetenv("FLEETSIM_ALLOW_MISSING_SHARED");
  }
}

}  // namespace
}  // namespace fleetsim::testing_util
