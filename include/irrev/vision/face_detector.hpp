#pragma once
/// Face detection with an SSD-style ONNX detector (fr_detect.onnx) through OpenCV DNN.
/// The model's file, input size and normalisation are configuration, not constants.
#include <memory>
#include <string>
#include <vector>

#include "irrev/core/error.hpp"

namespace cv {
class Mat;
}

namespace irrev::vision {

struct DetectorConfig {
  std::string file = "fr_detect.onnx";  ///< relative to the models folder, or absolute
  int width = 320;
  int height = 240;
  double mean = 127.0;         ///< subtracted from each channel
  double scale = 1.0 / 128.0;  ///< multiplied after the mean is subtracted
  bool swap_rb = true;         ///< the model takes RGB; images are read as BGR
  float score_threshold = 0.65f;
  float nms_threshold = 0.4f;
  std::string boxes_output = "boxes";    ///< [1, A, 4] corners normalised to 0..1
  std::string scores_output = "scores";  ///< [1, A, 2], face score in column 1

  /// The settings a job sets by name ([ingest.detector]), each once: key, field, help. The
  /// output names are the model's, not a setting.
  template <class Visit>
  void each_option(Visit&& visit) {
    visit("file", file, "The detector's ONNX file, relative to the models folder or absolute");
    visit("width", width, "Input width");
    visit("height", height, "Input height");
    visit("mean", mean, "Subtracted from each channel");
    visit("scale", scale, "Multiplied after the mean is subtracted");
    visit("swap_rb", swap_rb, "The model takes RGB (images are read as BGR)");
    visit("score_threshold", score_threshold, "Least face score kept");
    visit("nms_threshold", nms_threshold, "Overlap above which the weaker of two boxes is dropped");
  }
  /// (In the header: the job reader checks a job file also where irrev is built without OpenCV.)
  void validate(const std::string& where) const {
    IRREV_CHECK(width > 0 && height > 0, "{}: the detector's width and height must be positive, not {} x {}", where,
                width, height);
  }
};

struct Detection {
  float x1, y1, x2, y2;  ///< pixels of the input image
  float score;
};

class FaceDetector {
 public:
  FaceDetector(const std::string& model_path, const DetectorConfig& config);
  ~FaceDetector();
  /// All faces above the score threshold after non-maximum suppression, best first.
  std::vector<Detection> detect(const cv::Mat& bgr) const;
  /// The face whose box centre is nearest the image centre (LFW centres its subject).
  static const Detection* nearest_centre(const std::vector<Detection>& faces, int width, int height);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace irrev::vision
