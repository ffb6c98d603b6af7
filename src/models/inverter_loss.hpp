#pragma once
// Private: the inverter's training loss, w_mse MSE + w_ssim (1 - SSIM) + w_id ID, where ID
// compares the extractor's embedding of the reconstruction with the template it came from.
#include <torch/types.h>

#include "extractor_impl.hpp"
#include "irrev/models/inverter_config.hpp"

namespace irrev::models {

class InverterLoss {
 public:
  struct Terms {
    torch::Tensor total, mse, ssim, id;  ///< ssim is 1 - SSIM; id is 0 where id_weight is 0
  };
  /// `extractor` stays frozen (its parameters take no gradient) and must outlive the loss.
  InverterLoss(const InverterTrainingConfig& config, const Extractor::Impl& extractor);

  /// recon, target: N x 3 x S x S in [0, 1]; z: the N templates (L2-normalised) they came from.
  /// The identity term takes the first ceil(id_share x N) samples.
  Terms operator()(const torch::Tensor& recon, const torch::Tensor& target, const torch::Tensor& z) const;

  /// L2-normalised embeddings of reconstructions through the extractor, differentiably.
  torch::Tensor embed(const torch::Tensor& recon) const;

 private:
  const InverterTrainingConfig& m_config;
  const Extractor::Impl& m_extractor;
};

/// Mean SSIM of two image batches in [0, 1] (11x11 Gaussian window, sigma 1.5).
torch::Tensor ssim(const torch::Tensor& x, const torch::Tensor& y);

}  // namespace irrev::models
