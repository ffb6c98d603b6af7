#pragma once
/// Face detection with an SSD-style ONNX detector (fr_detect.onnx) through OpenCV DNN.
/// The model's file, input size and normalisation are configuration, not constants.
#include <memory>
#include <string>
#include <vector>

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
