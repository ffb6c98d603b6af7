#include "irrev/vision/landmark_model.hpp"

#include <algorithm>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "detail/onnx_net.hpp"
#include "irrev/core/error.hpp"

namespace irrev::vision {

struct LandmarkModel::Impl {
  mutable cv::dnn::Net net;
  LandmarkConfig config;
};

LandmarkModel::LandmarkModel(const std::string& model_path, const LandmarkConfig& config)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->config = config;
  m_impl->net = detail::load_onnx_net(model_path, "landmark model");
}

LandmarkModel::~LandmarkModel() = default;

Landmarks68 LandmarkModel::predict(const cv::Mat& bgr, const Detection& face) const {
  // The face box, moved (not shrunk) to lie inside the image, as the model was trained on.
  int x1 = static_cast<int>(face.x1), y1 = static_cast<int>(face.y1);
  int w = std::abs(static_cast<int>(face.x2) - x1), h = std::abs(static_cast<int>(face.y2) - y1);
  w = std::clamp(w, 1, bgr.cols - 1);
  h = std::clamp(h, 1, bgr.rows - 1);
  x1 = std::clamp(x1, 0, bgr.cols - 1 - w);
  y1 = std::clamp(y1, 0, bgr.rows - 1 - h);
  cv::Rect rect(x1, y1, w, h);
  cv::Mat grey, small;
  cv::resize(bgr(rect), small, cv::Size(m_impl->config.size, m_impl->config.size));
  cv::cvtColor(small, grey, cv::COLOR_BGR2GRAY);
  cv::Mat blob = cv::dnn::blobFromImage(grey, m_impl->config.scale);
  m_impl->net.setInput(blob);
  cv::Mat out = m_impl->net.forward();
  IRREV_ASSERT(out.total() == 136, "landmark model gave {} values, expected 136", out.total());
  const float* v = out.ptr<float>();
  Landmarks68 p;
  for (int i = 0; i < 68; ++i) {
    p[2 * i] = v[2 * i] * static_cast<float>(w) + static_cast<float>(x1);
    p[2 * i + 1] = v[2 * i + 1] * static_cast<float>(h) + static_cast<float>(y1);
  }
  return p;
}

Landmarks5 five_points(const Landmarks68& p) {
  auto mean_of = [&](std::initializer_list<int> idx, int axis) {
    float s = 0;
    for (int i : idx) s += p[static_cast<std::size_t>(2 * i + axis)];
    return s / static_cast<float>(idx.size());
  };
  Landmarks5 f;
  for (int axis = 0; axis < 2; ++axis) {
    f[0 + axis] = mean_of({37, 38, 40, 41}, axis);
    f[2 + axis] = mean_of({43, 44, 46, 47}, axis);
    f[4 + axis] = mean_of({30}, axis);
    f[6 + axis] = mean_of({48, 60}, axis);
    f[8 + axis] = mean_of({54, 64}, axis);
  }
  return f;
}

}  // namespace irrev::vision
