// The checkpoint every resumable stage shares (src/pipeline/unit_checkpoint): what it writes
// reads back whole; a file written before the stages shared it (no schema) still verifies; and
// each way a file can be wrong is refused with its own message.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../../src/pipeline/unit_checkpoint.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/sha256.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/json_reading.hpp"

using namespace irrev;
using pipeline::detail::CheckpointFormat;
using pipeline::detail::UnitCheckpoint;
namespace fs = std::filesystem;

namespace {

const std::string kKey = R"({"plans":["b4-exhaustive"],"settings":{"batch":16,"layout":"nchw"}})";

/// Three units, two done; a plan's counts (labelled) and a byte array.
UnitCheckpoint state() {
  return {{1, 0, 1},
          {{"plans/b4/counts", std::vector<std::int64_t>{3, 1, 4, 1, 5, 9}, {2, 3}, "b4"},
           {"bytes", std::vector<std::uint8_t>{7, 8, 9}, {}, ""}}};
}

/// The layout a reader expects: sizes of the counts, any number of bytes.
UnitCheckpoint layout() {
  auto s = state();
  s.done.assign(3, 0);
  s.arrays[1].values = std::vector<std::uint8_t>{};
  return s;
}

const CheckpointFormat kFormat{"attack", "irrev.test-checkpoint/1", true, {}};

/// Whether `f` throws an InputError whose message holds `part` (the message where it does not).
::testing::AssertionResult refused_with(const std::function<void()>& f, const std::string& part) {
  try {
    f();
  } catch (const InputError& e) {
    if (std::string(e.what()).find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the message: " << e.what();
  }
  return ::testing::AssertionFailure() << "no InputError";
}

}  // namespace

// Outside the anonymous namespace: a test's class derives from it (and the unity build merges
// the test files).
class UnitCheckpointFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("irrev_unit_checkpoint_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    path = (dir / "c.checkpoint.h5").string();
  }
  void TearDown() override { fs::remove_all(dir); }
  UnitCheckpoint read(const CheckpointFormat& format = kFormat, const std::string& key = kKey) const {
    return pipeline::detail::read_unit_checkpoint(path, format, key, layout(), 3);
  }
  fs::path dir;
  std::string path;
};

TEST_F(UnitCheckpointFile, ReadsBackWhatItWrote) {
  pipeline::detail::write_unit_checkpoint(path, kFormat, kKey, state(), "running", {{"samples_done", 12}});
  const auto r = read();
  EXPECT_EQ(r.done, state().done);
  ASSERT_EQ(r.arrays.size(), 2U);
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(r.arrays[0].values), (std::vector<std::int64_t>{3, 1, 4, 1, 5, 9}));
  EXPECT_EQ(std::get<std::vector<std::uint8_t>>(r.arrays[1].values), (std::vector<std::uint8_t>{7, 8, 9}));
  h5::File f(path, h5::File::Mode::read);
  EXPECT_EQ(f.attribute("schema"), "irrev.test-checkpoint/1");
  EXPECT_EQ(f.attribute("status"), "running");
  EXPECT_EQ(f.dims("plans/b4/counts"), (h5::Dims{2, 3}));
  const auto progress = data::json_attribute(f, "progress");
  EXPECT_EQ(progress.at("units_done"), 2);
  EXPECT_EQ(progress.at("units_total"), 3);
  EXPECT_EQ(progress.at("samples_done"), 12);
}

