#include "irrev/attack/template_selection.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "irrev/core/error.hpp"
#include "irrev/data/identity_split.hpp"

namespace irrev::attack {

void SelectionSpec::validate(const std::string& where) const {
  IRREV_CHECK(eval_share > 0 && eval_share <= 1, "{}: eval_share must be in (0, 1]", where);
  IRREV_CHECK(max_templates >= 0, "{}: max_templates must be >= 0", where);
}

void to_json(nlohmann::json& j, const SelectionSpec& s) {
  j = {{"subjects", name_of(s.subjects)},      {"split_seed", s.split_seed},       {"eval_share", s.eval_share},
       {"gender_balanced", s.gender_balanced}, {"max_templates", s.max_templates}, {"seed", s.seed}};
}

void select_unseen_by(SelectionSpec& spec, std::uint64_t split_seed, double eval_share) {
  spec.split_seed = split_seed;
  spec.eval_share = eval_share;
  if (eval_share == 0) {
    spec.subjects = SubjectSet::all;
    spec.eval_share = 1;
  }
}

TemplateSelection select_templates(const data::ImageTable& images, const std::vector<float>& scores,
                                   const SelectionSpec& spec) {
  spec.validate("template selection");
  IRREV_CHECK(scores.size() == images.size(), "{} detection scores for {} images", scores.size(), images.size());
  // Per subject: its best and second-best image by detection score (ties: the earlier row).
  struct Best {
    std::int64_t first = -1, second = -1;
    std::int8_t gender = -1;
  };
  std::map<std::string, Best> by_subject;
  auto better = [&](std::int64_t a, std::int64_t b) {
    return b < 0 || scores[static_cast<std::size_t>(a)] > scores[static_cast<std::size_t>(b)];
  };
  for (std::size_t i = 0; i < images.size(); ++i) {
    const auto& s = images.subjects[i];
    if (spec.subjects == SubjectSet::evaluation && !data::is_evaluation_subject(s, spec.split_seed, spec.eval_share))
      continue;
    auto& b = by_subject[s];
    b.gender = images.genders[i];
    const auto row = static_cast<std::int64_t>(i);
    if (better(row, b.first)) {
      b.second = b.first;
      b.first = row;
    } else if (better(row, b.second)) {
      b.second = row;
    }
  }
  // A keyed order of subjects, so that a subset is a fair draw and the same on every rank.
  struct Candidate {
    double key;
    const Best* best;
  };
  std::vector<Candidate> female, male, any;
  TemplateSelection out;
  for (const auto& [subject, b] : by_subject) {
    Candidate c{data::subject_hash01(subject, spec.seed + 2), &b};
    if (!spec.gender_balanced)
      any.push_back(c);
    else if (b.gender == 0)
      female.push_back(c);
    else if (b.gender == 1)
      male.push_back(c);
    else
      ++out.unlabelled_subjects;
  }
  auto by_key = [](const Candidate& a, const Candidate& b) { return a.key < b.key; };
  std::vector<const Best*> chosen;
  auto take = [&](std::vector<Candidate>& v, std::size_t n) {
    std::sort(v.begin(), v.end(), by_key);
    for (std::size_t i = 0; i < n; ++i) chosen.push_back(v[i].best);
  };
  const auto cap = static_cast<std::size_t>(spec.max_templates);
  if (spec.gender_balanced) {
    std::size_t per = std::min(female.size(), male.size());
    if (cap > 0) per = std::min(per, cap / 2);
    take(female, per);
    take(male, per);
    out.female = out.male = static_cast<std::int64_t>(per);
  } else {
    take(any, cap > 0 ? std::min(cap, any.size()) : any.size());
  }
  std::sort(chosen.begin(), chosen.end(), [](const Best* a, const Best* b) { return a->first < b->first; });
  for (const Best* b : chosen) {
    out.rows.push_back(b->first);
    out.second_rows.push_back(b->second);
  }
  IRREV_CHECK(!out.rows.empty(), "the template selection is empty ({} subjects qualify{})", by_subject.size(),
              spec.gender_balanced ? ", gender balancing needs labelled subjects of both genders" : "");
  return out;
}

}  // namespace irrev::attack
