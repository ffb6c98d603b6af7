// Templates that are not finite or not L2-normalised are refused by every stage that reads
// them, naming the row and its image: real LFW crops through the real ingest and embed stages,
// then one row spoiled in the file through HDF5 (as a broken network or a hand edit would).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "../common/real_templates.hpp"
#include "irrev/core/error.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/pipeline/protect_stage.hpp"

// Inside the engine's namespace rather than `using namespace irrev`, which in a unity build
// would reach the next file's includes (LibTorch's Device against irrev::Device).
namespace irrev {
namespace fs = std::filesystem;

namespace {
using test_support::real_templates;

/// A copy of the real templates with row `row` set to `values`.
fs::path spoiled(const std::string& name, std::int64_t row, const std::vector<float>& values) {
  const auto src = real_templates();
  auto path = src.parent_path() / name;
  fs::copy_file(src, path, fs::copy_options::overwrite_existing);
  h5::File f(path.string(), h5::File::Mode::read_write);
  f.write_rows("templates", h5::Type::f32, static_cast<std::uint64_t>(row), 1, values.data());
  f.close();
  return path;
}

void expect_refused(const fs::path& path, const std::string& says) {
  try {
    data::read_template_set(path.string());
    FAIL() << path << " was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
  }
  pipeline::ProtectOptions po;
  po.templates = path.string();
  po.out = (path.parent_path() / "protected.h5").string();
  EXPECT_THROW(pipeline::run_protect(po), InputError);
  EXPECT_FALSE(fs::exists(po.out));
}
}  // namespace

TEST(TemplateChecks, RealTemplatesPass) {
  const auto set = data::read_template_set(real_templates().string());
  EXPECT_EQ(set.count, 6);
  EXPECT_EQ(set.dim, 512);
}

TEST(TemplateChecks, NanRowIsRefusedByRowAndImage) {
  auto set = data::read_template_set(real_templates().string());
  std::vector<float> row(set.row(3), set.row(3) + set.dim);
  row[17] = std::numeric_limits<float>::quiet_NaN();
  expect_refused(spoiled("nan.h5", 3, row),
                 fmt::format("template 3 (image '{}') holds a value that is not a finite number", set.images.names[3]));
}

TEST(TemplateChecks, InfiniteAndUnnormalisedRowsAreRefused) {
  auto set = data::read_template_set(real_templates().string());
  std::vector<float> inf(set.row(0), set.row(0) + set.dim);
  inf[0] = std::numeric_limits<float>::infinity();
  expect_refused(spoiled("inf.h5", 0, inf), "template 0");
  std::vector<float> twice(set.row(5), set.row(5) + set.dim);
  for (auto& v : twice) v *= 2;
  expect_refused(spoiled("twice.h5", 5, twice),
                 "template 5 (image '" + set.images.names[5] + "') is not L2-normalised (norm 2");
}

}  // namespace irrev
