// Fuzz target `writer_metadata`: the VSS Writer Metadata Document parser (pugixml under the size,
// DOCTYPE and depth limits) on any bytes. Input: the component name on the first line, its logical
// path on the second ("-" for none), the XML after. Properties: no crash, leak or hang (ASan,
// UBSan, the timeout); an error always says why; every file group is one of the three kinds; the
// component list (writer_components) names every component it lists.
#include "core/consistency/writer_metadata.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace wsbkit;
using namespace wsbkit::consistency;
using wsbkit::fuzz::require;

namespace {

std::optional<std::string> optional_line(std::string_view line) {
  if (line == "-") return std::nullopt;
  return std::string(line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::bytes_of(data, size);
  const auto component = optional_line(fuzz::take_line(input));
  const auto logical_path = optional_line(fuzz::take_line(input));
  const auto groups = component_file_groups(std::string(input), component, logical_path);
  if (!groups) {
    require(!groups.error().message().empty(), "a refused document says why");
    return 0;
  }
  for (const FileGroup& g : *groups) {
    require(g.kind == "DATABASE_FILES" || g.kind == "DATABASE_LOGFILES" || g.kind == "FILE_LIST",
            "a file group is DATABASE_FILES, DATABASE_LOGFILES or FILE_LIST", g.kind);
  }
  // The component list reads the same document (either form): a document the groups accept is one
  // it accepts or refuses with a reason; every component it lists is named.
  const auto components = writer_components(std::string(input));
  if (!components) {
    require(!components.error().message().empty(), "a refused document says why");
    return 0;
  }
  for (const MetadataComponent& c : *components) {
    require(!c.name.empty() && (c.kind == "DATABASE" || c.kind == "FILE_GROUP"), "a listed component is named", c.kind);
  }
  return 0;
}
