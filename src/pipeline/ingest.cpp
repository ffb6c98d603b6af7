#include "irrev/pipeline/ingest.hpp"

#include <boost/serialization/array.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#ifdef IRREV_WITH_OPENCV
#include <opencv2/core.hpp>
#endif
#include <unordered_map>

#include "irrev/core/error.hpp"
#include "irrev/core/output_lock.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/progress.hpp"
#include "irrev/core/sha256.hpp"
#include "irrev/data/dataset_tables.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/lfw_layout.hpp"
#include "irrev/dist/work_queue.hpp"

namespace irrev::pipeline {

std::string IngestSummary::to_json() const {
  nlohmann::json r = nlohmann::json::array();
  for (const auto& x : rejects) r.push_back({{"file", x.file}, {"reason", x.reason}});
  return nlohmann::json{{"images", images}, {"crops", crops}, {"rejects", r}}.dump();
}

#ifdef IRREV_WITH_OPENCV
namespace {
std::string image_folder(const IngestOptions& o) {
  if (o.layout != data::ImageLayout::list || !o.images_dir.empty()) return o.images_dir;
  const auto parent = std::filesystem::path(o.list_file).parent_path();
  return parent.empty() ? "." : parent.string();
}

std::vector<data::ImageRecord> scan_images(const IngestOptions& o, const std::string& dir, data::GenderTable& genders,
                                           std::vector<Reject>& rejects) {
  switch (o.layout) {
    case data::ImageLayout::flat:
      return data::scan_flat_folder(dir, rejects);
    case data::ImageLayout::list:
      IRREV_CHECK(!o.list_file.empty(), "ingest: the list layout needs the list file (--list)");
      return data::read_image_list(o.list_file, dir, genders, rejects);
    case data::ImageLayout::lfw:
      break;
  }
  return data::scan_lfw_folder(dir, rejects);
}
}  // namespace

IngestSummary run_ingest(const dist::Communicator& comm, const IngestOptions& o) {
  OutputLock lock;  // one run per output
  if (comm.is_master()) {
    require_output_file(o.out, "crops output (--out)");
    lock = OutputLock(o.out);
  }
  namespace fs = std::filesystem;
  // Everything a user can get wrong is checked on every rank before any work starts.
  std::vector<Reject> rejects;
  data::GenderTable genders;
  const std::string images_dir = image_folder(o);
  auto images = scan_images(o, images_dir, genders, rejects);
  if (o.limit > 0 && static_cast<std::int64_t>(images.size()) > o.limit) images.resize(static_cast<std::size_t>(o.limit));
  vision::resolve_model(o.models_dir, o.cropper.detector.file);
  vision::resolve_model(o.models_dir, o.cropper.landmarks.file);
  if (!o.pairs_file.empty())
    IRREV_CHECK(fs::is_regular_file(o.pairs_file), "pairs file '{}' does not exist", o.pairs_file);
  if (!o.genders_dir.empty()) {
    IRREV_CHECK(o.layout == data::ImageLayout::lfw, "ingest: --genders lists LFW names; with the {} layout, give genders {}",
                data::to_string(o.layout), o.layout == data::ImageLayout::list ? "in the list's third column" : "through a list");
    genders = data::read_gender_lists(o.genders_dir, rejects);
  }
  IRREV_CHECK(!o.out.empty(), "no output file given for ingest");
  IRREV_CHECK(o.unit_size > 0, "ingest unit size must be positive, got {}", o.unit_size);

  cv::setNumThreads(1);  // one thread per rank; ranks are the parallelism
  const auto n = static_cast<std::int64_t>(images.size());
  const std::int64_t units = (n + o.unit_size - 1) / o.unit_size;
  std::unique_ptr<vision::FaceCropper> cropper;  // built on first use: the master may not need it
  std::vector<vision::CropResult> results(comm.is_master() ? images.size() : 0);
  Progress progress("ingest", n, comm.is_master() && o.progress);
  if (comm.is_master())
    spdlog::info("ingest: {} images from '{}' ({} layout) in {} units", n,
                 o.layout == data::ImageLayout::list ? o.list_file : images_dir, data::to_string(o.layout), units);

  // The master writes each crop once every image before it is done (units come back in any
  // order) and then lets it go: it holds the crops of the units ahead of that point, never all
  // of them (70,000 crops are 2.6 GB).
  std::optional<h5::AtomicOutput> output;
  if (comm.is_master()) {
    output.emplace(o.out);
    output->file().create_growable("crops", h5::Type::u8, {vision::kCropSize, vision::kCropSize, 3}, 64);
  }
  std::vector<char> arrived(comm.is_master() ? static_cast<std::size_t>(units) : 0, 0);
  std::vector<std::string> crop_sha(results.size());
  std::int64_t next_unit = 0;
  auto write_ready_crops = [&] {
    std::vector<std::uint8_t> block;
    std::uint64_t rows = 0;
    for (; next_unit < units && arrived[static_cast<std::size_t>(next_unit)]; ++next_unit)
      for (std::int64_t i = next_unit * o.unit_size; i < std::min(n, (next_unit + 1) * o.unit_size); ++i) {
        auto& r = results[static_cast<std::size_t>(i)];
        if (!r.ok) continue;
        crop_sha[static_cast<std::size_t>(i)] = Sha256().update(r.crop).hex();
        block.insert(block.end(), r.crop.begin(), r.crop.end());
        ++rows;
        std::vector<std::uint8_t>().swap(r.crop);
      }
    output->file().append_rows("crops", h5::Type::u8, rows, block.data());
  };

  dist::run_work_queue<std::vector<vision::CropResult>>(
      comm, units,
      [&](std::int64_t u) {
        if (!cropper) cropper = std::make_unique<vision::FaceCropper>(o.models_dir, o.cropper);
        std::vector<vision::CropResult> out;
        for (std::int64_t i = u * o.unit_size; i < std::min(n, (u + 1) * o.unit_size); ++i)
          out.push_back(cropper->process_file((fs::path(images_dir) / images[static_cast<std::size_t>(i)].path).string()));
        return out;
      },
      [&](std::int64_t u, std::vector<vision::CropResult>&& r) {
        for (std::size_t k = 0; k < r.size(); ++k)
          results[static_cast<std::size_t>(u * o.unit_size) + k] = std::move(r[k]);
        arrived[static_cast<std::size_t>(u)] = 1;
        write_ready_crops();
        progress.advance(static_cast<std::int64_t>(r.size()));
      });
  progress.finish();

  IngestSummary summary;
  if (!comm.is_master()) return summary;
  IRREV_ASSERT(next_unit == units, "ingest: only the first {} of {} units were written", next_unit, units);

  // Rows of crops.h5 are the images with a crop, in image order.
  data::ImageTable table;
  std::unordered_map<std::string, std::int64_t> row_of;
  std::vector<Reject> image_rejects;
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (!results[i].ok) {
      image_rejects.push_back({images[i].path, results[i].reason});
      continue;
    }
    auto g = genders.find(images[i].name);
    row_of[images[i].name] = static_cast<std::int64_t>(table.size());
    table.push_back(images[i], g == genders.end() ? data::kUnknownGender : g->second);
    table.crop_sha256.push_back(std::move(crop_sha[i]));
  }
  rejects.insert(rejects.end(), image_rejects.begin(), image_rejects.end());
  data::PairList pairs;
  if (!o.pairs_file.empty()) pairs = data::read_pairs(o.pairs_file, row_of, rejects);

