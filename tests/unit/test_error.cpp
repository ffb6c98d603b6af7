#include <gtest/gtest.h>

#include "irrev/core/error.hpp"
#include "irrev/core/progress.hpp"

using namespace irrev;

TEST(Error, CheckThrowsInputErrorWithMessageAndLocation) {
  try {
    int blocks = 7;
    IRREV_CHECK(blocks % 2 == 0, "block count {} is odd", blocks);
    FAIL() << "no throw";
  } catch (const InputError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("block count 7 is odd"), std::string::npos) << what;
    EXPECT_NE(what.find("tests/unit/test_error.cpp:"), std::string::npos) << what;
  }
}

TEST(Error, CheckPassesWhenTrue) { EXPECT_NO_THROW(IRREV_CHECK(1 + 1 == 2, "never")); }

TEST(Error, AssertThrowsInternalErrorNamingTheCondition) {
  try {
    IRREV_ASSERT(2 < 1, "ordering broke for {}", "x");
    FAIL() << "no throw";
  } catch (const InternalError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("2 < 1"), std::string::npos) << what;
    EXPECT_NE(what.find("ordering broke for x"), std::string::npos) << what;
  }
}

TEST(Error, MessagesNameTheRankWhenSet) {
  set_error_rank(3);
  try {
    IRREV_FAIL("bad");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("[rank 3]"), std::string::npos) << e.what();
  }
  set_error_rank(-1);
  try {
    IRREV_FAIL("bad");
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).find("[rank"), std::string::npos) << e.what();
  }
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(Progress::format_duration(4.4), "4s");
  EXPECT_EQ(Progress::format_duration(65), "1m05s");
  EXPECT_EQ(Progress::format_duration(3 * 3600 + 7 * 60 + 2), "3h07m");
  EXPECT_EQ(Progress::format_duration(-1), "?");
}
