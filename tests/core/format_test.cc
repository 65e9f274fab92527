#include "sim/core/format.h"

#include <cmath>

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

TEST(FormatDouble, RoundTripsAndIntegers) {
  EXPECT_EQ(FormatDouble(3), "3");
  EXPECT_EQ(FormatDouble(-0.0), "0");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(FormatDouble(std::nan("")), "nan");
  EXPECT_EQ(std::stod(FormatDouble(92.576539733629498)), 92.576539733629498);
}

TEST(CsvWriter, QuotesWhenNeeded) {
  CsvWriter w({"a", "b_s"});
  w.Add("x,y").Add(1.5);
  w.EndRow();
  EXPECT_EQ(w.str(), "a,b_s\n\"x,y\",1.5\n");
  EXPECT_EQ(w.rows(), 1u);
}

TEST(JsonWriter, NestedOrdered) {
  JsonWriter j;
  j.BeginObject().Key("b").Value(int64_t{1}).Key("a").BeginArray().Value("x").Value(2.5).EndArray();
  j.Key("e").BeginObject().EndObject().EndObject();
  EXPECT_EQ(j.str(), "{\n  \"b\": 1,\n  \"a\": [\n    \"x\",\n    2.5\n  ],\n  \"e\": {}\n}\n");
}

}  // namespace
}  // namespace fleetsim
