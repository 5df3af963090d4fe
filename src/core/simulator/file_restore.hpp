// What WSB does to the files of a component during a restore, between its PreRestore and its
// PostRestore: the files the writer metadata's file groups name (DATABASE_FILES, DATABASE_LOGFILES,
// FILE_LIST: path, filespec, recursive) are copied from the backup into place, and once the
// restore is over they are compared with the backup.
//
// The backup is the snapshot volume mapping CheckConsistency gets (--volume SOURCE=SNAPSHOT): a
// live path is mapped as the checks map it (core/consistency/snapshot_paths.hpp), only through the
// given pairs. Every read and write goes through the FileSystem facility, so the same code copies
// between in-memory fakes in process and between real files under Wine. The backup is walked as
// the checks walk a snapshot (core/consistency/glob.hpp): a reparse point in it is not followed
// and is reported as a file that could not be restored. A file that cannot be restored fails its
// component, as in WSB; each file is reported with its path, size and reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/simulator/simulator.hpp"
#include "platform/file_system.hpp"
#include "platform/volumes.hpp"

namespace wsbkit {

class SnapshotFileRestore final : public FileRestore {
 public:
  // `writer_metadata` in either form; `source_volumes[i]` is backed up in `snapshot_volumes[i]`.
  // `volumes` maps a live path to its volume where the pairs name volumes by GUID path (the
  // in-memory machine's); without it only pairs named by mount point (C:\=...) map.
  SnapshotFileRestore(FileSystem& files, std::string writer_metadata, std::vector<std::string> source_volumes,
                      std::vector<std::string> snapshot_volumes, Volumes* volumes = nullptr);

  std::vector<RestoredFile> restore(const SimulatedComponent& component) override;
  std::vector<RestoredFile> compare(const std::vector<RestoredFile>& restored) override;

 private:
  RestoredFile copy(const std::string& component, const std::string& source, const std::string& path);

  FileSystem& files_;
  Volumes* volumes_;
  std::string metadata_;
  std::vector<std::string> sources_, snapshots_;
};

}  // namespace wsbkit
