#pragma once
/// templates.h5 read back: N x D L2-normalised templates with their image tables and pairs.
/// Component j of template i is values[i * dim + j].
#include <cstdint>
#include <string>
#include <vector>

#include "irrev/data/dataset_tables.hpp"

namespace irrev::data {

struct TemplateSet {
  std::int64_t count = 0;
  int dim = 0;
  std::vector<float> values;
  ImageTable images;
  PairList pairs;
  std::string extractor_json;  ///< the extractor's metadata as embed stored it

  const float* row(std::int64_t i) const { return values.data() + i * dim; }
};

/// Read and check: every template finite and L2-normalised (else an InputError naming the row
/// and its image).
TemplateSet read_template_set(const std::string& path);

/// The check read_template_set() makes, for sets made in memory; `where` names the source.
void check_templates(const TemplateSet& set, const std::string& where);

/// The detector score of each template's image (crops.h5 /detection/score), after checking that
/// the crops file holds the same images in the same order as `set` (read from templates_path).
std::vector<float> read_detection_scores(const std::string& crops_path, const TemplateSet& set,
                                         const std::string& templates_path);

}  // namespace irrev::data
