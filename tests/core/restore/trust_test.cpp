// What a local user can plant or point at never steers the restore (issue 9, paths 1 and 6): the
// journal is authenticated by the machine's key, boot/system start services are never touched,
// SYSTEM's files are never opened through a reparse point, the journal key is refused when others
// could read it, and the state folder is used only when it is SYSTEM's and the administrators'.
#include <boost/test/unit_test.hpp>

#include "core/addin/addin_host.hpp"
#include "core/registration/security_descriptor.hpp"
#include "core/restore/journal_key.hpp"
#include "core/restore/state_folder.hpp"
#include "mock/fake_protected_folders.hpp"
#include "mock/fake_registry.hpp"
#include "tests/core/restore/restore_fixture.hpp"

using namespace wsbkit;
using namespace wsbkit::restore_test;
using namespace std::chrono_literals;

namespace {

const std::string sessions = "C:\\ProgramData\\wsbkit\\sessions";
const std::string ledger_journal = sessions + "\\ledger.journal";

// A journal as wsbkit wrote it before records were authenticated (and as anyone can write one):
// valid CRC-32 lines owing Beep (running, automatic) with its start type changed by "us".
const std::string crc_only_journal =
    "1484a392\t{\"t\":\"session\",\"id\":\"x\",\"started_ms\":0,\"components\":null}\n"
    "0d06c966\t{\"disabled\":true,\"service\":\"Beep\",\"start_type\":\"automatic\",\"state\":\"running\",\"t\":\"owe\",\"with\":\"Beep\"}\n";

struct Planted : Machine {
  Planted() {
    scm.install({"Beep", "Beep driver", "C:\\Windows\\beep.sys", ServiceStartType::disabled, {}}, ServiceState::stopped);
    BOOST_REQUIRE(files.create_directories(sessions).ok());
  }
  bool beep_untouched() {
    return state("Beep") == ServiceState::stopped && start_type("Beep") == ServiceStartType::disabled;
  }
  bool reported(std::uint32_t id) {
    for (const auto& e : events.entries()) {
      if (e.event_id == id) return true;
    }
    return false;
  }
  // An authentic journal of `key` owing `service` as recorded.
  void owe(const std::string& key, const std::string& service, const std::string& start_type) {
    Journal journal(files, sessions + "\\" + key + ".journal", seal(key));
    BOOST_REQUIRE(journal.append({{"t", "session"}, {"id", "s"}, {"started_ms", 0}, {"components", nullptr}}).ok());
    BOOST_REQUIRE(journal.append({{"t", "owe"}, {"service", service}, {"state", "running"}, {"start_type", start_type},
                                  {"disabled", true}, {"with", service}}).ok());
  }
};

const char* stop_policy(const std::string& service) {
  static std::string text;
  text = R"({"restore": {"pre": [{"service.stop": {"service": ")" + service +
         R"(", "disable_during_restore": true}}], "post": [{"service.start": {"service": ")" + service + R"("}}]}})";
  return text.c_str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(restore_trust)

// A planted CRC-only journal owing a driver: activation, PreRestore and repair all refuse it
// (event 21, repair reports it), and the driver's start type and state stay as they were.
BOOST_AUTO_TEST_CASE(a_planted_crc_only_journal_is_refused_and_its_service_stays_untouched) {
  Planted m;
  BOOST_REQUIRE(m.files.write_file(ledger_journal, crc_only_journal).ok());
  PolicyRestoreEngine engine(load(ledger_policy), m.env(), "ledger");
  BOOST_TEST(!engine.complete_expired_session().ok());
  BOOST_TEST(engine.pre_restore(restore_of("DB")) == hr::wsbapp_e_component_pre_restore_failed);
  auto repaired = repair_sessions(m.env(), std::nullopt);
  BOOST_REQUIRE(repaired.ok());
  BOOST_REQUIRE_EQUAL(repaired->size(), 1u);
  BOOST_TEST(repaired->at(0).problem.value_or("").find("not authenticated") != std::string::npos);
  BOOST_TEST(m.beep_untouched());
  BOOST_TEST(m.reported(event_id::journal_refused));
  BOOST_TEST(m.files.read_file(ledger_journal).value() == crc_only_journal);  // kept as evidence, never rewritten
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::running));                // and PreRestore stopped nothing
}

