// The Console contract (platform/console.hpp), the same cases for the fake and for Win32 under
// Wine: standard input redirected from a file is no terminal, and nothing is read from it as if a
// person had typed it (simulate's typed confirmation never takes an answer from a file or a pipe).
#include <boost/test/unit_test.hpp>

#include "tests/contract/console_backends.hpp"

using namespace wsbkit;

BOOST_AUTO_TEST_SUITE(console_contract)

BOOST_AUTO_TEST_CASE(input_redirected_from_a_file_is_not_interactive) {
  const auto backend = contract::make_console_backend();
  const auto console = backend.redirected_from_file("Contoso Ledger\r\n");
  BOOST_TEST(!console->input_is_interactive(), backend.name);
}

BOOST_AUTO_TEST_CASE(a_line_is_not_read_from_input_that_is_no_terminal) {
  const auto backend = contract::make_console_backend();
  const auto console = backend.redirected_from_file("Contoso Ledger\r\n");
  const auto line = console->read_line();
  BOOST_TEST(!line.ok(), backend.name);
}

BOOST_AUTO_TEST_SUITE_END()
