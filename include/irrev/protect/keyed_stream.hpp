#pragma once
/// Counter-based random numbers (Philox4x32-10, Salmon et al., SC 2011), keyed by
/// (seed, template index, permutation index). The stream of a sample depends on these three
/// numbers only, never on which rank draws it or in which order: the basis of the engine's
/// "same numbers for any rank count" rule.
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace irrev::protect {

/// One Philox4x32-10 block: 4 random 32-bit words for a 128-bit counter and a 64-bit key.
std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> counter, std::array<std::uint32_t, 2> key);

class KeyedStream {
 public:
  KeyedStream(std::uint64_t seed, std::uint64_t template_index, std::uint64_t permutation_index);
  std::uint32_t next_u32();
  /// Uniform integer in [0, bound) without modulo bias (Lemire's method), bound >= 1.
  std::uint32_t below(std::uint32_t bound);

 private:
  std::array<std::uint32_t, 2> m_key;
  std::array<std::uint32_t, 4> m_counter;  // [0]: block number; [1..3]: the two indices
  std::array<std::uint32_t, 4> m_block{};
  int m_used = 4;
};

/// Shuffle `v` in place with the draws of `stream` (Fisher-Yates from the back: position i
/// swaps with a uniform position in [0, i]): the one keyed shuffle of the engine.
template <class T>
void keyed_shuffle(std::vector<T>& v, KeyedStream& stream) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[stream.below(static_cast<std::uint32_t>(i))]);
}

}  // namespace irrev::protect
