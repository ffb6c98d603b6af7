// Where a worker's networks run: worker w of a node takes CUDA device w mod the devices it
// sees. Without CUDA in this LibTorch, the planning mode counts them from CUDA_VISIBLE_DEVICES.
#include <gtest/gtest.h>

#include <cstdlib>

#include "irrev/core/error.hpp"
#include "irrev/models/device_placement.hpp"
#include "irrev/models/extractor.hpp"

using namespace irrev;

namespace {
/// CUDA_VISIBLE_DEVICES set for one test and restored after it.
class VisibleDevices {
 public:
  explicit VisibleDevices(const char* value) {
    if (const char* old = std::getenv("CUDA_VISIBLE_DEVICES")) m_old = old;
    if (value)
      ::setenv("CUDA_VISIBLE_DEVICES", value, 1);
    else
      ::unsetenv("CUDA_VISIBLE_DEVICES");
  }
  ~VisibleDevices() {
    if (m_old.empty())
      ::unsetenv("CUDA_VISIBLE_DEVICES");
    else
      ::setenv("CUDA_VISIBLE_DEVICES", m_old.c_str(), 1);
  }

 private:
  std::string m_old;
};
}  // namespace

TEST(DevicePlacement, CpuIsCpuForEveryWorker) {
  const auto p = models::place_device(Device::cpu(), 3);
  EXPECT_TRUE(p.device.is_cpu());
  EXPECT_EQ(p.node_gpu, "");
}

TEST(DevicePlacement, WorkersTakeTheVisibleGpusInTurn) {
  if (models::cuda_device_count() > 0) GTEST_SKIP() << "counts from CUDA_VISIBLE_DEVICES only without CUDA";
  VisibleDevices env("6,2,4");
  const char* want[] = {"cuda:0", "cuda:1", "cuda:2", "cuda:0"};
  const char* gpu[] = {"6", "2", "4", "6"};
  for (int w = 0; w < 4; ++w) {
    const auto p = models::place_device(Device::cuda(), w, /*from_environment=*/true);
    EXPECT_EQ(p.device.name(), want[w]) << "worker " << w;
    EXPECT_EQ(p.node_gpu, gpu[w]) << "worker " << w;
    EXPECT_EQ(p.visible, 3);
    EXPECT_FALSE(p.cuda_runtime);
  }
  // A device named outright is taken as it is, whatever the worker.
  EXPECT_EQ(models::place_device(Device::cuda(1), 0, true).node_gpu, "2");
  EXPECT_NE(models::describe(models::place_device(Device::cuda(), 1, true), 1).find("would open"), std::string::npos);
}

TEST(DevicePlacement, NamesParseOnceAndUnknownOnesAreRefused) {
  EXPECT_EQ(Device::parse("cuda:3", "test"), Device::cuda(3));
  EXPECT_EQ(Device::parse("cuda", "test").name(), "cuda");
  EXPECT_TRUE(Device::parse("cpu", "test").is_cpu());
  for (const char* bad : {"gpu", "cuda:", "cuda:-1", "cuda:x", "CPU"}) {
    try {
      Device::parse(bad, "job.toml:3:1: attack.device");
      FAIL() << bad << " was taken";
    } catch (const InputError& e) {
      EXPECT_NE(
          std::string(e.what()).find("job.toml:3:1: attack.device: device '" + std::string(bad) + "' is not known"),
          std::string::npos)
          << e.what();
    }
  }
}

TEST(DevicePlacement, CudaWithoutDevicesIsAnErrorThatNamesTheList) {
  if (models::cuda_device_count() > 0) GTEST_SKIP() << "this LibTorch sees CUDA devices";
  VisibleDevices env("0,1");
  try {
    models::place_device(Device::cuda(), 0);  // an attack: nothing to open here
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA_VISIBLE_DEVICES=0,1"), std::string::npos) << e.what();
  }
  VisibleDevices none(nullptr);
  EXPECT_THROW(models::place_device(Device::cuda(), 0, true), InputError);  // nothing to count either
}
