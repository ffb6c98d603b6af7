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

/// Read them from a verify.h5, checked: all-vs-all thresholds must be those its checksummed
/// impostor histogram gives, View 2's must match the table's checksum (`table_sha256`), and both
/// must make sense (check_thresholds). An InputError naming the file otherwise.
Thresholds read_thresholds(const std::string& verify_h5);

/// Thresholds that make sense: finite, within [-1, 1], the one at FMR 0.1 % not below the one at
/// FMR 1 %, from at least one impostor score (an InputError naming `where` otherwise).
void check_thresholds(const Thresholds& t, const std::string& where);

/// The checksum verify writes beside its table (`table_sha256`): SHA-256 of the JSON text.
std::string table_checksum(const std::string& table_json);

}  // namespace irrev::pipeline
