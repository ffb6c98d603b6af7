// The histograms' bin rule as the attack runs it (on tensors, on whichever device).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "attack/score_bins.hpp"

using irrev::attack::kScoreBins;
using irrev::attack::score_bins;

TEST(ScoreBins, HundredthsOverMinusOneToOneWithEdgesAndNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  auto s = torch::tensor(
      std::vector<double>{-1.0, -0.205, 0.312, 0.315, 0.3199999, 0.325, 0.999, 1.0, 1.5, -1.5, NAN, inf, -inf});
  auto b = score_bins(s);
  ASSERT_EQ(b.scalar_type(), torch::kInt64);
  const std::vector<std::int64_t> want{
      0, 79, 131, 131, 131, 132, kScoreBins - 1, kScoreBins - 1, kScoreBins - 1, 0, 0, kScoreBins - 1, 0};
  ASSERT_EQ(b.numel(), static_cast<std::int64_t>(want.size()));
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(b[static_cast<std::int64_t>(i)].item<std::int64_t>(), want[i])
        << "score " << s[static_cast<std::int64_t>(i)].item<double>();
  // A score on a bin's edge lands where its float64 arithmetic puts it: -0.2 + 1 is just
  // under 0.8 in binary, so bin 79. float32 scores are binned by their float64 value.
  EXPECT_EQ(score_bins(torch::tensor(std::vector<double>{-0.2})).item<std::int64_t>(), 79);
  EXPECT_EQ(score_bins(torch::tensor(std::vector<float>{0.3f})).item<std::int64_t>(), 130);
}
