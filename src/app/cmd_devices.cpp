// irrev devices: where each rank's networks would run, checked before a long GPU job. Every
// rank resolves the device as the attack does (worker w of a node takes GPU w mod the GPUs it
// sees); rank 0 prints one row per rank. On a machine whose LibTorch has no CUDA, the GPUs are
// counted from CUDA_VISIBLE_DEVICES, so that a placement can be checked without GPUs.
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/device_placement.hpp"

namespace irrev::app {

Command add_devices(CLI::App& app, const GlobalOptions& /*g*/) {
  auto* sub = app.add_subcommand("devices", "Print the device each rank would open (host, worker, GPU)");
  auto device = std::make_shared<Device>(Device::cuda());
  auto as_json = std::make_shared<bool>(false);
  add_setting_option(sub, "device", *device, "cpu, cuda or cuda:N, as the attack's --device");
  sub->add_flag("--json", *as_json, "Print JSON: one object per rank");
  return {sub, [device, as_json](const dist::Communicator& comm) {
            const bool computes = comm.computes();  // the master of a multi-rank job opens no device
            nlohmann::ordered_json row{{"rank", comm.rank()}, {"role", computes ? "worker" : "master"}};
            if (computes) {
              const auto p = models::place_device(*device, comm.local_worker(), /*from_environment=*/true);
              row.update(nlohmann::ordered_json{{"local_worker", comm.local_worker()},
                                                {"cuda_visible_devices", p.visible_list},
                                                {"visible", p.visible},
                                                {"opens", p.device.name()},
                                                {"node_gpu", p.node_gpu},
                                                {"cuda_runtime", p.cuda_runtime},
                                                {"text", models::describe(p, comm.local_worker())}});
            }
            const auto hosts = comm.hosts();
            const auto rows = comm.all_gather(row.dump());
            if (!comm.is_master()) return 0;
            nlohmann::ordered_json all = nlohmann::ordered_json::array();
            for (std::size_t r = 0; r < rows.size(); ++r) {
              auto one = nlohmann::ordered_json::parse(rows[r]);
              one["host"] = hosts[r];
              all.push_back(one);
            }
            if (*as_json) {
              print_master(comm, nlohmann::ordered_json{{"device", device->name()}, {"ranks", all}}.dump());
              return 0;
            }
            for (const auto& one : all) {
              print_master(comm,
                           fmt::format("rank {} on {}: {}", one["rank"].get<int>(), one["host"].get<std::string>(),
                                       one["role"] == "master" ? std::string("master (schedules, no device)")
                                                               : one["text"].get<std::string>()));
            }
            return 0;
          }};
}

}  // namespace irrev::app
