#include "irrev/models/inverter.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "extractor_impl.hpp"
#include "inverter_impl.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/text_file.hpp"

namespace irrev::models {

nlohmann::json InverterInfo::to_json() const {
  return nlohmann::json{{"config", config.to_json()},       {"template_dim", template_dim},
                        {"extractor", extractor_json},      {"training_subjects", training_subjects},
                        {"training_crops", training_crops}, {"epochs_done", epochs_done}};
}

InverterInfo InverterInfo::parse(const std::string& text, const std::string& where) {
  InverterInfo i;
  try {
    auto j = nlohmann::json::parse(text);
    i.config = InverterTrainingConfig::from_json(j.at("config"), where);
    i.template_dim = j.at("template_dim").get<int>();
    i.extractor_json = j.at("extractor").get<std::string>();
    i.training_subjects = j.at("training_subjects").get<std::vector<std::string>>();
    i.training_crops = j.value("training_crops", std::vector<std::string>{});  // absent before the hashes
    i.epochs_done = j.at("epochs_done").get<int>();
  } catch (const nlohmann::json::exception& e) {
    IRREV_FAIL("'{}' carries no valid inverter metadata: {}", where, e.what());
  }
  return i;
}

void save_inverter(const std::string& path, Generator& generator, const InverterInfo& info) {
  torch::serialize::OutputArchive archive;
  generator->save(archive);
  archive.write("irrev_meta", c10::IValue(info.to_json().dump()));
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  archive.save_to(path + ".tmp");
  sync_path(path + ".tmp");  // whole on disk before it takes the name
  std::filesystem::rename(path + ".tmp", path);
}

Inverter::Inverter(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Inverter::~Inverter() = default;
const InverterInfo& Inverter::info() const { return m_impl->info; }

std::unique_ptr<Inverter> Inverter::load(const std::string& path, const Device& device) {
  return load_weights(path, device, std::nullopt);
}

std::unique_ptr<Inverter> Inverter::load_untrained(const std::string& path, const Device& device, std::uint64_t seed) {
  return load_weights(path, device, seed);
}

std::unique_ptr<Inverter> Inverter::load_weights(const std::string& path, const Device& device,
                                                 std::optional<std::uint64_t> untrained_seed) {
  IRREV_CHECK(std::filesystem::is_regular_file(path), "inverter model '{}' does not exist", path);
  auto impl = std::make_unique<Impl>();
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    IRREV_FAIL("'{}' is not an inverter file: {}", path, e.what_without_backtrace());
  }
  c10::IValue meta;
  IRREV_CHECK(archive.try_read("irrev_meta", meta) && meta.isString(),
              "'{}' is a LibTorch archive without irrev inverter metadata", path);
  impl->info = InverterInfo::parse(meta.toStringRef(), path);
  // The layers draw their initial weights from LibTorch's global generator when constructed.
  if (untrained_seed) torch::manual_seed(*untrained_seed);
  impl->generator = Generator(impl->info.template_dim, impl->info.config.generator);
  if (!untrained_seed) impl->generator->load(archive);
  impl->generator->eval();
  impl->device = torch_device(device);
  impl->folded.emplace(*impl->generator);
  impl->folded->to(impl->device, torch::kFloat32);
  impl->seen.insert(impl->info.training_subjects.begin(), impl->info.training_subjects.end());
  impl->seen_crops.insert(impl->info.training_crops.begin(), impl->info.training_crops.end());
  return std::unique_ptr<Inverter>(new Inverter(std::move(impl)));
}

std::vector<float> Inverter::invert(const float* templates, std::int64_t n) const {
  torch::NoGradGuard no_grad;
  auto z = torch::from_blob(const_cast<float*>(templates), {n, m_impl->info.template_dim}, torch::kFloat32)
               .to(m_impl->device);
  auto img = m_impl->folded->forward(z).to(torch::kCPU).contiguous();
  return std::vector<float>(img.data_ptr<float>(), img.data_ptr<float>() + img.numel());
}

bool Inverter::saw_subject(const std::string& subject) const { return m_impl->seen.count(subject) > 0; }

bool Inverter::saw_crop(const std::string& crop_sha256) const { return m_impl->seen_crops.count(crop_sha256) > 0; }

}  // namespace irrev::models
