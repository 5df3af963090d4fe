// The one Boost.Test module definition every test executable links (main comes from Boost.Test).
#define BOOST_TEST_MODULE wsbkit
#include <boost/test/unit_test.hpp>
