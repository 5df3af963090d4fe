// wsbkit validate | repair: the policy file and the restore sessions it drives.
#include <algorithm>
#include <ostream>

#include "cli/cli_support.hpp"
#include "core/addin/addin_host.hpp"
#include "core/policy/policy.hpp"
#include "core/registration/doctor.hpp"
#include "core/registration/registrar.hpp"
#include "core/restore/journal_key.hpp"
#include "core/restore/policy_restore_engine.hpp"
#include "core/restore/state_folder.hpp"

namespace wsbkit::cli {
namespace {

int cmd_validate(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string file;
  options.add_options()
      ("help,h", "show this help")
      ("policy", po::value(&file), "the policy file (JSON, comments allowed); given as POLICY");
  po::positional_options_description positional;
  positional.add("policy", 1);
  po::variables_map vm;
  if (int rc = parse("validate", args, options, &positional, vm, out, err, "validate POLICY",
                     "Checks a policy file: JSON syntax (a key given twice is an error), unknown keys, types,\n"
                     "durations with units, ranges, plausible service names and absolute executable paths,\n"
                     "declared components, acyclic ordering. On the target Windows machine also: every\n"
                     "executable exists, every service it names is installed (else the closest installed\n"
                     "names), and its application block matches the registration whose add-in uses this\n"
                     "file (or the one registered for the writer it names). Every problem is listed as\n"
                     "FILE:LINE:COLUMN: PATH: MESSAGE. Exit code 0 when valid, 3 otherwise.");
      rc >= 0) {
    return rc;
  }
  if (file.empty()) {
    err << "wsbkit validate: missing POLICY: the policy file to check\nUsage: wsbkit validate POLICY\nTry 'wsbkit validate --help'.\n";
    return exit_code::usage;
  }
  if (!ctx.files) {
    err << "wsbkit validate: no file system on this host\n";
    return exit_code::failure;
  }
  // On the target, the policy is also checked against the registration it is given to.
  std::optional<PolicyRegistration> registration;
  if (ctx.check_referenced_files) {
    auto loaded = policy::load_policy_file(*ctx.files, file);
    if (!loaded) return report(loaded.error(), "validate", err);
    if (loaded->policy) {
      auto found = registration_for_policy(ctx.registry, ctx.services, file, loaded->policy->writer_id);
      if (!found) return report(found.error(), "validate", err);
      registration = *found;
    }
  }
  const auto loaded = read_policy_on_target(ctx, file, registration);
  if (!loaded) return report(loaded.error(), "validate", err);
  const auto& result = *loaded;
  if (!result.ok()) {
    for (const auto& p : result.problems) err << p << "\n";
    err << result.problems.size() << " problem(s) in " << file << "\n";
    return exit_code::invalid_input;
  }
  const auto& p = *result.policy;
  out << file << ": valid (" << p.components.size() << " component(s), " << p.restore.pre.size() << " pre-restore and "
      << p.restore.post.size() << " post-restore step(s), " << p.backup.checks.size() << " consistency check(s)"
      << (p.restore.has_ordering() ? ", ordering rules" : "") << ")\n";
  return exit_code::ok;
}

// The journal keys of an application's sessions: its writer id's, its add-in CLSID's, and that of
// the writer its registered policy names (a session an older add-in opened under a copied
// example's writer id). `registered`: the registry or wsbkit's records know the application.
Result<std::vector<std::string>> session_keys_of(CliContext& ctx, const std::string& application, bool& registered) {
  std::vector<std::string> keys{session_key_for(application)};
  const auto add = [&keys](const std::string& key) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  };
  const auto guid = Guid::parse(application);
  registered = false;
  if (!guid) return keys;
  Registrar registrar(ctx.registry, ctx.services);
  auto apps = registrar.list_applications();
  if (!apps) return apps.error();
  for (const auto& app : *apps) {
    const auto writer = Guid::parse(app.writer_id);
    const auto clsid = app.clsid ? Guid::parse(*app.clsid) : std::nullopt;
    if (!(writer && *writer == *guid) && !(clsid && *clsid == *guid)) continue;
    registered = true;
    add(session_key_for(app.writer_id));
    if (app.clsid) add(session_key_for(*app.clsid));
    const auto policy_path = app.local_server ? policy_argument(*app.local_server) : std::nullopt;
    if (!policy_path || !ctx.files) continue;
    auto loaded = policy::load_policy_file(*ctx.files, *policy_path);
    if (loaded && loaded->policy && !loaded->policy->writer_id.empty()) add(session_key_for(loaded->policy->writer_id));
  }
  auto record = registrar.recorded(*guid);
  if (!record) return record.error();
  if (*record) registered = true;
  return keys;
}

void print_given_back(std::ostream& out, const RepairOutcome& o) {
  out << "Completed " << o.journal << ":";
  if (o.services_restarted.empty() && o.start_types_restored.empty()) out << " nothing was owed";
  out << "\n";
  std::vector<std::string> services = o.start_types_restored;
  for (const auto& s : o.services_restarted) {
    if (std::find(services.begin(), services.end(), s) == services.end()) services.push_back(s);
  }
  for (const auto& s : services) {
    const bool start_type = std::find(o.start_types_restored.begin(), o.start_types_restored.end(), s) != o.start_types_restored.end();
    const bool restarted = std::find(o.services_restarted.begin(), o.services_restarted.end(), s) != o.services_restarted.end();
    out << "  gave back " << s << ":" << (start_type ? " start type restored" : "") << (start_type && restarted ? "," : "")
        << (restarted ? " started again" : "") << "\n";
  }
}

int cmd_repair(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string writer, application;
  options.add_options()
      ("help,h", "show this help")
      ("writer,w", po::value(&writer), "only this application's sessions (its VSS writer id, or its add-in's CLSID)")
      ("application,a", po::value(&application), "the same as --writer (its former name)");
  po::variables_map vm;
  if (int rc = parse("repair", args, options, nullptr, vm, out, err, "repair [--writer GUID]",
                     "Completes interrupted restore sessions: every service a session stopped is given back\n"
                     "(start type restored, started again if it was running), as recorded in the journals\n"
                     "under %ProgramData%\\wsbkit\\sessions; each service given back is printed. Safe to run\n"
                     "at any time; a no-op when nothing is open. With --writer, only that application's\n"
                     "sessions (also one opened under the writer id its policy names); exit code 5 when no\n"
                     "application is registered for it and no session is open for it.");
      rc >= 0) {
    return rc;
  }
  if (!writer.empty() && !application.empty()) {
    err << "wsbkit repair: --writer and --application are the same option; give one\n";
    return exit_code::usage;
  }
  if (writer.empty()) writer = application;
  if (!ctx.files || !ctx.services || !ctx.clock || !ctx.events || !ctx.digests) {
    err << "wsbkit repair: needs the service control manager; run it on the Windows machine\n";
    return exit_code::failure;
  }
  // The state folder is checked and held, and the journal key read, before any journal is used.
  std::optional<StateFolder> state;
  if (ctx.folders) {
    auto opened = StateFolder::open(*ctx.folders, ctx.state_dir);
    if (!opened) {
      err << "wsbkit repair: " << opened.error().message() << "\n  nothing was touched; " << state_folder_fix(ctx.state_dir) << "\n";
      return exit_code::failure;
    }
    state = std::move(*opened);
  }
  auto journal_key = load_or_create_journal_key(ctx.registry);
  if (!journal_key) return report(journal_key.error(), "repair", err);
  RestoreEnvironment env{*ctx.files, *ctx.services, *ctx.clock, *ctx.events, nullptr, nullptr, ctx.state_dir, "\\"};
  env.locks = ctx.locks;
  env.digests = ctx.digests;
  env.journal_key = *journal_key;
  bool registered = true;
  std::vector<std::optional<std::string>> keys{std::nullopt};
  if (!writer.empty()) {
    auto found = session_keys_of(ctx, writer, registered);
    if (!found) return report(found.error(), "repair", err);
    keys.assign(found->begin(), found->end());
  }
  std::vector<RepairOutcome> outcomes;
  for (const auto& key : keys) {
    auto repaired = repair_sessions(env, key);
    if (!repaired) return report(repaired.error(), "repair", err);
    outcomes.insert(outcomes.end(), repaired->begin(), repaired->end());
  }
  if (outcomes.empty() && !registered) {
    err << "wsbkit repair: no application is registered for " << writer << " and no restore session is open for it\n"
        << "  'wsbkit status' lists the registered applications (--writer takes the VSS writer id).\n";
    return exit_code::not_found;
  }
  if (outcomes.empty()) {
    out << "No interrupted restore session" << (writer.empty() ? std::string() : " for " + writer) << ": nothing to do.\n";
    return exit_code::ok;
  }
  bool all_done = true;
  for (const auto& o : outcomes) {
    if (o.live) {
      out << "Left alone " << o.journal << ": a wsbkit add-in process is working on this restore now (nothing was touched;"
          << " run repair again once the restore has ended)\n";
      all_done = false;
      continue;
    }
    if (o.problem) {
      out << "NOT completed " << o.journal << ": " << *o.problem << "\n  the journal is kept; fix the cause and run repair again\n";
      all_done = false;
      continue;
    }
    print_given_back(out, o);
    if (o.journal_problem) out << "  warning: the journal was damaged (" << *o.journal_problem << "); only its valid part was used\n";
    for (const auto& r : o.refused) out << "  left alone: " << r << "\n";
  }
  if (!all_done) return exit_code::failure;
  return exit_code::ok;
}

}  // namespace

std::vector<Command> policy_commands() {
  return {
      {"validate", "check a policy file (line and column for every problem)", cmd_validate},
      {"repair", "complete interrupted restore sessions (restart what they stopped)", cmd_repair},
  };
}

}  // namespace wsbkit::cli
