#include "irrev/vision/aligner.hpp"

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "irrev/core/error.hpp"

namespace irrev::vision {

std::vector<double> similarity_to_template(const Landmarks5& points) {
  std::vector<cv::Point2f> src, dst;
  for (int i = 0; i < 5; ++i) {
    src.emplace_back(points[2 * i], points[2 * i + 1]);
    dst.emplace_back(kArcFaceTemplate112[2 * i], kArcFaceTemplate112[2 * i + 1]);
  }
  cv::Mat inliers;
  cv::Mat m = cv::estimateAffinePartial2D(src, dst, inliers, cv::LMEDS);
  if (m.empty()) return {};
  std::vector<double> out(6);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) out[static_cast<std::size_t>(3 * r + c)] = m.at<double>(r, c);
  return out;
}

std::vector<std::uint8_t> warp_crop(const cv::Mat& bgr, const std::vector<double>& transform) {
  IRREV_ASSERT(transform.size() == 6, "a similarity transform has 6 values");
  cv::Mat m(2, 3, CV_64F, const_cast<double*>(transform.data()));
  std::vector<std::uint8_t> out(kCropSize * kCropSize * 3);
  cv::Mat crop(kCropSize, kCropSize, CV_8UC3, out.data());
  cv::warpAffine(bgr, crop, m, crop.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  IRREV_ASSERT(crop.data == out.data(), "warpAffine reallocated the crop");
  return out;
}

}  // namespace irrev::vision
