#include "core/simulator/metadata_document.hpp"

#include <algorithm>
#include <pugixml.hpp>
#include <sstream>

#include "core/consistency/snapshot_paths.hpp"

namespace wsbkit {
namespace {

bool has_wildcard(const std::string& s) { return s.find_first_of("*?") != std::string::npos; }

// An abridged XDR schema, as VSS's loader puts it before the element (the real one declares every
// element and attribute of the writer metadata; the add-in reads past it either way).
constexpr const char* xdr_schema = R"(<Schema name="VssWriterMetadataInfo" xmlns="urn:schemas-microsoft-com:xml-data" xmlns:dt="urn:schemas-microsoft-com:datatypes">
<AttributeType name="path" dt:type="string" required="yes"/><AttributeType name="filespec" dt:type="string" required="yes"/>
<AttributeType name="recursive" dt:type="enumeration" dt:values="yes no" default="no"/>
<ElementType name="FILE_LIST" content="empty" model="closed"><attribute type="path"/><attribute type="filespec"/><attribute type="recursive"/></ElementType>
<ElementType name="FILE_GROUP" content="eltOnly" model="open"><element type="FILE_LIST" minOccurs="0" maxOccurs="*"/></ElementType>
<ElementType name="BACKUP_LOCATIONS" content="eltOnly" model="open"><element type="FILE_GROUP" minOccurs="0" maxOccurs="*"/></ElementType>
<ElementType name="IDENTIFICATION" content="empty" model="open"/><ElementType name="RESTORE_METHOD" content="empty" model="open"/>
<ElementType name="WRITER_METADATA" content="eltOnly" model="closed" order="many"><element type="IDENTIFICATION" minOccurs="1" maxOccurs="1"/>
<element type="BACKUP_LOCATIONS" minOccurs="1" maxOccurs="1"/><element type="RESTORE_METHOD" minOccurs="0" maxOccurs="1"/></ElementType>
</Schema>)";

// "C:\a\*.ldb" -> (C:\a, *.ldb, no); "C:\a\**\*" -> (C:\a, *, yes); a wildcard in a folder: none.
std::optional<consistency::FileGroup> group_of(const std::string& component, const std::string& live) {
  std::string folder = consistency::parent_directory(live);
  const std::string name = live.substr(folder.empty() ? 0 : folder.size() + 1);
  bool recursive = false;
  if (folder.size() > 3 && (folder.compare(folder.size() - 3, 3, "\\**") == 0 || folder.compare(folder.size() - 3, 3, "/**") == 0)) {
    folder.resize(folder.size() - 3);
    recursive = true;
  }
  if (folder.empty() || name.empty() || has_wildcard(folder)) return std::nullopt;
  return consistency::FileGroup{component, "FILE_LIST", folder, name, recursive};
}

bool applies_to(const policy::CheckStep& step, const std::string& id) {
  const auto& when = step.options.when_components;
  return when.empty() || std::find(when.begin(), when.end(), id) != when.end();
}

std::vector<consistency::FileGroup> groups_of(const policy::Policy& p, const std::string& id, const std::string& name,
                                              std::vector<std::string>& notes) {
  std::vector<consistency::FileGroup> groups;
  auto add = [&](const policy::CheckStep& step, const std::string& live) {
    auto group = group_of(name, live);
    if (!group) {
      notes.push_back(step.path + ": " + live + " cannot be a file group (a wildcard in a folder): left out");
      return;
    }
    for (const auto& g : groups) {
      if (g.path == group->path && g.filespec == group->filespec && g.recursive == group->recursive) return;
    }
    groups.push_back(std::move(*group));
  };
  for (const auto& step : p.backup.checks) {
    if (!applies_to(step, id)) continue;
    if (const auto* files = std::get_if<policy::FilesPresent>(&step.action)) {
      for (const auto& live : files->paths) add(step, live);
    } else if (const auto* manifest = std::get_if<policy::ManifestVerify>(&step.action)) {
      add(step, manifest->manifest);
    }
  }
  return groups;
}

}  // namespace

GeneratedMetadata metadata_from_policy(const policy::Policy& p) {
  GeneratedMetadata out;
  for (const auto& [id, match] : p.components) {
    if (match.names.empty() || has_wildcard(match.names.front())) {
      out.notes.push_back("components." + id + ": no name without wildcards: not generated (give it with --component)");
      continue;
    }
    GeneratedComponent c{id, match.names.front(), "", {}};
    if (!match.logical_paths.empty() && !has_wildcard(match.logical_paths.front())) c.logical_path = match.logical_paths.front();
    c.groups = groups_of(p, id, c.name, out.notes);
    out.components.push_back(std::move(c));
  }
  return out;
}

std::string writer_metadata_document(const policy::Policy& p, const GeneratedMetadata& metadata, MetadataForm form) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("WRITER_METADATA");
  root.append_attribute("xmlns") = "x-schema:#VssWriterMetadataInfo";
  root.append_attribute("version") = "1.1";
  pugi::xml_node id = root.append_child("IDENTIFICATION");
  id.append_attribute("writerId") = p.writer_id.c_str();
  id.append_attribute("friendlyName") = p.identifier.c_str();
  id.append_attribute("usage") = "USER_DATA";
  id.append_attribute("dataSource") = "OTHER";
  pugi::xml_node locations = root.append_child("BACKUP_LOCATIONS");
  for (const auto& c : metadata.components) {
    pugi::xml_node group = locations.append_child("FILE_GROUP");
    group.append_attribute("logicalPath") = c.logical_path.c_str();
    group.append_attribute("componentName") = c.name.c_str();
    group.append_attribute("caption") = c.name.c_str();
    group.append_attribute("restoreMetadata") = "no";
    group.append_attribute("selectable") = "yes";
    for (const auto& g : c.groups) {
      pugi::xml_node list = group.append_child("FILE_LIST");
      list.append_attribute("path") = g.path.c_str();
      list.append_attribute("filespec") = g.filespec.c_str();
      list.append_attribute("recursive") = g.recursive ? "yes" : "no";
    }
  }
  pugi::xml_node restore = root.append_child("RESTORE_METHOD");
  restore.append_attribute("method") = "RESTORE_IF_CAN_BE_REPLACED";
  restore.append_attribute("writerRestore") = "never";
  restore.append_attribute("rebootRequired") = "no";
  std::ostringstream element;
  doc.save(element, "  ", pugi::format_indent | pugi::format_no_declaration, pugi::encoding_utf8);
  if (form == MetadataForm::bare) return element.str();
  return std::string("<root>\n") + xdr_schema + "\n" + element.str() + "</root>\n";
}

}  // namespace wsbkit
