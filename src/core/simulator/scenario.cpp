#include "core/simulator/scenario.hpp"

#include <algorithm>

#include "core/support/json_text.hpp"
#include "platform/text.hpp"

namespace wsbkit::scenario {
namespace {

using policy::Document;
using nlohmann::json;

const std::map<std::string, ServiceState>& state_names() {
  static const std::map<std::string, ServiceState> names{{"running", ServiceState::running}, {"stopped", ServiceState::stopped}};
  return names;
}

const std::map<std::string, ServiceStartType>& start_type_names() {
  static const std::map<std::string, ServiceStartType> names{
      {"automatic", ServiceStartType::automatic}, {"manual", ServiceStartType::manual}, {"disabled", ServiceStartType::disabled}};
  return names;
}

template <class T>
std::string choices(const std::map<std::string, T>& names) {
  std::string known;
  for (const auto& [name, _] : names) known += (known.empty() ? "" : ", ") + name;
  return known;
}

template <class T>
std::optional<T> named(Document& doc, const json& object, const std::string& path, const char* key,
                       const std::map<std::string, T>& names) {
  const auto text = doc.string(object, path, key);
  if (!text) return std::nullopt;
  const auto it = names.find(*text);
  if (it != names.end()) return it->second;
  doc.problem(Document::child(path, key), "'" + *text + "' is not one of " + choices(names));
  return std::nullopt;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Bytes: a JSON string (its UTF-8), or { "hex": "00ff..." } for bytes that are not text.
std::optional<std::string> bytes(Document& doc, const json& value, const std::string& path) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_object() || !doc.object(value, path, {"hex"}, {"hex"})) {
    if (!value.is_object()) doc.problem(path, "must be a string or { \"hex\": \"...\" }");
    return std::nullopt;
  }
  const auto hex = doc.string(value, path, "hex");
  if (!hex) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i + 1 < hex->size(); i += 2) {
    const int high = hex_digit((*hex)[i]), low = hex_digit((*hex)[i + 1]);
    if (high < 0 || low < 0) break;
    out += static_cast<char>(high * 16 + low);
  }
  if (out.size() * 2 != hex->size()) {
    doc.problem(Document::child(path, "hex"), "'" + *hex + "' is not an even number of hex digits");
    return std::nullopt;
  }
  return out;
}

