#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli.hpp"
#include "core/consistency/writer_metadata.hpp"
#include "core/addin/addin_core.hpp"
#include "core/registration/wsb_layout.hpp"
#include "mock/fake_clock.hpp"
#include "mock/fake_console.hpp"
#include "mock/fake_file_security.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_process_runner.hpp"
#include "mock/fake_registry.hpp"
#include "mock/fake_service_control.hpp"
#include "platform/text.hpp"

using namespace wsbkit;

namespace {

struct Cli {
  Cli() {
    context.services = &services;
    context.clock = &clock;
    context.files = &files;
    context.check_referenced_files = true;  // as on the target: services and executables are checked
    services.install({"LedgerSvc", "Ledger", "C:\\Tools\\ledger.exe", ServiceStartType::automatic, {}}, ServiceState::running);
    BOOST_REQUIRE(files.create_directories("C:\\Tools").ok());
    BOOST_REQUIRE(files.write_file("C:\\Tools\\ledger.json", ledger_policy).ok());
  }
  static constexpr const char* ledger_policy =
      R"({"restore": {"pre": [{"service.stop": {"service": "LedgerSvc"}}], "post": [{"service.start": {"service": "LedgerSvc"}}]}})";
  mock::FakeRegistry registry;
  mock::FakeFileSystem files;
  mock::FakeServiceControl services;
  mock::FakeClock clock;
  std::vector<std::string> log_lines;
  CallLog log{[this](const std::string& l) { log_lines.push_back(l); }};
  CliContext context{registry,
                     []() -> Result<std::unique_ptr<ComRuntime>> {
                       return Error::hresult(hr::e_notimpl, "activate", "COM", "not in this test");
                     },
                     [this] { return std::make_shared<AddinCore>(log); },
                     [](const std::string& path) { return path.rfind("C:\\Tools\\", 0) == 0; }};
  std::string out, err;

  int run(std::vector<std::string> args) {
    std::ostringstream o, e;
    const int rc = run_cli(args, context, o, e);
    out = o.str();
    err = e.str();
    return rc;
  }
};

const std::vector<std::string> register_ledger = {"register", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7",
                                                  "--identifier", "Ledger", "--addin", "C:\\Tools\\wsbkit-addin.exe",
                                                  "--policy", "C:\\Tools\\ledger.json"};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cli, Cli)

// Every command answers --help with its usage and exits 0; no command is a usage error (2).
BOOST_AUTO_TEST_CASE(every_command_has_help) {
  for (const char* command : {"register", "unregister", "status", "doctor", "export", "simulate"}) {
    BOOST_TEST(run({command, "--help"}) == exit_code::ok);
    BOOST_TEST(out.find(std::string("Usage: wsbkit ") + command) != std::string::npos, command);
  }
  BOOST_TEST(run({"--help"}) == exit_code::ok);
  BOOST_TEST(out.find("simulate") != std::string::npos);
  BOOST_TEST(run({}) == exit_code::usage);
  BOOST_TEST(run({"frobnicate"}) == exit_code::usage);
  BOOST_TEST(err.find("unknown command 'frobnicate'") != std::string::npos);
}

