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

// The same writer as VSS's own loader (IVssExamineWriterMetadata) holds it: <root>, the inline XDR
// schema, then the element, with the siblings a real document carries.
const std::string wrapped = R"(<?xml version="1.0"?>
<root>
<Schema name="VssWriterMetadataInfo" xmlns="urn:schemas-microsoft-com:xml-data" xmlns:dt="urn:schemas-microsoft-com:datatypes">
  <AttributeType name="version" dt:type="string" required="yes"/>
  <ElementType name="FILE_LIST" content="empty" model="closed">
    <AttributeType name="path" dt:type="string" required="yes"/><attribute type="path"/>
  </ElementType>
  <ElementType name="WRITER_METADATA" content="eltOnly" model="closed" order="many">
    <attribute type="version"/><element type="IDENTIFICATION" minOccurs="1" maxOccurs="1"/>
    <element type="BACKUP_LOCATIONS" minOccurs="1" maxOccurs="1"/>
  </ElementType>
</Schema>
<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.1">
  <IDENTIFICATION writerId="{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}" instanceId="{00000000-0000-0000-0000-000000000001}"
    friendlyName="Contoso Ledger" usage="USER_DATA" dataSource="TRANSACTION_DB"/>
  <INCLUDE_FILES path="D:\Ledger\extra" filespec="*.cfg" recursive="no"/>
  <EXCLUDE_FILES path="D:\Ledger\temp" filespec="*.tmp" recursive="yes"/>
  <BACKUP_LOCATIONS>
    <DATABASE logicalPath="Contoso\Ledger" componentName="LedgerDB" caption="Ledger" restoreMetadata="no" notifyOnBackupComplete="no" selectable="yes">
      <DATABASE_FILES path="D:\Ledger\data\" filespec="*.ldb" filespecBackupType="3855"/>
      <DATABASE_LOGFILES path="D:\Ledger\logs" filespec="*.log"/>
    </DATABASE>
    <FILE_GROUP logicalPath="Contoso\Ledger" componentName="LedgerJournal" selectable="yes">
      <FILE_LIST path="D:\Ledger\journal" filespec="*" recursive="yes"/>
    </FILE_GROUP>
  </BACKUP_LOCATIONS>
  <RESTORE_METHOD method="RESTORE_IF_CAN_BE_REPLACED" writerRestore="never" rebootRequired="no">
    <ALTERNATE_LOCATION_MAPPING path="D:\Ledger\data" filespec="*.ldb" alternatePath="E:\Ledger"/>
  </RESTORE_METHOD>
</WRITER_METADATA>
</root>)";

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

// The wrapped form gives the component's file groups as the bare form does; the IDENTIFICATION,
// INCLUDE_FILES and RESTORE_METHOD siblings and the XDR schema are read past.
BOOST_AUTO_TEST_CASE(wrapped_form_with_schema_and_siblings_lists_the_file_groups) {
  auto groups = component_file_groups(wrapped, std::string("LedgerDB"), std::string("Contoso\\Ledger"));
  BOOST_REQUIRE_MESSAGE(groups.ok(), (groups.ok() ? "" : groups.error().message()));
  BOOST_REQUIRE_EQUAL(groups->size(), 2u);
  BOOST_TEST((*groups)[0].path == "D:\\Ledger\\data");
  BOOST_TEST((*groups)[1].kind == "DATABASE_LOGFILES");
  auto journal = component_file_groups(wrapped, std::string("LedgerJournal"), std::string("Contoso\\Ledger"));
  BOOST_REQUIRE(journal.ok());
  BOOST_REQUIRE_EQUAL(journal->size(), 1u);
  BOOST_TEST((*journal)[0].recursive);
  auto exclusions = writer_exclusions(wrapped);
  BOOST_REQUIRE(exclusions.ok());
  BOOST_REQUIRE_EQUAL(exclusions->size(), 1u);
  BOOST_TEST((*exclusions)[0].path == "D:\\Ledger\\temp");
}

// Both forms declare the same components, in document order.
BOOST_AUTO_TEST_CASE(components_are_listed_from_either_form_in_document_order) {
  auto components = writer_components(wrapped);
  BOOST_REQUIRE_MESSAGE(components.ok(), (components.ok() ? "" : components.error().message()));
  BOOST_REQUIRE_EQUAL(components->size(), 2u);
  BOOST_TEST((*components)[0].kind == "DATABASE");
  BOOST_TEST((*components)[0].name == "LedgerDB");
  BOOST_TEST((*components)[0].logical_path == "Contoso\\Ledger");
  BOOST_TEST((*components)[1].name == "LedgerJournal");
  auto bare = writer_components(document);
  BOOST_REQUIRE(bare.ok());
  BOOST_TEST(bare->size() == 3u);
}

// <root> must hold exactly one WRITER_METADATA (and nothing but Schema beside it): each refusal says why.
BOOST_AUTO_TEST_CASE(a_root_without_one_writer_metadata_is_refused_by_name) {
  const std::pair<std::string, std::string> cases[] = {
      {"<root><Schema/></root>", "holds no <WRITER_METADATA>"},
      {"<root><WRITER_METADATA/><WRITER_METADATA/></root>", "more than one <WRITER_METADATA>"},
      {"<root><Schema/><html/><WRITER_METADATA/></root>", "<root> holds <html>"},
  };
  for (const auto& [xml, why] : cases) {
    auto groups = component_file_groups(xml, std::string("x"), std::nullopt);
    BOOST_REQUIRE_MESSAGE(!groups.ok(), xml);
    BOOST_TEST(groups.error().system_message().find(why) != std::string::npos, groups.error().message());
  }
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
