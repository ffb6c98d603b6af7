#include <gtest/gtest.h>

#include <boost/serialization/array.hpp>

#include "irrev/data/reject.hpp"
#include "irrev/dist/serialize.hpp"
#include "irrev/vision/face_cropper.hpp"

using namespace irrev;

TEST(Serialize, CropResultRoundTrips) {
  vision::CropResult r;
  r.ok = true;
  r.crop = {1, 2, 3, 255};
  r.points = {1.5f, 2.5f, 3, 4, 5, 6, 7, 8, 9, 10.25f};
  r.box = {0, 1, 2, 3};
  r.score = 0.875f;
  auto back = dist::from_bytes<vision::CropResult>(dist::to_bytes(r));
  EXPECT_TRUE(back.ok);
  EXPECT_EQ(back.crop, r.crop);
  EXPECT_EQ(back.points, r.points);
  EXPECT_EQ(back.box, r.box);
  EXPECT_EQ(back.score, r.score);
}

TEST(Serialize, VectorOfRejectsRoundTrips) {
  std::vector<Reject> v{{"a.jpg", "empty file"}, {"pairs.txt:3", "pair names 'X'"}};
  EXPECT_EQ(dist::from_bytes<std::vector<Reject>>(dist::to_bytes(v)), v);
}
