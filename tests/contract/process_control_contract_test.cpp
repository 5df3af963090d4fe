// The ProcessControl contract (platform/process_control.hpp), the same cases for the fake and for
// Win32 under Wine: a terminated process is gone when terminate returns; an id that names no
// process is refused with the id named.
#include <boost/test/unit_test.hpp>

#include "platform/text.hpp"
#include "tests/contract/process_control_backends.hpp"

using namespace wsbkit;
using namespace std::chrono_literals;

namespace {

struct Backend {
  contract::ProcessControlBackend b = contract::make_process_control_backend(
      boost::unit_test::framework::master_test_suite().argc, boost::unit_test::framework::master_test_suite().argv);
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(process_control_contract, Backend)

BOOST_AUTO_TEST_CASE(this_process_has_a_nonzero_id_that_stays_the_same) {
  const auto id = b.control->current_process_id();
  BOOST_TEST(id != 0u);
  BOOST_TEST(b.control->current_process_id() == id);
}

BOOST_AUTO_TEST_CASE(a_process_image_path_names_its_executable) {
  const std::uint32_t id = b.spawn();
  const auto image = b.control->image_path(id);
  BOOST_REQUIRE_MESSAGE(image.ok(), (image.ok() ? "" : image.error().message()));
  const std::string& path = *image;
  const std::string& name = b.spawned_image_name;
  BOOST_TEST((path.size() > name.size() && iequals(path.substr(path.size() - name.size()), name)), path << " vs " << name);
  BOOST_TEST(b.control->terminate(id, 1, 10s).ok());
}

BOOST_AUTO_TEST_CASE(a_terminated_process_is_gone_when_terminate_returns) {
  const std::uint32_t id = b.spawn();
  BOOST_REQUIRE(b.alive(id));
  const auto ended = b.control->terminate(id, 1, 10s);
  BOOST_TEST(ended.ok(), (ended.ok() ? "" : ended.error().message()));
  BOOST_TEST(!b.alive(id), b.name);
}

BOOST_AUTO_TEST_CASE(an_id_that_names_no_process_is_refused_with_the_id_named) {
  const auto ended = b.control->terminate(0x7FFFFFFCu, 1, 1s);
  BOOST_REQUIRE(!ended.ok());
  BOOST_TEST(ended.error().message().find("process 2147483644") != std::string::npos, ended.error().message());
}

BOOST_AUTO_TEST_SUITE_END()
