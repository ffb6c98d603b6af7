#pragma once
// Test helper: whether the CPU bf16 tests run on this machine.
#include "irrev/core/cpu_features.hpp"

namespace irrev::test_support {

/// Whether this CPU has bf16 units (AVX-512-BF16 or AMX). Without them LibTorch 1.13 runs bf16
/// convolutions outside oneDNN, tens of times slower than fp32 (the CI run of 2026-12-07 trained
/// at 3 samples/s and ran out of time), and the engine never picks bf16 there by itself: the
/// CPU bf16 tests say they are skipped, with kNoBf16Units.
inline bool cpu_has_bf16_units() { return has_bf16_units(cpu_flags()); }
inline constexpr const char* kNoBf16Units =
    "this CPU has no bf16 units (avx512_bf16 or amx_bf16): LibTorch's bf16 convolutions run outside oneDNN "
    "here, tens of times slower, and the engine never picks bf16 on it";

}  // namespace irrev::test_support
