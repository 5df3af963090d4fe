// wsbkit doctor | export: read-only commands about registrations (registration_commands() lists them).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "core/registration/doctor.hpp"
#include "core/support/guid.hpp"

namespace wsbkit::cli {

int cmd_doctor(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err);
// The restore sessions left open in the state folder (doctor's check; `simulate` ends with them):
// each with the services it holds and its repair command. Read only.
Result<std::vector<DoctorCheck>> check_sessions(CliContext& ctx, const std::optional<Guid>& only);
int cmd_export(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err);

}  // namespace wsbkit::cli
