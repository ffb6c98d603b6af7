// The gender study's table as the run summary holds it: written and read in one place, rows
// in their order, each kernel's mean and spread under its own key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "irrev/pipeline/gender_stage.hpp"

using namespace irrev;
using nlohmann::json;

TEST(GenderTable, RoundTripsWithAKeyPerKernel) {
  pipeline::GenderTable t;
  t.templates = 86;
  t.female = 43;
  t.male = 43;
  t.folds = 5;
  t.rows.push_back({"unprotected", 86, {0.91, 0.93, 0.88}, {0.02, 0.03, 0.04}});
  t.rows.push_back({"pe-miu-64", 86, {0.55, 0.5, 0.52}, {0.05, 0.06, 0.07}});
  const json j = t;
  EXPECT_DOUBLE_EQ(j["rows"][0]["rbf"].get<double>(), 0.93);
  EXPECT_DOUBLE_EQ(j["rows"][1]["sigmoid_std"].get<double>(), 0.07);
  const auto back = json::parse(j.dump()).get<pipeline::GenderTable>();
  EXPECT_EQ(json(back).dump(), j.dump());
  ASSERT_EQ(back.rows.size(), 2u);
  EXPECT_EQ(back.rows[1].protection, "pe-miu-64");
  EXPECT_DOUBLE_EQ(back.rows[0].mean[2], 0.88);
}
