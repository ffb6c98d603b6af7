#include "irrev/models/extractor.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "extractor_impl.hpp"
#include "frozen_copy.hpp"
#include "irrev/core/error.hpp"
#include "irrev/models/onnx_import.hpp"
#include "low_precision.hpp"
#include "onednn_module.hpp"
#ifdef IRREV_WITH_ONNX
#include "onnx_to_torchscript.hpp"
#endif

namespace irrev::models {

namespace {
constexpr const char* kMetaFile = "irrev/extractor.json";
}  // namespace

torch::Device torch_device(const Device& device) {
  if (device.is_cpu()) return torch::kCPU;
  IRREV_CHECK(torch::cuda::is_available(), "device '{}' was asked for, but this LibTorch has no CUDA device",
              device.name());
  IRREV_CHECK(device.index < static_cast<int>(torch::cuda::device_count()),
              "device '{}' does not exist ({} CUDA devices)", device.name(), torch::cuda::device_count());
  return device.index < 0 ? torch::Device(torch::kCUDA) : torch::Device(torch::kCUDA, device.index);
}

torch::Tensor Extractor::Impl::preprocess(const std::uint8_t* bgr, std::int64_t n) const {
  auto t = torch::from_blob(const_cast<std::uint8_t*>(bgr), {n, info.input_height, info.input_width, 3}, torch::kUInt8)
               .to(device)
               .permute({0, 3, 1, 2})
               .to(torch::kFloat32);
  if (info.channel_order == ChannelOrder::rgb) t = t.flip(1);
  auto mean = torch::tensor(std::vector<float>(info.mean.begin(), info.mean.end())).view({1, 3, 1, 1}).to(device);
  auto stdv = torch::tensor(std::vector<float>(info.std.begin(), info.std.end())).view({1, 3, 1, 1}).to(device);
  return ((t - mean) / stdv).contiguous(at::MemoryFormat::ChannelsLast);
}

torch::Tensor Extractor::Impl::from_rgb(const torch::Tensor& rgb) const {
  auto x = rgb;
  if (x.size(2) != info.input_height || x.size(3) != info.input_width)
    x = torch::upsample_bilinear2d(x, std::vector<int64_t>{info.input_height, info.input_width}, false);
  x = x * 255.0;
  if (info.channel_order == ChannelOrder::bgr) x = x.flip(1);
  if (!rgb_mean.defined() || rgb_mean.device() != x.device() || rgb_mean.scalar_type() != x.scalar_type()) {
    rgb_mean = torch::tensor(std::vector<float>(info.mean.begin(), info.mean.end()))
                   .view({1, 3, 1, 1})
                   .to(x.device(), x.scalar_type());
    rgb_std = torch::tensor(std::vector<float>(info.std.begin(), info.std.end()))
                  .view({1, 3, 1, 1})
                  .to(x.device(), x.scalar_type());
  }
  return (x - rgb_mean) / rgb_std;
}

torch::Tensor Extractor::Impl::forward(const torch::Tensor& input) const {
  auto out = const_cast<torch::jit::Module&>(module).forward({input}).toTensor();
  return out.reshape({out.size(0), -1});
}

namespace {
/// A module's output on `input`, one flat embedding per image: what every inference variant returns.
torch::Tensor flat_output(torch::jit::Module& m, const torch::Tensor& input) {
  auto out = m.forward({input}).toTensor();
  return out.reshape({out.size(0), -1});
}
}  // namespace

torch::Tensor Extractor::Impl::infer(const torch::Tensor& input) const {
  // Fewer than 16 float32 images on the CPU would reach LibTorch's im2col + BLAS path for the 1x1
  // convolutions (onednn_module.hpp: ~15x slower per image with Debian's BLAS): such batches are
  // computed by oneDNN, as larger ones are. Measured: a 16-template attack at batch 8 took 33 s
  // on one rank, all but 10 % of it in the generic BLAS.
  if (input.device().is_cpu() && input.scalar_type() == torch::kFloat && input.size(0) < kOneDnnFromBatch) {
    return infer_onednn(input);
  }
  if (!inference) {
    auto copy = eval_copy(module);
    inference = torch::jit::optimize_for_inference(copy);
  }
  return flat_output(*inference, input);
}

torch::Tensor Extractor::Impl::infer_low(const torch::Tensor& input, at::ScalarType dtype) const {
  if (!low || low_dtype != dtype) {
    low = low_precision_module(module, dtype);
    low_dtype = dtype;
  }
  return flat_output(*low, input);
}

torch::Tensor Extractor::Impl::infer_onednn(const torch::Tensor& input) const {
  if (!onednn) onednn = onednn_module(module);
  return flat_output(*onednn, input);
}

int cuda_device_count() { return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0; }

Extractor::Extractor(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Extractor::~Extractor() = default;

const ExtractorInfo& Extractor::info() const { return m_impl->info; }

std::unique_ptr<Extractor> Extractor::load(const std::string& path, const Device& device,
                                           const ExtractorInfo& onnx_info) {
  IRREV_CHECK(std::filesystem::is_regular_file(path), "extractor model '{}' does not exist", path);
  auto impl = std::make_unique<Impl>();
  impl->device = torch_device(device);
  std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".onnx") {
#ifdef IRREV_WITH_ONNX
    impl->info = onnx_info;
    impl->info.validate(path);
    impl->module = detail::onnx_to_torchscript(path, impl->info);
    impl->info.source = path;
    impl->info.source_sha256 = sha256_file(path);
#else
    IRREV_FAIL(
        "'{}': this build has no ONNX importer; import it elsewhere with "
        "'irrev import-onnx' and pass the .pt",
        path);
#endif
  } else {
    torch::jit::ExtraFilesMap extra{{kMetaFile, ""}};
    try {
      impl->module = torch::jit::load(path, torch::kCPU, extra);
    } catch (const c10::Error& e) {
      IRREV_FAIL("'{}' is not a TorchScript model LibTorch can load: {}", path, e.what_without_backtrace());
    }
    std::string meta = extra[kMetaFile];
    if (meta.empty()) {
      std::ifstream side(path + ".json");
      IRREV_CHECK(side.good(),
                  "'{}' carries no irrev metadata and has no '{}.json' beside it (give input "
                  "size, channel_order, mean and std there)",
                  path, path);
      std::stringstream ss;
      ss << side.rdbuf();
      meta = ss.str();
    }
    impl->info = ExtractorInfo::parse(meta, path);
  }
  impl->module.eval();
  impl->module.to(impl->device);
  std::unique_ptr<Extractor> ex(new Extractor(std::move(impl)));
  if (ex->m_impl->info.embedding_size == 0) {
    // Foreign models: find D with one blank image.
    std::vector<std::uint8_t> blank(static_cast<std::size_t>(ex->info().input_width * ex->info().input_height * 3),
                                    127);
    ex->m_impl->info.embedding_size = static_cast<int>(ex->forward_raw(blank.data(), 1).size());
  }
  return ex;
}

std::vector<float> Extractor::forward_raw(const std::uint8_t* bgr, std::int64_t n) const {
  torch::NoGradGuard no_grad;
  auto out = m_impl->forward(m_impl->preprocess(bgr, n)).to(torch::kCPU).contiguous();
  return std::vector<float>(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
}

std::vector<float> Extractor::embed(const std::uint8_t* bgr, std::int64_t n) const {
  torch::NoGradGuard no_grad;
  auto input = m_impl->preprocess(bgr, n);
  // LibTorch sends CPU convolutions of fewer than 16 images to a generic-BLAS path that is ten
  // times slower than oneDNN; pad small batches and drop the padding's outputs.
  constexpr std::int64_t kMinCpuBatch = 16;
  if (m_impl->device.is_cpu() && n < kMinCpuBatch) {
    input = torch::cat({input, input.new_zeros({kMinCpuBatch - n, input.size(1), input.size(2), input.size(3)})})
                .contiguous(at::MemoryFormat::ChannelsLast);
  }
  auto out = m_impl->infer(input).narrow(0, 0, n);
  out = out / out.norm(2, 1, true).clamp_min(1e-12);
  out = out.to(torch::kCPU).contiguous();
  return std::vector<float>(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
}

void set_torch_threads(int threads) {
  at::set_num_threads(threads);
  // Denormal floats (the imported weights hold some) slow AVX-512 convolutions a hundredfold;
  // flushing them to zero changes no result that a float32 threshold can see.
  at::globalContext().setFlushDenormal(true);
  // Inter-op threads can be set once per process only; a second call throws.
  static bool inter_set = false;
  if (!inter_set) {
    at::set_num_interop_threads(1);
    inter_set = true;
  }
}

#ifdef IRREV_WITH_ONNX
ExtractorInfo import_onnx(const std::string& onnx_path, const std::string& out_path, ExtractorInfo info) {
  info.validate(onnx_path);
  auto module = detail::onnx_to_torchscript(onnx_path, info);
  info.source = std::filesystem::path(onnx_path).filename().string();
  info.source_sha256 = sha256_file(onnx_path);
  {
    torch::NoGradGuard no_grad;
    auto out = module.forward({torch::zeros({2, 3, info.input_height, info.input_width})}).toTensor();
    IRREV_CHECK(out.size(0) == 2, "'{}': the imported model does not keep the batch dimension", onnx_path);
    info.embedding_size = static_cast<int>(out.numel() / 2);
  }
  torch::jit::ExtraFilesMap extra{{kMetaFile, info.to_text()}};
  auto parent = std::filesystem::path(out_path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  std::string tmp = out_path + ".tmp";
  module.save(tmp, extra);
  std::filesystem::rename(tmp, out_path);
  return info;
}
#endif

}  // namespace irrev::models
