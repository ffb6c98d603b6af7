#include "irrev/vision/face_cropper.hpp"

#include <boost/serialization/array.hpp>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "irrev/core/error.hpp"

namespace irrev::vision {

std::string resolve_model(const std::string& models_dir, const std::string& file) {
  std::filesystem::path p(file);
  if (p.is_relative()) p = std::filesystem::path(models_dir) / p;
  IRREV_CHECK(std::filesystem::is_regular_file(p),
              "model file '{}' is missing (run scripts/setup.sh, or pass --models DIR)", p.string());
  return p.string();
}

FaceCropper::FaceCropper(const std::string& models_dir, const CropperConfig& config)
    : m_detector(resolve_model(models_dir, config.detector.file), config.detector),
      m_landmarks(resolve_model(models_dir, config.landmarks.file), config.landmarks) {}

std::string read_image(const std::string& path, cv::Mat& bgr) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open file";
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) return "empty file";
  // libjpeg decodes a cut-off JPEG into a half-grey picture with only a warning; a JPEG must
  // end with its EOI marker (0xFFD9), allowing for a little trailing padding.
  bool jpeg = bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;
  if (jpeg) {
    bool eoi = false;
    std::size_t from = bytes.size() > 64 ? bytes.size() - 64 : 0;
    for (std::size_t i = bytes.size() - 1; i > from && !eoi; --i) eoi = bytes[i - 1] == 0xFF && bytes[i] == 0xD9;
    if (!eoi) return "truncated JPEG (no end-of-image marker)";
  }
  try {
    bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return std::string("cannot decode image: ") + e.what();
  }
  if (bgr.empty()) return "not a readable image";
  return {};
}

CropResult FaceCropper::process_file(const std::string& path) const {
  cv::Mat bgr;
  std::string why = read_image(path, bgr);
  if (!why.empty()) {
    CropResult r;
    r.reason = why;
    return r;
  }
  return process_image(bgr);
}

CropResult FaceCropper::process_image(const cv::Mat& bgr) const {
  CropResult r;
  auto faces = m_detector.detect(bgr);
  const Detection* face = FaceDetector::nearest_centre(faces, bgr.cols, bgr.rows);
  if (!face) {
    r.reason = "no face found";
    return r;
  }
  r.points = five_points(m_landmarks.predict(bgr, *face));
  auto transform = similarity_to_template(r.points);
  if (transform.empty()) {
    r.reason = "landmarks too degenerate to align";
    return r;
  }
  r.crop = warp_crop(bgr, transform);
  r.box = {face->x1, face->y1, face->x2, face->y2};
  r.score = face->score;
  r.ok = true;
  return r;
}

}  // namespace irrev::vision
