// The VSS Writer Metadata Document that WSB passes to CheckConsistency (wszWriterMetadata, XML),
// accepted in both forms: bare, as a writer serializes it (below), or wrapped as VSS's own loader
// (IVssExamineWriterMetadata) holds it, <root><Schema ...XDR.../><WRITER_METADATA ...>...</root>.
// Siblings other than BACKUP_LOCATIONS and EXCLUDE_FILES (IDENTIFICATION, RESTORE_METHOD,
// INCLUDE_FILES, ...) are read past.
// the file groups of a component are the default file set of the checks and part of the context
// given to checker commands.
//   <WRITER_METADATA ...><BACKUP_LOCATIONS>
//     <DATABASE componentName="LedgerDB" logicalPath="Contoso\Ledger" ...>
//       <DATABASE_FILES path="D:\Ledger\data" filespec="*.ldb"/>
//       <DATABASE_LOGFILES path="D:\Ledger\logs" filespec="*.log"/>
//     </DATABASE>
//     <FILE_GROUP componentName="Config" ...><FILE_LIST path="D:\Ledger\conf" filespec="*" recursive="yes"/></FILE_GROUP>
//   </BACKUP_LOCATIONS></WRITER_METADATA>
// Parsed with pugixml. Hostile input fails with a message, never a crash or a hang: the size is
// bounded, a DOCTYPE (the only way to define entities) is refused, nesting depth is bounded.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "platform/error.hpp"

namespace wsbkit::consistency {

struct FileGroup {
  std::string component;  // the component that declares it (the asked one or one of its set)
  std::string kind;       // "DATABASE_FILES", "DATABASE_LOGFILES", "FILE_LIST"
  std::string path;       // live folder, as the writer wrote it
  std::string filespec;   // file name pattern (* and ?)
  bool recursive = false;
};

inline constexpr std::size_t max_writer_metadata_bytes = 16u << 20;
inline constexpr std::size_t max_writer_metadata_depth = 64;

// The file groups of the component (name, logical path) and of the components of its set (those
// whose logical path lies below "logical path\name"). The error says what is wrong with the XML.
// A well-formed document without the component gives an empty list.
Result<std::vector<FileGroup>> component_file_groups(const std::string& xml, const std::optional<std::string>& component,
                                                     const std::optional<std::string>& logical_path);

// A component the document declares (a DATABASE or FILE_GROUP under BACKUP_LOCATIONS).
struct MetadataComponent {
  std::string kind;          // "DATABASE" or "FILE_GROUP"
  std::string name;          // componentName
  std::string logical_path;  // logicalPath ("" when absent)
};

// Every component the document declares, in document order. Errors as above.
Result<std::vector<MetadataComponent>> writer_components(const std::string& xml);

// The files the writer excludes from the shadow copy (<EXCLUDE_FILES path filespec recursive/>,
// children of WRITER_METADATA; IVssCreateWriterMetadata::AddExcludeFilesFromSnapshot): absent from
// the snapshot by design. Kind "EXCLUDE_FILES", component "". Errors as above.
Result<std::vector<FileGroup>> writer_exclusions(const std::string& xml);

}  // namespace wsbkit::consistency
