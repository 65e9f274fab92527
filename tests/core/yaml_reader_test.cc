#include "sim/core/yaml_reader.h"

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

YamlMap Root(const std::string& text) {
  auto n = ParseYaml(text, "t.yaml");
  EXPECT_TRUE(n.ok());
  auto m = YamlMap::Make(*n, "t.yaml", "");
  EXPECT_TRUE(m.ok());
  return *m;
}

TEST(YamlReader, MalformedYamlNamesLine) {
  auto n = ParseYaml("a: [1, 2\nb: 3\n", "bad.yaml");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().message().rfind("bad.yaml:", 0), 0u) << n.status().message();
  EXPECT_NE(n.status().message().find("malformed YAML"), std::string::npos);
}

TEST(YamlReader, UnknownKeyReported) {
  auto m = Root("a: 1\nbogus: 2\n");
  ASSERT_TRUE(m.Int("a", 0, 10).ok());
  auto st = m.Finish();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "t.yaml:2:1: bogus: unknown key");
}

TEST(YamlReader, RangeAndTypeErrors) {
  auto m = Root("neg: -3\nword: abc\nnested:\n  x: 1.5\n");
  auto a = m.Int("neg", 0, 10);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message(), "t.yaml:1:6: neg: must be >= 0, got -3");
  auto b = m.Double("word", 0, 1);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "t.yaml:2:7: word: must be a number, got 'abc'");
  auto nested = m.Map("nested");
  ASSERT_TRUE(nested.ok());
  auto x = nested->Int("x", 0, 10);
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().message(), "t.yaml:4:6: nested.x: must be an integer, got '1.5'");
}

TEST(YamlReader, MissingRequiredAndDefaults) {
  auto m = Root("a: 1\n");
  auto s = m.String("name");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("name: missing required field"), std::string::npos);
  EXPECT_EQ(*m.Double("rate", 0, 10, 2.5), 2.5);
  EXPECT_EQ(*m.Bool("flag", true), true);
}

TEST(YamlReader, DuplicateKeyIsError) {
  auto n = ParseYaml("a: 1\na: 2\n", "d.yaml");
  ASSERT_TRUE(n.ok());
  auto m = YamlMap::Make(*n, "d.yaml", "");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), "d.yaml:2:1: a: duplicate key");
}

TEST(YamlReader, EnumListsChoices) {
  auto m = Root("policy: lifo\n");
  auto e = m.Enum("policy", {"fcfs", "easy"}, "");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(),
            "t.yaml:1:9: policy: unknown value 'lifo' (expected one of: fcfs, easy)");
}

}  // namespace
}  // namespace fleetsim
