#pragma once
// Test helper: the attack pipeline counts its successes on the device; here the same decisions
// are counted on the host from its per-batch scores, and every count must agree.
#include <string>

#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/inverter.hpp"

namespace irrev::test_support {

/// 8 blocks, one keyed permutation of each complexity 0, 2, 4 and 8.
attack::Plan four_complexities();

/// AttackPipeline::run's counts and histogram totals against the host's count of scores()
/// (gtest EXPECTs), on the device the models were loaded on.
void expect_counts_match_scores(const models::Inverter& inverter, const models::Extractor& extractor,
                                const attack::AttackInputs& inputs, attack::Precision precision, bool graph);

}  // namespace irrev::test_support
