#include "irrev/pipeline/unshuffle_eval.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "attack_inputs.hpp"
#include "irrev/attack/joint_model.hpp"
#include "irrev/attack/unshuffle.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/output_lock.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/core/sha256.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/identity_split.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/serialize.hpp"
#include "irrev/match/pe_miu_compare.hpp"
#include "irrev/models/extractor_info.hpp"
#include "irrev/models/inverter.hpp"
#include "irrev/pipeline/agreed_precision.hpp"
#include "irrev/protect/keyed_stream.hpp"
#include "irrev/protect/pe_miu.hpp"
#include "irrev/protect/permutation.hpp"
#include "irrev/protect/samplers.hpp"
#include "resumable_search.hpp"
#include "unshuffle_sets.hpp"

namespace irrev::pipeline {

void UnshuffleEvalOptions::validate(const std::string& where) const {
  IRREV_CHECK(eval_share > 0 && eval_share < 1, "{}: eval_share must be in (0, 1), got {}", where, eval_share);
  IRREV_CHECK(uniform >= 1 && per_complexity >= 0, "{}: uniform must be positive and per_complexity not negative",
              where);
  if (method != attack::UnshuffleModel::synthesis) return;
  IRREV_CHECK(!inverter.empty() && !extractor.empty(), "{}: the synthesis method needs an inverter and its extractor",
              where);
  IRREV_CHECK(
      candidates >= 1 && batch >= 1 && climb_starts >= 1 && chunk >= 1 && search_group >= 1 && fit_templates >= 0,
      "{}: candidates, batch, climb_starts, chunk and search_group must be positive, fit_templates not negative",
      where);
}

namespace {
using detail::UnshuffleSets;
using Placements = std::vector<std::pair<std::string, std::vector<attack::Placement>>>;

/// The third index of a training template's keyed stream under --identical-blocks.
constexpr std::uint64_t kIdenticalBlocksStream = 0x1DE40000ull;

/// Every training template's blocks, at the finest of the block counts, in a random order of
/// its own (seeded): whatever count the models cut them into, all positions are alike.
void shuffle_training_blocks(const UnshuffleEvalOptions& o, UnshuffleSets& s) {
  const int finest = *std::max_element(o.blocks.begin(), o.blocks.end());
  for (int blocks : o.blocks)
    IRREV_CHECK(finest % blocks == 0 && s.set.dim % finest == 0,
                "--identical-blocks: every block count must divide the finest ({}), and it the {} values; got {}",
                finest, s.set.dim, blocks);
  const int dim = s.set.dim;
  std::vector<float> row(static_cast<std::size_t>(dim));
  for (std::int64_t r = 0; r < s.train_count(); ++r) {
    protect::KeyedStream stream(o.seed, kIdenticalBlocksStream, static_cast<std::uint64_t>(r));
    float* t = s.train.data() + r * dim;
    protect::apply_blocks(t, dim, dim / finest, protect::sample_uniform(finest, stream), row.data());
    std::copy(row.begin(), row.end(), t);
  }
}

UnshuffleSets read_sets(const UnshuffleEvalOptions& o) {
  UnshuffleSets s;
  s.set = data::read_template_set(o.templates);
  std::map<std::string, std::size_t> eval_of;  // subject -> index in s.eval
  std::set<std::string> validation_subjects;
  // The inverter's validation identities (its default share): trained on by no gradient step.
  const double validation_share = models::InverterTrainingConfig{}.validation_share;
  for (std::int64_t i = 0; i < s.set.count; ++i) {
    const auto& subject = s.set.images.subjects[static_cast<std::size_t>(i)];
    if (!data::is_evaluation_subject(subject, o.split_seed, o.eval_share)) {
      if (o.method == attack::UnshuffleModel::synthesis &&
          data::is_validation_subject(subject, o.split_seed, validation_share) &&
          static_cast<std::int64_t>(s.validation.size()) < o.fit_templates &&
          validation_subjects.insert(subject).second)
        s.validation.push_back(i);
      continue;
    }
    const auto at = eval_of.find(subject);
    if (at != eval_of.end()) {
      if (s.second[at->second] < 0) s.second[at->second] = i;
    } else if (o.max_templates <= 0 || static_cast<std::int64_t>(s.eval.size()) < o.max_templates) {
      eval_of[subject] = s.eval.size();
      s.eval.push_back(i);
      s.second.push_back(-1);
    }
  }
  // The models are fitted on the other training identities: the synthesis rule's weight is
  // fitted on log-likelihoods of templates the models never saw, as the evaluation's are.
  s.train = attack::training_templates(s.set, o.split_seed, o.eval_share, validation_subjects);
  IRREV_CHECK(s.train_count() >= 2 && !s.eval.empty(),
              "'{}': {} training and {} evaluation templates under split seed {} (share {}); the model needs both",
              o.templates, s.train_count(), s.eval.size(), o.split_seed, o.eval_share);
  if (o.identical_blocks) shuffle_training_blocks(o, s);
  return s;
}

/// The bound of the reference study's own attacker: the order PE-MIU's comparator finds against
/// a second template of the subject (Hungarian over block distances), for the evaluation
/// subjects that have one.
std::vector<attack::Placement> second_sample_placements(const UnshuffleEvalOptions& o, const UnshuffleSets& s,
                                                        int blocks) {
  const int dim = s.set.dim, b = dim / blocks;
  std::vector<float> prot(static_cast<std::size_t>(dim));
  std::vector<attack::Placement> out;
  std::vector<int> sigma;
  for (std::size_t e = 0; e < s.eval.size(); ++e) {
    if (s.second[e] < 0) continue;
    const auto p = detail::search_draw(blocks, o.seed, false, static_cast<std::int64_t>(e));
    protect::apply_blocks(s.set.row(s.eval[e]), dim, b, p, prot.data());
    match::pe_miu_score(s.set.row(s.second[e]), prot.data(), dim, b, &sigma);
    // Reference block i matched protected block sigma[i]: that block is taken for original block i.
    protect::Permutation q(static_cast<std::size_t>(blocks));
    for (int i = 0; i < blocks; ++i)
      q[static_cast<std::size_t>(sigma[static_cast<std::size_t>(i)])] = static_cast<std::uint8_t>(i);
    out.push_back(attack::placement_of(q, p));
  }
  return out;
}

/// The position model's own recovery of every evaluation template.
std::vector<attack::Placement> model_placements(const UnshuffleEvalOptions& o, const UnshuffleSets& s,
                                                const attack::BlockPositionModel& model) {
  std::vector<float> eval;  // the evaluation templates, one after another
  for (auto row : s.eval) eval.insert(eval.end(), s.set.row(row), s.set.row(row) + s.set.dim);
  return attack::recover_placements(model, eval.data(), static_cast<std::int64_t>(s.eval.size()), o.seed);
}

/// One evaluation template's search by the joint model: the placement of the order found, and
/// the log-likelihoods of that order and of the true one (a search miss where the truth is more
/// likely).
struct JointFound {
  attack::Placement placement;
  double found = 0, truth = 0;
  double seconds = 0;  ///< the search's cost (a figure, not a result)
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& placement& found& truth& seconds;
  }
};

/// What a joint search's results depend on: its checkpoint's key.
std::string joint_key(const UnshuffleEvalOptions& o) {
  return nlohmann::json{{"templates", sha256_of_file(o.templates)},    {"blocks", o.blocks},
                        {"split", {o.split_seed, o.eval_share}},       {"seed", o.seed},
                        {"templates_taken", o.max_templates},          {"joint_beam", o.joint_beam},
                        {"joint_search", attack::kJointSearchVersion}, {"identical_blocks", o.identical_blocks}}
      .dump();
}

/// The joint model's search of every evaluation template under its first draw, at each block
/// count, over the ranks (a template at a block count is a unit: its search depends on the
/// template alone, so any rank count finds the same orders), resumable through the checkpoint
/// like the synthesis search. Rank 0 gets them all (per block count, per template); false when
/// a signal stopped it (its checkpoint saved).
bool joint_search(const UnshuffleEvalOptions& o, const UnshuffleSets& s, const attack::JointTemplateModel& joint,
                  const dist::Communicator& comm, std::vector<std::vector<JointFound>>& found) {
  const int dim = s.set.dim;
  const auto per_count = static_cast<std::int64_t>(s.eval.size());
  found.assign(o.blocks.size(), std::vector<JointFound>(s.eval.size()));
  const auto count_of = [&](std::int64_t u) { return static_cast<std::size_t>(u / per_count); };
  detail::SearchQueue q;
  q.kind = detail::SearchKind::joint;
  q.path = o.checkpoint_path();
  q.key = comm.is_master() ? joint_key(o) : std::string();
  q.units = per_count * static_cast<std::int64_t>(o.blocks.size());
  q.checkpoint_seconds = o.checkpoint_seconds;
  q.compute = [&](std::int64_t u) {
    const auto t0 = std::chrono::steady_clock::now();
    const int blocks = o.blocks[count_of(u)];
    const std::int64_t e = u % per_count;
    std::vector<float> prot(static_cast<std::size_t>(dim));
    const auto p = detail::search_draw(blocks, o.seed, false, e);
    protect::apply_blocks(s.set.row(s.eval[static_cast<std::size_t>(e)]), dim, dim / blocks, p, prot.data());
    const auto score = joint.score(prot.data(), blocks, o.joint_beam);
    const auto best = score.most_likely(1).front();
    return dist::to_bytes(JointFound{attack::placement_of(best.order, p), best.log_likelihood, score.log_likelihood(p),
                                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()});
  };
  q.sink = [&](std::int64_t u, const std::string& bytes) {
    found[count_of(u)][static_cast<std::size_t>(u % per_count)] = dist::from_bytes<JointFound>(bytes);
  };
  // Every order up to kJointExhaustiveBlocks, beyond it the tabu search's moves over n^2
  // exchanges: each unit's deadline follows its block count's work.
  q.unit_cost = [&](std::int64_t first, std::int64_t count) {
    double work = 0;
    for (std::int64_t u = first; u < first + count; ++u) {
      const double n = o.blocks[count_of(u)];
      work += n <= attack::kJointExhaustiveBlocks ? static_cast<double>(protect::factorial(static_cast<int>(n)))
                                                  : attack::joint_search_iterations(static_cast<int>(n)) * n * n;
    }
    return work;
  };
  return detail::run_resumable_search(comm, q);
}

/// The joint model's placements, with the search's cost and its misses: templates whose true
/// order is more likely than the one found (the search's fault; the others are the model's).
std::vector<attack::Placement> joint_placements(const std::vector<JointFound>& found, int blocks, int beam,
                                                nlohmann::ordered_json& figures) {
  std::vector<attack::Placement> out;
  std::int64_t search_misses = 0;
  double seconds = 0;
  for (const auto& f : found) {
    out.push_back(f.placement);
    search_misses += f.truth > f.found;
    seconds += f.seconds;
  }
  figures["search"] =
      blocks <= attack::kJointExhaustiveBlocks
          ? std::string("every order")
          : fmt::format("beam of {} over positions, climbs from each, then {} moves of a robust tabu search", beam,
                        attack::joint_search_iterations(blocks));
  figures["seconds_per_template"] = seconds / static_cast<double>(std::max<std::size_t>(found.size(), 1));
  figures["search_misses"] = search_misses;
  return out;
}

nlohmann::ordered_json metrics_json(const UnshuffleEvalOptions& o, const std::vector<attack::Placement>& p,
                                    int blocks) {
  if (p.empty()) return nullptr;
  return attack::evaluate_placements(p, blocks, o.uniform, o.per_complexity, o.seed).to_json();
}

/// The synthesis search's inputs checked before any work: the inverter's extractor made these
/// templates, and it never saw an evaluation identity or image.
void check_synthesis_inputs(const UnshuffleEvalOptions& o, const UnshuffleSets& s) {
  const auto inverter = models::Inverter::load(o.inverter, Device::cpu());
  IRREV_CHECK(inverter->info().template_dim == s.set.dim, "inverter '{}' takes {}-D templates, '{}' holds {}-D",
              o.inverter, inverter->info().template_dim, o.templates, s.set.dim);
  IRREV_CHECK(models::same_extractor(inverter->info().extractor_json, s.set.extractor_json, o.inverter, o.templates),
              "inverter '{}' was trained through another extractor than the one that made '{}'", o.inverter,
              o.templates);
  const auto& cfg = inverter->info().config;
  IRREV_CHECK(cfg.seed == o.split_seed && cfg.eval_share == o.eval_share &&
                  cfg.validation_share == models::InverterTrainingConfig{}.validation_share,
              "inverter '{}' was trained on the identity split (seed {}, eval_share {}, validation_share {}); the "
              "synthesis evaluation runs on (seed {}, eval_share {}, validation_share {}): give --split-seed and "
              "--eval-share of the inverter",
              o.inverter, cfg.seed, cfg.eval_share, cfg.validation_share, o.split_seed, o.eval_share,
              models::InverterTrainingConfig{}.validation_share);
  attack::TemplateSelection chosen{s.eval, s.second};
  detail::check_no_training_subjects(*inverter, o.inverter, s.set, chosen);
  detail::check_no_training_images(*inverter, o.inverter, s.set, chosen);
}

/// What a synthesis search's results depend on: its checkpoint's key.
std::string search_key(const UnshuffleEvalOptions& o) {
  return nlohmann::json{{"templates", sha256_of_file(o.templates)},
                        {"inverter", sha256_of_file(o.inverter)},
                        {"extractor", sha256_of_file(o.extractor)},
                        {"blocks", o.blocks},
                        {"split", {o.split_seed, o.eval_share}},
                        {"seed", o.seed},
                        {"templates_taken", {o.max_templates, o.fit_templates}},
                        {"proposals", std::string(name_of(o.proposals))},
                        {"joint_beam", o.joint_beam},
                        {"joint_search", attack::kJointSearchVersion},
                        {"search", {o.candidates, o.exchange_rounds, o.climb_starts, o.chunk, o.search_group}},
                        {"forward", {std::string(name_of(o.precision)), o.batch, o.device.is_cuda() ? "cuda" : "cpu"}},
                        {"controls", {o.untrained_inverter, o.identical_blocks}}}
      .dump();
}

void write_placements(const std::string& path, const UnshuffleSets& s, const std::vector<int>& blocks,
                      const std::vector<Placements>& per_count) {
  h5::AtomicOutput out(path);
  auto& f = out.file();
  f.write("eval_rows", s.eval);
  for (std::size_t c = 0; c < blocks.size(); ++c)
    for (const auto& [name, placements] : per_count[c]) {
      std::vector<std::uint8_t> flat;
      for (const auto& p : placements) flat.insert(flat.end(), p.begin(), p.end());
      f.write(fmt::format("b{}/{}", blocks[c], name), flat, {placements.size(), static_cast<std::uint64_t>(blocks[c])});
    }
  f.close();
  out.commit();
}

}  // namespace