// Bad input, the registration table: each row a clear message naming the field and the rule,
// its exit code (2 for a malformed command line, 3 for a value breaking a rule), nothing written.
// --version prints the version main() says the binary was built as (the Meson project version, or
// the next patch for the upgrade build of tests/wine/msi_test.sh), not a constant of its own.
BOOST_AUTO_TEST_CASE(version_prints_the_version_the_binary_was_built_as) {
  context.version = "7.8.9";
  BOOST_TEST(run({"--version"}) == exit_code::ok);
  BOOST_TEST(out == "wsbkit 7.8.9\n");
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_with_a_named_field_and_nothing_written) {
  BOOST_REQUIRE(run({"register", "--writer", "{11111111-2222-3333-4444-555555555555}", "--identifier", "Exchange"}) == 0);
  const auto before = registry.snapshot();
  const std::string w = "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7";
  const std::string exe = "C:\\Tools\\wsbkit-addin.exe";
  struct Row {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  const std::vector<Row> rows{
      {{"register", "--identifier", "Ledger"}, exit_code::usage, "--writer"},
      {{"register", "--writer", w}, exit_code::usage, "--identifier"},
      {{"register", "--writer", "not-a-guid", "--identifier", "Ledger"}, exit_code::invalid_input, "invalid writer: 'not-a-guid' is not a GUID"},
      {{"register", "--writer", "{76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", "--identifier", "L"}, exit_code::invalid_input, "invalid writer"},
      {{"register", "--writer", w, "--identifier", ""}, exit_code::invalid_input, "invalid identifier: must be 1 to 256 characters"},
      {{"register", "--writer", w, "--identifier", std::string(257, 'x')}, exit_code::invalid_input, "invalid identifier: must be 1 to 256 characters (got 257)"},
      {{"register", "--writer", w, "--identifier", "Led\tger"}, exit_code::invalid_input, "invalid identifier: must not contain control characters"},
      {{"register", "--writer", w, "--identifier", "EXCHANGE"}, exit_code::invalid_input, "invalid identifier: 'EXCHANGE' is already used by writer"},
      {{"register", "--writer", w, "--identifier", "exchange", "--force"}, exit_code::invalid_input, "invalid identifier"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", "wsbkit-addin.exe"}, exit_code::invalid_input, "invalid addin: must be an absolute Windows path"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", "C:\\Elsewhere\\wsbkit-addin.exe"}, exit_code::invalid_input, "invalid addin: file not found"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", exe, "--no-addin"}, exit_code::usage, "exclude each other"},
      {{"register", "--writer", w, "--identifier", "L", "--policy", "C:\\p.json"}, exit_code::usage, "--policy needs --addin"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", exe, "--policy", "p.json"}, exit_code::invalid_input, "invalid policy: must be an absolute Windows path"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", exe, "--clsid", "xyz"}, exit_code::invalid_input, "invalid clsid: 'xyz' is not a GUID"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", exe, "--clsid", std::string(layout::proxy_stub_clsid)}, exit_code::invalid_input, "invalid clsid: is the CLSID of wsbkit's proxy/stub"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", exe, "--hosting", "InProc"}, exit_code::invalid_input, "invalid hosting: 'InProc' (expected LocalServer32 or LocalService)"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", exe, "--service-name", "s"}, exit_code::usage, "--service-name needs --hosting LocalService"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", exe, "--hosting", "LocalService", "--service-name", "a/b"}, exit_code::invalid_input, "invalid service-name: must not contain"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", exe, "--launch-permission", "O:ZZ"}, exit_code::invalid_input, "invalid launch-permission: SDDL has an unknown or malformed SID 'ZZ' at position 3"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", exe, "--access-permission", "D:(A;;0x1;;;SY"}, exit_code::invalid_input, "invalid access-permission: SDDL has an ACE without ')'"},
      {{"register", "--writer", w, "--identifier", "L", "--launch-permission", "D:"}, exit_code::usage, "--launch-permission needs --addin"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", exe, "--proxy-stub", "sometimes"}, exit_code::invalid_input, "invalid proxy-stub: 'sometimes'"},
      {{"register", "--writer", w, "--identifier", "L", "--addin", exe, "--proxy-stub-dll", "C:\\Elsewhere\\wsbkit-ps.dll"}, exit_code::invalid_input, "invalid proxy-stub-dll: file not found"},
      {{"register", "--writer", "{11111111-2222-3333-4444-555555555555}", "--identifier", "Ex2"}, exit_code::ok, ""},
      {{"unregister", "--writer", "nope"}, exit_code::invalid_input, "invalid writer"},
      {{"unregister", "--writer", w}, exit_code::not_found, "no wsbkit registration for this writer"},
      {{"export", "--writer", w, "--out", "x.reg"}, exit_code::not_found, "nothing to export"},
      {{"doctor", "--writer", "nope"}, exit_code::invalid_input, "invalid writer"},
  };
  for (const auto& row : rows) {
    const auto snapshot = registry.snapshot();
    const int rc = run(row.args);
    BOOST_TEST(rc == row.code, row.args[0] << " " << row.args.back() << ": " << err);
    BOOST_TEST(err.find(row.message) != std::string::npos, "want '" << row.message << "' in: " << err);
    if (rc == exit_code::invalid_input) BOOST_TEST(err.find("Nothing was changed.") != std::string::npos, err);
    if (rc != exit_code::ok) BOOST_TEST((registry.snapshot() == snapshot), row.message);
  }
}

// A foreign entry for the writer: refused (exit 3, names --force); --force takes it over.
BOOST_AUTO_TEST_CASE(force_takes_over_a_foreign_entry) {
  const std::string key = std::string(layout::application_support) + "\\{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}";
  BOOST_REQUIRE(registry.create_key(RegistryRoot::local_machine, key).ok());
  BOOST_REQUIRE(registry.set_value(RegistryRoot::local_machine, key, "Application Identifier", reg_sz("Old")).ok());
  const auto before = registry.snapshot();
  BOOST_TEST(run(register_ledger) == exit_code::invalid_input);
  BOOST_TEST(err.find("invalid writer") != std::string::npos);
  BOOST_TEST(err.find("--force") != std::string::npos);
  BOOST_TEST((registry.snapshot() == before));
  auto forced = register_ledger;
  forced.push_back("--force");
  forced.push_back("--verbose");
  BOOST_TEST(run(forced) == exit_code::ok);
  BOOST_TEST(out.find("~ value   HKLM\\" + key + " \"Application Identifier\": REG_SZ \"Old\" -> REG_SZ \"Ledger\"") != std::string::npos, out);
}

// register -> status -> unregister through the command line, with the exit codes and messages;
// each real run prints the changes it made.
BOOST_AUTO_TEST_CASE(register_status_unregister_round_trip) {
  auto verbose = register_ledger;
  verbose.push_back("--verbose");
  BOOST_TEST(run(verbose) == exit_code::ok);
  BOOST_TEST(out.find("Registered 'Ledger' (writer {76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}) with add-in") != std::string::npos);
  BOOST_TEST(out.find("+ key     HKLM\\SOFTWARE\\Classes\\CLSID\\{E759F65B-9371-515A-8397-AB5B1CCD6E96}\\LocalServer32") != std::string::npos);
  BOOST_TEST(out.find("Registered the proxy/stub C:\\Tools\\wsbkit-ps.dll") != std::string::npos);
  BOOST_TEST(run(register_ledger) == exit_code::ok);
  BOOST_TEST(out.find("already registered exactly so; nothing changed.") != std::string::npos);
  BOOST_TEST(run({"status"}) == exit_code::ok);
  BOOST_TEST(out.find("Ledger") != std::string::npos);
  BOOST_TEST(out.find("{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}") != std::string::npos);
  BOOST_TEST(out.find("launch permission: O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BA)(A;;0x3;;;BO)") != std::string::npos);
  BOOST_TEST(out.find("Proxy/stub for the WSB interfaces: registered") != std::string::npos);
  BOOST_TEST(run({"unregister", "--writer", "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}", "--verbose"}) == exit_code::ok);
  BOOST_TEST(out.find("- key     HKLM\\SOFTWARE\\Classes\\CLSID\\{E759F65B-9371-515A-8397-AB5B1CCD6E96}") != std::string::npos);
  BOOST_TEST(run({"unregister", "--writer", "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}"}) == exit_code::not_found);
  BOOST_TEST(run({"status"}) == exit_code::ok);
  BOOST_TEST(out.find("No application is registered") != std::string::npos);
}

// --dry-run prints the plan and writes nothing; the real run then prints the same change lines.
BOOST_AUTO_TEST_CASE(dry_run_prints_the_plan_the_real_run_then_carries_out) {
  const auto lines_of = [](const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("  ", 0) == 0) lines.push_back(line);
    }
    return lines;
  };
  auto dry = register_ledger;
  dry.push_back("--dry-run");
  const auto before = registry.snapshot();
  BOOST_TEST(run(dry) == exit_code::ok);
  BOOST_TEST(out.find("Dry run (nothing was written): registering 'Ledger'") == 0u, out);
  BOOST_TEST(out.find("change(s) planned:") != std::string::npos);
  BOOST_TEST(out.find("Would register the proxy/stub") != std::string::npos);
  BOOST_TEST((registry.snapshot() == before));
  const auto planned = lines_of(out);
  BOOST_TEST(planned.size() > 20u);
  auto verbose = register_ledger;
  verbose.push_back("--verbose");
  BOOST_TEST(run(verbose) == exit_code::ok);
  BOOST_TEST(lines_of(out) == planned, boost::test_tools::per_element());

  auto changed = register_ledger;
  changed[4] = "Ledger 2";
  changed.push_back("--dry-run");
  const auto registered = registry.snapshot();
  BOOST_TEST(run(changed) == exit_code::ok);
  BOOST_TEST(out.find("REG_SZ \"Ledger\" -> REG_SZ \"Ledger 2\"") != std::string::npos, out);
  BOOST_TEST((registry.snapshot() == registered));
  BOOST_TEST(run({"unregister", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", "--dry-run"}) == exit_code::ok);
  BOOST_TEST(out.find("Dry run (nothing was written): unregistering writer") == 0u, out);
  BOOST_TEST(out.find("- key     HKLM\\SOFTWARE\\wsbkit\\Registrations\\{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}") != std::string::npos);
  BOOST_TEST((registry.snapshot() == registered));
}

// status --json: one JSON document with every application and the proxy/stub per interface.
BOOST_AUTO_TEST_CASE(status_json_describes_every_application) {
  BOOST_TEST(run({"status", "--json"}) == exit_code::ok);
  auto empty = nlohmann::json::parse(out);
  BOOST_TEST(empty["applications"].size() == 0u);
  BOOST_TEST(empty["proxy_stub"]["registered"] == false);
  BOOST_REQUIRE(run(register_ledger) == exit_code::ok);
  BOOST_REQUIRE(run({"register", "--writer", "{11111111-2222-3333-4444-555555555555}", "--identifier", "Plain"}) == 0);
  BOOST_TEST(run({"status", "--json"}) == exit_code::ok);
  auto doc = nlohmann::json::parse(out);
  BOOST_REQUIRE(doc["applications"].size() == 2u);
  const auto& ledger = doc["applications"][1];
  BOOST_TEST(ledger["identifier"] == "Ledger");
  BOOST_TEST(ledger["writer"] == "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}");
  BOOST_TEST(ledger["clsid"] == "{E759F65B-9371-515A-8397-AB5B1CCD6E96}");
  BOOST_TEST(ledger["hosting"] == "LocalServer32");
  BOOST_TEST(ledger["registered_by_wsbkit"] == true);
  BOOST_TEST(ledger["access_permission"] == "O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BA)(A;;0x3;;;BO)");
  const auto& plain = doc["applications"][0];
  BOOST_TEST(plain["clsid"].is_null());
  BOOST_TEST(plain["hosting"].is_null());
  BOOST_TEST(doc["proxy_stub"]["registered"] == true);
  BOOST_TEST(doc["proxy_stub"]["interfaces"].size() == 3u);
  BOOST_TEST(doc["proxy_stub"]["interfaces"][0]["wsbkit"] == true);
}

// status --json with an identifier holding an unpaired surrogate (registry text is UTF-16, any
// UTF-16): valid UTF-8 JSON with the surrogate as its \u escape, not a failure.
BOOST_AUTO_TEST_CASE(status_json_keeps_an_unpaired_surrogate_exact) {
  BOOST_REQUIRE(run({"register", "--writer", "{11111111-2222-3333-4444-555555555555}", "--identifier", "Odd\xED\xA0\x80"}) == 0);
  BOOST_TEST(run({"status", "--json"}) == exit_code::ok, err);
  BOOST_TEST(out.find("\"identifier\": \"Odd\\ud800\"") != std::string::npos, out);
  BOOST_TEST(is_valid_utf8(out));
}

// doctor: exit 0 when every check is ok, 7 with a PROBLEM line and its fix otherwise; 5 for an
// unknown writer.
BOOST_AUTO_TEST_CASE(doctor_exit_codes_and_report) {
  BOOST_TEST(run({"doctor"}) == exit_code::ok);
  BOOST_TEST(out.find("nothing to check") != std::string::npos);
  BOOST_REQUIRE(run(register_ledger) == exit_code::ok);
  BOOST_TEST(run({"doctor"}) == exit_code::ok, out);
  BOOST_TEST(out.find("ok       identifier unique") != std::string::npos);
  BOOST_TEST(out.find("0 problem(s)") != std::string::npos);
  auto broad = register_ledger;
  for (const char* arg : {"--launch-permission", "O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BU)"}) broad.push_back(arg);
  BOOST_REQUIRE(run(broad) == exit_code::ok);
  BOOST_TEST(run({"doctor", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7"}) == exit_code::problems_found);
  BOOST_TEST(out.find("PROBLEM  AppID LaunchPermission") != std::string::npos, out);
  BOOST_TEST(out.find("fix: register again with a --launch-permission") != std::string::npos);
  BOOST_TEST(out.find("1 problem(s)") != std::string::npos);
  BOOST_TEST(run({"doctor", "--writer", "{11111111-2222-3333-4444-555555555555}"}) == exit_code::not_found);
}

// export writes the .reg file regedit would: BOM, UTF-16LE, header, the registration's keys.
BOOST_AUTO_TEST_CASE(export_writes_a_reg_file) {
  BOOST_REQUIRE(run(register_ledger) == exit_code::ok);
  const auto file = std::filesystem::temp_directory_path() / "wsbkit-cli-test-export.reg";
  BOOST_TEST(run({"export", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", "--out", file.string()}) == exit_code::ok, err);
  BOOST_TEST(out.find("Exported ") == 0u);
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::filesystem::remove(file);
  BOOST_REQUIRE(bytes.size() > 100u);
  BOOST_TEST(bytes.substr(0, 2) == "\xFF\xFE");
  std::u16string wide;
  for (std::size_t i = 2; i + 1 < bytes.size(); i += 2) {
    wide.push_back(static_cast<char16_t>(static_cast<unsigned char>(bytes[i]) | (static_cast<unsigned char>(bytes[i + 1]) << 8)));
  }
  const std::string text = utf16_to_utf8(wide);
  BOOST_TEST(text.find("Windows Registry Editor Version 5.00\r\n\r\n") == 0u);
  BOOST_TEST(text.find("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\WindowsServerBackup\\"
                       "Application Support\\{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}]\r\n\"Application Identifier\"=\"Ledger\"\r\n") !=
             std::string::npos);
  BOOST_TEST(text.find("\"LaunchPermission\"=hex:01,00,04,80,") != std::string::npos);
  BOOST_TEST(text.find("[HKEY_LOCAL_MACHINE\\SOFTWARE\\wsbkit\\Registrations\\{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}]") != std::string::npos);
  BOOST_TEST(text.find("\"CreatedKeys\"=hex(7):") != std::string::npos);
}

// LocalService through the command line: the service is created (and in the printed changes),
// the status shows it, unregister removes it.
BOOST_AUTO_TEST_CASE(local_service_hosting_through_the_command_line) {
  auto hosted = register_ledger;
  for (const char* arg : {"--hosting", "LocalService", "--service-name", "LedgerAddin", "--verbose"}) hosted.push_back(arg);
  BOOST_TEST(run(hosted) == exit_code::ok, err);
  BOOST_TEST(out.find("+ service LedgerAddin (\"wsbkit add-in for Ledger\", DEMAND_START, LocalSystem): "
                      "\"C:\\Tools\\wsbkit-addin.exe\" --service \"LedgerAddin\" --clsid {E759F65B-9371-515A-8397-AB5B1CCD6E96}") !=
                 std::string::npos,
             out);
  BOOST_TEST(services.service("LedgerAddin").has_value());
  BOOST_TEST(run({"status"}) == exit_code::ok);
  BOOST_TEST(out.find("add-in hosted as: service LedgerAddin (runs as LocalSystem)") != std::string::npos, out);
  BOOST_TEST(run({"doctor"}) == exit_code::ok, out);
  BOOST_TEST(run({"unregister", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7"}) == exit_code::ok);
  BOOST_TEST(!services.service("LedgerAddin").has_value());
}

// Not elevated: exit code 4 and a hint to run as Administrator.
BOOST_AUTO_TEST_CASE(not_elevated_gives_access_denied_hint) {
  registry.set_elevated(false);
  BOOST_TEST(run(register_ledger) == exit_code::access_denied);
  BOOST_TEST(err.find("Run as administrator") != std::string::npos);
}

// simulate --in-process drives the core through every WSB call and prints each with its HRESULT.
BOOST_AUTO_TEST_CASE(simulate_in_process_prints_every_call) {
  BOOST_TEST(run({"simulate", "--in-process", "-c", "Ledger=App\\Ledger", "--volume", "V1=S1"}) == exit_code::ok);
  BOOST_TEST(out.find("CheckConsistency(component=\"Ledger\", volumes=1) -> S_FALSE") != std::string::npos, out);
  BOOST_TEST(out.find("OrderComponents(1 components) -> S_FALSE") != std::string::npos);
  BOOST_TEST(out.find("IsRollForwardSupported() -> S_OK, FALSE") != std::string::npos);
  BOOST_TEST(out.find("PreRestore(component=\"Ledger\"") != std::string::npos);
  BOOST_TEST(out.find("PostRestore(component=\"Ledger\"") != std::string::npos);
  BOOST_TEST(out.find("5 call(s), 0 rejected") != std::string::npos);
  BOOST_TEST(log_lines.size() == 5u);
}

// The application's own policy, for the simulator's metadata and defaults.
const char* const ledger_simulation_policy = R"({
  "application": { "writer_id": "{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}", "identifier": "Contoso Ledger" },
  "components": { "db": { "name": "LedgerDB", "logical_path": "Contoso\\Ledger" },
                  "journal": { "name": "LedgerJournal", "logical_path": "Contoso\\Ledger" } },
  "backup": { "check": [
    { "files.present": { "paths": "C:\\Ledger\\data\\*.ldb" }, "when": { "component": "db" } },
    { "manifest.verify": { "manifest": "C:\\Ledger\\MANIFEST.xxh128" }, "when": { "component": "db" } },
    { "files.present": { "paths": "C:\\Ledger\\journal\\**\\*" }, "when": { "component": "journal" } } ] } })";

// Without --component the simulator tests the application's own components (from --policy or
// --writer-metadata), never samples; with none of them it says what to give.
BOOST_AUTO_TEST_CASE(simulate_defaults_to_the_applications_own_components_never_samples) {
  BOOST_TEST(run({"simulate", "--in-process"}) == exit_code::usage);
  BOOST_TEST(err.find("no components: give them with --component, or the application's --writer-metadata or --policy") !=
                 std::string::npos, err);
  BOOST_REQUIRE(files.write_file("C:\\Tools\\sim.json", ledger_simulation_policy).ok());
  BOOST_TEST(run({"simulate", "--in-process", "--policy", "C:\\Tools\\sim.json", "--restore-only"}) == exit_code::ok, err);
  BOOST_TEST(out.find("PreRestore(component=\"LedgerDB\", logical_path=\"Contoso\\\\Ledger\"") != std::string::npos, out);
  BOOST_TEST(out.find("PreRestore(component=\"LedgerJournal\"") != std::string::npos, out);
  BOOST_TEST(out.find("Sample") == std::string::npos, out);
  const std::string wrapped = R"(<root><Schema/><WRITER_METADATA><BACKUP_LOCATIONS>
      <FILE_GROUP componentName="Only" logicalPath="X"><FILE_LIST path="C:\Ledger" filespec="*"/></FILE_GROUP>
      </BACKUP_LOCATIONS></WRITER_METADATA></root>)";
  BOOST_REQUIRE(files.write_file("C:\\Tools\\w.xml", wrapped).ok());
  BOOST_TEST(run({"simulate", "--in-process", "--writer-metadata", "C:\\Tools\\w.xml", "--restore-only"}) == exit_code::ok, err);
  BOOST_TEST(out.find("OrderComponents(1 components)") != std::string::npos, out);
  BOOST_TEST(out.find("PreRestore(component=\"Only\", logical_path=\"X\"") != std::string::npos, out);
}

// Against a registered application, the components come from the policy it was registered with.
BOOST_AUTO_TEST_CASE(simulate_takes_the_components_of_the_registered_policy) {
  std::string policy = ledger_simulation_policy;
  policy.replace(policy.find("{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}"), 38, "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}");
  policy.replace(policy.find("Contoso Ledger"), 14, "Ledger");
  BOOST_REQUIRE(files.write_file("C:\\Tools\\ledger.json", policy).ok());
  BOOST_REQUIRE_MESSAGE(run(register_ledger) == exit_code::ok, err);
  BOOST_TEST(run({"simulate", "Ledger", "--print-metadata"}) == exit_code::ok, err);
  BOOST_TEST(out.find("componentName=\"LedgerDB\"") != std::string::npos, out);
  BOOST_TEST(out.find("componentName=\"LedgerJournal\"") != std::string::npos, out);
}

// The metadata generated from the policy, bare and wrapped, is read back by the add-in's own reader
// with the same file groups: the files the checks name, a "**" path as a recursive group.
BOOST_AUTO_TEST_CASE(generated_metadata_in_both_forms_gives_the_add_in_the_policys_files) {
  BOOST_REQUIRE(files.write_file("C:\\Tools\\sim.json", ledger_simulation_policy).ok());
  std::vector<std::vector<consistency::FileGroup>> seen;
  for (const char* form : {"bare", "wrapped"}) {
    BOOST_TEST(run({"simulate", "--in-process", "--policy", "C:\\Tools\\sim.json", "--metadata-form", form, "--print-metadata"}) ==
               exit_code::ok, err);
    BOOST_TEST((out.rfind("<root>", 0) == 0) == (std::string(form) == "wrapped"), out);
    auto db = consistency::component_file_groups(out, std::string("LedgerDB"), std::string("Contoso\\Ledger"));
    auto journal = consistency::component_file_groups(out, std::string("LedgerJournal"), std::string("Contoso\\Ledger"));
    BOOST_REQUIRE_MESSAGE(db.ok() && journal.ok(), out);
    BOOST_REQUIRE_EQUAL(db->size(), 2u);
    BOOST_TEST((*db)[0].path == "C:\\Ledger\\data");
    BOOST_TEST((*db)[0].filespec == "*.ldb");
    BOOST_TEST((*db)[1].filespec == "MANIFEST.xxh128");
    BOOST_REQUIRE_EQUAL(journal->size(), 1u);
    BOOST_TEST((*journal)[0].path == "C:\\Ledger\\journal");
    BOOST_TEST((*journal)[0].recursive);
  }
  BOOST_TEST(run({"simulate", "--in-process", "--policy", "C:\\Tools\\sim.json", "--metadata-form", "xml"}) == exit_code::invalid_input);
}

// In process, on the in-memory machine a scenario declares: the restore copies the files the
// generated metadata names from the machine's snapshot into place (a damaged live file gets the
// backup's bytes), and the comparison afterwards finds them equal.
BOOST_AUTO_TEST_CASE(simulate_in_process_restores_the_policys_files_from_the_backup) {
  BOOST_REQUIRE(files.write_file("C:\\Tools\\sim.json", ledger_simulation_policy).ok());
  BOOST_REQUIRE(files.write_file("C:\\Tools\\machine.json", R"({"machine": {
    "files": {"C:\\Ledger\\data\\a.ldb": "DAMAGED", "C:\\Ledger\\MANIFEST.xxh128": "m"},
    "volumes": [{"mount_point": "C:\\", "volume": "\\\\?\\Volume{3F2504E0-4F89-11D3-9A0C-0305E82C3301}\\",
                 "snapshot": "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1\\",
                 "snapshot_changes": {"C:\\Ledger\\data\\a.ldb": "abc"}}]},
    "expect": {"files": {"C:\\Ledger\\data\\a.ldb": "abc"}}})").ok());
  BOOST_TEST(run({"simulate", "--in-process", "--policy", "C:\\Tools\\sim.json", "--scenario", "C:\\Tools\\machine.json",
                  "--restore-only"}) == exit_code::ok, out << err);
  BOOST_TEST(out.find("(file restore)(component=\"LedgerDB\") -> S_OK, 2 file(s), 4 bytes restored") != std::string::npos, out);
  BOOST_TEST(out.find("(file restore)(component=\"LedgerJournal\") -> S_OK, 0 file(s), 0 bytes restored") != std::string::npos, out);
  BOOST_TEST(out.find("(file compare)(2 file(s)) -> S_OK, 2 file(s) match the backup") != std::string::npos, out);
  BOOST_TEST(out.find("  held    expect.files.C:\\Ledger\\data\\a.ldb: \"abc\"") != std::string::npos, out);
}

// simulate of an unknown application names what is registered; APPLICATION and --in-process exclude each other.
BOOST_AUTO_TEST_CASE(simulate_reports_unknown_application) {
  BOOST_TEST(run({"simulate", "Nope"}) == exit_code::not_found);
  BOOST_TEST(err.find("no such application") != std::string::npos);
  BOOST_TEST(run({"simulate", "Nope", "--in-process"}) == exit_code::usage);
  BOOST_TEST(run({"simulate", "--in-process", "--volume", "novalue"}) == exit_code::invalid_input);
}

// simulate --in-process with the undocumented restore variations: the calls each makes, printed;
// a bad variation value is refused before any call.
BOOST_AUTO_TEST_CASE(simulate_in_process_makes_the_restore_variations_calls) {
  BOOST_TEST(run({"simulate", "--in-process", "--restore-only", "-c", "A", "-c", "B", "-c", "C", "--pre-all-first",
                  "--restore-order", "input", "--fail-restore", "B", "--skip-post-after-failure",
                  "--empty-logical-path-in", "restore"}) == exit_code::ok);
  BOOST_TEST(out.find("PreRestore(component=\"A\", logical_path=\"\"") < out.find("PreRestore(component=\"C\""), out);
  BOOST_TEST(out.find("(file restore)(component=\"B\") -> E_FAIL, failed; its PostRestore is skipped") != std::string::npos, out);
  BOOST_TEST(out.find("PostRestore(component=\"B\"") == std::string::npos, out);
  BOOST_TEST(out.find("PreRestore(component=\"C\"") < out.find("PostRestore(component=\"A\""), out);
  out.clear();
  BOOST_TEST(run({"simulate", "--in-process", "--restore-only", "-c", "A", "-c", "B", "--cancel-after-pre", "1",
                  "--empty-logical-path-in", "order"}) == exit_code::ok);
  BOOST_TEST(out.find("(cancel)(after 1 PreRestore(s))") != std::string::npos, out);
  BOOST_TEST(out.find("PreRestore(component=\"B\"") == std::string::npos, out);
  for (const auto& bad : std::vector<std::vector<std::string>>{{"--restore-order", "sorted"},
                                                               {"--empty-logical-path-in", "post"},
                                                               {"--cancel-after-pre", "-1"},
                                                               {"--fail-restore", "Nope"}}) {
    std::vector<std::string> args = {"simulate", "--in-process", "-c", "A"};
    args.insert(args.end(), bad.begin(), bad.end());
    log_lines.clear();
    BOOST_TEST(run(args) == exit_code::invalid_input, bad[0]);
    BOOST_TEST(log_lines.empty(), bad[0] << ": a call was made");
  }
}

// A register whose undo also fails exits 1 (not "nothing was changed") and lists what is still in
// place; unregister then removes it.
BOOST_AUTO_TEST_CASE(a_failed_rollback_exits_1_and_lists_what_remains) {
  const std::string app = std::string(layout::application_support) + "\\{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}";
  registry.fail_when([&](const RegistryCall& c) {
    return (c.operation == RegistryOperation::set_value && c.path.find("LocalServer32") != std::string::npos) ||
           (c.operation == RegistryOperation::delete_key && c.path == app);
  });
  BOOST_TEST(run(register_ledger) == exit_code::failure);
  registry.clear_faults();
  BOOST_TEST(err.find("Undoing the changes already made FAILED; still in place:\n  + key     HKLM\\" + app) != std::string::npos, err);
  BOOST_TEST(err.find("Nothing was changed") == std::string::npos);
  BOOST_TEST(run({"doctor"}) == exit_code::problems_found);
  BOOST_TEST(out.find("PROBLEM  wsbkit's last register/unregister completed: a 'wsbkit register' was interrupted") != std::string::npos, out);
  BOOST_TEST(run({"unregister", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7"}) == exit_code::ok, err);
  BOOST_TEST(!registry.key_exists(RegistryRoot::local_machine, app).value());
}

// An add-in folder Users may write to: register refuses it (exit 3, the fix named, nothing
// written); --force registers with a WARNING; doctor flags it (exit 7).
BOOST_AUTO_TEST_CASE(a_writable_addin_folder_is_refused_unless_forced_and_flagged_by_doctor) {
  mock::FakeFileSecurity security;
  context.security = &security;
  security.set("C:\\Tools\\wsbkit-addin.exe", std::string(well_known_sid::administrators), mock::admin_only_dacl());
  security.set("C:\\Tools\\wsbkit-ps.dll", std::string(well_known_sid::administrators), mock::admin_only_dacl());
  security.set("C:\\Tools", std::string(well_known_sid::administrators), mock::users_may_write_dacl());
  const auto before = registry.snapshot();
  BOOST_TEST(run(register_ledger) == exit_code::invalid_input);
  BOOST_TEST(err.find("invalid addin: C:\\Tools\\wsbkit-addin.exe can be changed by") != std::string::npos, err);
  BOOST_TEST(err.find("icacls \"C:\\Tools\" /inheritance:d /remove:g *S-1-5-32-545") != std::string::npos, err);
  BOOST_TEST(err.find("Nothing was changed.") != std::string::npos);
  BOOST_TEST((registry.snapshot() == before));
  auto forced = register_ledger;
  forced.push_back("--force");
  BOOST_TEST(run(forced) == exit_code::ok, err);
  BOOST_TEST(err.find("wsbkit register: WARNING: C:\\Tools\\wsbkit-addin.exe can be changed by") != std::string::npos, err);
  BOOST_TEST(run({"doctor"}) == exit_code::problems_found);
  BOOST_TEST(out.find("PROBLEM  add-in and its folder changeable by administrators only") != std::string::npos, out);
  context.security = nullptr;
}

// Bad input, the add-in and its policy: register refuses (exit 3, the located problems printed,
// nothing written) a policy that is missing or invalid, one naming a service this machine does not
// have, one whose application block names another writer or identifier, wsbkit.exe given as the
// add-in, and an add-in without a policy (unless --no-policy says so).
BOOST_AUTO_TEST_CASE(register_refuses_a_bad_policy_or_add_in_and_writes_nothing) {
  services.install({"MyAppSvc", "My App", "C:\\Tools\\a.exe", ServiceStartType::automatic, {}}, ServiceState::running);
  BOOST_REQUIRE(files.write_file("C:\\Tools\\bad.json", "{\n  \"restore\": {\"pre\": [{\"service.stpo\": {}}]}\n}").ok());
  BOOST_REQUIRE(files.write_file("C:\\Tools\\typo.json", R"({"restore": {"pre": [{"service.stop": {"service": "MyAppSv"}}]}})").ok());
  BOOST_REQUIRE(files.write_file("C:\\Tools\\example.json",
                                 R"({"application": {"writer_id": "{AAAAAAAA-15F7-4BCD-987E-8E1ACB462FB7}", "identifier": "Ledger"}})").ok());
  BOOST_REQUIRE(files.write_file("C:\\Tools\\named.json", R"({"application": {"identifier": "Contoso Ledger"}})").ok());
  const std::vector<std::string> base = {"register", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", "--identifier", "Ledger",
                                         "--addin", "C:\\Tools\\wsbkit-addin.exe"};
  struct Row {
    std::vector<std::string> extra;
    int code;
    std::string message;
  };
  const std::vector<Row> rows{
      {{"--policy", "C:\\Elsewhere\\policy.json"}, exit_code::invalid_input, "invalid policy: file not found: C:\\Elsewhere\\policy.json"},
      {{"--policy", "C:\\Tools\\bad.json"}, exit_code::invalid_input, "C:\\Tools\\bad.json:2:24: restore.pre[0].service.stpo: unknown key"},
      {{"--policy", "C:\\Tools\\bad.json"}, exit_code::invalid_input, "invalid policy: 2 problem(s) in C:\\Tools\\bad.json"},
      {{"--policy", "C:\\Tools\\typo.json"}, exit_code::invalid_input, "service 'MyAppSv' is not installed on this machine; did you mean 'MyAppSvc'?"},
      {{"--policy", "C:\\Tools\\example.json"}, exit_code::invalid_input,
       "application.writer_id: the policy names writer {AAAAAAAA-15F7-4BCD-987E-8E1ACB462FB7} but it is given to the application "
       "registered for writer {76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}"},
      {{"--policy", "C:\\Tools\\named.json"}, exit_code::invalid_input,
       "application.identifier: the policy names the application 'Contoso Ledger' but it is registered as 'Ledger'"},
      {{}, exit_code::invalid_input, "invalid policy: an add-in needs a policy: give --policy FILE (or --no-policy"},
      {{"--policy", "C:\\Tools\\ledger.json", "--no-policy"}, exit_code::usage, "--policy and --no-policy exclude each other"},
  };
  const auto before = registry.snapshot();
  for (const auto& row : rows) {
    auto args = base;
    args.insert(args.end(), row.extra.begin(), row.extra.end());
    BOOST_TEST(run(args) == row.code, err);
    BOOST_TEST(err.find(row.message) != std::string::npos, "want '" << row.message << "' in: " << err);
    if (row.code == exit_code::invalid_input) BOOST_TEST(err.find("Nothing was changed.") != std::string::npos, err);
    BOOST_TEST((registry.snapshot() == before), row.message);
  }
  BOOST_TEST(run({"register", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", "--identifier", "Ledger", "--addin",
                  "C:\\Tools\\wsbkit.exe", "--policy", "C:\\Tools\\ledger.json"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("invalid addin: 'wsbkit.exe' is not wsbkit's add-in") != std::string::npos, err);
  BOOST_TEST((registry.snapshot() == before));
  auto no_policy = base;
  no_policy.push_back("--no-policy");
  BOOST_TEST(run(no_policy) == exit_code::ok, err);
  BOOST_TEST(out.find("policy: none") != std::string::npos, out);
}

// Re-registering without --addin (to rename the application) would remove the add-in, its CLSID,
// AppID and proxy/stub: refused with a warning (exit 3, nothing written) until --no-addin confirms.
BOOST_AUTO_TEST_CASE(re_registering_without_the_add_in_needs_no_addin_to_remove_it) {
  BOOST_REQUIRE(run(register_ledger) == exit_code::ok);
  const auto registered = registry.snapshot();
  const std::vector<std::string> rename = {"register", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", "--identifier", "Ledger 2"};
  BOOST_TEST(run(rename) == exit_code::invalid_input);
  BOOST_TEST(err.find("WARNING: writer {76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7} is registered with the add-in "
                      "C:\\Tools\\wsbkit-addin.exe (CLSID {E759F65B-9371-515A-8397-AB5B1CCD6E96}); registering it without --addin "
                      "would remove") != std::string::npos, err);
  BOOST_TEST(err.find("repeat --addin C:\\Tools\\wsbkit-addin.exe") != std::string::npos, err);
  BOOST_TEST((registry.snapshot() == registered));
  auto dry = rename;
  dry.push_back("--dry-run");
  BOOST_TEST(run(dry) == exit_code::invalid_input);
  auto confirmed = rename;
  confirmed.push_back("--no-addin");
  BOOST_TEST(run(confirmed) == exit_code::ok, err);
  BOOST_TEST(run({"status", "--json"}) == exit_code::ok);
  BOOST_TEST(nlohmann::json::parse(out)["applications"][0]["clsid"].is_null());
}

// register and unregister print a summary first (what WSB shows, the add-in and how it is hosted,
// the counts of changes); the change list only with --verbose (or --dry-run).
BOOST_AUTO_TEST_CASE(register_prints_a_summary_first_and_the_changes_only_when_asked) {
  auto hosted = register_ledger;
  for (const char* arg : {"--hosting", "LocalService", "--service-name", "LedgerAddin"}) hosted.push_back(arg);
  BOOST_REQUIRE(run(hosted) == exit_code::ok);
  BOOST_TEST(out.find("Registered 'Ledger' (writer {76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}) with add-in "
                      "{E759F65B-9371-515A-8397-AB5B1CCD6E96}: ") == 0u, out);
  BOOST_TEST(out.find(" key(s) created, ") != std::string::npos, out);
  BOOST_TEST(out.find("1 service created") != std::string::npos, out);
  BOOST_TEST(out.find("\n  Windows Server Backup shows the application 'Ledger'\n") != std::string::npos, out);
  BOOST_TEST(out.find("\n  hosted as: service LedgerAddin (runs as LocalSystem") != std::string::npos, out);
  BOOST_TEST(out.find("\n  policy: C:\\Tools\\ledger.json\n") != std::string::npos, out);
  BOOST_TEST(out.find("+ key") == std::string::npos, out);
  BOOST_TEST(out.find("(--verbose lists every change)") != std::string::npos, out);
  BOOST_TEST(run({"unregister", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7"}) == exit_code::ok);
  BOOST_TEST(out.find("Windows Server Backup no longer shows the application 'Ledger'") != std::string::npos, out);
  BOOST_TEST(out.find("1 service deleted") != std::string::npos, out);
  BOOST_TEST(out.find("- key") == std::string::npos, out);
}

// doctor checks the policy on the target: a service it names that is not installed, and an
// application block naming another writer, are problems with their fixes.
BOOST_AUTO_TEST_CASE(doctor_checks_the_policy_services_and_writer_on_the_target) {
  BOOST_REQUIRE(run(register_ledger) == exit_code::ok);
  BOOST_REQUIRE(files.write_file("C:\\Tools\\ledger.json",
                                 R"({"application": {"writer_id": "{AAAAAAAA-15F7-4BCD-987E-8E1ACB462FB7}"},
  "restore": {"pre": [{"service.stop": {"service": "LedgrSvc"}}]}})").ok());
  BOOST_TEST(run({"doctor"}) == exit_code::problems_found, out);
  BOOST_TEST(out.find("PROBLEM  policy file present and valid: C:\\Tools\\ledger.json:2:41: restore.pre[0].service.stop.service: "
                      "service 'LedgrSvc' is not installed on this machine; did you mean 'LedgerSvc'?") != std::string::npos, out);
  BOOST_TEST(out.find("application.writer_id: the policy names writer {AAAAAAAA-15F7-4BCD-987E-8E1ACB462FB7}") != std::string::npos, out);
  BOOST_TEST(out.find("1 problem(s)") != std::string::npos, out);
}

// The Application Support entry deleted by hand while wsbkit's record, CLSID and AppID remain:
// doctor reports the orphaned registration (exit 7) instead of "nothing to check"; --json gives
// every check a stable id.
BOOST_AUTO_TEST_CASE(doctor_reports_an_orphaned_registration) {
  BOOST_REQUIRE(run(register_ledger) == exit_code::ok);
  BOOST_REQUIRE(registry.delete_tree(RegistryRoot::local_machine, std::string(layout::application_support) +
                                                                      "\\{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}").ok());
  BOOST_TEST(run({"doctor"}) == exit_code::problems_found, out);
  BOOST_TEST(out.find("nothing to check") == std::string::npos, out);
  BOOST_TEST(out.find("PROBLEM  registration not orphaned") != std::string::npos, out);
  BOOST_TEST(out.find("fix: register it again: wsbkit register --writer {76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}") != std::string::npos, out);
  BOOST_TEST(run({"doctor", "--json"}) == exit_code::problems_found);
  const auto doc = nlohmann::json::parse(out);
  bool found = false;
  for (const auto& check : doc["checks"]) found = found || (check["id"] == "registration-not-orphaned" && check["status"] == "problem");
  BOOST_TEST(found, out);
  BOOST_TEST(doc["problems"].get<int>() >= 1);
}

// Where the host can run it, the add-in must answer --version as wsbkit's add-in: a renamed
// program is refused (exit 3, nothing written); the real one is registered.
BOOST_AUTO_TEST_CASE(register_refuses_an_add_in_that_does_not_answer_version_as_one) {
  mock::FakeProcessRunner processes;
  context.processes = &processes;
  processes.expect("wsbkit-addin.exe", ProcessOutcome{0, "wsbkit 0.1.0\r\n", "", false, {}});
  const auto before = registry.snapshot();
  BOOST_TEST(run(register_ledger) == exit_code::invalid_input);
  BOOST_TEST(err.find("invalid addin: C:\\Tools\\wsbkit-addin.exe does not answer --version as wsbkit's add-in (exit code 0, "
                      "printed 'wsbkit 0.1.0')") != std::string::npos, err);
  BOOST_TEST((registry.snapshot() == before));
  processes.expect("wsbkit-addin.exe", ProcessOutcome{0, "wsbkit-addin 0.1.0\r\n", "", false, {}});
  BOOST_TEST(run(register_ledger) == exit_code::ok, err);
  BOOST_REQUIRE(!processes.requests().empty());
  BOOST_TEST(processes.requests().back().arguments == std::vector<std::string>{"--version"});
}

// simulate against a registered add-in: the restore phase says which live services it will stop
// and start, and nothing is activated or changed without --yes.
BOOST_AUTO_TEST_CASE(simulate_restore_against_a_registered_add_in_needs_yes) {
  BOOST_REQUIRE(run(register_ledger) == exit_code::ok);
  BOOST_TEST(run({"simulate", "Ledger", "-c", "LedgerDB"}) == exit_code::usage);
  BOOST_TEST(out.find("restore.pre[0]: stops LedgerSvc") != std::string::npos, out);
  BOOST_TEST(out.find("restore.post[0]: starts LedgerSvc") != std::string::npos, out);
  BOOST_TEST(out.find("Nothing was started. Run again with --yes") != std::string::npos, out);
  BOOST_TEST(err.find("not in this test") == std::string::npos, err);  // no activation tried
  BOOST_TEST((services.service("LedgerSvc")->state == ServiceState::running));
  // With --yes it goes on to activate the add-in (which this test's COM refuses); --backup-only needs none.
  BOOST_TEST(run({"simulate", "Ledger", "-c", "LedgerDB", "--yes"}) == exit_code::failure);
  BOOST_TEST(err.find("not in this test") != std::string::npos, err);
  BOOST_TEST(run({"simulate", "Ledger", "-c", "LedgerDB", "--backup-only"}) == exit_code::failure);
  BOOST_TEST(out.find("Nothing was started") == std::string::npos, out);
}

// At an interactive terminal, without --yes, the administrator is asked to type the application's
// name: a wrong name or no answer starts nothing (exit 2, no activation); the exact name goes on.
// Without a terminal (a pipe, a file) nothing is asked and --yes stays the only way.
BOOST_AUTO_TEST_CASE(simulate_restore_goes_ahead_when_the_application_name_is_typed_at_a_terminal) {
  BOOST_REQUIRE(run(register_ledger) == exit_code::ok);
  mock::FakeConsole console;
  context.console = &console;
  console.type("Ledger");
  BOOST_TEST(run({"simulate", "Ledger", "-c", "LedgerDB"}) == exit_code::usage);  // not interactive
  BOOST_TEST(console.reads() == 0);
  BOOST_TEST(out.find("or from an interactive terminal to confirm by typing the application's name") != std::string::npos, out);
  console.set_interactive(true);
  console.type("ledger");  // (after the "Ledger" still queued: read first)
  BOOST_TEST(run({"simulate", "Ledger", "-c", "LedgerDB"}) == exit_code::failure);  // goes on: this test's COM refuses
  BOOST_TEST(out.find("type the application's name (Ledger)") != std::string::npos, out);
  BOOST_TEST(out.find("Confirmed: the restore phase starts.") != std::string::npos, out);
  BOOST_TEST(err.find("not in this test") != std::string::npos, err);  // the activation was tried
  BOOST_TEST(run({"simulate", "Ledger", "-c", "LedgerDB"}) == exit_code::usage);  // "ledger": not the name
  BOOST_TEST(out.find("That is not 'Ledger': nothing was started.") != std::string::npos, out);
  BOOST_TEST(err.find("not in this test") == std::string::npos, err);
  BOOST_TEST(run({"simulate", "Ledger", "-c", "LedgerDB"}) == exit_code::usage);  // nothing more typed: end of input
  BOOST_TEST(out.find("No answer (") != std::string::npos, out);
  BOOST_TEST(err.find("not in this test") == std::string::npos, err);
  BOOST_TEST(console.reads() == 3);
  BOOST_TEST((services.service("LedgerSvc")->state == ServiceState::running));
}

// --json prints the timeline alone on stdout (the live call lines go to stderr); --junit writes
// one test case per call.
BOOST_AUTO_TEST_CASE(simulate_json_and_junit_report_the_timeline) {
  BOOST_TEST(run({"simulate", "--in-process", "-c", "A", "--json", "--junit", "C:\\Tools\\report.xml"}) == exit_code::ok);
  const auto doc = nlohmann::json::parse(out);
  BOOST_TEST(doc["calls"].size() == 5u);
  BOOST_TEST(doc["calls"][0]["call"] == "CheckConsistency");
  BOOST_TEST(doc["calls"][0]["component"] == "A");
  BOOST_TEST(doc["calls"][4]["call"] == "PostRestore");
  BOOST_TEST(doc["verdict"] == "ok");
  BOOST_TEST(err.find("5 call(s), 0 rejected") != std::string::npos, err);
  const auto junit = files.read_file("C:\\Tools\\report.xml");
  BOOST_REQUIRE(junit.ok());
  BOOST_TEST(junit->find("tests=\"5\" failures=\"0\"") != std::string::npos, *junit);
  BOOST_TEST(junit->find("name=\"PreRestore A\"") != std::string::npos, *junit);
}

// --abort-after names one of WSB's calls (and optionally a component); the job stops after it.
BOOST_AUTO_TEST_CASE(simulate_abort_after_stops_the_job_after_that_call) {
  BOOST_TEST(run({"simulate", "--in-process", "-c", "A", "--abort-after", "Nope"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("invalid abort-after: 'Nope'") != std::string::npos, err);
  BOOST_TEST(run({"simulate", "--in-process", "-c", "A", "--abort-after", "PreRestore:"}) == exit_code::invalid_input);
  BOOST_TEST(run({"simulate", "--in-process", "-c", "A", "-c", "B", "--abort-after", "PreRestore:a"}) == exit_code::ok);
  BOOST_TEST(out.find("5 call(s), 0 rejected") != std::string::npos, out);
  BOOST_TEST(out.find("PreRestore(component=\"B\"") == std::string::npos, out);
}

// --kill-addin-after in process: the add-in core is dropped after that call and the next call
// activates a new one; the timeline says so under the call.
BOOST_AUTO_TEST_CASE(simulate_kill_addin_after_carries_on_with_a_new_add_in) {
  BOOST_TEST(run({"simulate", "--in-process", "-c", "A", "--kill-addin-after", "Nope:A"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("invalid kill-addin-after: 'Nope:A'") != std::string::npos, err);
  BOOST_TEST(run({"simulate", "--in-process", "-c", "A", "--kill-addin-after", "PreRestore:A"}) == exit_code::ok);
  BOOST_TEST(out.find("(fault)") != std::string::npos, out);
  BOOST_TEST(out.find("dropped") != std::string::npos, out);
  BOOST_TEST(out.find("WSB activated a new add-in after the first one died (2 activations in all)") != std::string::npos, out);
  BOOST_TEST(out.find("PostRestore(component=\"A\"") != std::string::npos, out);
}

BOOST_AUTO_TEST_SUITE_END()