// One record of an authentic journal edited (it now "owes" the driver Beep): the edited record and
// everything after it are not acted on (Beep untouched); the authenticated records before it are
// given back (LedgerSvc, stopped and disabled by the restore, runs again with its start type); the
// damage is reported (event 16) with the line, not refused whole (issue 10), and the journal as it
// was read is kept beside it as ledger.journal.damaged.
BOOST_AUTO_TEST_CASE(an_edited_record_is_not_acted_on_and_the_records_before_it_are_given_back) {
  Planted m;
  m.owe("ledger", "LedgerSvc", "automatic");
  Journal journal(m.files, ledger_journal, m.seal("ledger"));
  BOOST_REQUIRE(journal.load().ok());
  BOOST_REQUIRE(journal.append({{"t", "owe"}, {"service", "Indexer"}, {"state", "running"}, {"start_type", "manual"},
                                {"disabled", true}, {"with", "Indexer"}}).ok());
  BOOST_REQUIRE(m.scm.stop("LedgerWeb").ok() && m.scm.stop("LedgerSvc").ok() && m.scm.stop("Indexer").ok());
  BOOST_REQUIRE(m.scm.set_start_type("LedgerSvc", ServiceStartType::disabled).ok());
  std::string text = m.files.read_file(ledger_journal).value();
  text.replace(text.find("Indexer"), 7, "Beep\",\"x\":\"");  // line 3 now "owes" Beep
  BOOST_REQUIRE(m.files.write_file(ledger_journal, text).ok());
  auto repaired = repair_sessions(m.env(), std::string("ledger"));
  BOOST_REQUIRE(repaired.ok());
  BOOST_REQUIRE_EQUAL(repaired->size(), 1u);
  BOOST_TEST(!repaired->at(0).problem.has_value(), repaired->at(0).problem.value_or(""));
  BOOST_TEST(repaired->at(0).journal_problem.value_or("").find("line 3 is not authenticated") != std::string::npos,
             repaired->at(0).journal_problem.value_or(""));
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::running));
  BOOST_TEST((m.start_type("LedgerSvc") == ServiceStartType::automatic));
  BOOST_TEST((m.state("Indexer") == ServiceState::stopped));  // its record is the damaged one
  BOOST_TEST(m.beep_untouched());
  BOOST_TEST(m.reported(event_id::journal_damaged));
  BOOST_TEST(!m.reported(event_id::journal_refused));
  BOOST_TEST(m.files.read_file(ledger_journal + ".damaged").value() == text);  // the evidence, byte for byte
}

// A journal whose FIRST line is edited has no authenticated record: refused whole (event 21), kept
// byte for byte, nothing acted on, as a planted one.
BOOST_AUTO_TEST_CASE(a_journal_edited_in_its_first_line_is_refused_whole) {
  Planted m;
  m.owe("ledger", "Beep", "automatic");
  std::string text = m.files.read_file(ledger_journal).value();
  text[text.find("\"s\"")] = 'S';
  BOOST_REQUIRE(m.files.write_file(ledger_journal, text).ok());
  auto repaired = repair_sessions(m.env(), std::string("ledger"));
  BOOST_REQUIRE(repaired.ok());
  BOOST_TEST(repaired->at(0).problem.value_or("").find("not authenticated") != std::string::npos);
  BOOST_TEST(m.beep_untouched());
  BOOST_TEST(m.reported(event_id::journal_refused));
  BOOST_TEST(m.files.read_file(ledger_journal).value() == text);
}

// An authentic journal of another writer copied under this writer's name is refused (the HMAC
// covers the journal's name), and so is one signed with another machine's key.
BOOST_AUTO_TEST_CASE(a_journal_moved_to_another_name_or_machine_is_refused) {
  Planted m;
  m.owe("other", "Beep", "automatic");
  BOOST_REQUIRE(m.files.write_file(ledger_journal, m.files.read_file(sessions + "\\other.journal").value()).ok());
  BOOST_TEST(!repair_session(m.env(), "ledger").ok());
  RestoreEnvironment foreign = m.env();
  foreign.journal_key = std::string(32, '\x01');
  BOOST_TEST(!repair_session(foreign, "other").ok());
  BOOST_TEST(m.beep_untouched());
  BOOST_TEST(repair_session(m.env(), "other").ok());  // the genuine one, on its own machine, is honoured
  BOOST_TEST((m.state("Beep") == ServiceState::running));
}

// Without a journal key nothing is trusted: no journal is read, none is written.
BOOST_AUTO_TEST_CASE(without_a_journal_key_no_journal_is_read_or_written) {
  Planted m;
  RestoreEnvironment keyless = m.env();
  keyless.journal_key.clear();
  PolicyRestoreEngine engine(load(ledger_policy), keyless, "ledger");
  BOOST_TEST(engine.pre_restore(restore_of("DB")) == hr::wsbapp_e_component_pre_restore_failed);
  BOOST_TEST(!m.files.exists(ledger_journal).value());
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::running));
}

// A crash-torn last line (no end of line) is dropped and reported; the records before it stand.
BOOST_AUTO_TEST_CASE(an_incomplete_last_line_keeps_the_authenticated_records_before_it) {
  Planted m;
  m.owe("ledger", "Beep", "automatic");
  BOOST_REQUIRE(m.files.append_file(ledger_journal, "0123").ok());
  auto repaired = repair_session(m.env(), "ledger");
  BOOST_REQUIRE(repaired.ok());
  BOOST_TEST(repaired->journal_problem.has_value());
  BOOST_TEST((m.state("Beep") == ServiceState::running));
}

