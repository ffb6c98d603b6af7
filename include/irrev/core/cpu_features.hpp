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

/// One line for the log: the processor's model name, the vector units among its flags that
/// decide the engine's speed and precision choices, and whether it has bf16 units, e.g.
/// "AMD EPYC: avx2 avx512f avx512bw avx512_bf16, bf16 units". A CI log then tells which kind
/// of machine a time came from.
std::string describe_cpu(const std::string& cpuinfo = "/proc/cpuinfo");

}  // namespace irrev
