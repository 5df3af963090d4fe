#include <boost/test/unit_test.hpp>

#include <chrono>

#include "core/consistency/writer_metadata.hpp"

using namespace wsbkit;
using namespace wsbkit::consistency;

namespace {

const std::string document = R"(<?xml version="1.0" encoding="UTF-16"?>
<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.1">
  <IDENTIFICATION writerId="{11111111-2222-3333-4444-555555555555}" friendlyName="Ledger Writer" usage="USER_DATA"/>
  <BACKUP_LOCATIONS>
    <DATABASE logicalPath="Contoso\Ledger" componentName="LedgerDB" caption="Ledger &amp; co" restoreMetadata="no">
      <DATABASE_FILES path="D:\Ledger\data\" filespec="*.ldb" filespecBackupType="3855"/>
      <DATABASE_LOGFILES path="D:\Ledger\logs" filespec="*.log"/>
    </DATABASE>
    <FILE_GROUP logicalPath="Contoso\Ledger\LedgerDB" componentName="Attachments">
      <FILE_LIST path="E:\Attach" filespec="*" recursive="yes"/>
    </FILE_GROUP>
    <FILE_GROUP logicalPath="Contoso" componentName="Other">
      <FILE_LIST path="F:\Other" filespec="*.dat" recursive="no"/>
    </FILE_GROUP>
  </BACKUP_LOCATIONS>
</WRITER_METADATA>)";

// The parse must come back quickly whatever the input: a hang would fail here, not block CI.
template <class F>
auto timed(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  auto result = f();
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(2)));
  return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(writer_metadata)

// A database component lists its files and log files, and the file group of its component set.
BOOST_AUTO_TEST_CASE(database_component_lists_its_file_groups_and_its_set) {
  auto groups = component_file_groups(document, std::string("LedgerDB"), std::string("Contoso\\Ledger"));
  BOOST_REQUIRE_MESSAGE(groups.ok(), (groups.ok() ? "" : groups.error().message()));
  BOOST_REQUIRE_EQUAL(groups->size(), 3u);
  BOOST_TEST((*groups)[0].kind == "DATABASE_FILES");
  BOOST_TEST((*groups)[0].path == "D:\\Ledger\\data");  // trailing separator dropped
  BOOST_TEST((*groups)[0].filespec == "*.ldb");
  BOOST_TEST(!(*groups)[0].recursive);
  BOOST_TEST((*groups)[1].kind == "DATABASE_LOGFILES");
  BOOST_TEST((*groups)[2].component == "Attachments");
  BOOST_TEST((*groups)[2].recursive);
}

// Names compare without case; another component's groups are not included.
BOOST_AUTO_TEST_CASE(other_components_are_left_out) {
  auto groups = component_file_groups(document, std::string("other"), std::string("contoso"));
  BOOST_REQUIRE(groups.ok());
  BOOST_REQUIRE_EQUAL(groups->size(), 1u);
  BOOST_TEST((*groups)[0].path == "F:\\Other");
}

// A component the document does not describe gives an empty list, not an error.
BOOST_AUTO_TEST_CASE(unknown_component_gives_no_groups) {
  auto groups = component_file_groups(document, std::string("Nope"), std::nullopt);
  BOOST_REQUIRE(groups.ok());
  BOOST_TEST(groups->empty());
}

// Malformed XML is an error with the parser's reason and position.
BOOST_AUTO_TEST_CASE(malformed_xml_is_a_clear_error) {
  auto groups = component_file_groups("<WRITER_METADATA><BACKUP_LOCATIONS></WRITER_METADATA>", std::string("x"), std::nullopt);
  BOOST_REQUIRE(!groups.ok());
  BOOST_TEST(groups.error().system_message().find("at byte") != std::string::npos, groups.error().message());
}

// Another root element is refused by name.
BOOST_AUTO_TEST_CASE(wrong_root_is_refused) {
  auto groups = component_file_groups("<html/>", std::string("x"), std::nullopt);
  BOOST_REQUIRE(!groups.ok());
  BOOST_TEST(groups.error().system_message().find("<html>") != std::string::npos);
}

