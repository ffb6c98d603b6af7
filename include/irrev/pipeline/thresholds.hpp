#pragma once
/// The decision thresholds an attack is judged by: from `verify`'s unprotected impostor scores
/// of the same extractor (all-vs-all where present, else LFW View 2), bob's rule.
#include <cstdint>
#include <string>

namespace irrev::pipeline {

struct Thresholds {
  double fmr_0_1 = 0;          ///< threshold at FMR 0.1 %
  double fmr_1 = 0;            ///< threshold at FMR 1 %
  std::int64_t impostors = 0;  ///< scores behind them
  std::string pairs;           ///< "all-vs-all" or "lfw-view2"
  std::string source;          ///< a sentence naming the file and the set
};

/// Read them from a verify.h5; an InputError naming the file when it has no unprotected row.
Thresholds read_thresholds(const std::string& verify_h5);

}  // namespace irrev::pipeline
