// Environment contract: %NAME% expanded as ExpandEnvironmentStringsW does, from the process's own
// environment (natively the fake, under Wine the Win32 backend). Writer metadata paths such as
// "%SystemRoot%\Ledger" go through it before they are mapped to a snapshot.
#include <boost/test/unit_test.hpp>

#include "tests/contract/path_backends.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;

namespace {

struct Env {
  EnvironmentBackend backend = make_environment_backend();
  Environment& environment = *backend.environment;
  Env() {
    BOOST_TEST_MESSAGE("environment backend: " << backend.name);
    backend.set("WSBKIT_CONTRACT_DATA", "D:\\Ledger");
    backend.set("WSBKIT_CONTRACT_UNSET", nullptr);
  }
  ~Env() { backend.set("WSBKIT_CONTRACT_DATA", nullptr); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(environment_contract, Env)

// A defined variable is replaced, its name compared case-insensitively.
BOOST_AUTO_TEST_CASE(a_defined_variable_is_replaced_whatever_its_case) {
  BOOST_TEST(environment.expand("%WSBKIT_CONTRACT_DATA%\\data").value() == "D:\\Ledger\\data");
  BOOST_TEST(environment.expand("%wsbkit_contract_data%\\data").value() == "D:\\Ledger\\data");
}

// The variables writers use are defined in the add-in's process (SystemRoot is the Windows folder).
BOOST_AUTO_TEST_CASE(system_root_expands_to_an_absolute_path) {
  const std::string root = environment.expand("%SystemRoot%").value();
  BOOST_TEST(root.size() > 3u, root);
  BOOST_TEST(root.substr(1, 2) == ":\\", root);
}

// An undefined reference, a lone '%' and text without any stay as written.
BOOST_AUTO_TEST_CASE(undefined_references_and_lone_percent_signs_stay) {
  BOOST_TEST(environment.expand("%WSBKIT_CONTRACT_UNSET%\\x").value() == "%WSBKIT_CONTRACT_UNSET%\\x");
  BOOST_TEST(environment.expand("C:\\100%\\x").value() == "C:\\100%\\x");
  BOOST_TEST(environment.expand("C:\\plain").value() == "C:\\plain");
  BOOST_TEST(environment.expand("").value() == "");
}

// Non-ASCII text passes through unchanged, and a value with non-ASCII text comes back exactly.
BOOST_AUTO_TEST_CASE(non_ascii_text_round_trips) {
  backend.set("WSBKIT_CONTRACT_DATA", "D:\\donn\xC3\xA9" "es");
  BOOST_TEST(environment.expand("%WSBKIT_CONTRACT_DATA%\\\xE6\x97\xA5").value() == "D:\\donn\xC3\xA9" "es\\\xE6\x97\xA5");
}

BOOST_AUTO_TEST_SUITE_END()
