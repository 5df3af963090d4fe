// File security as the tests set it: an owner and a DACL per path (case-insensitive, either
// separator). untrusted_writers applies the same portable rule as the Win32 backend
// (platform/file_security.hpp) to the file and its folders. A path never set does not exist
// (ERROR_FILE_NOT_FOUND) when it is the file checked; a folder above it that was never set has
// the default folder security (owner Administrators; SYSTEM and Administrators full control,
// Users read/execute), like a folder under C:\Program Files.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/file_security.hpp"

namespace wsbkit::mock {

class FakeFileSecurity final : public FileSecurity {
 public:
  FakeFileSecurity();
  Result<std::vector<UntrustedWriter>> untrusted_writers(const std::string& path, FileRole role) override;

  // --- test controls ---
  void set(const std::string& path, std::string owner_sid, std::optional<std::vector<FileAce>> dacl);
  void remove(const std::string& path);
  // The account the checks run as (trusted); SYSTEM unless set.
  void set_own_sid(std::string sid);
  std::string own_sid() const;
  void set_default_folder_security(std::string owner_sid, std::optional<std::vector<FileAce>> dacl);

 private:
  struct Entry {
    std::string path;  // as first set
    std::string owner_sid;
    std::optional<std::vector<FileAce>> dacl;
  };
  mutable std::mutex mutex_;
  std::map<std::u16string, Entry> entries_;
  Entry default_folder_;
  std::string own_sid_;
};

// Names the backends give the well-known SIDs ("BUILTIN\Users"); empty for others.
std::string well_known_account_name(const std::string& sid);

}  // namespace wsbkit::mock
