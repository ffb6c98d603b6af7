#include "irrev/pipeline/ingest.hpp"

#include <algorithm>
#include <boost/serialization/array.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#ifdef IRREV_WITH_OPENCV
#include <opencv2/core.hpp>
#endif
#include <unordered_map>

#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/output_lock.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/core/progress.hpp"
#include "irrev/core/sha256.hpp"
#include "irrev/data/dataset_tables.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/lfw_layout.hpp"
#include "irrev/dist/work_queue.hpp"
#include "stage_queue.hpp"

namespace irrev::pipeline {

void IngestSettings::validate(const std::string& where) const {
  IRREV_CHECK(unit_size > 0, "{}: unit_size (--unit-size) must be positive, got {}", where, unit_size);
}

nlohmann::json IngestSummary::to_json() const {
  nlohmann::json r = nlohmann::json::array();
  for (const auto& x : rejects) r.push_back({{"file", x.file}, {"reason", x.reason}});
  return {{"images", images}, {"crops", crops}, {"rejects", r}};
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

/// What ingest reads before any work; everything a user can get wrong is checked here, on
/// every rank, before any work starts.
struct IngestInputs {
  std::string images_dir;
  std::vector<data::ImageRecord> images;
  data::GenderTable genders;
  std::vector<Reject> rejects;
};

/// An ingest that would find no image fails before any work, saying which layout the folder
/// looks like (a flat folder read as LFW rejects every file as "not in a person folder").
[[noreturn]] void no_images(const IngestOptions& o, const IngestInputs& in) {
  const auto at_top = std::count_if(in.rejects.begin(), in.rejects.end(),
                                    [](const Reject& r) { return r.reason.rfind("not in a person folder", 0) == 0; });
  IRREV_CHECK(!(o.layout == data::ImageLayout::lfw && at_top > 0),
              "ingest: '{}' holds no image in the LFW layout (<Person>/<Person>_NNNN.jpg); {} files lie at its top "
              "level, as in a flat folder: give --layout flat (a job's data.layout = \"flat\"), or --layout list "
              "with a list of subjects",
              in.images_dir, at_top);
  IRREV_FAIL("ingest: '{}' holds no image the {} layout takes ({} entries rejected{})",
             o.layout == data::ImageLayout::list ? o.list_file : in.images_dir, name_of(o.layout), in.rejects.size(),
             in.rejects.empty() ? std::string()
                                : fmt::format("; first: '{}': {}", in.rejects.front().file, in.rejects.front().reason));
}

IngestInputs read_inputs(const IngestOptions& o) {
  namespace fs = std::filesystem;
  IngestInputs in;
  in.images_dir = image_folder(o);
  in.images = scan_images(o, in.images_dir, in.genders, in.rejects);
  if (in.images.empty()) no_images(o, in);
  if (o.limit > 0 && static_cast<std::int64_t>(in.images.size()) > o.limit)
    in.images.resize(static_cast<std::size_t>(o.limit));
  vision::resolve_model(o.models_dir, o.cropper.detector.file);
  vision::resolve_model(o.models_dir, o.cropper.landmarks.file);
  if (!o.pairs_file.empty())
    IRREV_CHECK(fs::is_regular_file(o.pairs_file), "pairs file '{}' does not exist", o.pairs_file);
  if (!o.genders_dir.empty()) {
    IRREV_CHECK(o.layout == data::ImageLayout::lfw,
                "ingest: --genders lists LFW names; with the {} layout, give genders {}", name_of(o.layout),
                o.layout == data::ImageLayout::list ? "in the list's third column" : "through a list");
    in.genders = data::read_gender_lists(o.genders_dir, in.rejects);
  }
  IRREV_CHECK(!o.out.empty(), "no output file given for ingest");
  o.settings.validate("ingest");
  return in;
}

/// The master's side of crops.h5 while units come back in any order: each crop is written once
/// every image before it is done, and then let go, so that the master holds the crops of the
/// units ahead of that point, never all of them (70,000 crops are 2.6 GB).
class OrderedCropWriter {
 public:
  OrderedCropWriter(const std::string& out, std::int64_t images, std::int64_t unit_size)
      : m_output(out),
        m_images(images),
        m_unit_size(unit_size),
        m_arrived((images + unit_size - 1) / unit_size, 0),
        m_results(static_cast<std::size_t>(images)),
        m_crop_sha(static_cast<std::size_t>(images)) {
    m_output.file().create_growable("crops", h5::Type::u8, {vision::kCropSize, vision::kCropSize, 3}, 64);
  }

  void add(std::int64_t unit, std::vector<vision::CropResult>&& r) {
    for (std::size_t k = 0; k < r.size(); ++k)
      m_results[static_cast<std::size_t>(unit * m_unit_size) + k] = std::move(r[k]);
    m_arrived[static_cast<std::size_t>(unit)] = 1;
    std::vector<std::uint8_t> block;
    std::uint64_t rows = 0;
    for (; m_next < units() && m_arrived[static_cast<std::size_t>(m_next)]; ++m_next)
      for (std::int64_t i = m_next * m_unit_size; i < std::min(m_images, (m_next + 1) * m_unit_size); ++i) {
        auto& c = m_results[static_cast<std::size_t>(i)];
        if (!c.ok) continue;
        m_crop_sha[static_cast<std::size_t>(i)] = Sha256().update(c.crop).hex();
        block.insert(block.end(), c.crop.begin(), c.crop.end());
        ++rows;
        std::vector<std::uint8_t>().swap(c.crop);
      }
    m_output.file().append_rows("crops", h5::Type::u8, rows, block.data());
  }

  std::int64_t units() const { return static_cast<std::int64_t>(m_arrived.size()); }
  std::int64_t units_written() const { return m_next; }
  const std::vector<vision::CropResult>& results() const { return m_results; }  ///< crops already let go
  std::vector<std::string>& crop_sha() { return m_crop_sha; }
  h5::File& file() { return m_output.file(); }
  void commit() { m_output.commit(); }

 private:
  h5::AtomicOutput m_output;
  std::int64_t m_images, m_unit_size, m_next = 0;
  std::vector<char> m_arrived;
  std::vector<vision::CropResult> m_results;
  std::vector<std::string> m_crop_sha;
};

/// Everything but the crops: rows of crops.h5 are the images with a crop, in image order.
std::int64_t write_tables(const IngestOptions& o, IngestInputs& in, OrderedCropWriter& w) {
  const auto& results = w.results();
  data::ImageTable table;
  std::unordered_map<std::string, std::int64_t> row_of;
  std::vector<Reject> image_rejects;
  for (std::size_t i = 0; i < in.images.size(); ++i) {
    if (!results[i].ok) {
      image_rejects.push_back({in.images[i].path, results[i].reason});
      continue;
    }
    auto g = in.genders.find(in.images[i].name);
    row_of[in.images[i].name] = static_cast<std::int64_t>(table.size());
    table.push_back(in.images[i], g == in.genders.end() ? data::kUnknownGender : g->second);
    table.crop_sha256.push_back(std::move(w.crop_sha()[i]));
  }
  in.rejects.insert(in.rejects.end(), image_rejects.begin(), image_rejects.end());
  data::PairList pairs;
  if (!o.pairs_file.empty()) pairs = data::read_pairs(o.pairs_file, row_of, in.rejects);

  const auto m = static_cast<std::uint64_t>(table.size());
  h5::File& f = w.file();
  f.set_attribute("schema", "irrev.crops/1");
  f.set_attribute("images_dir", in.images_dir);
  f.set_attribute("layout", name_of(o.layout));
  if (!o.stage_key.empty()) f.set_attribute("stage_key", o.stage_key);
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
  data::write_rejects(f, in.rejects);
  return static_cast<std::int64_t>(m);
}

}  // namespace

IngestSummary run_ingest(const dist::Communicator& comm, const IngestOptions& o) {
  namespace fs = std::filesystem;
  OutputLock lock;  // one run per output
  if (comm.is_master()) {
    require_output_file(o.out, "crops output (--out)");
    lock = OutputLock(o.out);
  }
  auto in = read_inputs(o);
  cv::setNumThreads(1);  // one thread per rank; ranks are the parallelism
  const auto n = static_cast<std::int64_t>(in.images.size());
  const std::int64_t units = (n + o.settings.unit_size - 1) / o.settings.unit_size;
  std::unique_ptr<vision::FaceCropper> cropper;  // built on first use: the master may not need it
  Progress progress("ingest", n, comm.is_master() && o.progress);
  std::optional<OrderedCropWriter> writer;
  if (comm.is_master()) {
    spdlog::info("ingest: {} images from '{}' ({} layout) in {} units", n,
                 o.layout == data::ImageLayout::list ? o.list_file : in.images_dir, name_of(o.layout), units);
    writer.emplace(o.out, n, o.settings.unit_size);
  }
  detail::run_stage_queue<std::vector<vision::CropResult>>(
      comm, "ingest", units,
      [&](std::int64_t u) {
        if (!cropper) cropper = std::make_unique<vision::FaceCropper>(o.models_dir, o.cropper);
        std::vector<vision::CropResult> out;
        for (std::int64_t i = u * o.settings.unit_size; i < std::min(n, (u + 1) * o.settings.unit_size); ++i)
          out.push_back(
              cropper->process_file((fs::path(in.images_dir) / in.images[static_cast<std::size_t>(i)].path).string()));
        return out;
      },
      [&](std::int64_t u, std::vector<vision::CropResult>&& r) {
        const auto count = static_cast<std::int64_t>(r.size());
        writer->add(u, std::move(r));
        progress.advance(count);
      });
  progress.finish();

  IngestSummary summary;
  if (!comm.is_master()) return summary;
  IRREV_ASSERT(writer->units_written() == units, "ingest: only the first {} of {} units were written",
               writer->units_written(), units);
  summary.crops = write_tables(o, in, *writer);
  // No crop at all is not a result: nothing is committed, and the reason of the first image says why.
  IRREV_CHECK(summary.crops > 0, "ingest: no face was cropped from any of the {} images (first: '{}': {})", n,
              in.images.front().path, writer->results().empty() ? "?" : writer->results().front().reason);
  // The figures a run summary shows, kept with the crops: a later run that finds them up to
  // date reports the same.
  writer->file().set_attribute(
      "ingest_figures", nlohmann::json{{"images", n}, {"crops", summary.crops}, {"rejects", in.rejects.size()}}.dump());
  writer->commit();
  summary.images = n;
  summary.rejects = std::move(in.rejects);
  spdlog::info("ingest: {} crops, {} rejects -> '{}'", summary.crops, summary.rejects.size(), o.out);
  return summary;
}
#else
IngestSummary run_ingest(const dist::Communicator&, const IngestOptions& o) {
  IRREV_FAIL(
      "ingest of '{}': this build has no OpenCV (configure with IRREV_WITH_OPENCV=ON); "
      "make crops.h5 on a machine that has it",
      o.images_dir);
}
#endif

}  // namespace irrev::pipeline
