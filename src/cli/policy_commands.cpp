// wsbkit validate | repair: the policy file and the restore sessions it drives.
#include <ostream>

#include "cli/cli_support.hpp"
#include "core/addin/addin_host.hpp"
#include "core/policy/policy.hpp"
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
      ("policy", po::value(&file)->required(), "the policy file (JSON, comments allowed)");
  po::positional_options_description positional;
  positional.add("policy", 1);
  po::variables_map vm;
  if (int rc = parse("validate", args, options, &positional, vm, out, err, "validate POLICY",
                     "Checks a policy file: JSON syntax, unknown keys, types, durations with units, ranges,\n"
                     "plausible service names and absolute executable paths (which must exist when run on\n"
                     "the target Windows machine), declared components, acyclic ordering. Every problem is\n"
                     "listed as FILE:LINE:COLUMN: PATH: MESSAGE. Exit code 0 when valid, 3 otherwise.");
      rc >= 0) {
    return rc;
  }
  if (!ctx.files) {
    err << "wsbkit validate: no file system on this host\n";
    return exit_code::failure;
  }
  policy::ParseOptions parse_options;
  if (ctx.check_referenced_files) {
    parse_options.file_exists = [&ctx](const std::string& path) {
      auto exists = ctx.files->exists(path);
      return exists && *exists;
    };
  }
  const auto loaded = policy::load_policy_file(*ctx.files, file, parse_options);
  if (!loaded) return report(loaded.error(), "validate", err);
  const auto& result = *loaded;
  if (!result.policy) {
    for (const auto& p : result.problems) err << p.format(file) << "\n";
    err << result.problems.size() << " problem(s) in " << file << "\n";
    return exit_code::invalid_input;
  }
  const auto& p = *result.policy;
  out << file << ": valid (" << p.components.size() << " component(s), " << p.restore.pre.size() << " pre-restore and "
      << p.restore.post.size() << " post-restore step(s), " << p.backup.checks.size() << " consistency check(s)"
      << (p.restore.has_ordering() ? ", ordering rules" : "") << ")\n";
  return exit_code::ok;
}

int cmd_repair(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string application;
  options.add_options()
      ("help,h", "show this help")
      ("application,a", po::value(&application), "only this application's session (its writer id or add-in CLSID)");
  po::variables_map vm;
  if (int rc = parse("repair", args, options, nullptr, vm, out, err, "repair [--application WRITER-ID]",
                     "Completes interrupted restore sessions: every service a session stopped is given back\n"
                     "(start type restored, started again if it was running), as recorded in the journals\n"
                     "under %ProgramData%\\wsbkit\\sessions. Safe to run at any time; a no-op when nothing is open.");
      rc >= 0) {
    return rc;
  }
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
  std::optional<std::string> key;
  if (!application.empty()) key = session_key_for(application);
  auto outcomes = repair_sessions(env, key);
  if (!outcomes) return report(outcomes.error(), "repair", err);
  if (outcomes->empty()) {
    out << "No interrupted restore session" << (key ? " for " + application : std::string()) << ": nothing to do.\n";
    return exit_code::ok;
  }
  bool all_done = true;
  for (const auto& o : *outcomes) {
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
    out << "Completed " << o.journal << ":";
    if (o.services_restarted.empty() && o.start_types_restored.empty()) out << " nothing was owed";
    for (const auto& s : o.start_types_restored) out << " start type of " << s << " restored;";
    for (const auto& s : o.services_restarted) out << " " << s << " restarted;";
    out << "\n";
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
