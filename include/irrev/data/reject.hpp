#pragma once
/// A piece of input the engine could not use, and why. Rejects are data, not crashes: every
/// stage records them in its output's rejects table and goes on.
#include <string>

namespace irrev {

struct Reject {
  std::string file;    ///< the file (and ":line" where a line is at fault)
  std::string reason;  ///< what is wrong with it

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& file& reason;
  }
  bool operator==(const Reject& o) const { return file == o.file && reason == o.reason; }
};

}  // namespace irrev