namespace {
/// A search stopped by a signal, its checkpoint saved: what every rank returns.
UnshuffleOutcome stopped(const UnshuffleEvalOptions& o, const dist::Communicator& comm) {
  return {comm.is_master() ? nlohmann::json{{"status", "resumable"}, {"checkpoint", o.checkpoint_path()}}.dump(2)
                           : std::string(),
          false};
}
}  // namespace

UnshuffleOutcome run_unshuffle_eval(const UnshuffleEvalOptions& asked, const dist::Communicator& comm) {
  asked.validate("unshuffle");
  UnshuffleEvalOptions o = asked;
  const bool synthesis = o.method == attack::UnshuffleModel::synthesis;
  const bool joint = o.method == attack::UnshuffleModel::joint;
  const bool searches = synthesis || joint;  // over the ranks, resumable
  // One run per output, and its folder writable, before any work: two runs on one --out would
  // share the search's checkpoint and the results file.
  OutputLock lock;
  if (comm.is_master()) {
    if (!o.out.empty()) require_output_file(o.out, "unshuffle output (--out)");
    if (searches && !o.checkpoint_path().empty())
      require_output_file(o.checkpoint_path(), "the search's checkpoint (--checkpoint)");
    const std::string locked = !o.out.empty() ? o.out : searches ? o.checkpoint_path() : std::string();
    if (!locked.empty()) lock = OutputLock(locked);
  }
  o.precision = agreed_precision(o.precision, o.device, comm);
  // The position models run on rank 0 alone; the searches (synthesis, joint) over the ranks.
  if (!synthesis && !joint && !comm.is_master()) return {};
  const auto s = read_sets(o);
  if (synthesis && comm.is_master()) check_synthesis_inputs(o, s);
  if (synthesis) comm.barrier();  // a refused input ends rank 0 here, and the launcher ends the others
  const bool joint_fitted = joint || (synthesis && o.proposals == attack::SynthesisProposals::joint);
  std::vector<attack::BlockPositionModel> models;
  for (int blocks : o.blocks) {
    IRREV_CHECK(blocks >= 2 && s.set.dim % blocks == 0, "--blocks {}: {}-D templates cannot be cut into {} blocks",
                blocks, s.set.dim, blocks);
    // Where the joint model proposes the search's orders, the position model only carries the
    // block count: the diagonal one, which costs next to nothing, stands in for the full one.
    if (!joint)
      models.push_back(
          attack::BlockPositionModel::fit(s.train.data(), s.train_count(), s.set.dim, blocks,
                                          o.method == attack::UnshuffleModel::full || (synthesis && !joint_fitted)));
  }
  const auto joint_model = joint_fitted ? attack::JointTemplateModel::fit(s.train.data(), s.train_count(), s.set.dim)
                                        : attack::JointTemplateModel{};
  std::vector<detail::SearchResults> searched;
  if (synthesis) {
    const auto key = comm.is_master() ? search_key(o) : std::string();
    if (!detail::run_synthesis_search(o, s, models, joint_fitted ? &joint_model : nullptr, key, comm, searched))
      return stopped(o, comm);
  }
  std::vector<std::vector<JointFound>> joint_found;
  if (joint && !joint_search(o, s, joint_model, comm, joint_found)) return stopped(o, comm);
  if (!comm.is_master()) return {};
  nlohmann::ordered_json results = nlohmann::json::array();
  std::vector<Placements> placements(o.blocks.size());
  for (std::size_t c = 0; c < o.blocks.size(); ++c) {
    const int blocks = o.blocks[c];
    nlohmann::ordered_json r;
    if (synthesis) {
      r = detail::synthesis_figures(o, s, blocks, searched[c], placements[c]);
    } else if (joint) {
      nlohmann::ordered_json search;
      placements[c] = {{"joint", joint_placements(joint_found[c], blocks, o.joint_beam, search)}};
      r = metrics_json(o, placements[c].front().second, blocks);
      r.update(search);
    } else {
      placements[c] = {{std::string(name_of(o.method)), model_placements(o, s, models[c])}};
      r = metrics_json(o, placements[c].front().second, blocks);
    }
    auto bound = second_sample_placements(o, s, blocks);
    r["second_sample_bound"] = metrics_json(o, bound, blocks);
    placements[c].emplace_back("second_sample", std::move(bound));
    const auto& m = synthesis ? r["synthesis"] : r;
    spdlog::info("unshuffle: {} blocks, {}: position accuracy {:.4f} (chance {:.4f}), exact {:.4f}", blocks,
                 name_of(o.method), m["position_accuracy"].get<double>(), 1.0 / blocks,
                 m["exact_permutation_rate"].get<double>());
    results.push_back(r);
  }
  if (!o.out.empty()) write_placements(o.out, s, o.blocks, placements);
  // The results are written: the search's checkpoint has served.
  if (searches && !o.checkpoint_path().empty()) std::filesystem::remove(o.checkpoint_path());
  std::string extractor = "?";
  if (!s.set.extractor_json.empty()) extractor = nlohmann::json::parse(s.set.extractor_json).value("name", "?");
  return {nlohmann::ordered_json{{"templates", o.templates},
                                 {"extractor", extractor},
                                 {"dim", s.set.dim},
                                 {"split_seed", o.split_seed},
                                 {"eval_share", o.eval_share},
                                 {"method", name_of(o.method)},
                                 {"model", o.method == attack::UnshuffleModel::diagonal ? "gaussian, diagonal"
                                           : joint ? "gaussian over the whole template (full covariance across blocks)"
                                                   : "gaussian, full covariance per position"},
                                 {"training_templates", s.train_count()},
                                 {"identical_blocks", o.identical_blocks},
                                 {"evaluation_templates", s.eval.size()},
                                 {"evaluation_templates_with_second",
                                  std::count_if(s.second.begin(), s.second.end(), [](auto r) { return r >= 0; })},
                                 {"results", results}}
              .dump(2)};
}

}  // namespace irrev::pipeline
