#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "irrev/config/job_config.hpp"
#include "irrev/core/error.hpp"

using namespace irrev;

namespace {
constexpr const char* kValid = R"(
[run]
out_dir = "runs/x"
[data]
images = "/data/lfw"
pairs = "/data/pairs.txt"
limit = 10
[ingest]
unit_size = 16
[ingest.detector]
score_threshold = 0.7
[embed]
batch = 8
[[extractors]]
name = "fr_feature"
model = "fr_feature.pt"
[[extractors]]
name = "mfn"
model = "mobilefacenet-128.onnx"
channel_order = "rgb"
mean = 127.5
std = [128, 128, 128]
)";

std::string error_of(const std::string& text) {
  try {
    config::parse_job(text, "job.toml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(JobConfig, ParsesEveryField) {
  auto c = config::parse_job(kValid, "job.toml");
  EXPECT_EQ(c.out_dir, "runs/x");
  EXPECT_EQ(c.images, "/data/lfw");
  EXPECT_EQ(c.limit, 10);
  EXPECT_EQ(c.ingest_settings.unit_size, 16);
  EXPECT_FLOAT_EQ(c.cropper.detector.score_threshold, 0.7f);
  EXPECT_EQ(c.cropper.detector.width, 320);  // default kept
  EXPECT_EQ(c.embed_settings.batch, 8);
  ASSERT_EQ(c.extractors.size(), 2u);
  EXPECT_EQ(c.extractors[1].onnx_info.channel_order, models::ChannelOrder::rgb);
  EXPECT_FLOAT_EQ(c.extractors[1].onnx_info.mean[2], 127.5f);
  EXPECT_EQ(c.templates_path("mfn"), "runs/x/templates_mfn.h5");
}

TEST(JobConfig, UnknownKeyNamesKeyAndLine) {
  std::string text = kValid;
  text.replace(text.find("unit_size"), 9, "unti_size");
  auto e = error_of(text);
  EXPECT_NE(e.find("job.toml:9:"), std::string::npos) << e;
  EXPECT_NE(e.find("'ingest.unti_size'"), std::string::npos) << e;
}

TEST(JobConfig, WrongTypeNamesKey) {
  std::string text = kValid;
  text.replace(text.find("batch = 8"), 9, "batch = \"8\"");
  auto e = error_of(text);
  EXPECT_NE(e.find("'embed.batch' must be an integer"), std::string::npos) << e;
}

TEST(JobConfig, MissingRequiredPartsAreNamed) {
  EXPECT_NE(error_of("[run]\nout_dir = \"x\"\n").find("[data]"), std::string::npos);
  EXPECT_NE(error_of("[data]\nimages = \"x\"\n").find("[[extractors]]"), std::string::npos);
  EXPECT_NE(error_of("[data\n").find("not valid TOML"), std::string::npos);
  std::string bad_order = kValid;
  bad_order.replace(bad_order.find("\"rgb\""), 5, "\"rbg\"");
  EXPECT_NE(error_of(bad_order).find("channel_order"), std::string::npos);
}

TEST(JobConfig, ImageLayouts) {
  const std::string extractor = "[[extractors]]\nname = \"f\"\nmodel = \"f.pt\"\n";
  auto c = config::parse_job("[data]\nlayout = \"list\"\nlist = \"/d/faces.csv\"\n" + extractor, "job.toml");
  EXPECT_EQ(c.layout, data::ImageLayout::list);
  EXPECT_EQ(c.list, "/d/faces.csv");
  EXPECT_TRUE(c.images.empty());  // the list's own folder is the base of its paths
  c = config::parse_job("[data]\nlayout = \"flat\"\nimages = \"/d/ffhq\"\n" + extractor, "job.toml");
  EXPECT_EQ(c.layout, data::ImageLayout::flat);
  EXPECT_EQ(config::parse_job(kValid, "job.toml").layout, data::ImageLayout::lfw);
  EXPECT_NE(error_of("[data]\nlayout = \"folders\"\nimages = \"x\"\n" + extractor)
                .find("key 'data.layout' must be one of lfw, flat, list, got 'folders'"),
            std::string::npos);
  EXPECT_NE(
      error_of("[data]\nlayout = \"list\"\nimages = \"x\"\n" + extractor).find("needs the list file in 'data.list'"),
      std::string::npos);
  EXPECT_NE(error_of("[data]\nimages = \"x\"\nlist = \"l.csv\"\n" + extractor)
                .find("'data.list' is read with data.layout = \"list\" only"),
            std::string::npos);
  EXPECT_NE(error_of("[data]\nlayout = \"flat\"\nimages = \"x\"\ngenders = \"g\"\n" + extractor)
                .find("data.genders names LFW's gender lists"),
            std::string::npos);
}

TEST(JobConfig, ASeparateTrainingSet) {
  const std::string extractor = "[[extractors]]\nname = \"f\"\nmodel = \"f.pt\"\n";
  auto c = config::parse_job(
      "[data]\nimages = \"/d/lfw\"\n[data.train]\nimages = \"/d/ffhq\"\nlayout = \"flat\"\nlimit = 7\n" + extractor,
      "job.toml");
  ASSERT_TRUE(c.has_train_set);
  EXPECT_EQ(c.train_set.images, "/d/ffhq");
  EXPECT_EQ(c.train_set.layout, data::ImageLayout::flat);
  EXPECT_EQ(c.train_set.limit, 7);
  EXPECT_EQ(c.train_crops_path(), c.stage_dir() + "/crops_train.h5");
  EXPECT_FALSE(config::parse_job(kValid, "job.toml").has_train_set);
  EXPECT_NE(error_of("[data]\nimages = \"x\"\n[data.train]\nlayout = \"list\"\n" + extractor)
                .find("[data.train] needs 'list'"),
            std::string::npos);
  EXPECT_NE(error_of("[data]\nimages = \"x\"\n[data.train]\nimages = \"y\"\npairs = \"p\"\n" + extractor)
                .find("data.train.pairs"),
            std::string::npos);
  // The unshuffled attack fits its model on [data]'s training identities, which such a job lacks.
  EXPECT_NE(error_of("[data]\nimages = \"x\"\n[data.train]\nimages = \"y\"\n" + extractor +
                     "[verify]\nprotocols = [\"error-rates\"]\npairs = \"all-vs-all\"\n[train_inverter]\n[attack]\n"
                     "plans = [\"4:exhaustive\"]\nmodes = [\"plain\", \"unshuffled\"]\n")
                .find("the attack can only be plain"),
            std::string::npos);
}

TEST(JobConfig, EveryShippedJobFileIsValid) {
  // The jobs/ folder is what users start from: each must pass the whole validation.
  for (const char* var :
       {"IRREV_LFW", "IRREV_LFW_IMAGES", "IRREV_LFW_PAIRS", "IRREV_LFW_GENDERS", "IRREV_TRAIN_IMAGES"})
    ::setenv(var, "/data/x", 0);
  int files = 0;
  for (const auto& f : std::filesystem::directory_iterator(std::string(IRREV_SOURCE_DIR) + "/jobs")) {
    if (f.path().extension() != ".toml") continue;
    ++files;
    EXPECT_NO_THROW(config::load_job(f.path().string())) << f.path();
  }
  EXPECT_GE(files, 8);
  EXPECT_TRUE(config::load_job(std::string(IRREV_SOURCE_DIR) + "/jobs/reference_protocol.toml").has_train_set);
}

TEST(JobConfig, AttackForwardSettings) {
  const std::string attack = std::string(kValid) + R"(
[verify]
protocols = ["error-rates"]
pairs = "all-vs-all"
[train_inverter]
preset = "quick-cpu"
[attack]
plans = ["8:exhaustive"]
device = "cuda"
precision = "fp16"
fused_relu = true
layout = "nchw/nhwc"
recheck_margin = 0.03
)";
  auto c = config::parse_job(attack, "job.toml");
  EXPECT_EQ(c.attack_settings.precision, attack::Precision::fp16);
  EXPECT_EQ(c.attack_settings.recheck_margin, 0.03);
  EXPECT_TRUE(c.attack_settings.fused_relu);
  EXPECT_FALSE(c.attack_settings.cudnn_benchmark);
  EXPECT_EQ(c.attack_settings.layout, attack::ActivationLayout::nchw_nhwc);
  std::string bad = attack;
  bad.replace(bad.find("\"fp16\""), 6, "\"fp8\"");
  const auto e = error_of(bad);
  EXPECT_NE(
      e.find("job.toml:32: key 'attack.precision' must be one of fp32, bf16, bf16-all, bf16-checked, bf16-all-checked, "
             "fp16, fp16-all, auto, got 'fp8'"),
      std::string::npos)
      << e;
  bad = attack;
  bad.replace(bad.find("0.03"), 4, "1.5");
  const auto m = error_of(bad);
  EXPECT_NE(m.find("recheck_margin (--recheck-margin) must lie in [0, 1) (0: the precision's own), got 1.5"),
            std::string::npos)
      << m;
  // Unset, the margin is the precision's own.
  auto unset = attack;
  unset.replace(unset.find("recheck_margin = 0.03"), 21, "");
  unset.replace(unset.find("\"fp16\""), 6, "\"bf16-all-checked\"");
  EXPECT_EQ(config::parse_job(unset, "job.toml").attack_settings.effective_recheck_margin(), 0.05);
}

/// The sections the earlier tests leave out: [run] sharing, [verify], [train_inverter] with its
/// levers, [attack] modes and deadlines, [gender]; and the keys a value can be wrong in.
TEST(JobConfig, EverySectionAndItsChecks) {
  std::string job = std::string(kValid) + R"(
[verify]
protocols = ["lfw-view2", "error-rates"]
blocks = [32, 64]
pairs = "both"
seed = 7
[train_inverter]
preset = "quick-cpu"
epochs = 3
id_share = 0.5
flip = true
shift = 3
keep = "best-rsr"
trainers = 2
[attack]
plans = ["8:stratified:2", "4:exhaustive"]
modes = ["plain", "unshuffled"]
unshuffle_model = "joint"
joint_beam = 16
synthesis_proposals = "full"
unit_deadline_factor = 4
checkpoint_seconds = 30
unit_order_seed = 9
seed = 12
subjects = "all"
gender_balanced = false
max_templates = 40
[gender]
blocks = [64]
folds = 5
)";
  job.replace(job.find("limit = 10"), 10, "limit = 10\ngenders = \"/data\"");
  auto with_run = job;
  with_run.replace(with_run.find("out_dir = \"runs/x\""), 18, "out_dir = \"runs/x\"\nshare_with_group = true");
  const auto c = config::parse_job(with_run, "job.toml");
  EXPECT_TRUE(c.share_with_group);
  EXPECT_EQ(c.verify_settings.blocks, (std::vector<int>{32, 64}));
  EXPECT_EQ(c.verify_settings.pairs, pipeline::PairSet::both);
  EXPECT_EQ(c.verify_settings.seed, 7u);
  EXPECT_EQ(c.inverter.epochs, 3);
  EXPECT_DOUBLE_EQ(c.inverter.id_share, 0.5);
  EXPECT_TRUE(c.inverter.flip);
  EXPECT_EQ(c.inverter.shift, 3);
  EXPECT_EQ(c.inverter.keep, models::KeepPolicy::best_rsr);
  EXPECT_EQ(c.inverter_trainers, 2);
  EXPECT_EQ(c.attack_modes,
            (std::vector<pipeline::AttackMode>{pipeline::AttackMode::plain, pipeline::AttackMode::unshuffled}));
  EXPECT_EQ(c.attack_settings.unshuffle_model, attack::UnshuffleModel::joint);
  EXPECT_EQ(c.attack_settings.joint_beam, 16);
  EXPECT_EQ(c.attack_settings.synthesis_proposals, attack::SynthesisProposals::full);
  EXPECT_TRUE(c.attack_settings.uses_joint_model());
  EXPECT_DOUBLE_EQ(c.attack_settings.unit_deadline_factor, 4);
  EXPECT_EQ(c.attack_settings.unit_order_seed, 9u);
  // The attack's seed keys both plans and the template subset, whatever the keys' order.
  ASSERT_EQ(c.attack_settings.plans.size(), 2u);
  EXPECT_EQ(c.attack_settings.plans[0].name(), "b8-stratified");
  EXPECT_EQ(c.attack_settings.plans[0].per_complexity, 2);
  EXPECT_EQ(c.attack_settings.plans[1].seed, 12u);
  EXPECT_EQ(c.attack_settings.selection.seed, 12u);
  EXPECT_EQ(c.attack_settings.selection.subjects, attack::SubjectSet::all);
  EXPECT_FALSE(c.attack_settings.selection.gender_balanced);
  EXPECT_EQ(c.attack_settings.selection.max_templates, 40);
  EXPECT_EQ(c.attack_path("fr_feature", pipeline::AttackMode::unshuffled), "runs/x/attack_fr_feature_unshuffled.h5");
  EXPECT_EQ(c.gender_settings.blocks, (std::vector<int>{64}));
  EXPECT_EQ(c.gender_settings.folds, 5);
  auto replaced = [&](const std::string& from, const std::string& to) {
    auto text = job;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  auto bad = [&](const std::string& from, const std::string& to) { return error_of(replaced(from, to)); };
  EXPECT_NE(
      bad("folds = 5", "folds = 4294967301")
          .find(
              "key 'gender.folds': 4294967301 is out of range: it takes a whole number from -2147483648 to 2147483647"),
      std::string::npos);
  EXPECT_NE(bad("checkpoint_seconds = 30", "checkpoint_seconds = -1").find("must be >= 0"), std::string::npos);
  EXPECT_NE(bad("checkpoint_seconds = 30", "checkpoint_seconds = 30\ndevice = \"gpu\"")
                .find("attack.device: device 'gpu' is not known (use cpu, cuda or cuda:N)"),
            std::string::npos);
  EXPECT_EQ(
      config::parse_job(replaced("checkpoint_seconds = 30", "checkpoint_seconds = 30\ndevice = \"cuda:1\""), "job.toml")
          .attack_settings.device,
      Device::cuda(1));
  EXPECT_NE(bad("joint_beam = 16", "joint_beam = 0").find("joint_beam must be positive"), std::string::npos);
  EXPECT_NE(bad("subjects = \"all\"", "subjects = \"some\"").find("'attack.subjects' must be one of evaluation, all"),
            std::string::npos);
  EXPECT_NE(bad("max_templates = 40", "max_templates = -1").find("max_templates must be >= 0"), std::string::npos);
  EXPECT_NE(bad("plans = [\"8:stratified:2\", \"4:exhaustive\"]", "plans = [\"8:sorted\"]")
                .find("attack.plans: plan '8:sorted'"),
            std::string::npos);
  EXPECT_NE(bad("plans = [\"8:stratified:2\", \"4:exhaustive\"]", "plans = []").find("'attack.plans' must be a list"),
            std::string::npos);
  EXPECT_NE(
      bad("synthesis_proposals = \"full\"", "synthesis_proposals = \"diagonal\"").find("must be one of full, joint"),
      std::string::npos);
  EXPECT_NE(bad("id_share = 0.5", "id_share = 1.5").find("id_share must be in (0, 1]"), std::string::npos);
  EXPECT_NE(bad("shift = 3", "shift = 40").find("shift must be in [0, 16] pixels, not 40"), std::string::npos);
  EXPECT_NE(bad("keep = \"best-rsr\"", "keep = \"best-loss\"").find("'train_inverter.keep' must be one of"),
            std::string::npos);
  EXPECT_NE(bad("unit_size = 16", "unit_size = 0").find("[ingest]: unit_size (--unit-size) must be positive, got 0"),
            std::string::npos);
  EXPECT_NE(bad("score_threshold = 0.7", "score_threshold = 0.7\nwidth = 0")
                .find("[ingest.detector]: the detector's width and height must be positive, not 0 x 240"),
            std::string::npos);
  EXPECT_NE(
      bad("score_threshold = 0.7", "score_threshold = 0.7\nboxes_output = \"b\"").find("ingest.detector.boxes_output"),
      std::string::npos);
  const auto landmarks = config::parse_job(
      replaced("score_threshold = 0.7", "score_threshold = 0.7\n[ingest.landmarks]\nsize = 96"), "job.toml");
  EXPECT_EQ(landmarks.cropper.landmarks.size, 96);
  EXPECT_EQ(landmarks.cropper.landmarks.file, "fr_landmark.onnx");
  EXPECT_NE(bad("preset = \"quick-cpu\"", "preset = \"fast\"")
                .find("'train_inverter.preset' must be one of quick-cpu, reference, got 'fast'"),
            std::string::npos);
  // The keys given replace the preset's values; the others stay the preset's.
  const auto ref = config::parse_job(replaced("preset = \"quick-cpu\"", "preset = \"reference\""), "job.toml");
  EXPECT_EQ(ref.inverter.generator.output_size(), 112);
  EXPECT_EQ(ref.inverter.epochs, 3);
  EXPECT_EQ(ref.inverter.id_loss, models::IdLoss::mse);
  EXPECT_EQ(c.inverter.id_loss, models::IdLoss::cosine);
  EXPECT_NE(bad("\"unshuffled\"]", "\"plain\"]").find("names \"plain\" twice"), std::string::npos);
  EXPECT_NE(bad("protocols = [\"lfw-view2\", \"error-rates\"]", "protocols = []")
                .find("'verify.protocols' must be a non-empty list of names (lfw-view2, error-rates)"),
            std::string::npos);
  EXPECT_NE(bad("\"lfw-view2\", \"error-rates\"]", "\"lfw-view2\", \"eer\"]").find("verify.protocols"),
            std::string::npos);
  EXPECT_NE(bad("modes = [", "unshuffle = true\nmodes = [").find("either attack.modes or attack.unshuffle"),
            std::string::npos);
  EXPECT_NE(bad("trainers = 2", "trainers = 0").find("trainers must be >= 1"), std::string::npos);
  EXPECT_NE(bad("blocks = [64]", "blocks = [0]").find("block sizes are positive"), std::string::npos);
  // attack.unshuffle = true alone still means the unshuffled attack only.
  const auto old = config::parse_job(replaced("modes = [\"plain\", \"unshuffled\"]", "unshuffle = true"), "job.toml");
  EXPECT_EQ(old.attack_modes, std::vector<pipeline::AttackMode>{pipeline::AttackMode::unshuffled});
}

TEST(JobConfig, ExpandsVariablesAndRefusesUnsetOnes) {
  ::setenv("IRREV_TEST_ROOT", "/srv/data", 1);
  EXPECT_EQ(config::expand_path("${IRREV_TEST_ROOT}/lfw", "t"), "/srv/data/lfw");
  ::unsetenv("IRREV_TEST_UNSET");
  EXPECT_THROW(config::expand_path("${IRREV_TEST_UNSET}/lfw", "t"), InputError);
}

#include "irrev/data/identity_split.hpp"
#include "irrev/models/inverter_config.hpp"

TEST(InverterConfig, RoundTripsAndChecksTheGeometry) {
  auto q = models::InverterTrainingConfig::quick_cpu();
  auto back = models::InverterTrainingConfig::parse(q.to_json().dump(), "test");
  EXPECT_EQ(back.to_json().dump(), q.to_json().dump());  // the same fields in the same order
  EXPECT_EQ(back.generator.output_size(), 64);
  // Shifts are recorded only when used (older files and job keys stay as they were).
  EXPECT_FALSE(q.to_json().contains("shift"));
  q.shift = 5;
  EXPECT_EQ(models::InverterTrainingConfig::from_json(q.to_json(), "test").shift, 5);
  models::InverterTrainingConfig ref;
  EXPECT_NO_THROW(ref.validate());  // 4, 8, 16, 30, 58, 112 by stride-2 transposed convolutions
  ref.generator.stage_sizes = {4, 8, 17, 30, 58, 112};
  EXPECT_THROW(ref.validate(), InputError);
  // An identity loss the engine does not know is refused where the file is read.
  auto j = models::InverterTrainingConfig{}.to_json();
  ASSERT_EQ(j["id_loss"], "mse");
  j["id_loss"] = "l1";
  EXPECT_THROW(models::InverterTrainingConfig::from_json(j, "test"), InputError);
  EXPECT_THROW(models::InverterTrainingConfig::parse("{\"generator\": ", "test"), InputError);
}

TEST(IdentitySplit, DeterministicAndNearTheShare) {
  int eval = 0;
  for (int i = 0; i < 10000; ++i) eval += data::is_evaluation_subject("person_" + std::to_string(i), 2021, 0.25);
  EXPECT_NEAR(eval / 10000.0, 0.25, 0.02);
  EXPECT_EQ(data::subject_hash01("Aaron_Eckhart", 7), data::subject_hash01("Aaron_Eckhart", 7));
  EXPECT_NE(data::subject_hash01("Aaron_Eckhart", 7), data::subject_hash01("Aaron_Eckhart", 8));
}
