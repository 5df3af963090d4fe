// Win32 protected folders backend (platform/protected_folders.hpp): must contain only
// Win32-specific code. CreateDirectoryW with a protected descriptor; CreateFileW with
// FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS and no FILE_SHARE_DELETE to hold a
// folder; GetSecurityInfo on that handle; SHGetKnownFolderPath(FOLDERID_ProgramData).
#include <aclapi.h>
#include <sddl.h>
#include <shlobj.h>

#include "platform/win32/backends.hpp"
#include "platform/win32/security_info.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

// Owner Administrators; protected DACL: SYSTEM and Administrators full control, inherited by
// files and folders created inside.
constexpr const wchar_t* protected_folder_sddl = L"O:BAG:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

class Win32HeldFolder final : public HeldFolder {
 public:
  Win32HeldFolder(unique_file_handle handle, FolderFacts facts) : handle_(std::move(handle)), facts_(std::move(facts)) {}
  const FolderFacts& facts() const override { return facts_; }

 private:
  unique_file_handle handle_;  // held: no FILE_SHARE_DELETE, so the folder cannot be renamed or removed
  FolderFacts facts_;
};

class Win32ProtectedFolders final : public ProtectedFolders {
 public:
  Result<std::string> program_data() override {
    wchar_t* path = nullptr;
    const HRESULT hr = ::SHGetKnownFolderPath(FOLDERID_ProgramData, KF_FLAG_DONT_VERIFY, nullptr, &path);
    std::string folder = SUCCEEDED(hr) && path ? narrow(path) : std::string();
    ::CoTaskMemFree(path);
    if (FAILED(hr)) return Error::hresult(static_cast<Hresult>(hr), "SHGetKnownFolderPath", "FOLDERID_ProgramData");
    return folder;
  }

  Result<bool> create(const std::string& path) override {
    PSECURITY_DESCRIPTOR descriptor = nullptr;
    if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(protected_folder_sddl, SDDL_REVISION_1, &descriptor, nullptr)) {
      return last_error("ConvertStringSecurityDescriptorToSecurityDescriptorW", path);
    }
    unique_local owned(descriptor);
    SECURITY_ATTRIBUTES attributes{sizeof(SECURITY_ATTRIBUTES), descriptor, FALSE};
    if (::CreateDirectoryW(widen(path).c_str(), &attributes)) return true;
    if (::GetLastError() == ERROR_ALREADY_EXISTS) return false;
    return last_error("CreateDirectoryW", path);
  }

  Result<std::unique_ptr<HeldFolder>> hold(const std::string& path) override {
    unique_file_handle handle(::CreateFileW(widen(path).c_str(), READ_CONTROL | FILE_READ_ATTRIBUTES,
                                            FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING,
                                            FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
    if (!handle) return last_error("CreateFileW", path);
    BY_HANDLE_FILE_INFORMATION info;
    if (!::GetFileInformationByHandle(handle.get(), &info)) return last_error("GetFileInformationByHandle", path);
    FolderFacts facts;
    facts.directory = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    facts.reparse_point = (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
    auto security = read_security(handle.get(), path);
    if (!security) return security.error();
    facts.security = std::move(*security);
    return std::unique_ptr<HeldFolder>(std::make_unique<Win32HeldFolder>(std::move(handle), std::move(facts)));
  }

  Result<std::string> own_sid() override { return process_user_sid(); }
};

}  // namespace

std::unique_ptr<ProtectedFolders> make_win32_protected_folders() { return std::make_unique<Win32ProtectedFolders>(); }

}  // namespace wsbkit::win32