// Billion laughs: a DOCTYPE with entities is refused before any expansion.
BOOST_AUTO_TEST_CASE(entity_expansion_bomb_is_refused) {
  std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">";
  for (int i = 1; i < 10; ++i) {
    bomb += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) bomb += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    bomb += "\">";
  }
  bomb += "]><WRITER_METADATA a=\"&lol9;\"/>";
  auto groups = timed([&] { return component_file_groups(bomb, std::string("x"), std::nullopt); });
  BOOST_REQUIRE(!groups.ok());
  BOOST_TEST(groups.error().system_message().find("DOCTYPE") != std::string::npos);
}

// A million nested elements is refused quickly (no deep recursion, no hang).
BOOST_AUTO_TEST_CASE(deep_nesting_is_refused) {
  std::string deep = "<WRITER_METADATA>";
  for (int i = 0; i < 1000000; ++i) deep += "<a>";
  auto groups = timed([&] { return component_file_groups(deep, std::string("x"), std::nullopt); });
  BOOST_REQUIRE(!groups.ok());
  BOOST_TEST(groups.error().system_message().find("nested deeper") != std::string::npos);
}

// A document past the size bound (a 20 MB attribute) is refused before parsing.
BOOST_AUTO_TEST_CASE(huge_documents_are_refused) {
  const std::string huge = "<WRITER_METADATA a=\"" + std::string(20u << 20, 'x') + "\"/>";
  auto groups = timed([&] { return component_file_groups(huge, std::string("x"), std::nullopt); });
  BOOST_REQUIRE(!groups.ok());
  BOOST_TEST(groups.error().system_message().find("at most") != std::string::npos);
}

// A large attribute under the bound and unknown entities parse without harm.
BOOST_AUTO_TEST_CASE(large_attribute_and_unknown_entity_are_harmless) {
  const std::string doc = "<WRITER_METADATA x=\"" + std::string(4u << 20, 'y') +
                          "\"><BACKUP_LOCATIONS><FILE_GROUP componentName=\"c&unknown;\"><FILE_LIST path=\"D:\\a\" "
                          "filespec=\"*\"/></FILE_GROUP></BACKUP_LOCATIONS></WRITER_METADATA>";
  auto groups = timed([&] { return component_file_groups(doc, std::string("c&unknown;"), std::nullopt); });
  BOOST_REQUIRE_MESSAGE(groups.ok(), (groups.ok() ? "" : groups.error().message()));
  BOOST_TEST(groups->size() == 1u);
}

// A file group without a path is refused rather than read as "everything".
BOOST_AUTO_TEST_CASE(file_group_without_path_is_refused) {
  auto groups = component_file_groups(
      "<WRITER_METADATA><BACKUP_LOCATIONS><FILE_GROUP componentName=\"c\"><FILE_LIST filespec=\"*\"/></FILE_GROUP>"
      "</BACKUP_LOCATIONS></WRITER_METADATA>",
      std::string("c"), std::nullopt);
  BOOST_REQUIRE(!groups.ok());
  BOOST_TEST(groups.error().system_message().find("lacks a path") != std::string::npos);
}

// Random garbage never crashes the parser.
BOOST_AUTO_TEST_CASE(garbage_never_crashes) {
  std::uint32_t seed = 12345;
  for (int round = 0; round < 300; ++round) {
    std::string junk = "<WRITER_METADATA><BACKUP_LOCATIONS>";
    for (int i = 0; i < 200; ++i) {
      seed = seed * 1664525u + 1013904223u;
      const char alphabet[] = "<>/=\"' &;!?-[]abcDATBSE_FILEGROUP";
      junk += alphabet[(seed >> 24) % (sizeof alphabet - 1)];
    }
    (void)component_file_groups(junk, std::string("a"), std::nullopt);
  }
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_SUITE_END()
