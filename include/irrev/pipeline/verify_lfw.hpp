#pragma once
/// `irrev verify --protocol lfw-view2`: cosine scores of the View 2 pairs and the standard
/// 10-fold accuracy.
#include <string>

#include "irrev/data/template_set.hpp"
#include "irrev/metrics/lfw_accuracy.hpp"

namespace irrev::pipeline {

/// Cosine similarity of two L2-normalised templates of `dim` values.
double cosine_normalised(const float* a, const float* b, int dim);

metrics::TenFoldAccuracy verify_lfw_view2(const data::TemplateSet& templates);

std::string lfw_accuracy_json(const metrics::TenFoldAccuracy& result);

}  // namespace irrev::pipeline
