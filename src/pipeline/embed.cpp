#include "irrev/pipeline/embed.hpp"

#include <filesystem>

#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/output_lock.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/core/progress.hpp"
#include "irrev/data/dataset_tables.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/dist/work_queue.hpp"
#include "irrev/models/extractor.hpp"
#include "stage_queue.hpp"

namespace irrev::pipeline {

void EmbedSettings::validate(const std::string& where) const {
  IRREV_CHECK(batch >= 1 && batch <= 65536, "{}: batch (--batch) must be in [1, 65536], got {}", where, batch);
}

EmbedSummary run_embed(const dist::Communicator& comm, const EmbedOptions& o) {
  OutputLock lock;  // one run per output
  if (comm.is_master()) {
    require_output_file(o.out, "templates output (--out)");
    lock = OutputLock(o.out);
  }
  o.settings.validate("embed");
  h5::File crops(o.crops, h5::File::Mode::read);
  IRREV_CHECK(crops.has_attribute("schema") && crops.attribute("schema") == "irrev.crops/1",
              "'{}' is not a crops file written by 'irrev ingest'", o.crops);
  IRREV_CHECK(std::filesystem::is_regular_file(o.model), "extractor model '{}' does not exist", o.model);
  const auto dims = crops.dims("crops");
  IRREV_CHECK(dims.size() == 4 && dims[3] == 3, "'{}': /crops must be N x H x W x 3", o.crops);
  const auto n = static_cast<std::int64_t>(dims[0]);
  const std::uint64_t crop_bytes = dims[1] * dims[2] * 3;

  // Every rank loads the model (the master too, to know D and to fail early on a bad model).
  auto extractor = models::Extractor::load(o.model, o.settings.device, o.onnx_info);
  const auto& info = extractor->info();
  IRREV_CHECK(static_cast<std::uint64_t>(info.input_height) == dims[1] &&
                  static_cast<std::uint64_t>(info.input_width) == dims[2],
              "extractor '{}' takes {}x{} input, the crops in '{}' are {}x{}", o.model, info.input_width,
              info.input_height, o.crops, dims[2], dims[1]);
  const int d = info.embedding_size;
  const std::int64_t units = (n + o.settings.batch - 1) / o.settings.batch;
  std::vector<float> templates(comm.is_master() ? static_cast<std::size_t>(n * d) : 0);
  Progress progress("embed", n, comm.is_master() && o.progress);
  if (comm.is_master()) spdlog::info("embed: {} crops with '{}' ({}-D) on {}", n, o.model, d, o.settings.device.name());

  std::vector<std::uint8_t> buffer;
  detail::run_stage_queue<std::vector<float>>(
      comm, "embed", units,
      [&](std::int64_t u) {
        std::int64_t first = u * o.settings.batch, count = std::min(o.settings.batch, n - first);
        buffer.resize(static_cast<std::size_t>(count) * crop_bytes);
        crops.read_rows("crops", h5::Type::u8, static_cast<std::uint64_t>(first), static_cast<std::uint64_t>(count),
                        buffer.data());
        return extractor->embed(buffer.data(), count);
      },
      [&](std::int64_t u, std::vector<float>&& e) {
        std::copy(e.begin(), e.end(), templates.begin() + u * o.settings.batch * d);
        progress.advance(static_cast<std::int64_t>(e.size()) / d);
      });
  progress.finish();

  EmbedSummary summary{n, d, o.model};
  if (!comm.is_master()) return summary;
  h5::AtomicOutput output(o.out);
  {
    h5::File& f = output.file();
    f.set_attribute("schema", "irrev.templates/1");
    f.set_attribute("extractor", info.to_text());
    f.set_attribute("crops", o.crops);
    f.write("templates", templates, {static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(d)});
    data::write_images(f, data::read_images(crops));
    if (crops.has("pairs/a")) data::write_pairs(f, data::read_pairs_table(crops));
    data::write_rejects(f, data::read_rejects(crops));
    if (!o.stage_key.empty()) f.set_attribute("stage_key", o.stage_key);
  }
  output.commit();
  spdlog::info("embed: {} templates -> '{}'", n, o.out);
  return summary;
}

}  // namespace irrev::pipeline
