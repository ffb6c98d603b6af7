#include "irrev/data/template_set.hpp"

#include <cmath>

#include "irrev/core/error.hpp"

namespace irrev::data {

TemplateSet read_template_set(const std::string& path) {
  h5::File f(path, h5::File::Mode::read);
  IRREV_CHECK(f.has_attribute("schema") && f.attribute("schema") == "irrev.templates/1",
              "'{}' is not a templates file written by 'irrev embed'", path);
  TemplateSet t;
  h5::Dims dims;
  t.values = f.read<float>("templates", &dims);
  IRREV_CHECK(dims.size() == 2, "'{}': /templates must be N x D", path);
  t.count = static_cast<std::int64_t>(dims[0]);
  t.dim = static_cast<int>(dims[1]);
  t.images = read_images(f);
  IRREV_CHECK(static_cast<std::int64_t>(t.images.size()) == t.count, "'{}': {} templates but {} image rows", path,
              t.count, t.images.size());
  t.pairs = read_pairs_table(f);
  t.extractor_json = f.attribute("extractor");
  check_templates(t, path);
  return t;
}

void check_templates(const TemplateSet& t, const std::string& where) {
  // embed writes L2-normalised rows; anything else (NaN from a broken network, a hand-edited
  // file) would give scores that mean nothing (a NaN compares below every threshold).
  for (std::int64_t i = 0; i < t.count; ++i) {
    const float* v = t.row(i);
    double norm2 = 0;
    bool finite = true;
    for (int j = 0; j < t.dim; ++j) {
      finite = finite && std::isfinite(v[j]);
      norm2 += static_cast<double>(v[j]) * v[j];
    }
    const auto name = static_cast<std::size_t>(i) < t.images.size() ? t.images.names[static_cast<std::size_t>(i)] : "?";
    IRREV_CHECK(finite, "'{}': template {} (image '{}') holds a value that is not a finite number", where, i, name);
    IRREV_CHECK(std::fabs(norm2 - 1.0) < 1e-3, "'{}': template {} (image '{}') is not L2-normalised (norm {:.6g})",
                where, i, name, std::sqrt(norm2));
  }
}

std::vector<float> read_detection_scores(const std::string& crops_path, const TemplateSet& set,
                                         const std::string& templates_path) {
  h5::File crops(crops_path, h5::File::Mode::read);
  IRREV_CHECK(crops.read_strings("images/name") == set.images.names,
              "'{}' and '{}' do not hold the same images in the same order", templates_path, crops_path);
  return crops.read<float>("detection/score");
}

}  // namespace irrev::data
