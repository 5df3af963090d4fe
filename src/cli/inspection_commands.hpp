// wsbkit doctor | export: read-only commands about registrations (registration_commands() lists them).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/cli.hpp"

namespace wsbkit::cli {

int cmd_doctor(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err);
int cmd_export(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err);

}  // namespace wsbkit::cli
