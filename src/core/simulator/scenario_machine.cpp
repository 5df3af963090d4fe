#include "core/simulator/scenario_machine.hpp"

#include <algorithm>

#include "core/consistency/policy_consistency_checks.hpp"
#include "core/consistency/xxh128.hpp"
#include "core/support/json_text.hpp"
#include "mock/host_digests.hpp"
#include "platform/text.hpp"

namespace wsbkit::scenario {
namespace {

// The CLSID the in-memory add-in serves (no registry: it names nothing else).
constexpr const char* in_memory_clsid = "{0D9E8C7B-6A5F-4E3D-2C1B-0A9F8E7D6C5B}";
// The machine's journal key (core/restore/journal_key.hpp): fixed, the machine lives one run.
const std::string journal_key(32, '\x5a');

std::string normalised(std::string path) {
  std::replace(path.begin(), path.end(), '/', '\\');
  if (path.empty() || path.back() != '\\') path += '\\';
  return path;
}

// `path` relative to the folder `root` (trailing separator or not); nullopt when outside it.
std::optional<std::string> relative_to(const std::string& root, const std::string& path) {
  const std::string folder = normalised(root);
  std::string file = path;
  std::replace(file.begin(), file.end(), '/', '\\');
  if (file.size() <= folder.size() || !iequals(std::string_view(file).substr(0, folder.size()), folder)) return std::nullopt;
  return file.substr(folder.size());
}

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of("\\/");
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string xxh128_hex(const std::string& bytes) {
  consistency::Xxh128 hash;
  hash.update(bytes.data(), bytes.size());
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (const auto b : hash.digest()) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

}  // namespace

Result<bool> ServicePortsNetwork::try_connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  for (const auto& s : declared_) {
    const auto service = services_.service(s.name);
    const bool running = service && service->state == ServiceState::running;
    for (const auto p : s.listens) {
      for (const char* address : {"127.0.0.1", "::1"}) {
        if (running) network_.listen(address, p);
        else network_.close(address, p);
      }
    }
  }
  return network_.try_connect(host, port, timeout);
}

InMemoryMachine::~InMemoryMachine() = default;

Result<std::unique_ptr<InMemoryMachine>> InMemoryMachine::build(const Machine& machine) {
  std::unique_ptr<InMemoryMachine> m(new InMemoryMachine());
  if (auto installed = m->install(machine); !installed) return installed.error();
  return m;
}

Result<void> InMemoryMachine::install(const Machine& machine) {
  for (const auto& s : machine.services) {
    services.install({s.name, s.name, "C:\\Program Files\\" + s.name + "\\service.exe", s.start_type, s.depends_on}, s.state);
    const std::string name = s.name;
    if (s.on_stop == StopBehaviour::hangs) services.set_hangs_on_stop(name, true);
    if (s.on_stop == StopBehaviour::fails) {
      services.fail_when([name](const mock::ServiceCall& c) { return c.operation == mock::ServiceOperation::stop && iequals(c.name, name); },
                         win32_error::service_request_timeout);
    }
    if (s.on_start == StartBehaviour::fails) {
      services.fail_when([name](const mock::ServiceCall& c) { return c.operation == mock::ServiceOperation::start && iequals(c.name, name); },
                         win32_error::service_request_timeout);
    }
  }
  network = std::make_unique<ServicePortsNetwork>(services, machine.services);
  for (const auto& [path, bytes] : machine.files) {
    if (auto folder = files.create_directories(folder_of(path)); !folder) return folder.error();
    if (auto written = files.write_file(path, bytes); !written) return written.error();
  }
  for (const auto& manifest : machine.manifests) {
    if (auto written = write_manifest(manifest, machine); !written) return written.error();
  }
  for (const auto& volume : machine.volumes) {
    volumes.add(volume.mount_point, volume.volume);
    if (volume.snapshot) {
      if (auto taken = take_snapshot(volume); !taken) return taken.error();
    }
  }
  declared_volumes_ = machine.volumes;
  for (const auto& tool : machine.tools) {
    const auto slash = tool.executable.find_last_of("\\/");
    const std::string name = slash == std::string::npos ? tool.executable : tool.executable.substr(slash + 1);
    if (tool.fails_to_start) {
      processes.always_fails_to_start(name, win32_error::file_not_found);
      continue;
    }
    ProcessOutcome outcome;
    outcome.exit_code = tool.exit_code;
    outcome.standard_output = tool.output;
    outcome.standard_error = tool.error_output;
    processes.always(name, outcome);
  }
  if (auto state = files.create_directories(std::string(state_dir) + "\\logs"); !state) return state.error();
  return {};
}

// xxhsum -H2 lines ("<hex>  name"), names relative to the manifest's folder with '/'.
Result<void> InMemoryMachine::write_manifest(const Manifest& manifest, const Machine& machine) {
  std::string text;
  for (const auto& file : manifest.files) {
    auto name = relative_to(folder_of(manifest.path), file);
    if (!name) {
      return Error::win32(win32_error::invalid_parameter, "manifest", manifest.path,
                          "'" + file + "' is not under the manifest's folder " + folder_of(manifest.path));
    }
    std::replace(name->begin(), name->end(), '\\', '/');
    text += xxh128_hex(machine.files.at(file)) + "  " + *name + "\n";
  }
  if (auto folder = files.create_directories(folder_of(manifest.path)); !folder) return folder.error();
  return files.write_file(manifest.path, text);
}

// The snapshot device holds a copy of every file on the volume as it is now (after the manifests
// were written), then the declared changes (damage, missing files).
Result<void> InMemoryMachine::take_snapshot(const Volume& volume) {
  const std::string device = normalised(*volume.snapshot);
  auto copy = [&](const std::string& relative, const std::string& bytes) -> Result<void> {
    const std::string target = device + relative;
    if (auto folder = files.create_directories(folder_of(target)); !folder) return folder.error();
    return files.write_file(target, bytes);
  };
  for (const auto& [path, _] : files.snapshot()) {
    std::string live = path;
    std::replace(live.begin(), live.end(), '/', '\\');
    const auto relative = relative_to(volume.mount_point, live);
    if (!relative) continue;
    auto bytes = files.read_file(live);
    if (!bytes) continue;  // a directory
    if (auto copied = copy(*relative, *bytes); !copied) return copied.error();
  }
  for (const auto& [path, change] : volume.snapshot_changes) {
    const auto relative = relative_to(volume.mount_point, path);
    if (!relative) {
      return Error::win32(win32_error::invalid_parameter, "snapshot_changes", path, "not on the volume " + volume.mount_point);
    }
    if (change) {
      if (auto copied = copy(*relative, *change); !copied) return copied.error();
    } else if (auto removed = files.remove(device + *relative); !removed && removed.error().win32_code() != win32_error::file_not_found) {
      return removed.error();
    }
  }
  return {};
}

Result<std::shared_ptr<WsbApplication>> InMemoryMachine::start_addin(const std::string& policy_text) {
  if (auto written = files.write_file(policy_path, policy_text); !written) return written.error();
  digests_ = mock::make_host_digests();
  RestoreEnvironment env{files, services, clock, events, &processes, network.get(), state_dir, "\\"};
  env.digests = digests_.get();
  env.journal_key = journal_key;
  log_ = std::make_unique<CallLog>([this](const std::string& line) {
    if (auto r = files.append_file(std::string(state_dir) + "\\logs\\addin.jsonl", line + "\n"); !r) return;  // the call's answer stands
  });
  check_env_ = std::make_unique<ConsistencyEnvironment>(
      ConsistencyEnvironment{files, volumes, clock, events, &processes, std::string(state_dir) + "\\logs", "\\"});
  check_env_->digests = digests_.get();
  check_env_->hash_threads = 1;
  AddinSettings settings{std::string(policy_path), in_memory_clsid};
  settings.expiry_check_interval = std::chrono::milliseconds(0);  // no timer thread: the machine lives one run
  host_ = std::make_unique<AddinHost>(env, *log_, settings, [this](std::shared_ptr<const policy::Policy> policy) {
    return make_policy_consistency_checks(std::move(policy), *check_env_);
  });
  if (!host_->policy_loaded()) {
    return Error::hresult(hr::e_fail, "load policy", policy_path, host_->policy_problem());
  }
  host_->on_activation();
  return host_->make_application();
}

void InMemoryMachine::volume_pairs(SimulationOptions& options) const {
  for (const auto& v : declared_volumes_) {
    if (!v.snapshot) continue;
    options.source_volumes.push_back(v.volume);
    options.snapshot_volumes.push_back(*v.snapshot);
  }
}

std::vector<std::string> InMemoryMachine::event_lines() const {
  std::vector<std::string> lines;
  for (const auto& e : events.entries()) {
    const char* severity = e.severity == EventSeverity::error ? "error" : e.severity == EventSeverity::warning ? "warning" : "information";
    lines.push_back(std::string(severity) + " " + std::to_string(e.event_id) + ": " + e.message);
  }
  return lines;
}

}  // namespace wsbkit::scenario
