// The processor's flags and the automatic precision they decide.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "irrev/attack/forward_settings.hpp"
#include "irrev/core/cpu_features.hpp"

using namespace irrev;
namespace fs = std::filesystem;

TEST(CpuFeatures, ReadsTheFirstProcessorsFlags) {
  // /proc/cpuinfo's layout: key, tabs, colon, value; one block per processor.
  const auto path = fs::temp_directory_path() / ("irrev_cpuinfo_" + std::to_string(::getpid()));
  std::ofstream(path) << "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx512f avx512_bf16\n\n"
                         "processor\t: 1\nflags\t\t: fpu\n";
  const auto flags = cpu_flags(path.string());
  EXPECT_EQ(flags, (std::set<std::string>{"fpu", "sse2", "avx512f", "avx512_bf16"}));
  EXPECT_TRUE(has_bf16_units(flags));
  EXPECT_EQ(describe_cpu(path.string()), "AMD EPYC: avx512f avx512_bf16, bf16 units");
  fs::remove(path);
  EXPECT_TRUE(cpu_flags((fs::temp_directory_path() / "irrev_no_such_cpuinfo").string()).empty());
}

TEST(CpuFeatures, ThisMachinesFlags) {
#if defined(__x86_64__) && defined(__linux__)
  EXPECT_EQ(cpu_flags().count("sse2"), 1u) << "every x86-64 processor lists sse2 in /proc/cpuinfo";
#else
  GTEST_SKIP() << "the flags' names are x86 Linux's";
#endif
}

TEST(CpuFeatures, Bf16UnitsAreAvx512Bf16OrAmx) {
  EXPECT_TRUE(has_bf16_units({"avx512f", "amx_bf16"}));
  EXPECT_FALSE(has_bf16_units({"avx512f", "avx512_vnni", "amx_tile"}));
}

TEST(CpuFeatures, AutomaticPrecisionFollowsTheDevice) {
  using attack::Precision;
  EXPECT_EQ(attack::fastest_guarded_precision(true, false), Precision::bf16);
  EXPECT_EQ(attack::fastest_guarded_precision(false, true), Precision::bf16_checked);
  EXPECT_EQ(attack::fastest_guarded_precision(false, false), Precision::fp32);
}
