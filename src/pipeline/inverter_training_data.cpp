#include "inverter_training_data.hpp"

#include <torch/nn/functional/upsampling.h>

#include "irrev/core/error.hpp"
#include "irrev/data/identity_split.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/protect/keyed_stream.hpp"

namespace irrev::pipeline::detail {
namespace F = torch::nn::functional;

TrainingInputs open_training_inputs(const TrainInverterOptions& o) {
  IRREV_CHECK(
      o.config.eval_share > 0 || !o.eval_templates.empty(),
      "train-inverter: eval_share 0 trains on every identity of '{}', so the final evaluation needs another set "
      "(--eval-templates and --eval-crops)",
      o.templates);
  IRREV_CHECK(o.eval_templates.empty() == o.eval_crops.empty(),
              "train-inverter: the evaluation set needs both its templates and its crops");
  TrainingInputs in;
  in.set = data::read_template_set(o.templates);
  in.crops = std::make_unique<h5::File>(o.crops, h5::File::Mode::read);
  IRREV_CHECK(in.crops->read_strings("images/name") == in.set.images.names,
              "'{}' and '{}' do not hold the same images in the same order", o.templates, o.crops);
  in.extractor = models::Extractor::load(o.extractor, o.config.device);
  IRREV_CHECK(in.extractor->info().embedding_size == in.set.dim, "extractor '{}' gives {}-D templates, '{}' holds {}-D",
              o.extractor, in.extractor->info().embedding_size, o.templates, in.set.dim);
  if (!o.thresholds.empty()) {
    in.thresholds = read_thresholds(o.thresholds);
    in.has_thresholds = true;
  }
  return in;
}

TrainingSplit split_training_identities(const data::TemplateSet& set, const models::InverterTrainingConfig& cfg) {
  TrainingSplit s;
  for (std::int64_t i = 0; i < set.count; ++i) {
    const auto& subject = set.images.subjects[static_cast<std::size_t>(i)];
    if (data::is_evaluation_subject(subject, cfg.seed, cfg.eval_share)) continue;
    s.subjects.insert(subject);
    (data::is_validation_subject(subject, cfg.seed, cfg.validation_share) ? s.val : s.train).push_back(i);
  }
  IRREV_CHECK(!s.train.empty(), "the identity split (seed {}, eval_share {}) leaves no training images", cfg.seed,
              cfg.eval_share);
  return s;
}

namespace {

/// The third index of the keyed stream that draws the shifts (apart from the permutations' indices).
constexpr std::uint64_t kShiftStream = 0x5348494654ull;  // "SHIFT"

/// Rows of crops.h5 as uint8 N x H x W x 3 (BGR, as stored).
torch::Tensor read_crops(const h5::File& crops, const std::int64_t* rows, std::int64_t n) {
  const auto dims = crops.dims("crops");
  auto out =
      torch::empty({n, static_cast<std::int64_t>(dims[1]), static_cast<std::int64_t>(dims[2]), 3}, torch::kUInt8);
  const auto bytes = static_cast<std::int64_t>(dims[1] * dims[2] * 3);
  for (std::int64_t k = 0; k < n; ++k)
    crops.read_rows("crops", h5::Type::u8, static_cast<std::uint64_t>(rows[k]), 1,
                    out.data_ptr<std::uint8_t>() + k * bytes);
  return out;
}

/// uint8 BGR crops -> RGB float images in [0, 1] at the size of `out` (area resize), written
/// into `out` (N x 3 x size x size) a few at a time.
void to_images(const torch::Tensor& bgr, const torch::Tensor& out) {
  const auto size = out.size(2);
  for (std::int64_t first = 0; first < bgr.size(0); first += 256) {
    const auto n = std::min<std::int64_t>(256, bgr.size(0) - first);
    auto t = bgr.narrow(0, first, n).permute({0, 3, 1, 2}).to(torch::kFloat32).div(255.0).flip(1);
    if (t.size(2) != size)
      t = F::interpolate(t, F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kArea));
    out.narrow(0, first, n).copy_(t);
  }
}

/// Embedding chunk: the extractor sees the same batches of altered crops whatever the rank
/// count and the loader's block size (a multiple of it).
constexpr std::int64_t kEmbedChunk = 16;

/// Templates of altered crops, rows [first, first + n) of a set, written into `out`. Chunks go to
/// rank (chunk mod ranks); the other ranks leave zeros, so that a sum over the ranks afterwards
/// gives every value exactly and the numbers do not depend on the rank count.
void embed_into(const dist::Communicator& comm, const torch::Tensor& bgr, std::int64_t first,
                const models::Extractor& x, const torch::Tensor& out) {
  const auto dim = x.embedding_size();
  for (std::int64_t k = 0; k < bgr.size(0); k += kEmbedChunk) {
    if (((first + k) / kEmbedChunk) % comm.size() != comm.rank()) continue;
    const auto m = std::min(kEmbedChunk, bgr.size(0) - k);
    auto e = x.embed(bgr.data_ptr<std::uint8_t>() + k * bgr.stride(0), m);
    std::copy(e.begin(), e.end(), out.data_ptr<float>() + k * dim);
  }
}

}  // namespace

