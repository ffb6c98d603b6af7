#include "attack_counting.hpp"

#include <gtest/gtest.h>

#include "irrev/attack/attack_tally.hpp"
#include "irrev/protect/keyed_stream.hpp"
#include "irrev/protect/samplers.hpp"

namespace irrev::test_support {

attack::Plan four_complexities() {
  attack::Plan p;
  p.spec.blocks = 8;
  protect::KeyedStream s(2021, 0, 0);
  for (int k : {0, 2, 4, 8}) {
    p.permutations.push_back(protect::sample_with_complexity(8, k, s));
    p.complexity.push_back(k);
  }
  return p;
}

void expect_counts_match_scores(const models::Inverter& inverter, const models::Extractor& extractor,
                                const attack::AttackInputs& in, attack::Precision precision, bool graph) {
  const int batch = 64;
  attack::AttackPipeline pipe(inverter, extractor, in, attack::PipelineOptions{batch, precision, graph});
  const auto p = four_complexities();
  const auto n = in.count();
  auto r = pipe.run(p, 0, 0, p.size(), 0, n);
  // The same decisions counted on the host from the per-batch scores.
  for (std::int64_t e = 0; e < p.size(); ++e) {
    std::vector<std::int64_t> want(attack::kOutcomes, 0);
    for (std::int64_t t0 = 0; t0 < n; t0 += batch) {
      const auto m = std::min<std::int64_t>(batch, n - t0);
      auto s = pipe.scores(p.permutations[static_cast<std::size_t>(e)], t0, m);
      for (std::int64_t i = 0; i < m; ++i) {
        const double s1 = s[static_cast<std::size_t>(i)], s2 = s[static_cast<std::size_t>(m + i)];
        want[attack::kTriedType1] += 1;
        want[attack::kType1Fmr01] += s1 >= in.threshold_fmr01;
        want[attack::kType1Fmr1] += s1 >= in.threshold_fmr1;
        if (in.has_second[static_cast<std::size_t>(t0 + i)]) {
          want[attack::kTriedType2] += 1;
          want[attack::kType2Fmr01] += s2 >= in.threshold_fmr01;
          want[attack::kType2Fmr1] += s2 >= in.threshold_fmr1;
        }
      }
    }
    for (int o = 0; o < attack::kOutcomes; ++o)
      EXPECT_EQ(r.counts[static_cast<std::size_t>(e * attack::kOutcomes + o)], want[static_cast<std::size_t>(o)])
          << name_of(precision) << " entry " << e << " outcome " << o;
  }
  std::int64_t in_histograms = 0;
  for (auto c : r.hist_counts) in_histograms += c;
  std::int64_t tried = 0;
  for (std::int64_t e = 0; e < p.size(); ++e)
    tried += r.counts[static_cast<std::size_t>(e * attack::kOutcomes + attack::kTriedType1)] +
             r.counts[static_cast<std::size_t>(e * attack::kOutcomes + attack::kTriedType2)];
  EXPECT_EQ(in_histograms, tried) << "every attacked sample lands in one histogram bin";
}

}  // namespace irrev::test_support
