#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "irrev/core/error.hpp"
#include "irrev/core/output_lock.hpp"

using namespace irrev;
namespace fs = std::filesystem;

namespace {
fs::path scratch() {
  auto d = fs::temp_directory_path() / ("irrev_lock_test_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

/// Whether another lock on `output` is refused as held.
bool held(const std::string& output) {
  try {
    OutputLock probe(output);
    return false;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("in use by another irrev run (process"), std::string::npos) << e.what();
    return true;
  }
}
}  // namespace

TEST(OutputLock, HeldUntilDestroyedAndNamesTheHolder) {
  const auto out = (scratch() / "a.h5").string();
  {
    OutputLock lock(out);
    EXPECT_TRUE(held(out));
    EXPECT_TRUE(fs::exists(out + ".lock"));
  }
  EXPECT_FALSE(held(out));
  EXPECT_FALSE(fs::exists(out + ".lock"));
}

// Move assignment lets go of the lock held before and takes over the other's: the first output
// is free again, the second stays held by the assigned object until it goes.
TEST(OutputLock, MoveAssignmentReleasesTheOldLockAndKeepsTheNew) {
  const auto a = (scratch() / "first.h5").string(), b = (scratch() / "second.h5").string();
  {
    OutputLock x(a);
    OutputLock y(b);
    x = std::move(y);
    EXPECT_FALSE(held(a));
    EXPECT_TRUE(held(b));
    EXPECT_EQ(x.path(), b + ".lock");
    OutputLock empty;
    x = std::move(empty);  // assigning "no lock" lets go of b
    EXPECT_FALSE(held(b));
    x = OutputLock(a);
    EXPECT_TRUE(held(a));
  }
  EXPECT_FALSE(held(a));
  EXPECT_FALSE(held(b));
}
