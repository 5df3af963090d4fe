#include "core/consistency/writer_metadata.hpp"

#include <pugixml.hpp>

#include "platform/text.hpp"

namespace wsbkit::consistency {
namespace {

Error invalid(const std::string& why) {
  return Error::win32(win32_error::invalid_data, "parse writer metadata", "wszWriterMetadata", why);
}

// Nesting depth of the markup, counted without building anything: refuses a document built to
// exhaust a parser's stack or memory before the parser sees it.
bool deeper_than(const std::string& xml, std::size_t limit) {
  std::size_t depth = 0;
  for (std::size_t i = 0; i + 1 < xml.size(); ++i) {
    if (xml[i] != '<') continue;
    const char next = xml[i + 1];
    if (next == '/') {
      if (depth > 0) --depth;
    } else if (next != '?' && next != '!') {
      const std::size_t close = xml.find('>', i);
      if (close == std::string::npos) return false;  // the parser reports it
      if (xml[close - 1] != '/' && ++depth > limit) return true;
      i = close;
    }
  }
  return false;
}

std::string trimmed_trailing_separators(std::string s) {
  while (s.size() > 3 && (s.back() == '\\' || s.back() == '/')) s.pop_back();
  return s;
}

bool same_text(const char* a, const std::optional<std::string>& b) { return b && iequals(a, *b); }

// The WRITER_METADATA element in either form: the document's root (as a writer serializes it), or
// the one WRITER_METADATA child of <root>, beside VSS's inline XDR <Schema> (as VSS's
// IVssExamineWriterMetadata loads it). Anything else in <root> is refused by name.
Result<pugi::xml_node> writer_metadata_element(const pugi::xml_node root) {
  const std::string name = root.name();
  if (name == "WRITER_METADATA") return root;
  if (name != "root") {
    return invalid("the root element is <" + name + ">, not <WRITER_METADATA> (or <root> holding a Schema and WRITER_METADATA)");
  }
  pugi::xml_node found;
  for (const pugi::xml_node child : root.children()) {
    if (child.type() != pugi::node_element) continue;
    const std::string child_name = child.name();
    if (child_name == "Schema") continue;
    if (child_name != "WRITER_METADATA") return invalid("<root> holds <" + child_name + ">: only <Schema> and <WRITER_METADATA> belong there");
    if (found) return invalid("<root> holds more than one <WRITER_METADATA>");
    found = child;
  }
  if (!found) return invalid("<root> holds no <WRITER_METADATA>");
  return found;
}

// Checks the limits and parses; the WRITER_METADATA element in either form.
Result<pugi::xml_node> load(const std::string& xml, pugi::xml_document& doc) {
  if (xml.size() > max_writer_metadata_bytes) {
    return invalid("the document has " + std::to_string(xml.size()) + " bytes; at most " +
                   std::to_string(max_writer_metadata_bytes) + " are accepted");
  }
  if (xml.find("<!DOCTYPE") != std::string::npos || xml.find("<!ENTITY") != std::string::npos) {
    return invalid("a DOCTYPE or entity declaration is not accepted (writer metadata documents have none)");
  }
  if (deeper_than(xml, max_writer_metadata_depth)) {
    return invalid("elements are nested deeper than " + std::to_string(max_writer_metadata_depth) + " levels");
  }
  // No DOCTYPE processing, no custom entities: only XML's five and character references expand.
  const unsigned options = pugi::parse_default & ~pugi::parse_doctype;
  const pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size(), options, pugi::encoding_utf8);
  if (!parsed) {
    return invalid(std::string(parsed.description()) + " at byte " + std::to_string(parsed.offset));
  }
  return writer_metadata_element(doc.document_element());
}

// A path/filespec/recursive element (FILE_LIST, DATABASE_FILES, EXCLUDE_FILES ...).
Result<FileGroup> file_group(const pugi::xml_node f, const std::string& component) {
  const std::string kind = f.name();
  FileGroup group{component, kind, trimmed_trailing_separators(f.attribute("path").value()), f.attribute("filespec").value(),
                  iequals(f.attribute("recursive").value(), "yes")};
  if (group.path.empty() || group.filespec.empty()) {
    return invalid("<" + kind + "> of component '" + component + "' lacks a path or filespec");
  }
  return group;
}

// The DATABASE and FILE_GROUP components under BACKUP_LOCATIONS, in document order.
std::vector<pugi::xml_node> component_nodes(const pugi::xml_node root) {
  std::vector<pugi::xml_node> nodes;
  for (const pugi::xml_node locations : root.children("BACKUP_LOCATIONS")) {
    for (const pugi::xml_node c : locations.children()) {
      const std::string kind = c.name();
      if (kind == "DATABASE" || kind == "FILE_GROUP") nodes.push_back(c);
    }
  }
  return nodes;
}

}  // namespace

Result<std::vector<FileGroup>> writer_exclusions(const std::string& xml) {
  pugi::xml_document doc;
  auto root = load(xml, doc);
  if (!root) return root.error();
  std::vector<FileGroup> exclusions;
  for (const pugi::xml_node f : root->children("EXCLUDE_FILES")) {
    auto group = file_group(f, "");
    if (!group) return group.error();
    exclusions.push_back(std::move(*group));
  }
  return exclusions;
}

Result<std::vector<MetadataComponent>> writer_components(const std::string& xml) {
  pugi::xml_document doc;
  auto root = load(xml, doc);
  if (!root) return root.error();
  std::vector<MetadataComponent> components;
  for (const pugi::xml_node c : component_nodes(*root)) {
    const std::string name = c.attribute("componentName").value();
    if (name.empty()) return invalid(std::string("a <") + c.name() + "> has no componentName");
    components.push_back({c.name(), name, c.attribute("logicalPath").value()});
  }
  return components;
}

Result<std::vector<FileGroup>> component_file_groups(const std::string& xml, const std::optional<std::string>& component,
                                                     const std::optional<std::string>& logical_path) {
  pugi::xml_document doc;
  auto loaded = load(xml, doc);
  if (!loaded) return loaded.error();
  const pugi::xml_node root = *loaded;
  // "logical path\name": components whose logical path is this (or below it) belong to its set.
  std::optional<std::string> set_path;
  if (component) set_path = (logical_path && !logical_path->empty() ? *logical_path + "\\" : "") + *component;

  std::vector<FileGroup> groups;
  for (const pugi::xml_node c : component_nodes(root)) {
    const char* name = c.attribute("componentName").value();
    const char* path = c.attribute("logicalPath").value();
    const bool itself = same_text(name, component) &&
                        (logical_path ? iequals(path, *logical_path) : std::string(path).empty());
    const std::string own_path = path;
    const bool in_set = set_path && (iequals(own_path, *set_path) ||
                                     (own_path.size() > set_path->size() &&
                                      iequals(own_path.substr(0, set_path->size() + 1), *set_path + "\\")));
    if (!itself && !in_set) continue;
    for (const pugi::xml_node f : c.children()) {
      const std::string file_kind = f.name();
      if (file_kind != "DATABASE_FILES" && file_kind != "DATABASE_LOGFILES" && file_kind != "FILE_LIST") continue;
      auto group = file_group(f, name);
      if (!group) return group.error();
      groups.push_back(std::move(*group));
    }
  }
  return groups;
}

}  // namespace wsbkit::consistency
