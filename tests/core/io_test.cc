#include "sim/core/io.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(WriteFileAtomic, WritesAndReplaces) {
  std::string dir = testing::TempDir() + "/io_test";
  ASSERT_TRUE(MakeDirs(dir).ok());
  std::string p = dir + "/x.txt";
  ASSERT_TRUE(WriteFileAtomic(p, "one").ok());
  ASSERT_TRUE(WriteFileAtomic(p, "two").ok());
  EXPECT_EQ(*ReadFile(p), "two");
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos);
  }
}

TEST(WriteFileAtomic, FailsOnMissingDirectory) {
  auto st = WriteFileAtomic("/nonexistent-dir-xyz/a.txt", "x");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent-dir-xyz/a.txt"), std::string::npos);
}

TEST(WriteFileAtomic, FailureIsAnIoErrorNotBadInput) {
  auto st = WriteFileAtomic("/nonexistent-dir-xyz/a.txt", "x");
  EXPECT_TRUE(absl::IsUnavailable(st)) << st;
  EXPECT_TRUE(absl::IsUnavailable(MakeDirs("/proc/version/sub")));
}

// The names in `dir`, sorted.
std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A new empty directory under the test's temporary directory ("" if it cannot be made).
std::string EmptyDir(const std::string& name) {
  const std::string dir = testing::TempDir() + "/" + name;
  std::filesystem::remove_all(dir);
  return MakeDirs(dir).ok() ? dir : "";
}

TEST(AtomicFileSet, FilesAppearTogetherOnCommit) {
  const std::string dir = EmptyDir("io_set_test");
  ASSERT_FALSE(dir.empty());
  ASSERT_TRUE(WriteFileAtomic(dir + "/b.csv", "old b").ok());
  AtomicFileSet set(dir);
  ASSERT_TRUE(set.Write("a.csv", "new a").ok());
  ASSERT_TRUE(set.Write("b.csv", std::string(3 << 20, 'b')).ok());
  // Before Commit: only temporary files besides the old b.csv, which is untouched.
  EXPECT_EQ(*ReadFile(dir + "/b.csv"), "old b");
  auto before = Names(dir);
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(before[0].rfind(".a.csv.tmp.", 0), 0u) << before[0];
  EXPECT_EQ(before[1].rfind(".b.csv.tmp.", 0), 0u) << before[1];
  EXPECT_EQ(before[2], "b.csv");
  ASSERT_TRUE(set.Commit().ok());
  EXPECT_EQ(Names(dir), (std::vector<std::string>{"a.csv", "b.csv"}));
  EXPECT_EQ(*ReadFile(dir + "/a.csv"), "new a");
  EXPECT_EQ(ReadFile(dir + "/b.csv")->size(), size_t{3} << 20);
}

TEST(AtomicFileSet, WithoutCommitLeavesNothing) {
  const std::string dir = EmptyDir("io_set_abandon");
  ASSERT_FALSE(dir.empty());
  {
    AtomicFileSet set(dir);
    ASSERT_TRUE(set.Write("a.csv", "x").ok());
  }
  EXPECT_TRUE(Names(dir).empty());
}

TEST(AtomicFileSet, FailureNamesThePathAndRemovesEarlierFiles) {
  const std::string dir = EmptyDir("io_set_fail");
  ASSERT_FALSE(dir.empty());
  AtomicFileSet set(dir);
  ASSERT_TRUE(set.Write("a.csv", "x").ok());
  auto st = set.Write("no/such/b.csv", "y");
  EXPECT_TRUE(absl::IsUnavailable(st)) << st;
  EXPECT_NE(st.message().find(dir + "/no/such/b.csv"), std::string::npos) << st;
  EXPECT_TRUE(Names(dir).empty());
}

TEST(UniqueTempName, HiddenInSameDirectoryAndUnique) {
  std::string a = UniqueTempName("/some/dir/out.csv"), b = UniqueTempName("/some/dir/out.csv");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("/some/dir/.out.csv.tmp.", 0), 0u) << a;
  char host[256] = "";
  ::gethostname(host, sizeof(host) - 1);
  std::string h(host);
  for (char& c : h) if (c == '.' || c == '/') c = '_';
  EXPECT_NE(a.find("." + h + "." + std::to_string(::getpid()) + "."), std::string::npos) << a;
}

TEST(ReadFile, MissingFileNamesPath) {
  auto r = ReadFile("/no/such/file.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/no/such/file.yaml"), std::string::npos);
}

}  // namespace
}  // namespace fleetsim
