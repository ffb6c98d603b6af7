#pragma once
/// One image file in, one aligned 112x112 crop out (or the reason there is none): read and
/// validate the file, detect, take the face nearest the centre, 68 landmarks -> 5 points,
/// similarity transform onto the ArcFace template.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "irrev/vision/aligner.hpp"
#include "irrev/vision/face_detector.hpp"
#include "irrev/vision/landmark_model.hpp"

namespace irrev::vision {

struct CropperConfig {
  DetectorConfig detector;
  LandmarkConfig landmarks;
};

struct CropResult {
  bool ok = false;
  std::string reason;              ///< why there is no crop, when !ok
  std::vector<std::uint8_t> crop;  ///< 112*112*3 BGR bytes, row-major HWC
  Landmarks5 points{};             ///< the 5 points in the original image
  std::array<float, 4> box{};      ///< x1, y1, x2, y2 of the chosen face
  float score = 0;                 ///< its detection score

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& ok& reason& crop& points& box& score;
  }
};

class FaceCropper {
 public:
  /// Loads both models from `models_dir` (file names from the config; absolute names allowed).
  FaceCropper(const std::string& models_dir, const CropperConfig& config);
  CropResult process_file(const std::string& path) const;
  CropResult process_image(const cv::Mat& bgr) const;

 private:
  FaceDetector m_detector;
  LandmarkModel m_landmarks;
};

/// Resolve a model file name against a models folder, checking that it exists.
std::string resolve_model(const std::string& models_dir, const std::string& file);

/// Read an image file fully and decode it; on failure return the reason (empty file,
/// truncated JPEG, not an image) and leave `bgr` empty.
std::string read_image(const std::string& path, cv::Mat& bgr);

}  // namespace irrev::vision
