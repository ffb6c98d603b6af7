#pragma once
/// 68-point facial landmarks (fr_landmark.onnx) through OpenCV DNN, and the reduction of
/// the 68 points to the 5 that face alignment uses.
#include <array>
#include <memory>
#include <string>

#include "irrev/vision/face_detector.hpp"

namespace irrev::vision {

struct LandmarkConfig {
  std::string file = "fr_landmark.onnx";
  int size = 64;               ///< square grey input
  double scale = 1.0 / 256.0;  ///< grey value multiplier

  /// The settings a job sets by name ([ingest.landmarks]), each once: key, field, help.
  template <class Visit>
  void each_option(Visit&& visit) {
    visit("file", file, "The landmark model's ONNX file, relative to the models folder or absolute");
    visit("size", size, "Side of its square grey input");
    visit("scale", scale, "Grey value multiplier");
  }
  void validate(const std::string& where) const {
    IRREV_CHECK(size > 0, "{}: the landmark model's input size must be positive, not {}", where, size);
  }
};

/// (x, y) of point i at [2 * i], [2 * i + 1], in pixels of the image.
using Landmarks68 = std::array<float, 136>;
using Landmarks5 = std::array<float, 10>;

class LandmarkModel {
 public:
  LandmarkModel(const std::string& model_path, const LandmarkConfig& config);
  ~LandmarkModel();
  Landmarks68 predict(const cv::Mat& bgr, const Detection& face) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Eye centres (means of the eyelid points 37,38,40,41 and 43,44,46,47), nose tip 30 and the
/// mouth corners (means of 48,60 and 54,64), in the iBUG 68-point numbering from 0.
Landmarks5 five_points(const Landmarks68& p);

}  // namespace irrev::vision
