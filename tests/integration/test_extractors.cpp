// Imported extractors against an independent implementation (OpenCV DNN) on real LFW crops.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstring>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/dnn.hpp>

#include <torch/cuda.h>
#include "../common/cpu_bf16.hpp"
#include "irrev/config/job_config.hpp"
#include "irrev/core/error.hpp"
#include "irrev/data/lfw_layout.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/extractor_info.hpp"
#include "irrev/models/onnx_import.hpp"
#include "irrev/vision/face_cropper.hpp"
#include "models/autocast.hpp"
#include "models/extractor_impl.hpp"
#include "models/onnx_to_torchscript.hpp"

// Inside the engine's namespace rather than `using namespace irrev`, which in a unity build
// would reach the next file's includes (LibTorch's Device against irrev::Device).
namespace irrev {
namespace fs = std::filesystem;

namespace {
const std::string kLfw = IRREV_TEST_LFW_IMAGES;
const std::string kMobileFaceNet = IRREV_TEST_SECOND_EXTRACTOR;

std::string models_dir() { return config::default_models_dir(); }

fs::path temp_dir() {
  auto d = fs::temp_directory_path() / ("irrev_extractors_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

/// Real crops: the first images of a few LFW subjects, through the real ingest pipeline.
const std::vector<std::uint8_t>& real_crops(std::int64_t& n) {
  static std::vector<std::uint8_t> crops;
  static std::int64_t count = 0;
  IRREV_CHECK(fs::is_directory(kLfw), "real LFW images are needed at '{}' (scripts/test.sh sets IRREV_TEST_LFW)", kLfw);
  if (crops.empty()) {
    vision::FaceCropper cropper(models_dir(), {});
    for (const char* f : {"Aaron_Eckhart/Aaron_Eckhart_0001.jpg", "Abel_Pacheco/Abel_Pacheco_0001.jpg",
                          "Abel_Pacheco/Abel_Pacheco_0004.jpg", "Zico/Zico_0001.jpg",
                          "Serena_Williams/Serena_Williams_0001.jpg", "Serena_Williams/Serena_Williams_0002.jpg"}) {
      auto r = cropper.process_file(kLfw + "/" + f);
      EXPECT_TRUE(r.ok) << f << ": " << r.reason;
      crops.insert(crops.end(), r.crop.begin(), r.crop.end());
      ++count;
    }
  }
  n = count;
  return crops;
}

models::ExtractorInfo fr_feature_norm() {
  models::ExtractorInfo info;
  info.name = "fr_feature";
  return info;  // BGR, (x - 127) / 128: the defaults
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float m = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

double cosine(const std::vector<float>& e, int d, int i, int j) {
  double s = 0;
  for (int k = 0; k < d; ++k) s += static_cast<double>(e[i * d + k]) * e[j * d + k];
  return s;
}
}  // namespace

TEST(FrFeature, ImportedModuleMatchesOpenCvDnnOnRealCrops) {
  std::int64_t n = 0;
  const auto& crops = real_crops(n);
  auto pt = (temp_dir() / "fr_feature.pt").string();
  auto info = models::import_onnx(models_dir() + "/fr_feature.onnx", pt, fr_feature_norm());
  EXPECT_EQ(info.embedding_size, 512);
  EXPECT_EQ(info.input_width, 112);
  EXPECT_EQ(info.source_sha256, "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581");

  cv::dnn::Net net = cv::dnn::readNetFromONNX(models_dir() + "/fr_feature.onnx");
  std::vector<float> reference;
  for (std::int64_t i = 0; i < n; ++i) {
    cv::Mat crop(112, 112, CV_8UC3, const_cast<std::uint8_t*>(crops.data()) + i * 112 * 112 * 3);
    net.setInput(
        cv::dnn::blobFromImage(crop, 1.0 / 128, cv::Size(112, 112), cv::Scalar(127, 127, 127), /*swapRB=*/false));
    cv::Mat out = net.forward();
    reference.insert(reference.end(), out.ptr<float>(), out.ptr<float>() + out.total());
  }
  auto ex = models::Extractor::load(pt, Device::cpu());
  EXPECT_EQ(ex->info().channel_order, models::ChannelOrder::bgr);
  auto raw = ex->forward_raw(crops.data(), n);
  EXPECT_LT(max_abs_diff(raw, reference), 1e-4f);

  // The frozen inference path (what embed runs) against normalised OpenCV output.
  for (std::int64_t i = 0; i < n; ++i) {
    double norm = 0;
    for (int k = 0; k < 512; ++k) norm += reference[i * 512 + k] * reference[i * 512 + k];
    for (int k = 0; k < 512; ++k) reference[i * 512 + k] /= static_cast<float>(std::sqrt(norm));
  }
  auto emb = ex->embed(crops.data(), n);
  EXPECT_LT(max_abs_diff(emb, reference), 1e-4f);
  // Same person scores above different people.
  EXPECT_GT(cosine(emb, 512, 1, 2), cosine(emb, 512, 0, 1));
  EXPECT_GT(cosine(emb, 512, 4, 5), cosine(emb, 512, 3, 4));
}

TEST(FrFeature, GradientsFlowToTheInput) {
  std::int64_t n = 0;
  const auto& crops = real_crops(n);
  auto ex = models::Extractor::load(models_dir() + "/fr_feature.onnx", Device::cpu(), fr_feature_norm());
  auto& impl = ex->impl();
  auto input = impl.preprocess(crops.data(), 2).detach().requires_grad_(true);
  auto out = impl.forward(input);
  out.pow(2).sum().backward();
  ASSERT_TRUE(input.grad().defined());
  double g = input.grad().abs().sum().item<double>();
  EXPECT_GT(g, 0.0);
  EXPECT_TRUE(std::isfinite(g));
}

namespace {
/// The largest difference between the comparison scores (cosines of every pair of rows) of two
/// embeddings of the same images: what a threshold sees.
double largest_score_change(const torch::Tensor& a, const torch::Tensor& b) {
  auto na = a / a.norm(2, 1, true);
  auto nb = b / b.norm(2, 1, true);
  return (na.matmul(na.t()) - nb.matmul(nb.t())).abs().max().item<double>();
}
}  // namespace

// The bf16 re-embedding (precision bf16-all on the CPU): every convolution's bias split into its
// bf16 rounding and the remainder. It must really compute in bf16 and keep the comparison scores
// of real faces within the guard's 1e-2 (autocast's rounding is printed beside it: on real crops
// the two are alike; the split pays on reconstructions, bench/RESULTS.md).
TEST(FrFeature, LowPrecisionModuleComputesInBf16WithinTheGuard) {
  if (!test_support::cpu_has_bf16_units()) GTEST_SKIP() << test_support::kNoBf16Units;
  std::int64_t n = 0;
  const auto& crops = real_crops(n);
  auto ex = models::Extractor::load(models_dir() + "/fr_feature.onnx", Device::cpu(), fr_feature_norm());
  auto& impl = ex->impl();
  torch::NoGradGuard no_grad;
  // The crops and their mirror images: 12 faces, 66 comparison scores.
  auto x = impl.preprocess(crops.data(), n);
  x = torch::cat({x, x.flip(3)}).contiguous(at::MemoryFormat::ChannelsLast);
  const auto fp32 = impl.infer(x);
  const auto low = impl.infer_low(x, at::kBFloat16);
  torch::Tensor autocast;
  {
    models::AutocastGuard guard(true, torch::kCPU, at::kBFloat16, false);
    autocast = impl.forward(x).to(torch::kFloat32);
  }
  ASSERT_EQ(low.scalar_type(), torch::kFloat32);
  ASSERT_EQ(low.sizes(), fp32.sizes());
  const double low_change = largest_score_change(fp32, low), autocast_change = largest_score_change(fp32, autocast);
  RecordProperty("low_precision_score_change", std::to_string(low_change));
  RecordProperty("autocast_score_change", std::to_string(autocast_change));
  EXPECT_GT((low - fp32).abs().max().item<double>(), 1e-3) << "the low-precision module computed in float32";
  EXPECT_LT(low_change, 1e-2) << "autocast: " << autocast_change;
}

// The fp32 recheck's extractor (bf16-checked on the CPU): every convolution called in oneDNN,
// so that batches under 16 images stay fast. The same embeddings as the frozen module's, in
// batches of 4 as the recheck runs them.
TEST(FrFeature, OneDnnModuleGivesTheFp32Embeddings) {
  std::int64_t n = 0;
  const auto& crops = real_crops(n);
  auto ex = models::Extractor::load(models_dir() + "/fr_feature.onnx", Device::cpu(), fr_feature_norm());
  auto& impl = ex->impl();
  torch::NoGradGuard no_grad;
  const auto x = impl.preprocess(crops.data(), n).contiguous(at::MemoryFormat::ChannelsLast);
  ASSERT_GE(n, 4);
  const auto four = x.narrow(0, 0, 4);
  const auto want = impl.infer(four), got = impl.infer_onednn(four);
  ASSERT_EQ(got.scalar_type(), torch::kFloat32);
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LT((got - want).abs().max().item<double>(), 1e-4 * want.abs().max().item<double>());
  EXPECT_GT(largest_score_change(want, want.flip(0)), 0.1) << "the four faces embed alike: the check proves little";
}

TEST(MobileFaceNet, ImportsWithClipInputsAndEmbeds128D) {
  // Not redistributable and not on a public registry: read from ../shared (or the path the build
  // was given); a machine without it says so.
  if (!fs::exists(kMobileFaceNet)) GTEST_SKIP() << "the second extractor is not at " << kMobileFaceNet;
  std::int64_t n = 0;
  const auto& crops = real_crops(n);
  models::ExtractorInfo norm;
  norm.name = "mobilefacenet-128";
  norm.channel_order = models::ChannelOrder::rgb;
  norm.mean = {127.5f, 127.5f, 127.5f};
  auto pt = (temp_dir() / "mfn.pt").string();
  auto info = models::import_onnx(kMobileFaceNet, pt, norm);
  EXPECT_EQ(info.embedding_size, 128);
  auto from_pt = models::Extractor::load(pt, Device::cpu());
  auto from_onnx = models::Extractor::load(kMobileFaceNet, Device::cpu(), norm);
  auto a = from_pt->embed(crops.data(), n);
  auto b = from_onnx->embed(crops.data(), n);
  ASSERT_EQ(a.size(), static_cast<std::size_t>(n * 128));
  EXPECT_EQ(max_abs_diff(a, b), 0.0f);
  EXPECT_GT(cosine(a, 128, 1, 2), cosine(a, 128, 0, 1));
  EXPECT_GT(cosine(a, 128, 4, 5), cosine(a, 128, 3, 5));
  // RGB and BGR must differ: the channel order reaches the network.
  norm.channel_order = models::ChannelOrder::bgr;
  auto swapped = models::Extractor::load(kMobileFaceNet, Device::cpu(), norm)->embed(crops.data(), n);
  EXPECT_GT(max_abs_diff(a, swapped), 1e-3f);
}

TEST(OnnxImport, UnsupportedOperatorNamesOperatorAndNode) {
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.add_opset_import()->set_version(11);
  auto* g = model.mutable_graph();
  g->set_name("tiny");
  auto* in = g->add_input();
  in->set_name("input");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  g->add_output()->set_name("out");
  auto* node = g->add_node();
  node->set_op_type("Softmax");
  node->set_name("head_softmax");
  node->add_input("input");
  node->add_output("out");
  auto path = (temp_dir() / "softmax.onnx").string();
  {
    std::ofstream f(path, std::ios::binary);
    model.SerializeToOstream(&f);
  }
  try {
    models::import_onnx(path, (temp_dir() / "softmax.pt").string(), {});
    FAIL() << "imported an unsupported operator";
  } catch (const InputError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("'Softmax'"), std::string::npos) << what;
    EXPECT_NE(what.find("'head_softmax'"), std::string::npos) << what;
  }
}

namespace {
/// The real fr_feature.onnx with `damage` applied, written to `name` in the test folder.
template <class Damage>
std::string damaged_fr_feature(const std::string& name, Damage&& damage) {
  onnx::ModelProto model;
  {
    std::ifstream f(models_dir() + "/fr_feature.onnx", std::ios::binary);
    EXPECT_TRUE(model.ParseFromIstream(&f));
  }
  damage(*model.mutable_graph());
  auto path = (temp_dir() / name).string();
  std::ofstream f(path, std::ios::binary);
  model.SerializeToOstream(&f);
  return path;
}

/// The import's error message (an InputError expected).
std::string import_error(const std::string& path) {
  try {
    models::import_onnx(path, path + ".pt", fr_feature_norm());
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << path << " was imported";
  return {};
}
}  // namespace

// A hostile file: fr_feature's one int64 initializer (the Reshape's target shape, 2 values)
// declaring far more values than it holds, stored as int64_data and as raw bytes; an initializer
// with a negative dimension; a Conv whose pads list is short; a node without inputs. Each is
// refused naming the tensor or the node, and nothing reads or writes past the data.
TEST(OnnxImport, MalformedInitializersAndNodesAreRefusedByName) {
  std::string shape_name;
  const auto oversized = damaged_fr_feature("int64_oversized.onnx", [&](onnx::GraphProto& g) {
    for (auto& t : *g.mutable_initializer())
      if (t.data_type() == onnx::TensorProto::INT64) {
        shape_name = t.name();
        std::vector<std::int64_t> values;
        if (t.has_raw_data()) {
          values.resize(t.raw_data().size() / 8);
          std::memcpy(values.data(), t.raw_data().data(), values.size() * 8);
          t.clear_raw_data();
        } else {
          values.assign(t.int64_data().begin(), t.int64_data().end());
        }
        t.clear_int64_data();
        for (auto v : values) t.add_int64_data(v);
        t.clear_dims();
        t.add_dims(1 << 20);  // declares a million values, holds two
        return;
      }
  });
  ASSERT_FALSE(shape_name.empty()) << "fr_feature.onnx has no int64 initializer";
  auto what = import_error(oversized);
  EXPECT_NE(what.find("tensor '" + shape_name + "' has 2 int64 values, expected 1048576"), std::string::npos) << what;

  const auto raw = damaged_fr_feature("int64_raw.onnx", [&](onnx::GraphProto& g) {
    for (auto& t : *g.mutable_initializer())
      if (t.name() == shape_name) {
        std::string bytes(16, '\0');
        t.clear_int64_data();
        t.set_raw_data(bytes);
        t.clear_dims();
        t.add_dims(1 << 20);
      }
  });
  what = import_error(raw);
  EXPECT_NE(what.find("tensor '" + shape_name + "' has 16 raw bytes for 1048576 int64 values"), std::string::npos)
      << what;

  const auto negative = damaged_fr_feature("negative_dim.onnx", [&](onnx::GraphProto& g) {
    auto& t = *g.mutable_initializer(0);
    t.set_dims(0, -3);
  });
  what = import_error(negative);
  EXPECT_NE(what.find("declares the dimensions [-3"), std::string::npos) << what;

  std::string conv_name;
  const auto short_pads = damaged_fr_feature("short_pads.onnx", [&](onnx::GraphProto& g) {
    for (auto& n : *g.mutable_node())
      if (n.op_type() == "Conv") {
        conv_name = n.name().empty() ? n.output(0) : n.name();
        for (auto& a : *n.mutable_attribute())
          if (a.name() == "pads") a.mutable_ints()->RemoveLast();
        return;
      }
  });
  what = import_error(short_pads);
  EXPECT_NE(what.find("Conv node '" + conv_name + "' has malformed attributes"), std::string::npos) << what;

  const auto no_inputs = damaged_fr_feature("no_inputs.onnx", [&](onnx::GraphProto& g) {
    for (auto& n : *g.mutable_node())
      if (n.op_type() == "PRelu") {
        n.clear_input();
        return;
      }
  });
  what = import_error(no_inputs);
  EXPECT_NE(what.find("PRelu node '"), std::string::npos) << what;
  EXPECT_NE(what.find("has 0 inputs"), std::string::npos) << what;
}

TEST(OnnxImport, NotAnOnnxFileIsAClearError) {
  auto path = (temp_dir() / "garbage.onnx").string();
  std::ofstream(path) << "this is not protobuf";
  EXPECT_THROW(models::import_onnx(path, path + ".pt", {}), InputError);
  EXPECT_THROW(models::Extractor::load((temp_dir() / "absent.pt").string(), Device::cpu()), InputError);
}

TEST(Extractor, CudaRequestWithoutCudaIsAClearError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is present";
  try {
    models::Extractor::load(models_dir() + "/fr_feature.pt", Device::cuda());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no CUDA device"), std::string::npos) << e.what();
  }
}

TEST(Extractor, ForeignTorchScriptLoadsWithSidecarMetadata) {
  // A TorchScript file without irrev's metadata (as PyTorch users save ArcFace) plus a JSON
  // beside it: the network comes from the real fr_feature import.
  std::int64_t n = 0;
  const auto& crops = real_crops(n);
  models::ExtractorInfo info = fr_feature_norm();
  auto module = models::detail::onnx_to_torchscript(models_dir() + "/fr_feature.onnx", info);
  auto pt = (temp_dir() / "foreign.pt").string();
  module.save(pt);
  EXPECT_THROW(models::Extractor::load(pt, Device::cpu()), InputError);  // no metadata anywhere
  std::ofstream(pt + ".json") << info.to_text();
  auto foreign = models::Extractor::load(pt, Device::cpu());
  EXPECT_EQ(foreign->embedding_size(), 512);  // found by a forward pass
  auto reference = models::Extractor::load(models_dir() + "/fr_feature.pt", Device::cpu());
  EXPECT_EQ(max_abs_diff(foreign->embed(crops.data(), n), reference->embed(crops.data(), n)), 0.0f);
}

/// The check that an inverter, templates and an extractor belong together compares the records
/// as values: the real model's record matches itself re-spaced and re-ordered, with a field a
/// later version may add, and without a field an older version lacked that has its default;
/// another normalisation or another model does not.
TEST(Extractor, SameExtractorComparesRecordsNotText) {
  const auto fr = models::Extractor::load(models_dir() + "/fr_feature.pt", Device::cpu())->info();
  const std::string text = fr.to_text();
  const auto j = nlohmann::json::parse(text);
  nlohmann::ordered_json reversed;
  for (auto it = j.rbegin(); it != j.rend(); ++it) reversed[it.key()] = it.value();
  ASSERT_NE(reversed.dump(2), text);
  EXPECT_TRUE(models::same_extractor(text, reversed.dump(2)));
  auto other_norm = fr;
  other_norm.mean[0] += 0.5f;
  EXPECT_FALSE(models::same_extractor(text, other_norm.to_text()));
  EXPECT_FALSE(models::same_extractor(fr, fr_feature_norm().to_text(), "test"));  // no embedding size or source yet
  auto added = j;
  added["opset"] = 13;
  EXPECT_TRUE(models::same_extractor(text, added.dump()));
  auto plain = fr_feature_norm();  // embedding size 0, no source: the defaults
  auto older = plain.to_json();
  older.erase("embedding_size");
  older.erase("source");
  EXPECT_TRUE(models::same_extractor(plain, older.dump(), "test"));
  older["embedding_size"] = 128;
  EXPECT_FALSE(models::same_extractor(plain.to_text(), older.dump()));
  // A record that is not one (no input size) is an error naming the file that holds it.
  try {
    models::same_extractor(text, R"({"name": "fr_feature"})", "inverter.pt", "templates.h5");
    ADD_FAILURE() << "a record without an input size compared";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("templates.h5"), std::string::npos) << e.what();
  }
}

}  // namespace irrev
