#pragma once
/// Five-point similarity alignment onto the ArcFace 112x112 template.
#include <array>
#include <cstdint>
#include <vector>

#include "irrev/vision/landmark_model.hpp"

namespace irrev::vision {

/// The standard ArcFace template: left eye, right eye, nose tip, left and right mouth corner.
constexpr std::array<float, 10> kArcFaceTemplate112 = {38.2946f, 51.6963f, 73.5318f, 51.5014f, 56.0252f,
                                                       71.7366f, 41.5493f, 92.3655f, 70.7299f, 92.2041f};
constexpr int kCropSize = 112;

/// The 2x3 similarity transform (row-major) that maps `points` onto the template (LMEDS fit).
/// Empty when no transform can be fitted (degenerate points).
std::vector<double> similarity_to_template(const Landmarks5& points);

/// Warp `bgr` by `transform` into a 112x112x3 crop (BGR, uint8, row-major HWC).
std::vector<std::uint8_t> warp_crop(const cv::Mat& bgr, const std::vector<double>& transform);

}  // namespace irrev::vision
