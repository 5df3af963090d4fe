// File security facility: who, besides the machine's administrators, could change what a file
// holds. The add-in (running as SYSTEM) refuses to run any step when the policy file or an
// executable it would run has such a writer. Portable: the rule itself (untrusted_writers_in) is
// plain code over SIDs and access masks, unit-tested natively; backends only read owners and DACLs.
//
// The rule. Trusted principals: SYSTEM (S-1-5-18), Administrators (S-1-5-32-544), TrustedInstaller
// (S-1-5-80-956008885-...) and the account the check itself runs as (whoever that is can already run
// code as the add-in; on Windows the add-in is SYSTEM, under Wine it is the Wine user, who owns
// every file: see below). Every other SID is untrusted when any of these grants it a dangerous right:
//  - the file itself (the path checked): write or append data, delete, change permissions, take
//    ownership, or GENERIC_WRITE / GENERIC_ALL;
//  - every folder above it up to the root: delete a child, delete or rename the folder itself,
//    change permissions, take ownership, GENERIC_ALL (each lets one replace the file or a folder of
//    the path); creating new entries does NOT count there (C:\ProgramData lets Users create files);
//  - for an executable also its own folder: create files (FILE_ADD_FILE, GENERIC_WRITE), since a
//    DLL planted next to an EXE is loaded before the system's.
// Ownership counts as changing permissions: an untrusted owner is a writer, unless OWNER RIGHTS
// (S-1-3-4) ACEs limit what owners get. A NULL DACL grants Everyone everything. Inherit-only ACEs
// and CREATOR OWNER / CREATOR GROUP placeholders do not apply to the object and are skipped. Deny
// ACEs are ignored: the check may refuse a file Windows would protect, never the other way round.
// Write-attributes / write-EA rights are not counted (they change no content that runs). The
// folders are those of the file's final path (links resolved) and of the path as written (below).
//
// The path as written counts too: every folder component of the path exactly as given (before any
// link is resolved) is on the chain besides the folders of its final path, each read through its
// own handle opened without following reparse points. A reparse point there (junction, symlink,
// mount point) is examined like a file: anyone untrusted who owns it or may write its data or
// attributes (retarget it), delete it or change its permissions refuses the file.
// Fail closed: an ACE type the rule does not know (object ACEs, compound ACEs, anything but
// allowed, denied and their callback forms) refuses the file, naming the type and the object.
// Paths: only local drive paths ("C:\..."); UNC ("\\server\share", "\\?\UNC\"), device paths
// ("\\.\", "\\?\") and alternate data streams ("x.exe:s") are refused, and an executable may not
// be a batch file (.bat / .cmd, any case, trailing dots and spaces ignored as Windows ignores
// them): CreateProcessW would run it through cmd.exe. path_refusal below; open_checked applies it.
//
// Check and use are one: open_checked holds the file open (sharing read only: nobody may write,
// rename or delete it while the HeldFile lives) and checks the descriptor of that handle; the
// caller reads the file through the handle (read) or, for an executable, starts the file the handle
// names (final_path) and proves through ProcessRequest::image that the process runs that very file
// (platform/process.hpp). A working directory (FileRole::folder) is held the same way (it cannot be
// renamed or removed while held) and may accept no new files from anyone untrusted.
//
// For callers (steps, the add-in host, `register` / `doctor`): `open_checked(path, role)` gives
// either an error (the path is refused, missing, or its security unreadable: never trusted) or a
// HeldFile whose untrusted_writers() is empty when the file may be used; `untrusted_writers(path,
// role)` is the same check when only the verdict is needed. core/steps/trust.hpp turns both into
// one refusal text.
//
// Wine 8 (measured): files carry no stored ACLs. GetNamedSecurityInfoW makes a descriptor from the
// Unix mode: owner the Wine user (S-1-5-21-0-0-0-1000, the token's user; group ...-513), DACL
// SYSTEM full control, the Wine user full control, and Everyone 0x1200A9 (read/execute) when
// "other" may read or 0x1301FF (modify, with delete) when "other" may write (no Everyone ACE for
// o=---). Folders get the same ACEs with OI|CI. SetNamedSecurityInfoW reports success but only maps
// the Everyone ACE onto the Unix "other" bits (and sets u/g rwx); the owner and every other ACE
// (Users, Administrators...) are dropped; PROTECTED_DACL is ignored too: a folder's inheritable
// Everyone grant is merged into the object's DACL (a file set admin-only inside a world-writable
// folder stays world-writable). The token's user S-1-5-21-0-0-0-1000 is a member of
// Administrators, but it is its own SID that owns files, so only the "running account" rule lets
// anything pass. Under Wine a file is therefore refused exactly when it or a folder above it is
// world-writable (e.g. anything under Z:\tmp), and accepted otherwise.
//
// Handles (Wine 8, measured): a file opened with FILE_SHARE_READ only is held: another open for
// writing or for DELETE, and MoveFileW, fail with ERROR_SHARING_VIOLATION. GetSecurityInfo on a
// handle gives the same derived descriptor as GetNamedSecurityInfoW. GetFinalPathNameByHandleW
// with VOLUME_NAME_NT gives "\Device\HarddiskVolume1\..." for C:, the very string
// QueryFullProcessImageNameW(PROCESS_NAME_NATIVE) gives for a process started from that file
// (CREATE_SUSPENDED), so the image check runs under Wine too; a .bat started by CreateProcessW
// shows cmd.exe as its image. Reparse points: Wine shows a Unix symlink as one to
// GetFileAttributesW (FILE_ATTRIBUTE_REPARSE_POINT), but FILE_FLAG_OPEN_REPARSE_POINT still opens
// the target (GetFileInformationByHandle shows no reparse attribute; GetSecurityInfo the target's
// descriptor), and `mklink /j` is not implemented: the backend takes a component for a reparse
// point when either call says so, and a link's own owner cannot be shown under Wine (the fake
// models it: tests/platform/file_security_test.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.hpp"

