#include "irrev/data/identity_split.hpp"

#include "irrev/protect/keyed_stream.hpp"

namespace irrev::data {

double subject_hash01(const std::string& subject, std::uint64_t seed) {
  // FNV-1a folds the name into 64 bits; Philox mixes it with the seed.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : subject) {
    h ^= c;
    h *= 1099511628211ull;
  }
  protect::KeyedStream s(seed, h & 0xFFFFFFFFFFFFull, h >> 48);
  return static_cast<double>(s.next_u32()) / 4294967296.0;
}

}  // namespace irrev::data
