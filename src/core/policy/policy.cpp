#include "core/policy/policy.hpp"

#include <algorithm>
#include <functional>

#include "core/support/guid.hpp"

namespace wsbkit::policy {
namespace {

using json = nlohmann::json;

class Parser {
 public:
  Parser(Document& doc, const ParseOptions& options) : doc_(doc), options_(options) {}

  void parse(Policy& policy) {
    const json& root = doc_.root();
    if (!doc_.object(root, "", {"$schema", "application", "components", "roll_forward_supported", "defaults", "restore", "backup"})) {
      return;
    }
    if (root.contains("application")) application(root["application"], policy);
    if (root.contains("components")) components(root["components"], policy);
    policy.roll_forward_supported = doc_.boolean(root, "", "roll_forward_supported").value_or(false);
    if (root.contains("defaults")) defaults(root["defaults"], policy.defaults);
    if (root.contains("restore")) restore(root["restore"], policy);
    if (root.contains("backup")) {
      parse_backup_policy(doc_, root["backup"], "backup", policy.defaults, policy.components, policy.backup);
    }
  }

 private:
  void application(const json& app, Policy& policy) {
    if (!doc_.object(app, "application", {"writer_id", "identifier"})) return;
    if (auto writer = doc_.string(app, "application", "writer_id")) {
      if (auto guid = Guid::parse(*writer)) policy.writer_id = guid->braced();
      else doc_.problem("application.writer_id", "'" + *writer + "' is not a GUID");
    }
    if (auto id = doc_.string(app, "application", "identifier")) {
      if (id->empty() || id->size() > 256) doc_.problem("application.identifier", "must be 1 to 256 characters");
      policy.identifier = *id;
    }
  }

  void components(const json& list, Policy& policy) {
    if (!list.is_object()) {
      doc_.problem("components", "must be an object of component id -> { \"name\": ..., \"logical_path\": ... }");
      return;
    }
    for (const auto& [id, spec] : list.items()) {
      const std::string path = Document::child("components", id);
      if (!doc_.object(spec, path, {"name", "logical_path"})) continue;
      ComponentMatch match;
      match.names = doc_.strings(spec, path, "name").value_or(std::vector<std::string>{});
      match.logical_paths = doc_.strings(spec, path, "logical_path").value_or(std::vector<std::string>{});
      if (match.names.empty() && match.logical_paths.empty()) {
        doc_.problem(path, "needs \"name\" and/or \"logical_path\" (patterns with * and ?)");
      }
      policy.components[id] = match;
    }
  }

  void defaults(const json& d, Defaults& out) {
    if (!doc_.object(d, "defaults", {"timeout", "retries", "retry_delay"})) return;
    out.timeout = doc_.duration(d, "defaults", "timeout", std::chrono::milliseconds(1), max_step_timeout).value_or(out.timeout);
    out.retries = static_cast<int>(doc_.integer(d, "defaults", "retries", 0, max_retries).value_or(out.retries));
    out.retry_delay = doc_.duration(d, "defaults", "retry_delay", Duration(0), std::chrono::minutes(10)).value_or(out.retry_delay);
  }

  void restore(const json& r, Policy& policy) {
    if (!doc_.object(r, "restore", {"order", "after", "max_duration", "pre", "post"})) return;
    RestorePolicy& out = policy.restore;
    out.max_duration = doc_.duration(r, "restore", "max_duration", std::chrono::minutes(1), std::chrono::hours(72))
                           .value_or(out.max_duration);
    if (auto order = doc_.strings(r, "restore", "order")) {
      for (const auto& id : *order) known_component(policy, "restore.order", id);
      out.order = *order;
    }
    if (r.contains("after")) {
      const std::string path = "restore.after";
      if (!r["after"].is_array()) {
        doc_.problem(path, "must be a list of { \"component\": ID, \"after\": ID }");
      } else {
        for (std::size_t i = 0; i < r["after"].size(); ++i) {
          const std::string rule_path = Document::element(path, i);
          const json& rule = r["after"][i];
          if (!doc_.object(rule, rule_path, {"component", "after"}, {"component", "after"})) continue;
          auto component = doc_.string(rule, rule_path, "component");
          auto after = doc_.string(rule, rule_path, "after");
          if (!component || !after) continue;
          known_component(policy, rule_path, *component);
          known_component(policy, rule_path, *after);
          out.after.push_back({*component, *after});
        }
      }
    }
    check_acyclic(out);
    if (r.contains("pre")) steps(r["pre"], "restore.pre", policy, out.pre);
    if (r.contains("post")) steps(r["post"], "restore.post", policy, out.post);
  }

  void known_component(const Policy& policy, const std::string& path, const std::string& id) {
    if (!policy.components.count(id)) doc_.problem(path, "unknown component '" + id + "' (declare it under \"components\")");
  }

  // "X after Y" rules (and the explicit order) must not form a cycle.
  void check_acyclic(const RestorePolicy& r) {
    std::map<std::string, std::vector<std::string>> edges;  // component -> must come after these
    for (const auto& rule : r.after) edges[rule.component].push_back(rule.after);
    std::map<std::string, int> state;  // 0 new, 1 visiting, 2 done
    std::vector<std::string> stack;
    std::function<bool(const std::string&)> visit = [&](const std::string& node) {
      if (state[node] == 2) return true;
      if (state[node] == 1) {
        std::string cycle;
        auto start = std::find(stack.begin(), stack.end(), node);
        for (auto it = start; it != stack.end(); ++it) cycle += *it + " -> ";
        doc_.problem("restore.after", "ordering rules form a cycle: " + cycle + node);
        return false;
      }
      state[node] = 1;
      stack.push_back(node);
      for (const auto& next : edges[node]) {
        if (!visit(next)) return false;
      }
      stack.pop_back();
      state[node] = 2;
      return true;
    };
    for (const auto& [node, _] : edges) {
      if (!visit(node)) return;
    }
  }