  const auto m = static_cast<std::uint64_t>(table.size());
  {
    h5::File& f = output->file();
    f.set_attribute("schema", "irrev.crops/1");
    f.set_attribute("images_dir", images_dir);
    f.set_attribute("layout", data::to_string(o.layout));
    std::vector<float> points, boxes, scores;
    for (const auto& r : results) {
      if (!r.ok) continue;
      points.insert(points.end(), r.points.begin(), r.points.end());
      boxes.insert(boxes.end(), r.box.begin(), r.box.end());
      scores.push_back(r.score);
    }
    f.write("landmarks5", points, {m, 5, 2});
    f.write("detection/box", boxes, {m, 4});
    f.write("detection/score", scores);
    data::write_images(f, table);
    if (!o.pairs_file.empty()) data::write_pairs(f, pairs);
    data::write_rejects(f, rejects);
  }
  output->commit();
  summary.images = n;
  summary.crops = static_cast<std::int64_t>(m);
  summary.rejects = std::move(rejects);
  spdlog::info("ingest: {} crops, {} rejects -> '{}'", summary.crops, summary.rejects.size(), o.out);
  return summary;
}
#else
IngestSummary run_ingest(const dist::Communicator&, const IngestOptions& o) {
  IRREV_FAIL("ingest of '{}': this build has no OpenCV (configure with IRREV_WITH_OPENCV=ON); "
             "make crops.h5 on a machine that has it", o.images_dir);
}
#endif

}  // namespace irrev::pipeline