namespace wsbkit {

namespace well_known_sid {
inline constexpr std::string_view system = "S-1-5-18";
inline constexpr std::string_view administrators = "S-1-5-32-544";
inline constexpr std::string_view trusted_installer = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
inline constexpr std::string_view everyone = "S-1-1-0";
inline constexpr std::string_view users = "S-1-5-32-545";
inline constexpr std::string_view authenticated_users = "S-1-5-11";
inline constexpr std::string_view creator_owner = "S-1-3-0";
inline constexpr std::string_view creator_group = "S-1-3-1";
inline constexpr std::string_view owner_rights = "S-1-3-4";
}  // namespace well_known_sid

// Access mask bits of files and folders (winnt.h values).
namespace file_right {
inline constexpr std::uint32_t write_data = 0x0002;    // folder: FILE_ADD_FILE
inline constexpr std::uint32_t append_data = 0x0004;   // folder: FILE_ADD_SUBDIRECTORY
inline constexpr std::uint32_t read_data = 0x0001;
inline constexpr std::uint32_t execute = 0x0020;
inline constexpr std::uint32_t delete_child = 0x0040;
inline constexpr std::uint32_t delete_ = 0x00010000;
inline constexpr std::uint32_t read_control = 0x00020000;
inline constexpr std::uint32_t write_dac = 0x00040000;
inline constexpr std::uint32_t write_owner = 0x00080000;
inline constexpr std::uint32_t synchronize = 0x00100000;
inline constexpr std::uint32_t generic_all = 0x10000000;
inline constexpr std::uint32_t generic_write = 0x40000000;
inline constexpr std::uint32_t all_access = 0x001F01FF;        // FILE_ALL_ACCESS
inline constexpr std::uint32_t read_execute = 0x001200A9;      // FILE_GENERIC_READ | FILE_GENERIC_EXECUTE
}  // namespace file_right

// One ACE as stored: type 0 ACCESS_ALLOWED, 1 ACCESS_DENIED, 9 ACCESS_ALLOWED_CALLBACK, 10
// ACCESS_DENIED_CALLBACK (any other type refuses the object: fail closed); flags as in ACE_HEADER
// (0x08 INHERIT_ONLY...).
struct FileAce {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::uint32_t mask = 0;
  std::string sid;
  bool operator==(const FileAce&) const = default;
};
inline constexpr std::uint8_t ace_type_allowed = 0;
inline constexpr std::uint8_t ace_type_denied = 1;
inline constexpr std::uint8_t ace_type_allowed_callback = 9;
inline constexpr std::uint8_t ace_type_denied_callback = 10;
inline constexpr std::uint8_t ace_flag_inherit_only = 0x08;

// The security of one object on the checked chain.
struct ObjectSecurity {
  std::string path;
  std::string owner_sid;
  std::optional<std::vector<FileAce>> dacl;  // nullopt: a NULL DACL (everyone may do anything)
  bool reparse_point = false;                // a folder component of the path as written that is a link
};

enum class FileRole {
  data,        // read by the add-in (the policy file)
  executable,  // run by the add-in: its folder may not accept new files either
  folder,      // a working directory of a process the add-in runs: it may not accept new files
};

struct UntrustedWriter {
  std::string path;       // the object that grants it: the file or one of its folders
  std::string sid;        // "S-1-5-32-545"
  std::string principal;  // "BUILTIN\Users" where the backend can name it, else the SID
  std::uint32_t rights = 0;  // the dangerous rights it has there (file_right bits)
  bool as_owner = false;     // (also) by owning the object
  // "BUILTIN\Users (S-1-5-32-545) may change C:\x\policy.json (rights 0x00000116)"
  std::string describe() const;
};

// The rule above over a chain: chain[0] the file (or folder) checked, then its folders (the order
// of the rest does not matter; chain[1] is the executable's own folder). `trusted` adds SIDs to
// SYSTEM, Administrators and TrustedInstaller. principal is set to the SID. An error
// (ERROR_INVALID_ACL) names an ACE type the rule does not know and the object holding it.
Result<std::vector<UntrustedWriter>> untrusted_writers_in(const std::vector<ObjectSecurity>& chain, FileRole role,
                                                          const std::vector<std::string>& trusted);

// Why SYSTEM may not use this path at all, whoever may change it ("" when it may): not a local
// drive path (UNC, device and \\?\ paths, relative paths), an alternate data stream, or for an
// executable a batch file (the text says how to run cmd.exe explicitly instead).
std::string path_refusal(std::string_view path, FileRole role);

// "x.cmd" for "C:\a\X.CMD. ." : whether the file name ends in .bat or .cmd as Windows reads it
// (case-insensitive, trailing dots and spaces stripped).
bool is_batch_file(std::string_view path);

// The folders above a Windows path, nearest first, lexically: "C:\a\b\f" -> "C:\a\b", "C:\a",
// "C:\"; "\\server\share\a\f" -> "\\server\share\a", "\\server\share\". Either separator.
std::vector<std::string> windows_parent_folders(std::string_view path);

// A file (or folder) held open by open_checked, with the verdict on it. While it lives nobody may
// write, rename or delete it (a folder: rename or delete it). Destroying it closes the handles.
class HeldFile {
 public:
  virtual ~HeldFile() = default;
  // The path as the caller gave it.
  virtual const std::string& path() const = 0;
  // Empty: the file may be used (the rule above found nobody untrusted).
  virtual const std::vector<UntrustedWriter>& untrusted_writers() const = 0;
  // The held object's own path, links resolved ("C:\Program Files\x\tool.exe", no "\\?\"): what a
  // process is started from and a working directory is set to.
  virtual const std::string& final_path() const = 0;
  // A name of the held object that the process runner compares with the image of the process it
  // started (Win32: the NT path, "\Device\HarddiskVolume1\..."); equal names while it is held
  // mean the same file, since it cannot be renamed.
  virtual const std::string& identity() const = 0;
  // Its size and its first `limit` bytes, read through the held handle (files only).
  virtual Result<std::uint64_t> size() = 0;
  virtual Result<std::string> read(std::uint64_t limit) = 0;
};

class FileSecurity {
 public:
  virtual ~FileSecurity() = default;
  // The one trust check: refuses `path` when path_refusal says so (ERROR_BAD_PATHNAME, the reason
  // in the message), else opens and holds it and checks it through its handles. An error when it
  // does not exist (ERROR_FILE_NOT_FOUND / ERROR_PATH_NOT_FOUND) or when any descriptor on the
  // chain cannot be read or holds an unknown ACE type (the check never passes on missing
  // information); otherwise the held file and its untrusted writers.
  Result<std::unique_ptr<HeldFile>> open_checked(const std::string& path, FileRole role);
  // The same check when only the verdict is needed (the file is released at once).
  Result<std::vector<UntrustedWriter>> untrusted_writers(const std::string& path, FileRole role);

 protected:
  // Backends: open and check a path that path_refusal accepted.
  virtual Result<std::unique_ptr<HeldFile>> open_held(const std::string& path, FileRole role) = 0;
};

}  // namespace wsbkit