bool is_hresult_text(const std::string& text) {
  if (text.size() == 10 && text.rfind("0x", 0) == 0) {
    return std::all_of(text.begin() + 2, text.end(), [](char c) { return hex_digit(c) >= 0; });
  }
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

class Reader {
 public:
  explicit Reader(Document& doc) : doc_(doc) {}

  void read(Scenario& s) {
    const json& root = doc_.root();
    if (!doc_.object(root, "", {"$schema", "machine", "components", "run", "expect"}, {"machine", "expect"})) return;
    if (root.contains("machine")) machine(root["machine"], s.machine);
    if (root.contains("components")) components(root["components"], s.components);
    if (root.contains("run") && doc_.object(root["run"], "run", {"backup", "restore", "no_roll_forward"})) {
      s.backup = doc_.boolean(root["run"], "run", "backup").value_or(true);
      s.restore = doc_.boolean(root["run"], "run", "restore").value_or(true);
      s.no_roll_forward = doc_.boolean(root["run"], "run", "no_roll_forward").value_or(false);
    }
    if (root.contains("expect")) expect(root["expect"], s);
  }

 private:
  void machine(const json& m, Machine& out) {
    if (!doc_.object(m, "machine", {"services", "files", "manifests", "volumes", "tools"})) return;
    if (m.contains("services") && keyed(m["services"], "machine.services")) {
      for (const auto& [name, value] : m["services"].items()) service(name, value, out);
      for (const auto& s : out.services) {
        for (const auto& dependency : s.depends_on) {
          const bool known = std::any_of(out.services.begin(), out.services.end(), [&](const Service& o) { return iequals(o.name, dependency); });
          if (!known) doc_.problem(Document::child(Document::child("machine.services", s.name), "depends_on"), "'" + dependency + "' is not one of machine.services");
        }
      }
    }
    if (m.contains("files")) files(m["files"], "machine.files", out.files);
    if (m.contains("manifests")) list(m["manifests"], "machine.manifests", [&](const json& v, const std::string& p) { manifest(v, p, out); });
    if (m.contains("volumes")) list(m["volumes"], "machine.volumes", [&](const json& v, const std::string& p) { volume(v, p, out); });
    if (m.contains("tools")) list(m["tools"], "machine.tools", [&](const json& v, const std::string& p) { tool(v, p, out); });
  }

  template <class Each>
  void list(const json& value, const std::string& path, Each each) {
    if (!value.is_array()) {
      doc_.problem(path, "must be a list");
      return;
    }
    for (std::size_t i = 0; i < value.size(); ++i) each(value[i], Document::element(path, i));
  }

  // An object whose keys are names (services, files): each value read by `each`.
  bool keyed(const json& value, const std::string& path) {
    if (value.is_object()) return true;
    doc_.problem(path, "must be an object whose keys are names");
    return false;
  }

  void service(const std::string& name, const json& v, Machine& out) {
    const std::string path = Document::child("machine.services", name);
    if (!doc_.object(v, path, {"state", "start_type", "depends_on", "listens", "on_stop", "on_start"})) return;
    Service s;
    s.name = name;
    s.state = named(doc_, v, path, "state", state_names()).value_or(ServiceState::stopped);
    s.start_type = named(doc_, v, path, "start_type", start_type_names()).value_or(ServiceStartType::manual);
    if (auto deps = doc_.strings(v, path, "depends_on")) s.depends_on = *deps;
    if (v.contains("listens")) {
      list(v["listens"], Document::child(path, "listens"), [&](const json& port, const std::string& p) {
        if (port.is_number_integer() && port.get<std::int64_t>() >= 1 && port.get<std::int64_t>() <= 65535) {
          s.listens.push_back(static_cast<std::uint16_t>(port.get<std::int64_t>()));
        } else {
          doc_.problem(p, "must be a TCP port, 1 to 65535");
        }
      });
    }
    s.on_stop = named(doc_, v, path, "on_stop",
                      std::map<std::string, StopBehaviour>{{"stops", StopBehaviour::stops}, {"hangs", StopBehaviour::hangs}, {"fails", StopBehaviour::fails}})
                    .value_or(StopBehaviour::stops);
    s.on_start = named(doc_, v, path, "on_start", std::map<std::string, StartBehaviour>{{"starts", StartBehaviour::starts}, {"fails", StartBehaviour::fails}})
                     .value_or(StartBehaviour::starts);
    for (const auto& other : out.services) {
      if (iequals(other.name, name)) doc_.problem(path, "the service '" + other.name + "' is given twice (names are case-insensitive)");
    }
    out.services.push_back(std::move(s));
  }

  void files(const json& value, const std::string& path, std::map<std::string, std::string>& out) {
    if (!keyed(value, path)) return;
    for (const auto& [file, contents] : value.items()) {
      if (auto b = bytes(doc_, contents, Document::child(path, file))) out[file] = *b;
    }
  }

  void manifest(const json& v, const std::string& path, Machine& out) {
    if (!doc_.object(v, path, {"path", "files"}, {"path", "files"})) return;
    Manifest m;
    m.path = doc_.string(v, path, "path").value_or("");
    if (auto listed = doc_.strings(v, path, "files")) m.files = *listed;
    for (std::size_t i = 0; i < m.files.size(); ++i) {
      if (!out.files.count(m.files[i])) {
        doc_.problem(Document::element(Document::child(path, "files"), i), "'" + m.files[i] + "' is not one of machine.files");
      }
    }
    out.manifests.push_back(std::move(m));
  }

  void volume(const json& v, const std::string& path, Machine& out) {
    if (!doc_.object(v, path, {"mount_point", "volume", "snapshot", "snapshot_changes"}, {"mount_point", "volume"})) return;
    Volume vol;
    vol.mount_point = doc_.string(v, path, "mount_point").value_or("");
    vol.volume = doc_.string(v, path, "volume").value_or("");
    vol.snapshot = doc_.string(v, path, "snapshot");
    if (v.contains("snapshot_changes")) {
      const std::string changes = Document::child(path, "snapshot_changes");
      if (!vol.snapshot) doc_.problem(changes, "needs a snapshot");
      if (keyed(v["snapshot_changes"], changes)) {
        for (const auto& [file, contents] : v["snapshot_changes"].items()) {
          if (contents.is_null()) vol.snapshot_changes[file] = std::nullopt;
          else if (auto b = bytes(doc_, contents, Document::child(changes, file))) vol.snapshot_changes[file] = *b;
        }
      }
    }
    out.volumes.push_back(std::move(vol));
  }

  void tool(const json& v, const std::string& path, Machine& out) {
    if (!doc_.object(v, path, {"executable", "exit_code", "output", "error_output", "fails_to_start"}, {"executable"})) return;
    Tool t;
    t.executable = doc_.string(v, path, "executable").value_or("");
    t.exit_code = static_cast<std::uint32_t>(doc_.integer(v, path, "exit_code", 0, 0xFFFFFFFFLL).value_or(0));
    if (v.contains("output")) t.output = bytes(doc_, v["output"], Document::child(path, "output")).value_or("");
    if (v.contains("error_output")) t.error_output = bytes(doc_, v["error_output"], Document::child(path, "error_output")).value_or("");
    t.fails_to_start = doc_.boolean(v, path, "fails_to_start").value_or(false);
    out.tools.push_back(std::move(t));
  }

  void components(const json& value, std::vector<SimulatedComponent>& out) {
    list(value, "components", [&](const json& v, const std::string& path) {
      if (!doc_.object(v, path, {"name", "logical_path"}, {"name"})) return;
      SimulatedComponent c{doc_.string(v, path, "name").value_or(""), doc_.string(v, path, "logical_path")};
      if (c.name.empty() && v.contains("name")) doc_.problem(Document::child(path, "name"), "must not be empty");
      out.push_back(std::move(c));
    });
  }

  void expect(const json& e, Scenario& s) {
    if (!doc_.object(e, "expect", {"calls", "services", "files"})) return;
    if (e.contains("calls")) list(e["calls"], "expect.calls", [&](const json& v, const std::string& p) { call(v, p, s); });
    if (e.contains("services") && keyed(e["services"], "expect.services")) {
      for (const auto& [name, v] : e["services"].items()) expected_service(name, v, s);
    }
    if (e.contains("files") && keyed(e["files"], "expect.files")) {
      for (const auto& [file, v] : e["files"].items()) {
        const std::string path = Document::child("expect.files", file);
        if (v.is_null()) s.files.push_back({path, file, std::nullopt});
        else if (auto b = bytes(doc_, v, path)) s.files.push_back({path, file, *b});
      }
    }
  }

  void call(const json& v, const std::string& path, Scenario& s) {
    if (!doc_.object(v, path, {"method", "component", "hresult", "result"}, {"method"})) return;
    ExpectedCall c{path, doc_.string(v, path, "method").value_or(""), doc_.string(v, path, "component"), doc_.string(v, path, "hresult"),
                   doc_.string(v, path, "result")};
    const auto& methods = wsb_methods();
    if (v.contains("method") && std::find(methods.begin(), methods.end(), c.method) == methods.end()) {
      std::string known;
      for (const auto& m : methods) known += (known.empty() ? "" : ", ") + m;
      doc_.problem(Document::child(path, "method"), "'" + c.method + "' is not a WSB call (" + known + ")");
    }
    for (const auto& [key, value] : {std::pair{"hresult", c.hresult}, std::pair{"result", c.result}}) {
      if (value && !is_hresult_text(*value)) {
        doc_.problem(Document::child(path, key), "'" + *value + "' is neither a symbolic name (S_OK) nor 0x followed by 8 hex digits");
      }
    }
    if (c.result && c.method != "QueryStatus") doc_.problem(Document::child(path, "result"), "only a QueryStatus reports a check's result");
    s.calls.push_back(std::move(c));
  }

  void expected_service(const std::string& name, const json& v, Scenario& s) {
    const std::string path = Document::child("expect.services", name);
    if (!doc_.object(v, path, {"state", "start_type"})) return;
    const bool known = std::any_of(s.machine.services.begin(), s.machine.services.end(),
                                   [&](const Service& m) { return iequals(m.name, name); });
    if (!known) doc_.problem(path, "'" + name + "' is not one of machine.services");
    ExpectedService e{path, name, named(doc_, v, path, "state", state_names()), named(doc_, v, path, "start_type", start_type_names())};
    if (!v.contains("state") && !v.contains("start_type")) doc_.problem(path, "expects nothing: give state, start_type or both");
    s.services.push_back(std::move(e));
  }

  Document& doc_;
};

// What a QueryStatus reported about the check ("result NAME" in its outcome); "" for other calls.
std::string reported_result(const SimulatedCall& c) {
  const std::string prefix = "result ";
  return c.method == "QueryStatus" && c.outcome.rfind(prefix, 0) == 0 ? c.outcome.substr(prefix.size()) : std::string();
}

std::string call_text(const std::string& method, const std::optional<std::string>& component, const std::string& hresult,
                      const std::string& result) {
  return method + "(" + (component ? *component : "") + ")" + (hresult.empty() ? "" : " -> " + hresult) +
         (result.empty() ? "" : ", result " + result);
}

std::string call_text(const SimulatedCall& c) { return call_text(c.method, component_of(c), hr::name(c.hr), reported_result(c)); }

// `expected` as a name or hex; `actual_name` as hr::name spells it (the name when wsbkit knows one).
bool hresult_matches(const std::string& expected, const std::string& actual_name) {
  if (iequals(expected, actual_name)) return true;
  if (expected.rfind("0x", 0) != 0) return false;
  const auto value = static_cast<Hresult>(static_cast<std::uint32_t>(std::stoul(expected.substr(2), nullptr, 16)));
  return iequals(hr::name(value), actual_name);
}

// Calls in order: each expected call is the first matching one after the previous match.
void evaluate_calls(const Scenario& s, const std::vector<SimulatedCall>& calls, std::vector<Outcome>& out) {
  std::size_t next = 0;
  for (const auto& e : s.calls) {
    const std::string expected = call_text(e.method, e.component, e.hresult.value_or(""), e.result.value_or(""));
    auto same_call = [&](const SimulatedCall& c) {
      const auto component = component_of(c);
      return c.method == e.method && (!e.component || (component && *component == *e.component));
    };
    const auto from = calls.begin() + static_cast<std::ptrdiff_t>(next);
    const auto it = std::find_if(from, calls.end(), same_call);
    if (it == calls.end()) {
      const bool earlier = std::any_of(calls.begin(), from, same_call);
      out.push_back({e.path, false, expected,
                     earlier ? "no such call after call " + std::to_string(next) + " (one came earlier: out of order)"
                             : "no such call among the " + std::to_string(calls.size()) + " made"});
      continue;
    }
    next = static_cast<std::size_t>(it - calls.begin()) + 1;
    const bool held = (!e.hresult || hresult_matches(*e.hresult, hr::name(it->hr))) &&
                      (!e.result || hresult_matches(*e.result, reported_result(*it)));
    out.push_back({e.path, held, expected, "call " + std::to_string(next) + ": " + call_text(*it)});
  }
}

void evaluate_services(const Scenario& s, ServiceControl& services, std::vector<Outcome>& out) {
  for (const auto& e : s.services) {
    if (e.state) {
      const auto status = services.query_status(e.name);
      const std::string actual = status ? to_string(status->state) : "unknown (" + status.error().message() + ")";
      out.push_back({Document::child(e.path, "state"), status && status->state == *e.state, to_string(*e.state), actual});
    }
    if (e.start_type) {
      const auto type = services.query_start_type(e.name);
      const std::string actual = type ? to_string(*type) : "unknown (" + type.error().message() + ")";
      out.push_back({Document::child(e.path, "start_type"), type && *type == *e.start_type, to_string(*e.start_type), actual});
    }
  }
}

std::string shown_bytes(const std::string& bytes) {
  constexpr std::size_t limit = 200;
  return json_quote(bytes.substr(0, limit)) + (bytes.size() > limit ? " (" + std::to_string(bytes.size()) + " bytes)" : "");
}

void evaluate_files(const Scenario& s, FileSystem& files, std::vector<Outcome>& out) {
  for (const auto& e : s.files) {
    const auto present = files.exists(e.file);
    const auto read = present && *present ? files.read_file(e.file) : Result<std::string>(std::string());
    std::string actual;
    if (!present) actual = "unknown (" + present.error().message() + ")";
    else if (!*present) actual = "no such file";
    else if (!read) actual = "unreadable (" + read.error().message() + ")";
    else actual = shown_bytes(*read);
    const bool held = present && (e.contents ? (*present && read && *read == *e.contents) : !*present);
    out.push_back({e.path, held, e.contents ? shown_bytes(*e.contents) : "no such file", actual});
  }
}

}  // namespace