// An authenticated record with a field of the wrong type (not what wsbkit writes) refuses the
// whole journal with a message: nothing replayed, nothing given back, no exception (found by the
// fuzz target journal: nlohmann's value() threw out of the replay).
BOOST_AUTO_TEST_CASE(an_authenticated_record_of_the_wrong_shape_refuses_the_journal) {
  Planted m;
  m.owe("ledger", "Beep", "automatic");
  Journal journal(m.files, ledger_journal, m.seal("ledger"));
  BOOST_REQUIRE(journal.load().ok());
  BOOST_REQUIRE(journal.append({{"t", "settled"}, {"service", 42}}).ok());
  auto repaired = repair_session(m.env(), "ledger");
  BOOST_REQUIRE(!repaired.ok());
  BOOST_TEST(repaired.error().win32_code() == win32_error::invalid_data);
  BOOST_TEST(repaired.error().message().find("field 'service' of the wrong type") != std::string::npos,
             repaired.error().message());
  BOOST_TEST(m.beep_untouched());
}

// A session's start time that no 64-bit integer holds (a float, found by the journal fuzzer) refuses
// the journal like a wrong type: converting it would be undefined behaviour.
BOOST_AUTO_TEST_CASE(a_start_time_beyond_a_64_bit_integer_refuses_the_journal) {
  for (const nlohmann::json& started : {nlohmann::json(1.7e20), nlohmann::json(std::uint64_t{1} << 63)}) {
    Planted m;
    m.owe("ledger", "Beep", "automatic");
    Journal journal(m.files, ledger_journal, m.seal("ledger"));
    BOOST_REQUIRE(journal.load().ok());
    BOOST_REQUIRE(journal.append({{"t", "session"}, {"id", "s2"}, {"started_ms", started}}).ok());
    auto repaired = repair_session(m.env(), "ledger");
    BOOST_REQUIRE(!repaired.ok());
    BOOST_TEST(repaired.error().message().find("field 'started_ms' of the wrong type") != std::string::npos,
               repaired.error().message());
    BOOST_TEST(m.beep_untouched());
  }
}

// A journal path that is a reparse point (a link a user planted) is never read through.
BOOST_AUTO_TEST_CASE(a_journal_that_is_a_reparse_point_is_not_followed) {
  Planted m;
  m.owe("ledger", "Beep", "automatic");
  m.files.mark_reparse_point(ledger_journal);
  auto repaired = repair_session(m.env(), "ledger");
  BOOST_REQUIRE(!repaired.ok());
  BOOST_TEST(repaired.error().win32_code() == win32_error::cant_access_file);
  BOOST_TEST(m.beep_untouched());
}

// A run log file planted as a link is refused: the step still runs, event 20 says the line is missing.
BOOST_AUTO_TEST_CASE(a_run_log_that_is_a_reparse_point_is_not_written_through) {
  Planted m;
  BOOST_REQUIRE(m.files.create_directories("C:\\ProgramData\\wsbkit\\logs").ok());
  PolicyRestoreEngine engine(load(stop_policy("LedgerSvc")), m.env(), "ledger");
  BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  const auto entries = m.files.list_directory("C:\\ProgramData\\wsbkit\\logs").value();
  BOOST_REQUIRE_EQUAL(entries.size(), 1u);
  const std::string path = "C:\\ProgramData\\wsbkit\\logs\\" + entries[0].name;
  const std::string before = m.files.read_file(path).value();
  m.files.mark_reparse_point(path);
  BOOST_TEST(engine.post_restore(restore_of("DB")) == hr::ok);
  BOOST_TEST(m.files.read_file(path).value() == before);
  BOOST_TEST(m.reported(event_id::run_log_failed));
}

// An authentic debt on a service that is (now) system start, or recorded as boot start: the
// give-back leaves it alone (settled, listed, event 23); the rest is still given back.
BOOST_AUTO_TEST_CASE(a_give_back_never_touches_boot_or_system_start_services) {
  Planted m;
  m.scm.install({"Tcpip", "TCP/IP driver", "C:\\Windows\\tcpip.sys", ServiceStartType::system, {}}, ServiceState::stopped);
  m.owe("ledger", "Tcpip", "automatic");
  m.owe("boot", "Beep", "boot");
  m.owe("web", "LedgerWeb", "automatic");
  BOOST_REQUIRE(m.scm.stop("LedgerWeb").ok());
  auto repaired = repair_sessions(m.env(), std::nullopt);
  BOOST_REQUIRE(repaired.ok());
  BOOST_REQUIRE_EQUAL(repaired->size(), 3u);
  BOOST_TEST((m.state("Tcpip") == ServiceState::stopped));
  BOOST_TEST((m.start_type("Tcpip") == ServiceStartType::system));
  BOOST_TEST(m.beep_untouched());
  BOOST_TEST((m.state("LedgerWeb") == ServiceState::running));
  std::size_t refused = 0;
  for (const auto& o : *repaired) refused += o.refused.size();
  BOOST_TEST(refused == 2u);
  BOOST_TEST(m.reported(event_id::driver_left_alone));
  BOOST_TEST(!m.files.exists(ledger_journal).value());  // settled: the journal does not stay owed forever
}

