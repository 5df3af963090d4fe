// The one way wsbkit's commands read a policy the way the add-in will on this machine: its
// syntax and rules (with the executables it runs, where they can be checked), then what it must
// agree with here (core/registration/policy_target_checks.hpp).
#include "cli/cli_support.hpp"
#include "core/policy/policy_document.hpp"

namespace wsbkit::cli {

Result<PolicyReport> read_policy_on_target(CliContext& ctx, const std::string& path,
                                           const std::optional<PolicyRegistration>& registration) {
  if (!ctx.files) return Error::hresult(hr::e_notimpl, "read", path, "no file system on this host");
  policy::ParseOptions options;
  if (ctx.check_referenced_files) {
    options.file_exists = [&ctx](const std::string& p) {
      auto exists = ctx.files->exists(p);
      return exists && *exists;
    };
  }
  PolicyReport report;
  auto loaded = policy::load_policy_file(*ctx.files, path, options);  // within the size limit
  if (!loaded) return loaded.error();
  auto& parsed = *loaded;
  for (const auto& p : parsed.problems) report.problems.push_back(p.format(path));
  if (!parsed.policy) return report;
  auto on_target = check_policy_on_target(*parsed.policy, ctx.check_referenced_files ? ctx.services : nullptr, registration);
  if (!on_target) return on_target.error();
  if (!on_target->empty()) {
    auto text = ctx.files->read_file(path);  // only for the locations: its size was checked above
    if (!text) return text.error();
    const policy::Document located(*text);
    for (const auto& p : *on_target) report.problems.push_back(policy::Problem{p.path, located.where(p.path), p.message}.format(path));
  }
  report.policy = std::move(parsed.policy);
  return report;
}

}  // namespace wsbkit::cli