torch::Tensor shift_crops(const torch::Tensor& bgr, const std::vector<std::int64_t>& rows, int max,
                          std::uint64_t seed) {
  const auto h = bgr.size(1), w = bgr.size(2);
  auto out = torch::empty_like(bgr);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    protect::KeyedStream s(seed, static_cast<std::uint64_t>(rows[k]), kShiftStream);
    const auto span = static_cast<std::uint32_t>(2 * max + 1);
    const auto dy = static_cast<std::int64_t>(s.below(span)) - max, dx = static_cast<std::int64_t>(s.below(span)) - max;
    // Output pixel (y, x) shows input pixel (y - dy, x - dx), clamped to the crop.
    auto ys = torch::arange(h, torch::kInt64).sub(dy).clamp(0, h - 1);
    auto xs = torch::arange(w, torch::kInt64).sub(dx).clamp(0, w - 1);
    const auto i = static_cast<std::int64_t>(k);
    out[i].copy_(bgr[i].index_select(0, ys).index_select(1, xs));
  }
  return out;
}

TrainingSamples load_training_samples(const dist::Communicator& comm, const h5::File& crops,
                                      const data::TemplateSet& set, const std::vector<std::int64_t>& rows, int size,
                                      const models::InverterTrainingConfig& config,
                                      const models::Extractor& extractor) {
  TrainingSamples s;
  const auto n = static_cast<std::int64_t>(rows.size());
  if (n == 0) return s;
  // One tensor for all copies, filled a block of crops at a time: the decoded crops are held
  // one block at a time, never all of them beside the float images (at 70,000 crops of
  // 112 px: 2.6 GB of crops against 10.5 GB of images per copy).
  const std::int64_t copies = 1 + (config.flip ? 1 : 0) + (config.shift > 0 ? 1 : 0);
  const std::int64_t mirrored = 1, moved = config.flip ? 2 : 1;  // the copies' places
  s.images = torch::empty({copies * n, 3, size, size}, torch::kFloat32);
  s.templates = torch::zeros({copies * n, set.dim}, torch::kFloat32);
  auto all = torch::from_blob(const_cast<float*>(set.values.data()), {set.count, set.dim}, torch::kFloat32);
  s.templates.narrow(0, 0, n).copy_(all.index_select(0, torch::tensor(rows, torch::kInt64)));
  constexpr std::int64_t kBlock = 64 * kEmbedChunk;
  for (std::int64_t first = 0; first < n; first += kBlock) {
    const auto b = std::min(kBlock, n - first);
    auto bgr = read_crops(crops, rows.data() + first, b);
    auto images = s.images.narrow(0, first, b);
    to_images(bgr, images);
    if (config.flip) {
      s.images.narrow(0, mirrored * n + first, b).copy_(images.flip(3));
      embed_into(comm, bgr.flip(2).contiguous(), first, extractor,
                 s.templates.narrow(0, mirrored * n + first, b));  // NHWC: 2 is the width
    }
    if (config.shift > 0) {
      const std::vector<std::int64_t> block_rows(rows.begin() + first, rows.begin() + first + b);
      auto shifted = shift_crops(bgr, block_rows, config.shift, config.seed);
      to_images(shifted, s.images.narrow(0, moved * n + first, b));
      embed_into(comm, shifted, first, extractor, s.templates.narrow(0, moved * n + first, b));
    }
  }
  if (copies > 1 && comm.size() > 1) {
    auto altered = s.templates.narrow(0, n, (copies - 1) * n);  // contiguous: rows n.. of a row-major tensor
    comm.sum_in_place(altered.data_ptr<float>(), altered.numel());
  }
  return s;
}

}  // namespace irrev::pipeline::detail
