#include <boost/test/unit_test.hpp>

#include "core/support/guid.hpp"

using wsbkit::Guid;

BOOST_AUTO_TEST_SUITE(guid)

// Every common spelling of the same GUID parses to it, and it prints braced upper case.
BOOST_AUTO_TEST_CASE(parses_common_spellings_to_the_same_guid) {
  const auto braced = Guid::parse("{76fe1ac4-15f7-4bcd-987e-8e1acb462fb7}");
  BOOST_REQUIRE(braced);
  BOOST_TEST(braced->braced() == "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}");
  BOOST_TEST((Guid::parse("76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7") == braced));
  BOOST_TEST((Guid::parse("76fe1ac415f74bcd987e8e1acb462fb7") == braced));
}

// Malformed text is refused rather than half-parsed.
BOOST_AUTO_TEST_CASE(refuses_malformed_text) {
  for (const char* bad : {"", "{}", "76FE1AC4-15F7-4BCD-987E-8E1ACB462FB", "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7",
                          "76FE1AC4_15F7_4BCD_987E_8E1ACB462FB7", "G6FE1AC4-15F7-4BCD-987E-8E1ACB462FB7",
                          "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}x"}) {
    BOOST_TEST(!Guid::parse(bad), "accepted: " << bad);
  }
}

// Name-based GUIDs match RFC 4122 version 5 (checked against Python's uuid.uuid5).
BOOST_AUTO_TEST_CASE(derives_rfc4122_version5_guids) {
  const auto dns = *Guid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
  BOOST_TEST(Guid::derive(dns, "python.org").braced() == "{886313E1-3B8A-5372-9B90-0C9AEE199E5D}");
  const auto ns = *Guid::parse("{0743660F-F480-4680-A859-562D412C257C}");
  BOOST_TEST(Guid::derive(ns, "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}").braced() ==
             "{E759F65B-9371-515A-8397-AB5B1CCD6E96}");
}

BOOST_AUTO_TEST_SUITE_END()