// The digest is what the attack's checkpoint hashed before the stages shared one (key, done,
// then each plan's name and its counts, its histograms): a file an earlier version wrote, with
// no schema, resumes; with one value changed it is refused as damaged and kept.
TEST_F(UnitCheckpointFile, AFileOfTheEarlierLayoutVerifiesAndItsDamageIsSeen) {
  const auto write_old = [&](std::int64_t first_count) {
    auto s = state();
    const auto counts = std::vector<std::int64_t>{first_count, 1, 4, 1, 5, 9};
    h5::File f(path, h5::File::Mode::truncate);
    f.set_attribute("key", kKey);
    f.set_attribute("sha256", Sha256()
                                  .update(kKey)
                                  .update(s.done)
                                  .update(std::string("b4"))
                                  .update(std::vector<std::int64_t>{3, 1, 4, 1, 5, 9})
                                  .update(std::vector<std::uint8_t>{7, 8, 9})
                                  .hex());
    f.write("done", s.done);
    f.write("plans/b4/counts", counts, {2, 3});
    f.write("bytes", std::vector<std::uint8_t>{7, 8, 9});
    f.close();
  };
  write_old(3);
  EXPECT_EQ(read().done, state().done);
  write_old(5);
  EXPECT_TRUE(refused_with([&] { read(); }, "c.checkpoint.h5' is damaged (its checksum does not match"));
  EXPECT_TRUE(fs::exists(path));
  // A stage whose files always carried a schema refuses one without.
  write_old(3);
  auto strict = kFormat;
  strict.schema_may_be_absent = false;
  EXPECT_TRUE(refused_with([&] { read(strict); }, "another layout than this version's attack checkpoints (no schema"));
}

TEST_F(UnitCheckpointFile, AnotherRunsCheckpointIsRefusedNamingWhatDiffers) {
  pipeline::detail::write_unit_checkpoint(path, kFormat, kKey, state(), "running", nlohmann::json::object());
  const std::string other = R"({"plans":["b4-exhaustive"],"settings":{"batch":32,"layout":"nchw"}})";
  EXPECT_TRUE(
      refused_with([&] { read(kFormat, other); }, "checkpoint of a different attack (it differs in: settings/batch)"));
  EXPECT_TRUE(refused_with([&] { read(kFormat, "not json"); }, "different attack (other settings or inputs)"));
  auto newer = kFormat;
  newer.schema = "irrev.test-checkpoint/2";
  EXPECT_TRUE(refused_with([&] { read(newer); }, "(irrev.test-checkpoint/1; expected irrev.test-checkpoint/2)"));
  auto pinned = kFormat;
  pinned.pinned = {"archive_format", "format B", "results in another binary format", "resume it there"};
  EXPECT_TRUE(refused_with([&] { read(pinned); },
                           "holds results in another binary format (none recorded) than this "
                           "build reads (format B): resume it there"));
}

TEST_F(UnitCheckpointFile, StatesThatCannotBeAreRefusedAsDamaged) {
  auto s = state();
  s.done[1] = 2;
  pipeline::detail::write_unit_checkpoint(path, kFormat, kKey, s, "running", nlohmann::json::object());
  EXPECT_TRUE(refused_with([&] { read(); }, "damaged (unit 1 is marked 2 (not 0 or 1))"));

  pipeline::detail::write_unit_checkpoint(path, kFormat, kKey, state(), "running", nlohmann::json::object());
  EXPECT_TRUE(refused_with([&] { pipeline::detail::read_unit_checkpoint(path, kFormat, kKey, layout(), 4); },
                           "damaged (3 units recorded, the attack has 4"));
  const auto odd_counts = [](const UnitCheckpoint& c) {
    return std::get<std::vector<std::int64_t>>(c.arrays[0].values)[0] % 2 ? "an odd first count" : "";
  };
  EXPECT_TRUE(
      refused_with([&] { pipeline::detail::read_unit_checkpoint(path, kFormat, kKey, layout(), 3, odd_counts); },
                   "damaged (an odd first count)"));
  auto wider = layout();
  wider.arrays[0].values = std::vector<std::int64_t>(8, 0);
  EXPECT_TRUE(refused_with([&] { pipeline::detail::read_unit_checkpoint(path, kFormat, kKey, wider, 3); },
                           "'plans/b4/counts' holds 6 values, 8 expected"));
  // Not HDF5 at all.
  std::ofstream(path, std::ios::trunc) << "not a checkpoint";
  EXPECT_TRUE(refused_with([&] { read(); }, "is damaged ("));
}
