#include "irrev/vision/face_detector.hpp"

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "detail/onnx_net.hpp"
#include "irrev/core/error.hpp"

namespace irrev::vision {

struct FaceDetector::Impl {
  mutable cv::dnn::Net net;
  DetectorConfig config;
};

FaceDetector::FaceDetector(const std::string& model_path, const DetectorConfig& config)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->config = config;
  m_impl->net = detail::load_onnx_net(model_path, "face detector");
}

FaceDetector::~FaceDetector() = default;

std::vector<Detection> FaceDetector::detect(const cv::Mat& bgr) const {
  const auto& c = m_impl->config;
  cv::Mat blob = cv::dnn::blobFromImage(bgr, c.scale, cv::Size(c.width, c.height), cv::Scalar(c.mean, c.mean, c.mean),
                                        c.swap_rb, false);
  m_impl->net.setInput(blob);
  std::vector<cv::Mat> outs;
  m_impl->net.forward(outs, std::vector<cv::String>{c.boxes_output, c.scores_output});
  const cv::Mat& boxes = outs[0];
  const cv::Mat& scores = outs[1];
  IRREV_ASSERT(boxes.dims == 3 && boxes.size[2] == 4 && scores.size[2] == 2 && boxes.size[1] == scores.size[1],
               "unexpected detector output shapes");
  const int anchors = boxes.size[1];
  const float* b = boxes.ptr<float>();
  const float* s = scores.ptr<float>();
  std::vector<cv::Rect2d> rects;
  std::vector<float> confs;
  std::vector<Detection> candidates;
  for (int i = 0; i < anchors; ++i) {
    float score = s[2 * i + 1];
    if (score < c.score_threshold) continue;
    Detection d{b[4 * i] * bgr.cols, b[4 * i + 1] * bgr.rows, b[4 * i + 2] * bgr.cols, b[4 * i + 3] * bgr.rows, score};
    candidates.push_back(d);
    rects.emplace_back(d.x1, d.y1, d.x2 - d.x1, d.y2 - d.y1);
    confs.push_back(score);
  }
  std::vector<int> keep;
  cv::dnn::NMSBoxes(rects, confs, c.score_threshold, c.nms_threshold, keep);
  std::vector<Detection> out;
  out.reserve(keep.size());
  for (int k : keep) out.push_back(candidates[static_cast<std::size_t>(k)]);
  return out;
}

const Detection* FaceDetector::nearest_centre(const std::vector<Detection>& faces, int width, int height) {
  const Detection* best = nullptr;
  double best_d = 0;
  for (const auto& f : faces) {
    double dx = 0.5 * (f.x1 + f.x2) - 0.5 * width;
    double dy = 0.5 * (f.y1 + f.y2) - 0.5 * height;
    double d = dx * dx + dy * dy;
    if (!best || d < best_d) {
      best = &f;
      best_d = d;
    }
  }
  return best;
}

}  // namespace irrev::vision
