#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/core.hpp>

#include "irrev/vision/aligner.hpp"
#include "irrev/vision/landmark_model.hpp"

using namespace irrev::vision;

TEST(FivePoints, AveragesTheNamedLandmarks) {
  Landmarks68 p{};
  for (int i = 0; i < 68; ++i) {
    p[2 * i] = static_cast<float>(i);            // x = index
    p[2 * i + 1] = static_cast<float>(100 + i);  // y = 100 + index
  }
  auto f = five_points(p);
  EXPECT_FLOAT_EQ(f[0], (37 + 38 + 40 + 41) / 4.0f);
  EXPECT_FLOAT_EQ(f[1], 100 + (37 + 38 + 40 + 41) / 4.0f);
  EXPECT_FLOAT_EQ(f[2], (43 + 44 + 46 + 47) / 4.0f);
  EXPECT_FLOAT_EQ(f[4], 30.0f);
  EXPECT_FLOAT_EQ(f[6], (48 + 60) / 2.0f);
  EXPECT_FLOAT_EQ(f[8], (54 + 64) / 2.0f);
  EXPECT_FLOAT_EQ(f[9], 100 + (54 + 64) / 2.0f);
}

TEST(Aligner, TemplatePointsMapToThemselves) {
  Landmarks5 pts;
  std::copy(kArcFaceTemplate112.begin(), kArcFaceTemplate112.end(), pts.begin());
  auto m = similarity_to_template(pts);
  ASSERT_EQ(m.size(), 6u);
  const double identity[6] = {1, 0, 0, 0, 1, 0};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(m[i], identity[i], 1e-6) << i;
}

TEST(Aligner, RecoversAKnownSimilarity) {
  // Points = template scaled by 2, rotated by 10 degrees and shifted: the fit must undo it.
  const double s = 2.0, a = 10.0 * M_PI / 180.0, tx = 40, ty = -7;
  Landmarks5 pts;
  for (int i = 0; i < 5; ++i) {
    double x = kArcFaceTemplate112[2 * i], y = kArcFaceTemplate112[2 * i + 1];
    pts[2 * i] = static_cast<float>(s * (std::cos(a) * x - std::sin(a) * y) + tx);
    pts[2 * i + 1] = static_cast<float>(s * (std::sin(a) * x + std::cos(a) * y) + ty);
  }
  auto m = similarity_to_template(pts);
  ASSERT_EQ(m.size(), 6u);
  for (int i = 0; i < 5; ++i) {
    double x = pts[2 * i], y = pts[2 * i + 1];
    EXPECT_NEAR(m[0] * x + m[1] * y + m[2], kArcFaceTemplate112[2 * i], 1e-3);
    EXPECT_NEAR(m[3] * x + m[4] * y + m[5], kArcFaceTemplate112[2 * i + 1], 1e-3);
  }
  EXPECT_NEAR(std::hypot(m[0], m[3]), 1.0 / s, 1e-5);
}

TEST(Aligner, WarpMovesAPixelWhereTheTransformSays) {
  cv::Mat img(200, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  img.at<cv::Vec3b>(60, 50) = cv::Vec3b(10, 20, 250);  // (x=50, y=60), BGR
  std::vector<double> shift = {1, 0, -20, 0, 1, -30};  // crop(x, y) = img(x + 20, y + 30)
  auto crop = warp_crop(img, shift);
  ASSERT_EQ(crop.size(), 112u * 112u * 3u);
  std::size_t at = (30 * 112 + 30) * 3;  // (x=30, y=30)
  EXPECT_EQ(crop[at], 10);
  EXPECT_EQ(crop[at + 1], 20);
  EXPECT_EQ(crop[at + 2], 250);
  EXPECT_EQ(crop[at + 3], 0);
}
