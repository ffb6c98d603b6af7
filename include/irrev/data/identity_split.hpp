#pragma once
/// The identity split between the attacker's training data and the evaluation set: a subject
/// is an evaluation identity when a keyed hash of its name falls below `eval_share`. Every stage
/// (train-inverter, attack) derives the split from the same (seed, share), and the inverter's
/// file records the identities it saw, so that an attack on a seen identity can be refused.
#include <cstdint>
#include <string>

namespace irrev::data {

/// Deterministic uniform value in [0, 1) for a subject name under a seed.
double subject_hash01(const std::string& subject, std::uint64_t seed);

inline bool is_evaluation_subject(const std::string& subject, std::uint64_t seed, double eval_share) {
  return subject_hash01(subject, seed) < eval_share;
}

/// Among the training identities, those whose images only measure the inverter's validation
/// loss (never a gradient step): a second keyed hash (seed + 1) below `validation_share`.
inline bool is_validation_subject(const std::string& subject, std::uint64_t seed, double validation_share) {
  return subject_hash01(subject, seed + 1) < validation_share;
}

}  // namespace irrev::data
