#include <gtest/gtest.h>

#include <set>

#include "irrev/attack/template_selection.hpp"
#include "irrev/core/error.hpp"
#include "irrev/data/identity_split.hpp"

using namespace irrev;
using namespace irrev::attack;

namespace {
struct Table {
  data::ImageTable images;
  std::vector<float> scores;
  void add(const std::string& subject, int index, float score, std::int8_t gender) {
    images.names.push_back(subject + "_" + std::to_string(index));
    images.subjects.push_back(subject);
    images.paths.push_back("");
    images.genders.push_back(gender);
    scores.push_back(score);
  }
};
}  // namespace

TEST(TemplateSelection, BestImagePerSubjectWithTheSecondBestAsTypeTwo) {
  Table t;
  t.add("Ann", 1, 0.90f, 0);  // row 0
  t.add("Ann", 2, 0.99f, 0);  // row 1: best
  t.add("Ann", 3, 0.95f, 0);  // row 2: second
  t.add("Bob", 1, 0.80f, 1);  // row 3: only image
  SelectionSpec s;
  s.subjects = attack::SubjectSet::all;
  auto sel = select_templates(t.images, t.scores, s);
  ASSERT_EQ(sel.rows, (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(sel.second_rows, (std::vector<std::int64_t>{2, -1}));
  EXPECT_EQ(sel.female, 1);
  EXPECT_EQ(sel.male, 1);
}

TEST(TemplateSelection, GenderBalancedAndCapped) {
  Table t;
  for (int i = 0; i < 30; ++i) t.add("M" + std::to_string(i), 1, 0.9f, 1);
  for (int i = 0; i < 10; ++i) t.add("F" + std::to_string(i), 1, 0.9f, 0);
  for (int i = 0; i < 4; ++i) t.add("U" + std::to_string(i), 1, 0.9f, -1);
  SelectionSpec s;
  s.subjects = attack::SubjectSet::all;
  auto sel = select_templates(t.images, t.scores, s);
  EXPECT_EQ(sel.female, 10);
  EXPECT_EQ(sel.male, 10);
  EXPECT_EQ(sel.rows.size(), 20u);
  EXPECT_EQ(sel.unlabelled_subjects, 4);
  s.max_templates = 8;
  auto capped = select_templates(t.images, t.scores, s);
  EXPECT_EQ(capped.rows.size(), 8u);
  EXPECT_EQ(capped.female, 4);
  // The subset is keyed: the same spec gives the same rows, another seed other rows.
  EXPECT_EQ(select_templates(t.images, t.scores, s).rows, capped.rows);
  s.seed = 99;
  EXPECT_NE(select_templates(t.images, t.scores, s).rows, capped.rows);
  s.gender_balanced = false;
  s.max_templates = 0;
  EXPECT_EQ(select_templates(t.images, t.scores, s).rows.size(), 44u);
}

TEST(TemplateSelection, EvaluationSubjectsOnly) {
  Table t;
  for (int i = 0; i < 200; ++i) t.add("S" + std::to_string(i), 1, 0.5f, static_cast<std::int8_t>(i % 2));
  SelectionSpec s;
  s.gender_balanced = false;
  s.split_seed = 11;
  s.eval_share = 0.25;
  auto sel = select_templates(t.images, t.scores, s);
  EXPECT_GT(sel.rows.size(), 20u);
  EXPECT_LT(sel.rows.size(), 80u);
  for (auto r : sel.rows)
    EXPECT_TRUE(data::is_evaluation_subject(t.images.subjects[static_cast<std::size_t>(r)], 11, 0.25));
}

TEST(TemplateSelection, EmptySelectionIsAnError) {
  Table t;
  t.add("Ann", 1, 0.9f, 0);
  SelectionSpec s;
  s.subjects = attack::SubjectSet::all;  // balanced, but there is no male subject
  EXPECT_THROW(select_templates(t.images, t.scores, s), InputError);
}
