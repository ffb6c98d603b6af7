// The stage keys are the contract between a run folder and the next version of the engine: a
// changed byte reruns that stage in every existing run. Their bytes are pinned here for one job
// with settings of every kind; a change to a key must be deliberate, and this test updated with it.
#include <gtest/gtest.h>

#include "irrev/attack/joint_model.hpp"
#include "irrev/attack/plan_text.hpp"
#include "irrev/config/job_config.hpp"
#include "irrev/run/stage_keys.hpp"

using namespace irrev;

namespace {
constexpr const char* kJob = R"(
[data]
images = "/data/lfw"
pairs = "/data/pairs.txt"
genders = "/data/genders"
[data.train]
images = "/data/ffhq"
layout = "flat"
[models]
dir = "/models"
[ingest.detector]
score_threshold = 0.7
[embed]
batch = 8
[[extractors]]
name = "fr_feature"
model = "fr_feature.pt"
[verify]
protocols = ["error-rates"]
blocks = [64, 128]
pairs = "all-vs-all"
seed = 7
[train_inverter]
preset = "quick-cpu"
epochs = 2
max_minutes = 5
[attack]
plans = ["8:stratified:4", "4:exhaustive"]
modes = ["plain"]
unshuffle_model = "joint"
max_templates = 64
batch = 32
[gender]
blocks = [16, 32]
folds = 5
)";

config::JobConfig job() { return config::parse_job(kJob, "stage_keys.toml", config::JobPaths::as_written); }

TEST(StageKeys, IngestKeyIsPinned) {
  const auto j = job();
  EXPECT_EQ(
      run::ingest_key(j, j.data_source(), j.pairs, j.genders, "a.jpg\t10\t20\n"),
      R"key({"contents":"a.jpg\t10\t20\n","detector":["fr_detect.onnx",320,240,127.0,0.0078125,true,0.699999988079071,0.4000000059604645],"genders":"/data/genders","images":"/data/lfw","landmarks":["fr_landmark.onnx",64,0.00390625],"layout":"lfw","limit":0,"list":"","models":"/models","pairs":"/data/pairs.txt"})key");
  EXPECT_EQ(
      run::ingest_key(j, j.train_set, "", "", "b.png\t1\t2\n"),
      R"key({"contents":"b.png\t1\t2\n","detector":["fr_detect.onnx",320,240,127.0,0.0078125,true,0.699999988079071,0.4000000059604645],"genders":"","images":"/data/ffhq","landmarks":["fr_landmark.onnx",64,0.00390625],"layout":"flat","limit":0,"list":"","models":"/models","pairs":""})key");
}

TEST(StageKeys, EmbedAndVerifyKeysArePinned) {
  const auto j = job();
  const std::string ekey = run::embed_key("CROPS", "0123abcd", j.extractors.at(0).onnx_info, j.embed_settings.batch);
  EXPECT_EQ(
      ekey,
      R"key({"batch":8,"crops":"CROPS","model":"0123abcd","onnx_info":"{\n  \"channel_order\": \"bgr\",\n  \"embedding_size\": 0,\n  \"input_height\": 112,\n  \"input_width\": 112,\n  \"mean\": [\n    127.0,\n    127.0,\n    127.0\n  ],\n  \"name\": \"fr_feature\",\n  \"source\": \"\",\n  \"source_sha256\": \"\",\n  \"std\": [\n    128.0,\n    128.0,\n    128.0\n  ]\n}"})key");
  EXPECT_EQ(
      run::verify_key(ekey, j.verify_settings),
      R"key({"blocks":[64,128],"pairs":"all-vs-all","seed":7,"templates":"{\"batch\":8,\"crops\":\"CROPS\",\"model\":\"0123abcd\",\"onnx_info\":\"{\\n  \\\"channel_order\\\": \\\"bgr\\\",\\n  \\\"embedding_size\\\": 0,\\n  \\\"input_height\\\": 112,\\n  \\\"input_width\\\": 112,\\n  \\\"mean\\\": [\\n    127.0,\\n    127.0,\\n    127.0\\n  ],\\n  \\\"name\\\": \\\"fr_feature\\\",\\n  \\\"source\\\": \\\"\\\",\\n  \\\"source_sha256\\\": \\\"\\\",\\n  \\\"std\\\": [\\n    128.0,\\n    128.0,\\n    128.0\\n  ]\\n}\"}"})key");
  // The batch is in the key: it changes the embedding's rounding.
  EXPECT_NE(ekey, run::embed_key("CROPS", "0123abcd", j.extractors.at(0).onnx_info, 16));
}

