#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "irrev/core/error.hpp"
#include "irrev/data/h5_file.hpp"

using namespace irrev;
namespace fs = std::filesystem;

namespace {
std::string temp_file(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("irrev_h5_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}
}  // namespace

TEST(H5File, RoundTripsTypedRowsStringsAndAttributes) {
  std::string path = temp_file("roundtrip.h5");
  {
    h5::File f(path, h5::File::Mode::truncate);
    f.create("m/values", h5::Type::f32, {3, 2}, 2);
    std::vector<float> row1{3.5f, -1.25f};
    f.write_rows("m/values", h5::Type::f32, 1, 1, row1.data());
    f.write<std::int64_t>("ids", {7, 1LL << 40});
    f.write<std::int8_t>("g", {-1, 0, 1});
    f.write_strings("names", {"Aaron_Eckhart_0001.jpg", "", "Zoë"});
    f.set_attribute("schema", "irrev.test/1");
  }
  h5::File f(path, h5::File::Mode::read);
  h5::Dims dims;
  auto v = f.read<float>("m/values", &dims);
  ASSERT_EQ(dims, (h5::Dims{3, 2}));
  EXPECT_EQ(v[2], 3.5f);
  EXPECT_EQ(v[3], -1.25f);
  EXPECT_EQ(f.read<std::int64_t>("ids")[1], 1LL << 40);
  EXPECT_EQ(f.read<std::int8_t>("g")[0], -1);
  auto names = f.read_strings("names");
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "Aaron_Eckhart_0001.jpg");
  EXPECT_EQ(names[1], "");
  EXPECT_EQ(names[2], "Zoë");
  EXPECT_EQ(f.attribute("schema"), "irrev.test/1");
  EXPECT_TRUE(f.has("m/values"));
  EXPECT_FALSE(f.has("m/other"));
  EXPECT_FALSE(f.has("nothing/here"));
}

TEST(H5File, ErrorsNameTheFileAndDataset) {
  std::string path = temp_file("errors.h5");
  {
    h5::File f(path, h5::File::Mode::truncate);
    f.write<float>("a", {1, 2});
  }
  h5::File f(path, h5::File::Mode::read);
  try {
    f.read<float>("missing");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'missing'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::vector<float> out(2);
  EXPECT_THROW(f.read_rows("a", h5::Type::f32, 1, 2, out.data()), InputError);
  EXPECT_THROW(h5::File(temp_file("absent.h5"), h5::File::Mode::read), InputError);
}

TEST(H5File, NonHdf5FileIsAClearError) {
  std::string path = temp_file("not.h5");
  { std::ofstream(path) << "plain text"; }
  try {
    h5::File f(path, h5::File::Mode::read);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not an HDF5 file"), std::string::npos) << e.what();
  }
}

TEST(AtomicOutput, OnlyACommittedFileAppears) {
  std::string path = temp_file("atomic.h5");
  fs::remove(path);
  {
    h5::AtomicOutput out(path);
    h5::File f(out.temp_path(), h5::File::Mode::truncate);
    f.write<float>("x", {1});
    // destroyed without commit: a crashed stage
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  {
    h5::AtomicOutput out(path);
    {
      h5::File f(out.temp_path(), h5::File::Mode::truncate);
      f.write<float>("x", {1});
    }
    out.commit();
  }
  EXPECT_TRUE(fs::exists(path));
}
