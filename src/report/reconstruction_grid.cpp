#include "reconstruction_grid.hpp"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#ifdef IRREV_WITH_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/json_reading.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/models/inverter.hpp"
#include "irrev/pipeline/attack_summary.hpp"
#include "irrev/protect/pe_miu.hpp"

namespace irrev::report::detail {
namespace fs = std::filesystem;
using nlohmann::json;

#ifdef IRREV_WITH_OPENCV
fs::path reconstruction_grid(const fs::path& attack, const fs::path& work, const std::string& ext,
                             const fs::path& dir) {
  h5::File a(attack.string(), h5::File::Mode::read);
  auto rows = a.read<std::int64_t>("selection/row");
  std::string plan;
  int blocks = 0;
  const auto summary = data::json_attribute_as<pipeline::AttackSummary>(a, "summary_json");
  for (const auto& r : summary.rsr)
    if (r.row.blocks > blocks) {
      blocks = r.row.blocks;
      plan = r.plan;
    }
  auto ks = a.read<std::int32_t>("plans/" + plan + "/complexity");
  auto perms = a.read<std::uint8_t>("plans/" + plan + "/permutation");
  std::map<int, protect::Permutation> by_k;
  for (std::size_t e = 0; e < ks.size(); ++e)
    if (!by_k.count(ks[e]))
      by_k[ks[e]] = protect::Permutation(perms.begin() + static_cast<long>(e * static_cast<std::size_t>(blocks)),
                                         perms.begin() + static_cast<long>((e + 1) * static_cast<std::size_t>(blocks)));
  auto set = data::read_template_set((work / ("templates_" + ext + ".h5")).string());
  auto inv = models::Inverter::load((work / ("inverter_" + ext) / "inverter.pt").string(), Device::cpu());
  h5::File crops((work / "crops.h5").string(), h5::File::Mode::read);
  const auto cd = crops.dims("crops");
  const int side = static_cast<int>(cd[1]), dim = set.dim, s = inv->output_size();
  std::vector<cv::Mat> lines;
  cv::Mat header(24, side * static_cast<int>(by_k.size() + 1), CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(header, "original", {4, 17}, cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0}, 1);
  int col = 1;
  for (const auto& [k, p] : by_k)
    cv::putText(header, fmt::format("P = {}", k), {col++ * side + 4, 17}, cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0}, 1);
  lines.push_back(header);
  for (std::size_t i = 0; i < std::min<std::size_t>(4, rows.size()); ++i) {
    std::vector<cv::Mat> cells;
    cv::Mat original(side, side, CV_8UC3);
    crops.read_rows("crops", h5::Type::u8, static_cast<std::uint64_t>(rows[i]), 1, original.data);
    cells.push_back(original);
    for (const auto& [k, p] : by_k) {
      std::vector<float> z(static_cast<std::size_t>(dim));
      protect::apply_blocks(set.row(rows[i]), dim, dim / blocks, p, z.data());
      auto img = inv->invert(z.data(), 1);  // 3 x s x s RGB in [0, 1]
      cv::Mat m(s, s, CV_8UC3);
      for (int y = 0; y < s; ++y)
        for (int x = 0; x < s; ++x)
          for (int c = 0; c < 3; ++c)
            m.at<cv::Vec3b>(y, x)[2 - c] =
                cv::saturate_cast<std::uint8_t>(255.f * img[static_cast<std::size_t>((c * s + y) * s + x)]);
      cv::Mat big;
      cv::resize(m, big, {side, side}, 0, 0, cv::INTER_LINEAR);
      cells.push_back(big);
    }
    cv::Mat line;
    cv::hconcat(cells, line);
    lines.push_back(line);
  }
  cv::Mat grid;
  cv::vconcat(lines, grid);
  fs::path png = dir / fmt::format("reconstructions_{}.png", ext);
  IRREV_CHECK(cv::imwrite(png.string(), grid), "cannot write '{}'", png.string());
  return png;
}
#else
fs::path reconstruction_grid(const fs::path&, const fs::path&, const std::string& ext, const fs::path&) {
  spdlog::warn("report: this build has no OpenCV, so no reconstructions_{}.png", ext);
  return {};
}
#endif

}  // namespace irrev::report::detail
