#pragma once
// Private: load an ONNX model into OpenCV DNN, turning OpenCV's exceptions into InputErrors
// that name the model's role and file.
#include <opencv2/dnn.hpp>
#include <string>

#include "irrev/core/error.hpp"

namespace irrev::vision::detail {

inline cv::dnn::Net load_onnx_net(const std::string& path, const char* role) {
  cv::dnn::Net net;
  try {
    net = cv::dnn::readNetFromONNX(path);
  } catch (const cv::Exception& e) {
    IRREV_FAIL("cannot load {} '{}': {}", role, path, e.what());
  }
  IRREV_CHECK(!net.empty(), "{} '{}' is empty", role, path);
  return net;
}

}  // namespace irrev::vision::detail
