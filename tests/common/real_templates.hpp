#pragma once
// Test helper: real templates of a few LFW images, made once per test program through the real
// ingest and embed stages (OpenCV detection and alignment, the fr_feature extractor).
#include <filesystem>

namespace irrev::test_support {

/// templates.h5 of two images each of Abel_Pacheco, Serena_Williams and Zico (6 rows, 512-D),
/// in a temporary folder; an InputError when LFW or the models are missing.
std::filesystem::path real_templates();

}  // namespace irrev::test_support
