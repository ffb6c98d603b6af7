#pragma once
/// What the processor computes fast, for the choices that depend on it (the attack's automatic
/// precision): its feature flags as Linux names them.
#include <set>
#include <string>

namespace irrev {

/// The flags of the first processor listed in `cpuinfo` (the "flags" line of /proc/cpuinfo on
/// x86); empty where the file cannot be read or lists none.
std::set<std::string> cpu_flags(const std::string& cpuinfo = "/proc/cpuinfo");

/// Whether `flags` name bf16 dot-product units: AVX-512-BF16 or AMX-BF16.
bool has_bf16_units(const std::set<std::string>& flags);

}  // namespace irrev
