#pragma once
/// Where networks run: the CPU, or CUDA, either whichever GPU the worker takes ("cuda": worker
/// w of a node takes GPU w mod the GPUs it sees, models/device_placement.hpp) or one GPU named
/// outright ("cuda:N"). A job file or the command line gives its name, parsed once here; the
/// engine compares values, and files and keys hold the name.
#include <string>

namespace irrev {

struct Device {
  enum class Kind { cpu, cuda };
  Kind kind = Kind::cpu;
  int index = -1;  ///< cuda:N; -1: none named

  static Device cpu() { return {}; }
  static Device cuda(int index = -1) { return {Kind::cuda, index}; }
  /// "cpu", "cuda" or "cuda:N"; anything else is an InputError naming `where`.
  static Device parse(const std::string& name, const std::string& where);

  std::string name() const;
  bool is_cpu() const { return kind == Kind::cpu; }
  bool is_cuda() const { return kind == Kind::cuda; }
  bool operator==(const Device& o) const { return kind == o.kind && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

}  // namespace irrev
