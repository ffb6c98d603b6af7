#pragma once
/// The named settings of the attack's forward pass (generator + re-embedding), with their one
/// name table each (core/enum_names.hpp).
#include "irrev/core/enum_names.hpp"

namespace irrev::attack {

/// fp32; bf16: the generator in bf16 (fp32 accumulation), the re-embedding in fp32, so that the
/// score that decides success stays within ~5e-3 of fp32; bf16-all: the extractor too (on the
/// CPU with its convolutions' biases kept whole, models/low_precision.hpp). bf16-checked: bf16-all,
/// and every sample with a score within the recheck margin of a threshold computed again in fp32
/// (generator and re-embedding): its success decisions are fp32's wherever bf16's error is below
/// the margin, and the rest of the samples run at bf16-all's speed. fp16, fp16-all: as bf16 and
/// bf16-all in float16 (CUDA only): as fast on tensor cores, 8x finer mantissa, narrower range.
/// automatic ("auto"): the fastest that kept the accuracy guard on the kind of device the attack
/// runs on (fastest_guarded_precision); what it became is what the results record.
enum class Precision { fp32, bf16, bf16_all, bf16_checked, fp16, fp16_all, automatic };

/// What `automatic` becomes: the fastest precision whose RSR stayed within 0.2 pp of fp32 over
/// the quickstart's plans (bench/RESULTS.md). On CUDA bf16 (0.098 pp). On a CPU with bf16 units
/// (`cpu_bf16_units`: AVX-512-BF16 or AMX) bf16-checked, whose decisions were fp32's (0 pp)
/// where bf16 (0.64 pp) and bf16-all (0.24 pp) missed the guard, at 1.16x fp32's speed on a
/// 2-core Zen 5 and 1.9x on Zen 4; elsewhere fp32 (bf16 without its units is emulated, slow).
Precision fastest_guarded_precision(bool cuda, bool cpu_bf16_units);

inline bool is_fp16(Precision p) { return p == Precision::fp16 || p == Precision::fp16_all; }
/// Whether the re-embedding runs in the low precision too.
inline bool extractor_in_low_precision(Precision p) {
  return p == Precision::bf16_all || p == Precision::bf16_checked || p == Precision::fp16_all;
}
/// Whether samples near a threshold are computed again in fp32.
inline bool rechecks_in_fp32(Precision p) { return p == Precision::bf16_checked; }
/// The default recheck margin: 2.5x the largest bf16-all score errors measured (0.0198 on an
/// inverter trained one epoch; 0.0179 among the quickstart attack's rechecked samples:
/// bench/RESULTS.md). The attack logs the largest it meets and warns past half the margin.
constexpr double kDefaultRecheckMargin = 0.05;

/// The generator's stride-2 stages: their sub-pixel form (fast with oneDNN) or transposed
/// convolutions (cuDNN's own); the same sums.
enum class Upsampling { subpixel, transposed };

/// Activation layouts: one for both networks, or GENERATOR/EXTRACTOR.
enum class ActivationLayout { nhwc, nchw, nhwc_nchw, nchw_nhwc, nhwc_nhwc, nchw_nchw };

}  // namespace irrev::attack

template <>
struct irrev::EnumNames<irrev::attack::Precision> {
  static constexpr std::string_view what = "precision";
  static constexpr std::array<std::string_view, 7> names{"fp32", "bf16",     "bf16-all", "bf16-checked",
                                                         "fp16", "fp16-all", "auto"};
};

template <>
struct irrev::EnumNames<irrev::attack::Upsampling> {
  static constexpr std::string_view what = "upsampling";
  static constexpr std::array<std::string_view, 2> names{"subpixel", "transposed"};
};

template <>
struct irrev::EnumNames<irrev::attack::ActivationLayout> {
  static constexpr std::string_view what = "layout";
  static constexpr std::array<std::string_view, 6> names{"nhwc",      "nchw",      "nhwc/nchw",
                                                         "nchw/nhwc", "nhwc/nhwc", "nchw/nchw"};
};
