#include "real_templates.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "irrev/config/job_config.hpp"
#include "irrev/core/error.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/embed.hpp"
#include "irrev/pipeline/ingest.hpp"

namespace irrev::test_support {
namespace fs = std::filesystem;

namespace {
const dist::Communicator& comm() {
  static int argc = 0;
  static char** argv = nullptr;
  static dist::Communicator c(&argc, &argv);
  return c;
}
}  // namespace

fs::path real_templates() {
  static fs::path out;
  if (!out.empty()) return out;
  const std::string lfw = IRREV_TEST_LFW_IMAGES;
  IRREV_CHECK(fs::is_directory(lfw), "real LFW images are needed at '{}' (scripts/test.sh sets IRREV_TEST_LFW)", lfw);
  const auto dir = fs::temp_directory_path() / ("irrev_real_templates_" + std::to_string(::getpid()));
  for (const char* s : {"Abel_Pacheco", "Serena_Williams", "Zico"}) {
    fs::create_directories(dir / "lfw" / s);
    for (int i = 1; i <= 2; ++i) {
      const auto name = fmt::format("{}_{:04}.jpg", s, i);
      fs::copy_file(fs::path(lfw) / s / name, dir / "lfw" / s / name, fs::copy_options::overwrite_existing);
    }
  }
  pipeline::IngestOptions io;
  io.images_dir = (dir / "lfw").string();
  io.models_dir = config::default_models_dir();
  io.out = (dir / "crops.h5").string();
  io.progress = false;
  pipeline::run_ingest(comm(), io);
  pipeline::EmbedOptions eo;
  eo.crops = io.out;
  eo.model = config::default_models_dir() + "/fr_feature.pt";
  eo.out = (dir / "t.h5").string();
  eo.progress = false;
  pipeline::run_embed(comm(), eo);
  return out = eo.out;
}

}  // namespace irrev::test_support