  void steps(const json& list, const std::string& path, const Policy& policy, std::vector<RestoreStep>& out) {
    if (!list.is_array()) {
      doc_.problem(path, "must be a list of steps");
      return;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (auto s = step(list[i], Document::element(path, i), policy)) out.push_back(std::move(*s));
    }
  }

  std::optional<RestoreStep> step(const json& s, const std::string& path, const Policy& policy) {
    static const std::set<std::string> actions = {"service.stop", "service.start", "run", "wait.port", "wait.file"};
    if (!s.is_object()) {
      doc_.problem(path, "a step must be an object with one action key (" + join(actions) + ")");
      return std::nullopt;
    }
    std::set<std::string> allowed = step_option_keys();
    allowed.insert(actions.begin(), actions.end());
    doc_.object(s, path, allowed);
    std::vector<std::string> found;
    for (const auto& a : actions) {
      if (s.contains(a)) found.push_back(a);
    }
    if (found.size() != 1) {
      doc_.problem(path, found.empty() ? "a step needs one action key (" + join(actions) + ")"
                                       : "a step has exactly one action; found " + join({found.begin(), found.end()}));
      return std::nullopt;
    }
    const std::string& kind = found[0];
    const std::string action_path = Document::child(path, kind);
    const json& a = s[kind];
    const bool service_step = kind == "service.stop" || kind == "service.start";
    RestoreStep step{ServiceStart{}, parse_step_options(doc_, s, path, policy.defaults, policy.components, service_step),
                     path};
    if (kind == "service.stop" || kind == "service.start") {
      if (!doc_.object(a, action_path, kind == "service.stop" ? std::set<std::string>{"service", "disable_during_restore"}
                                                               : std::set<std::string>{"service"},
                       {"service"})) {
        return std::nullopt;
      }
      const auto names = doc_.strings(a, action_path, "service");
      if (!names || names->empty()) {
        if (names) doc_.problem(Document::child(action_path, "service"), "needs at least one service name");
        return std::nullopt;
      }
      for (const auto& name : *names) {
        if (!is_plausible_service_name(name)) {
          doc_.problem(Document::child(action_path, "service"), "'" + name + "' is not a valid service name (1-256 characters, no / or \\)");
        }
      }
      if (kind == "service.stop") step.action = ServiceStop{*names, doc_.boolean(a, action_path, "disable_during_restore").value_or(false)};
      else step.action = ServiceStart{*names};
    } else if (kind == "run") {
      auto run = parse_run_command(doc_, a, action_path, true, options_.file_exists);
      if (!run) return std::nullopt;
      step.action = std::move(*run);
    } else if (kind == "wait.port") {
      if (!doc_.object(a, action_path, {"host", "port"}, {"port"})) return std::nullopt;
      WaitPort w;
      w.host = doc_.string(a, action_path, "host").value_or(w.host);
      w.port = static_cast<std::uint16_t>(doc_.integer(a, action_path, "port", 1, 65535).value_or(0));
      step.action = w;
    } else {
      if (!doc_.object(a, action_path, {"path", "exists"}, {"path"})) return std::nullopt;
      WaitFile w;
      w.path = doc_.string(a, action_path, "path").value_or("");
      if (!is_absolute_windows_path(w.path)) doc_.problem(Document::child(action_path, "path"), "must be an absolute Windows path");
      w.exists = doc_.boolean(a, action_path, "exists").value_or(true);
      step.action = w;
    }
    return step;
  }

  static std::string join(const std::set<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
  }

  Document& doc_;
  const ParseOptions& options_;
};

}  // namespace

LoadResult parse_policy(const std::string& text, const ParseOptions& options) {
  Document doc(text);
  LoadResult result;
  if (doc.parsed()) {
    Policy policy;
    Parser(doc, options).parse(policy);
    if (doc.problems().empty()) result.policy = std::move(policy);
  }
  result.problems = doc.problems();
  return result;
}

Result<LoadResult> load_policy_file(FileSystem& files, const std::string& path, const ParseOptions& options) {
  std::string text;
  std::uint64_t seen = 0;
  auto read = files.read_chunks(path, 64 * 1024, [&](std::string_view chunk) -> Result<void> {
    seen += chunk.size();
    if (seen > max_policy_bytes) return Error::win32(win32_error::invalid_data, "read", path);  // stops the read
    text.append(chunk);
    return success();
  });
  if (seen > max_policy_bytes) {
    auto size = files.file_size(path);  // the size to report; what was read is a lower bound
    return LoadResult{std::nullopt, {*size_problem(size && *size > seen ? *size : seen)}};
  }
  if (!read) return read.error();
  return parse_policy(text, options);
}

Result<LoadResult> load_policy_file(HeldFile& file, const ParseOptions& options) {
  auto text = file.read(max_policy_bytes + 1);
  if (!text) return text.error();
  if (text->size() > max_policy_bytes) {
    auto size = file.size();
    return LoadResult{std::nullopt, {*size_problem(size && *size > text->size() ? *size : text->size())}};
  }
  return parse_policy(*text, options);
}

std::vector<std::string> matching_components(const Policy& policy, const OptionalName& name, const OptionalName& logical_path) {
  std::vector<std::string> ids;
  for (const auto& [id, match] : policy.components) {
    if (match.matches(name, logical_path)) ids.push_back(id);
  }
  return ids;
}

}  // namespace wsbkit::policy
