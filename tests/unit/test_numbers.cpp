#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "irrev/core/error.hpp"
#include "irrev/core/numbers.hpp"

using namespace irrev;

namespace {
template <class T>
std::string refusal(const std::string& text) {
  try {
    parse_number<T>(text, "--x");
  } catch (const InputError& e) {
    return e.what();
  }
  return "accepted";
}
}  // namespace

// The command line's numbers: whole tokens within the type, never wrapped, never NaN.
TEST(Numbers, ParseRefusesWrapsSignsAndNonNumbers) {
  EXPECT_EQ(parse_number<std::uint64_t>("18446744073709551615", "--seed"), 18446744073709551615ull);
  EXPECT_EQ(parse_number<std::int64_t>("-5", "--x"), -5);
  EXPECT_EQ(parse_number<double>("0.25", "--x"), 0.25);
  EXPECT_EQ(parse_number<double>("1e-3", "--x"), 1e-3);
  EXPECT_NE(refusal<std::uint64_t>("-1").find("--x: '-1' is not a whole number from 0 to 18446744073709551615"),
            std::string::npos);
  EXPECT_NE(refusal<std::uint64_t>("18446744073709551616").find("is not a whole number"), std::string::npos);
  EXPECT_NE(refusal<int>("2147483648").find("from -2147483648 to 2147483647"), std::string::npos);
  EXPECT_NE(refusal<int>("12abc").find("'12abc'"), std::string::npos);
  EXPECT_NE(refusal<int>("").find("is not"), std::string::npos);
  EXPECT_NE(refusal<int>("1.5").find("'1.5' is not a whole number"), std::string::npos);
  EXPECT_NE(refusal<double>("nan").find("'nan' is not a finite number"), std::string::npos);
  EXPECT_NE(refusal<double>("inf").find("is not a finite number"), std::string::npos);
  EXPECT_NE(refusal<float>("1e39").find("is not a finite number"), std::string::npos);
}

// The job file's integers (TOML gives int64) go through the same range.
TEST(Numbers, NarrowingNamesTheRange) {
  EXPECT_EQ(narrow_integer<std::uint8_t>(255, "k"), 255);
  try {
    narrow_integer<int>(4294967328LL, "job.toml:3: key 'attack.batch'");
    FAIL() << "wrapped";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'attack.batch': 4294967328 is out of range: it takes a whole number "
                                         "from -2147483648 to 2147483647"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(narrow_integer<std::uint64_t>(-1, "k"), InputError);
  EXPECT_THROW(narrow_floating<float>(1e300, "k"), InputError);
}
