#pragma once
/// The named settings of the attack's forward pass (generator + re-embedding), with their one
/// name table each (core/enum_names.hpp).
#include "irrev/core/enum_names.hpp"

namespace irrev::attack {

/// fp32; bf16: the generator in bf16 (fp32 accumulation), the re-embedding in fp32, so that the
/// score that decides success stays within ~5e-3 of fp32; bf16-all: the extractor too (on the
/// CPU with its convolutions' biases kept whole, models/low_precision.hpp). fp16, fp16-all: the
/// same in float16 (CUDA only): as fast on tensor cores, 8x finer mantissa, narrower range.
/// automatic ("auto"): the fastest that kept the accuracy guard on the kind of device the attack
/// runs on (fastest_guarded_precision); what it became is what the results record.
enum class Precision { fp32, bf16, bf16_all, fp16, fp16_all, automatic };

/// What `automatic` becomes: the fastest precision whose RSR stayed within 0.2 pp of fp32 over
/// the quickstart's plans (bench/RESULTS.md): bf16 on CUDA; fp32 on the CPU, where neither bf16
/// (one type-II template of 156 flipped, 0.64 pp) nor bf16-all (0.24 pp) held it.
Precision fastest_guarded_precision(bool cuda);

inline bool is_fp16(Precision p) { return p == Precision::fp16 || p == Precision::fp16_all; }
/// Whether the re-embedding runs in the low precision too.
inline bool extractor_in_low_precision(Precision p) { return p == Precision::bf16_all || p == Precision::fp16_all; }

/// The generator's stride-2 stages: their sub-pixel form (fast with oneDNN) or transposed
/// convolutions (cuDNN's own); the same sums.
enum class Upsampling { subpixel, transposed };

/// Activation layouts: one for both networks, or GENERATOR/EXTRACTOR.
enum class ActivationLayout { nhwc, nchw, nhwc_nchw, nchw_nhwc, nhwc_nhwc, nchw_nchw };

}  // namespace irrev::attack

template <>
struct irrev::EnumNames<irrev::attack::Precision> {
  static constexpr std::string_view what = "precision";
  static constexpr std::array<std::string_view, 6> names{"fp32", "bf16", "bf16-all", "fp16", "fp16-all", "auto"};
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