TEST(StageKeys, InverterKeyIsPinnedAndLeavesOutTheTimeLimit) {
  auto j = job();
  const std::string tkey = run::inverter_key("TEMPLATES", "VERIFY", j.inverter, true, "TRAIN_TEMPLATES");
  EXPECT_EQ(
      tkey,
      R"key({"config":{"batch":32,"bf16":true,"device":"cpu","epochs":2,"eval_share":0.25,"flip":true,"generator":{"channels":[256,128,64,32,16],"residual_convs":1,"stage_sizes":[4,8,16,32,64],"upsample":"resize"},"halve_every":10,"id_bf16":true,"id_loss":"cosine","id_share":0.25,"id_weight":0.1,"keep":"best-rsr","learning_rate":0.001,"mse_weight":1.0,"seed":2021,"ssim_weight":0.1,"validation_share":0.05},"templates":"TEMPLATES","training_templates":"TRAIN_TEMPLATES","verify":"VERIFY"})key");
  j.inverter.max_minutes = 60;  // a time limit does not change what was trained, once trained
  EXPECT_EQ(run::inverter_key("TEMPLATES", "VERIFY", j.inverter, true, "TRAIN_TEMPLATES"), tkey);
  j.inverter.epochs = 3;
  EXPECT_NE(run::inverter_key("TEMPLATES", "VERIFY", j.inverter, true, "TRAIN_TEMPLATES"), tkey);
  // Without a training collection of its own, no "training_templates" entry.
  EXPECT_EQ(run::inverter_key("T", "V", j.inverter, false, "ignored").find("training_templates"), std::string::npos);
}

TEST(StageKeys, AttackKeyIsPinned) {
  const auto j = job();
  auto unshuffled = j.attack_settings;
  unshuffled.unshuffle = true;
  EXPECT_EQ(
      run::attack_key("INVERTER", j.attack_settings, unshuffled),
      R"key({"inverter":"INVERTER","plans":[{"blocks":8,"kind":"stratified","per_complexity":4,"seed":2021},{"blocks":4,"kind":"exhaustive","seed":2021}],"selection":{"eval_share":0.25,"gender_balanced":true,"max_templates":64,"seed":2021,"split_seed":2021,"subjects":"evaluation"},"settings":{"batch":32,"cudnn_benchmark":false,"device":"cpu","fused_relu":false,"layout":"nhwc","precision":"auto","recovery":{"joint_beam":64,"joint_search":"every order","model":"joint","targeted":-1,"unshuffle":true},"unit":[4,64],"upsampling":"subpixel"}})key");
  EXPECT_NE(run::attack_key("INVERTER", j.attack_settings, unshuffled),
            run::attack_key("INVERTER", j.attack_settings, j.attack_settings));
  // Up to 8 blocks the joint model scores every order; beyond, the key names the search, so
  // that a better search reruns those attacks and only those.
  auto searched = unshuffled;
  searched.plans.push_back(attack::parse_plan("16:uniform:100", 2021, "test"));
  EXPECT_NE(run::attack_key("INVERTER", j.attack_settings, searched).find(attack::kJointSearchVersion),
            std::string::npos);
}

TEST(StageKeys, GenderKeyIsPinned) {
  const auto j = job();
  EXPECT_EQ(run::gender_key("TEMPLATES", "", j.gender_settings, j.verify_settings.seed),
            R"key({"blocks":[16,32],"folds":5,"inverter":"","max":0,"seed":7,"templates":"TEMPLATES"})key");
  EXPECT_EQ(run::gender_key("TEMPLATES", "feed", j.gender_settings, j.verify_settings.seed),
            R"key({"blocks":[16,32],"folds":5,"inverter":"feed","max":0,"seed":7,"templates":"TEMPLATES"})key");
}

}  // namespace
