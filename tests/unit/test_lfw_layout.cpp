#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "irrev/core/error.hpp"
#include "irrev/data/lfw_layout.hpp"

using namespace irrev;
using namespace irrev::data;
namespace fs = std::filesystem;

namespace {
const std::string kLfw = IRREV_TEST_LFW;
const std::string kLfwImages = IRREV_TEST_LFW_IMAGES;

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("irrev_lfw_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::unordered_map<std::string, std::int64_t> index_of(const std::vector<ImageRecord>& images) {
  std::unordered_map<std::string, std::int64_t> m;
  for (std::size_t i = 0; i < images.size(); ++i) m[images[i].name] = static_cast<std::int64_t>(i);
  return m;
}
}  // namespace

TEST(LfwLayout, ScansAllOfLfwInSubjectOrder) {
  std::vector<Reject> rejects;
  auto images = scan_lfw_folder(kLfwImages, rejects);
  EXPECT_EQ(images.size(), 13233u);
  EXPECT_TRUE(rejects.empty());
  EXPECT_EQ(images.front().path, "AJ_Cook/AJ_Cook_0001.jpg");
  EXPECT_EQ(images.front().number, 1);
  for (std::size_t i = 1; i < images.size(); ++i) {
    bool ordered = images[i - 1].subject < images[i].subject ||
                   (images[i - 1].subject == images[i].subject && images[i - 1].number < images[i].number);
    ASSERT_TRUE(ordered) << images[i - 1].path << " before " << images[i].path;
  }
}

TEST(LfwLayout, ResolvesEveryView2PairOfRealLfw) {
  std::vector<Reject> rejects;
  auto images = scan_lfw_folder(kLfwImages, rejects);
  auto pairs = read_pairs(kLfw + "/pairs.txt", index_of(images), rejects);
  EXPECT_TRUE(rejects.empty());
  EXPECT_EQ(pairs.folds, 10);
  EXPECT_EQ(pairs.per_fold, 300);
  ASSERT_EQ(pairs.pairs.size(), 6000u);
  std::array<int, 10> genuine{}, impostor{};
  for (const auto& p : pairs.pairs) (p.genuine ? genuine : impostor)[p.fold]++;
  for (int f = 0; f < 10; ++f) {
    EXPECT_EQ(genuine[f], 300);
    EXPECT_EQ(impostor[f], 300);
  }
  // First line of the file: "Abel_Pacheco 1 4"; line 302 is the first impostor line.
  const auto& first = pairs.pairs[0];
  EXPECT_TRUE(first.genuine);
  EXPECT_EQ(images[first.a].name, "Abel_Pacheco_0001.jpg");
  EXPECT_EQ(images[first.b].name, "Abel_Pacheco_0004.jpg");
  EXPECT_FALSE(pairs.pairs[300].genuine);
  EXPECT_NE(images[pairs.pairs[300].a].subject, images[pairs.pairs[300].b].subject);
}

TEST(LfwLayout, PairFaultsBecomeRejectsWithLineNumbers) {
  auto dir = temp_dir("pairs");
  std::ofstream(dir / "pairs.txt") << "1 3\n"
                                      "A 1 2\n"
                                      "A 1 9\n"     // names a missing image
                                      "B 1 A 2\n"   // impostor line where a genuine belongs
                                      "A x B 1\n";  // malformed number
  std::unordered_map<std::string, std::int64_t> idx{{"A_0001.jpg", 0}, {"A_0002.jpg", 1}, {"B_0001.jpg", 2}};
  std::vector<Reject> rejects;
  auto pairs = read_pairs((dir / "pairs.txt").string(), idx, rejects);
  ASSERT_EQ(pairs.pairs.size(), 1u);
  EXPECT_EQ(pairs.pairs[0].a, 0);
  EXPECT_EQ(pairs.pairs[0].b, 1);
  ASSERT_EQ(rejects.size(), 4u);
  EXPECT_NE(rejects[0].file.find("pairs.txt:3"), std::string::npos);
  EXPECT_NE(rejects[0].reason.find("A_0009.jpg"), std::string::npos);
  EXPECT_NE(rejects[1].file.find("pairs.txt:4"), std::string::npos);
  EXPECT_NE(rejects[1].reason.find("malformed genuine"), std::string::npos);
  EXPECT_NE(rejects[2].file.find("pairs.txt:5"), std::string::npos);
  EXPECT_NE(rejects[2].reason.find("malformed impostor"), std::string::npos);
  EXPECT_NE(rejects[3].reason.find("announces 6 pair lines, file has 4"), std::string::npos) << rejects[3].reason;
}

TEST(LfwLayout, BadPairsHeaderStopsWithFileAndLine) {
  auto dir = temp_dir("header");
  std::ofstream(dir / "pairs.txt") << "ten folds\n";
  std::vector<Reject> rejects;
  try {
    read_pairs((dir / "pairs.txt").string(), {}, rejects);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("pairs.txt:1"), std::string::npos) << e.what();
  }
}

TEST(LfwLayout, RealGenderListsReportTheirKnownFaults) {
  if (!fs::exists(kLfw + "/female_names.txt"))
    GTEST_SKIP() << kLfw << " holds no gender lists (the public download has none)";
  std::vector<Reject> rejects;
  auto genders = read_gender_lists(kLfw, rejects);
  int both = 0, malformed = 0;
  for (const auto& r : rejects) {
    both += r.reason.find("both female and male") != std::string::npos;
    malformed += r.reason.find("malformed gender line") != std::string::npos;
  }
  EXPECT_EQ(both, 5);
  // This copy of the lists has no malformed line (the malformed case is tested below).
  EXPECT_EQ(malformed, 0);
  // 2,967 + 10,268 names, less 2 x 5 entries of the names in both lists.
  EXPECT_EQ(genders.size(), 2967u + 10268u - 10u);
  EXPECT_EQ(genders.at("Aaron_Eckhart_0001.jpg"), kMale);
  EXPECT_EQ(genders.count("Allison_Searing_0001.jpg"), 0u);
}

TEST(LfwLayout, MalformedGenderLineIsRejectedWithItsLine) {
  auto dir = temp_dir("genders");
  std::ofstream(dir / "female_names.txt") << "Jane_Doe_0001.jpg\nYasser_Arafat_0005.jpg-\n";
  std::ofstream(dir / "male_names.txt") << "John_Roe_0002.jpg\r\n";
  std::vector<Reject> rejects;
  auto genders = read_gender_lists(dir.string(), rejects);
  EXPECT_EQ(genders.size(), 2u);
  EXPECT_EQ(genders.at("John_Roe_0002.jpg"), kMale);
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_NE(rejects[0].file.find("female_names.txt:2"), std::string::npos) << rejects[0].file;
  EXPECT_THROW(read_gender_lists((dir / "absent").string(), rejects), InputError);
}

TEST(LfwLayout, FilesOutsideTheLayoutAreRejected) {
  auto dir = temp_dir("layout");
  fs::create_directories(dir / "Jane_Doe");
  std::ofstream(dir / "Jane_Doe" / "Jane_Doe_0001.jpg") << "x";
  std::ofstream(dir / "Jane_Doe" / "John_Roe_0001.jpg") << "x";
  std::ofstream(dir / "stray.jpg") << "x";
  std::vector<Reject> rejects;
  auto images = scan_lfw_folder(dir.string(), rejects);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].name, "Jane_Doe_0001.jpg");
  EXPECT_EQ(rejects.size(), 2u);
  EXPECT_THROW(scan_lfw_folder((dir / "absent").string(), rejects), InputError);
}
