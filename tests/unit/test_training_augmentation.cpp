// The inverter's shifted training crops: each crop is its own input translated by a keyed
// offset within the bound, edges repeated; the offsets depend on the seed and the crop's row
// only (not on which crops are shifted together).
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "pipeline/inverter_training_data.hpp"

using irrev::pipeline::detail::shift_crops;

namespace {
/// Crops whose every pixel value says where it is (distinct per crop, row, column and channel).
torch::Tensor numbered_crops(int n, int h, int w) {
  auto v = torch::arange(static_cast<std::int64_t>(n) * h * w * 3, torch::kInt64).remainder(251);
  return v.to(torch::kUInt8).reshape({n, h, w, 3});
}

/// The (dy, dx) in [-max, max]^2 for which `out` is `in` translated with edges repeated, or
/// (99, 99) when there is none.
std::pair<int, int> offset_of(const torch::Tensor& in, const torch::Tensor& out, int max) {
  const auto h = in.size(0), w = in.size(1);
  for (int dy = -max; dy <= max; ++dy)
    for (int dx = -max; dx <= max; ++dx) {
      auto ys = torch::arange(h, torch::kInt64).sub(dy).clamp(0, h - 1);
      auto xs = torch::arange(w, torch::kInt64).sub(dx).clamp(0, w - 1);
      if (torch::equal(in.index_select(0, ys).index_select(1, xs), out)) return {dy, dx};
    }
  return {99, 99};
}
}  // namespace

TEST(TrainingAugmentation, EachShiftedCropIsItsCropMovedWithinTheBound) {
  const int n = 40, max = 4;
  auto crops = numbered_crops(n, 20, 24);
  std::vector<std::int64_t> rows;
  for (int i = 0; i < n; ++i) rows.push_back(1000 + 7 * i);
  auto moved = shift_crops(crops, rows, max, 2021);
  ASSERT_EQ(moved.sizes(), crops.sizes());
  std::set<std::pair<int, int>> offsets;
  for (int i = 0; i < n; ++i) {
    auto o = offset_of(crops[i], moved[i], max);
    ASSERT_NE(o.first, 99) << "crop " << i << " is not a translation within " << max << " px";
    offsets.insert(o);
  }
  // 40 draws from 81 offsets: many distinct ones, and not all crops left in place.
  EXPECT_GE(offsets.size(), 15u);
}

TEST(TrainingAugmentation, OffsetsAreKeyedBySeedAndRowOnly) {
  auto crops = numbered_crops(6, 16, 16);
  const std::vector<std::int64_t> rows{5, 9, 13, 17, 21, 25};
  auto all = shift_crops(crops, rows, 3, 7);
  // The same crop under the same row, shifted alone, moves the same way.
  auto alone = shift_crops(crops.narrow(0, 4, 1), {21}, 3, 7);
  EXPECT_TRUE(torch::equal(alone[0], all[4]));
  // Another seed moves at least one of them differently.
  EXPECT_FALSE(torch::equal(shift_crops(crops, rows, 3, 8), all));
}
