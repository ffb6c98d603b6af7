#pragma once
/// The named settings of the attack's forward pass (generator + re-embedding), with their one
/// name table each (core/enum_names.hpp).
#include "irrev/core/enum_names.hpp"

namespace irrev::attack {

/// fp32; bf16: the generator in bf16 (fp32 accumulation), the re-embedding in fp32, so that the
/// score that decides success stays within ~5e-3 of fp32; bf16-all: the extractor too (on the
/// CPU with its convolutions' biases kept whole, models/low_precision.hpp). bf16-checked and
/// bf16-all-checked: bf16 and bf16-all, and every sample with a score within the recheck margin
/// of a threshold computed again in fp32 (generator and re-embedding): the success decisions are
/// fp32's wherever bf16's error is below the margin, and the other samples run at bf16's speed.
/// fp16, fp16-all: as bf16 and bf16-all in float16 (CUDA only): as fast on tensor cores, 8x finer
/// mantissa, narrower range.
/// automatic ("auto"): the fastest that kept the accuracy guard on the kind of device the attack
/// runs on (fastest_guarded_precision); what it became is what the results record.
enum class Precision { fp32, bf16, bf16_all, bf16_checked, bf16_all_checked, fp16, fp16_all, automatic };

/// What `automatic` becomes: the fastest precision that kept the accuracy guard (RSR within
/// 0.2 pp of fp32 over the quickstart's plans, every score within 1e-2; bench/RESULTS.md). On
/// CUDA bf16 (0.098 pp). On a CPU with bf16 units (`cpu_bf16_units`: AVX-512-BF16 or AMX)
/// bf16-checked: its decisions were fp32's (0 pp) where bf16 missed the guard (0.64 pp), and its
/// scores stayed within 0.0086; bf16-all-checked is faster (1.42x fp32 against 1.08x on a 2-core
/// Zen 5) with fp32's decisions too, but its other scores err up to 0.02. Elsewhere fp32 (bf16
/// without its units is emulated, slow).
Precision fastest_guarded_precision(bool cuda, bool cpu_bf16_units);

inline bool is_fp16(Precision p) { return p == Precision::fp16 || p == Precision::fp16_all; }
/// Whether the re-embedding runs in the low precision too.
inline bool extractor_in_low_precision(Precision p) {
  return p == Precision::bf16_all || p == Precision::bf16_all_checked || p == Precision::fp16_all;
}
/// Whether samples near a threshold are computed again in fp32.
inline bool rechecks_in_fp32(Precision p) { return p == Precision::bf16_checked || p == Precision::bf16_all_checked; }
/// The recheck margin: `asked` where positive, else the precision's own, 2.5x the largest score
/// errors measured against fp32 (bench/RESULTS.md): bf16-all-checked 0.05 (bf16-all: 0.0198 on an
/// inverter trained one epoch, 0.0179 in the quickstart's attack), bf16-checked 0.02 (bf16:
/// 0.0071). The attack logs the largest error it meets and warns past half the margin.
inline double recheck_margin_for(Precision p, double asked) {
  if (asked > 0) return asked;
  return p == Precision::bf16_all_checked ? 0.05 : 0.02;
}

/// The generator's stride-2 stages: their sub-pixel form (fast with oneDNN) or transposed
/// convolutions (cuDNN's own); the same sums.
enum class Upsampling { subpixel, transposed };

/// Activation layouts: one for both networks, or GENERATOR/EXTRACTOR.
enum class ActivationLayout { nhwc, nchw, nhwc_nchw, nchw_nhwc, nhwc_nhwc, nchw_nchw };

}  // namespace irrev::attack

template <>
struct irrev::EnumNames<irrev::attack::Precision> {
  static constexpr std::string_view what = "precision";
  static constexpr std::array<std::string_view, 8> names{
      "fp32", "bf16", "bf16-all", "bf16-checked", "bf16-all-checked", "fp16", "fp16-all", "auto"};
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