const std::vector<std::string>& wsb_methods() {
  static const std::vector<std::string> methods{"CheckConsistency", "QueryStatus",  "Abort",     "OrderComponents",
                                                "IsRollForwardSupported", "PreRestore", "PostRestore"};
  return methods;
}

std::optional<std::string> component_of(const SimulatedCall& call) {
  const std::string key = "component=";
  const auto at = call.arguments.find(key);
  if (at == std::string::npos) return std::nullopt;
  const auto start = at + key.size();
  if (start >= call.arguments.size() || call.arguments[start] != '"') return std::nullopt;
  std::size_t end = start + 1;
  while (end < call.arguments.size() && call.arguments[end] != '"') end += call.arguments[end] == '\\' ? 2 : 1;
  if (end >= call.arguments.size()) return std::nullopt;
  return json_unquote(std::string_view(call.arguments).substr(start, end - start + 1));
}

ParseResult parse_scenario(const std::string& text) {
  Document doc(text);
  ParseResult result;
  if (doc.parsed()) {
    Scenario s;
    Reader(doc).read(s);
    if (doc.problems().empty()) result.scenario = std::move(s);
  }
  result.problems = doc.problems();
  return result;
}

std::vector<Outcome> evaluate(const Scenario& scenario, const std::vector<SimulatedCall>& calls, ServiceControl& services,
                              FileSystem& files) {
  std::vector<Outcome> out;
  evaluate_calls(scenario, calls, out);
  evaluate_services(scenario, services, out);
  evaluate_files(scenario, files, out);
  return out;
}

}  // namespace wsbkit::scenario
