#pragma once
/// PE-MIU comparison: the block order of a protected probe is restored against the reference
/// by a minimum-cost assignment of blocks (cost: plain Euclidean distance between blocks,
/// exactly as the reference code), and the score is the cosine of the reordered probe.
#include <cstdint>
#include <vector>

namespace irrev::match {

/// Many comparisons of one geometry without an allocation per pair (scratch reused).
class PeMiuComparator {
 public:
  PeMiuComparator(int dim, int block);
  double score(const float* reference, const float* probe, int* assignment = nullptr);
  int blocks() const { return m_n; }

  /// For many comparisons against the same templates: a template's norm and its blocks
  /// transposed (`transposed` holds dim values), computed once. Same scores as score().
  double norm(const float* x) const;
  void transpose(const float* probe, float* transposed) const;
  double score_prepared(const float* reference, double reference_norm, const float* probe,
                        const float* probe_transposed, double probe_norm);

 private:
  int m_n, m_block;
  std::vector<double> m_cost;
  std::vector<float> m_transposed;
};

/// Score of one pair of `dim`-value templates cut into blocks of `block` values. When
/// `assignment` is given it receives sigma: reference block i matched probe block sigma[i].
double pe_miu_score(const float* reference, const float* probe, int dim, int block,
                    std::vector<int>* assignment = nullptr);

/// A batch of pairs on the CPU: scores[k] = score of references[ref[k]] against
/// probes[probe[k]] (rows of `dim` values). Runs on the calling thread.
void pe_miu_scores(const float* references, const float* probes, int dim, int block, const std::int64_t* ref,
                   const std::int64_t* probe, std::int64_t count, double* scores);

/// Whether this build has the CUDA kernel, and whether a device is there to run it.
bool pe_miu_cuda_available();

/// The same batch on the GPU: one thread per pair (n <= 32). Host pointers in and out; the
/// rows are copied to the device. An InputError where the build or the machine has no CUDA.
void pe_miu_scores_cuda(const float* references, std::int64_t n_references, const float* probes, std::int64_t n_probes,
                        int dim, int block, const std::int64_t* ref, const std::int64_t* probe, std::int64_t count,
                        double* scores);

}  // namespace irrev::match