// service.stop of a system start service is refused before anything is recorded or changed.
BOOST_AUTO_TEST_CASE(service_stop_of_a_boot_or_system_start_service_is_refused) {
  Planted m;
  m.scm.install({"Tcpip", "TCP/IP driver", "C:\\Windows\\tcpip.sys", ServiceStartType::system, {}}, ServiceState::running);
  PolicyRestoreEngine engine(load(stop_policy("Tcpip")), m.env(), "ledger");
  BOOST_TEST(engine.pre_restore(restore_of("DB")) == hr::wsbapp_e_component_pre_restore_failed);
  BOOST_TEST((m.state("Tcpip") == ServiceState::running));
  BOOST_TEST((m.start_type("Tcpip") == ServiceStartType::system));
  bool named = false;
  for (const auto& e : m.events.entries()) named = named || e.message.find("never stops or changes boot and system start") != std::string::npos;
  BOOST_TEST(named);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(journal_key)

// First use creates HKLM\SOFTWARE\wsbkit\JournalKey with the protected descriptor and 32 random
// bytes; later uses read the same bytes.
BOOST_AUTO_TEST_CASE(first_use_creates_a_protected_key_that_later_uses_read) {
  mock::FakeRegistry registry;
  auto first = load_or_create_journal_key(registry);
  BOOST_REQUIRE(first.ok());
  BOOST_TEST(first->size() == journal_key_size);
  BOOST_TEST(load_or_create_journal_key(registry).value() == *first);
  const auto security = registry.key_security(RegistryRoot::local_machine, std::string(journal_key_path)).value();
  BOOST_TEST((security == sddl_to_self_relative(journal_key_sddl).value()));
  mock::FakeRegistry other;
  BOOST_TEST(load_or_create_journal_key(other).value() != *first);  // random per machine
}

// A key that already exists with inherited security (Users may read it) is refused: no secret is
// written into it, none is read from it.
BOOST_AUTO_TEST_CASE(a_key_others_can_read_is_refused) {
  mock::FakeRegistry registry;
  BOOST_REQUIRE(registry.create_key(RegistryRoot::local_machine, std::string(journal_key_path)).ok());
  auto key = load_or_create_journal_key(registry);
  BOOST_REQUIRE(!key.ok());
  BOOST_TEST(key.error().message().find("S-1-5-32-545") != std::string::npos, key.error().message());
  BOOST_TEST(registry.list_values(RegistryRoot::local_machine, std::string(journal_key_path)).value().empty());
}

// A secret of the wrong size or type is refused, never replaced.
BOOST_AUTO_TEST_CASE(a_malformed_secret_is_refused_and_kept) {
  mock::FakeRegistry registry;
  BOOST_REQUIRE(load_or_create_journal_key(registry).ok());
  BOOST_REQUIRE(registry.set_value(RegistryRoot::local_machine, std::string(journal_key_path), "Key", reg_dword(7)).ok());
  BOOST_TEST(!load_or_create_journal_key(registry).ok());
  BOOST_TEST((registry.get_value(RegistryRoot::local_machine, std::string(journal_key_path), "Key").value() == reg_dword(7)));
}

// Only allow ACEs that apply to the key itself count; deny and inherit-only ACEs do not.
BOOST_AUTO_TEST_CASE(key_security_rule) {
  auto problem = [](const char* sddl) { return journal_key_security_problem(sddl_to_self_relative(sddl).value()); };
  BOOST_TEST(problem("O:BAG:SYD:P(A;;KA;;;SY)(A;;KA;;;BA)").empty());
  BOOST_TEST(problem("O:BAG:BAD:(A;CIIO;GR;;;BU)(A;;KA;;;BA)").empty());  // what Wine 8 gives every new key
  BOOST_TEST(problem("O:BAG:SYD:(D;;KA;;;WD)(A;;KA;;;SY)").empty());
  BOOST_TEST(!problem("O:BUG:SYD:(A;;KA;;;SY)").empty());
  BOOST_TEST(!problem("O:BAG:SYD:(A;;KR;;;AU)").empty());
  BOOST_TEST(!problem("O:BAG:SY").empty());  // no DACL
}

BOOST_AUTO_TEST_SUITE_END()
