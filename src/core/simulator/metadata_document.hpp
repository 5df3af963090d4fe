// The writer metadata the simulator hands the add-in when none is given (--writer-metadata FILE):
// generated from the application's policy, in the form VSS serializes a writer's document
//   <WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.1">
//     <IDENTIFICATION writerId=... friendlyName=... usage="USER_DATA" dataSource="OTHER"/>
//     <BACKUP_LOCATIONS><FILE_GROUP logicalPath=... componentName=...>
//       <FILE_LIST path="C:\Ledger\data" filespec="*.ldb" recursive="no"/> ...</FILE_GROUP></BACKUP_LOCATIONS>
//     <RESTORE_METHOD method="RESTORE_IF_CAN_BE_REPLACED" writerRestore="never" rebootRequired="no"/>
//   </WRITER_METADATA>
// ("bare"), or as VSS's own loader holds it: <root>, an inline XDR <Schema> (abridged to the
// elements used here), then the element ("wrapped"). Which form reaches an add-in is not
// documented; the add-in accepts both (core/consistency/writer_metadata.hpp).
//
// The policy has no file list of its own: a component's files are those its backup checks name
// (files.present paths whose wildcards are in the file name, or end in "**\NAME" for a recursive
// group; manifest.verify's manifest), the files the application already says must be in a backup.
// A component is generated only when its policy entry names it without wildcards.
#pragma once

#include <string>
#include <vector>

#include "core/consistency/writer_metadata.hpp"
#include "core/policy/policy.hpp"

namespace wsbkit {

enum class MetadataForm { bare, wrapped };

struct GeneratedComponent {
  std::string id;            // the policy's component id
  std::string name;          // componentName
  std::string logical_path;  // "" for none
  std::vector<consistency::FileGroup> groups;
};

struct GeneratedMetadata {
  std::vector<GeneratedComponent> components;  // in the policy's id order
  std::vector<std::string> notes;              // what could not be expressed (a wildcard name, a path)
};

// The components (and their file groups) the policy describes.
GeneratedMetadata metadata_from_policy(const policy::Policy& policy);

// The document for those components, in the form asked for.
std::string writer_metadata_document(const policy::Policy& policy, const GeneratedMetadata& metadata, MetadataForm form);

}  // namespace wsbkit
