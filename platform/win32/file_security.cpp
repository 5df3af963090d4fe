// Win32 file security backend: must contain only Win32-specific code. Opens the file and holds it
// (CreateFileW, FILE_SHARE_READ only; a folder FILE_SHARE_READ | FILE_SHARE_WRITE, never
// FILE_SHARE_DELETE), reads its owner and DACL through that handle (GetSecurityInfo), then those
// of every folder above its final path (GetFinalPathNameByHandleW) and above the path as written,
// each through its own handle opened with FILE_FLAG_OPEN_REPARSE_POINT (a link is examined, not
// followed; reparse attribute from GetFileInformationByHandle, or GetFileAttributesW where Wine
// shows it only there). Converts them to the portable ObjectSecurity and applies the portable rule
// (platform/file_security.cpp), trusting also the account this process runs as. Names come from
// LookupAccountSidW.
#include <aclapi.h>
#include <sddl.h>

#include <algorithm>

#include "platform/text.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/security_info.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

// "DOMAIN\name" (or "name" when the domain is empty), or "" when the SID has no name.
std::string account_name(const std::string& sid_text) {
  PSID sid = nullptr;
  if (!::ConvertStringSidToSidW(widen(sid_text).c_str(), &sid)) return {};
  unique_local owned(sid);
  wchar_t name[256], domain[256];
  DWORD name_size = 256, domain_size = 256;
  SID_NAME_USE use;
  if (!::LookupAccountSidW(nullptr, sid, name, &name_size, domain, &domain_size, &use)) return {};
  return domain_size > 0 ? narrow(domain) + "\\" + narrow(name) : narrow(name);
}

// The final path of an open handle: VOLUME_NAME_DOS without "\\?\" ("C:\x"), or VOLUME_NAME_NT.
Result<std::string> final_path_of(HANDLE handle, DWORD volume_name, const std::string& path) {
  std::wstring buffer(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = ::GetFinalPathNameByHandleW(handle, buffer.data(), static_cast<DWORD>(buffer.size()),
                                                FILE_NAME_NORMALIZED | volume_name);
    if (n == 0) return last_error("GetFinalPathNameByHandleW", path);
    if (n < buffer.size()) {
      buffer.resize(n);
      break;
    }
    buffer.resize(n);
  }
  std::string resolved = narrow(buffer);
  if (resolved.rfind("\\\\?\\UNC\\", 0) == 0) return "\\\\" + resolved.substr(8);
  if (resolved.rfind("\\\\?\\", 0) == 0) return resolved.substr(4);
  return resolved;
}

Result<BY_HANDLE_FILE_INFORMATION> file_information(HANDLE handle, const std::string& path) {
  BY_HANDLE_FILE_INFORMATION info{};
  if (!::GetFileInformationByHandle(handle, &info)) return last_error("GetFileInformationByHandle", path);
  return info;
}

// A folder of the path as written or of the final path, opened without following a link there.
Result<ObjectSecurity> folder_security(const std::string& folder) {
  unique_file_handle handle(::CreateFileW(widen(folder).c_str(), READ_CONTROL | FILE_READ_ATTRIBUTES,
                                          FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                          FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
  if (!handle) return last_error("CreateFileW", folder);
  auto security = read_security(handle.get(), folder);
  if (!security) return security.error();
  auto info = file_information(handle.get(), folder);
  if (!info) return info.error();
  // Wine shows a link's reparse attribute to GetFileAttributesW only (file_security.hpp).
  const DWORD by_name = ::GetFileAttributesW(widen(folder).c_str());
  security->reparse_point = (info->dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0 ||
                            (by_name != INVALID_FILE_ATTRIBUTES && (by_name & FILE_ATTRIBUTE_REPARSE_POINT) != 0);
  return security;
}

class Win32HeldFile final : public HeldFile {
 public:
  Win32HeldFile(unique_file_handle handle, std::string path, std::string final_path, std::string identity,
                std::vector<UntrustedWriter> writers)
      : handle_(std::move(handle)), path_(std::move(path)), final_path_(std::move(final_path)),
        identity_(std::move(identity)), writers_(std::move(writers)) {}
  const std::string& path() const override { return path_; }
  const std::vector<UntrustedWriter>& untrusted_writers() const override { return writers_; }
  const std::string& final_path() const override { return final_path_; }
  const std::string& identity() const override { return identity_; }
  Result<std::uint64_t> size() override {
    LARGE_INTEGER size{};
    if (!::GetFileSizeEx(handle_.get(), &size)) return last_error("GetFileSizeEx", path_);
    return static_cast<std::uint64_t>(size.QuadPart);
  }
  Result<std::string> read(std::uint64_t limit) override {
    LARGE_INTEGER start{};
    if (!::SetFilePointerEx(handle_.get(), start, nullptr, FILE_BEGIN)) return last_error("SetFilePointerEx", path_);
    std::string text;
    char buffer[64 * 1024];
    while (text.size() < limit) {
      DWORD got = 0;
      const DWORD want = static_cast<DWORD>(std::min<std::uint64_t>(sizeof buffer, limit - text.size()));
      if (!::ReadFile(handle_.get(), buffer, want, &got, nullptr)) return last_error("ReadFile", path_);
      if (got == 0) break;
      text.append(buffer, got);
    }
    return text;
  }

 private:
  unique_file_handle handle_;
  std::string path_, final_path_, identity_;
  std::vector<UntrustedWriter> writers_;
};

class Win32FileSecurity final : public FileSecurity {
 protected:
  Result<std::unique_ptr<HeldFile>> open_held(const std::string& path, FileRole role) override {
    auto own = process_user_sid();
    if (!own) return own.error();
    const bool folder = role == FileRole::folder;
    // Held: nobody may write, rename or delete it (a folder: rename or delete it) while we hold it.
    unique_file_handle handle(::CreateFileW(widen(path).c_str(), folder ? READ_CONTROL | FILE_READ_ATTRIBUTES : GENERIC_READ | READ_CONTROL,
                                            folder ? FILE_SHARE_READ | FILE_SHARE_WRITE : FILE_SHARE_READ, nullptr,
                                            OPEN_EXISTING, folder ? FILE_FLAG_BACKUP_SEMANTICS : 0, nullptr));
    if (!handle) return last_error("CreateFileW", path);
    auto info = file_information(handle.get(), path);
    if (!info) return info.error();
    if (((info->dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) != folder) {
      return Error::win32(ERROR_BAD_PATHNAME, "CreateFileW", path, folder ? "not a folder" : "a folder, not a file");
    }
    auto final_path = final_path_of(handle.get(), VOLUME_NAME_DOS, path);
    if (!final_path) return final_path.error();
    auto identity = final_path_of(handle.get(), VOLUME_NAME_NT, path);
    if (!identity) return identity.error();
    std::vector<ObjectSecurity> chain;
    auto file = read_security(handle.get(), *final_path);
    if (!file) return file.error();
    chain.push_back(std::move(*file));
    std::vector<std::string> folders = windows_parent_folders(*final_path);
    for (const std::string& written : windows_parent_folders(path)) {
      if (std::none_of(folders.begin(), folders.end(), [&](const std::string& f) { return iequals(f, written); })) {
        folders.push_back(written);
      }
    }
    for (const std::string& f : folders) {
      auto security = folder_security(f);
      if (!security) return security.error();
      chain.push_back(std::move(*security));
    }
    auto writers = untrusted_writers_in(chain, role, {*own});
    if (!writers) return writers.error();
    for (UntrustedWriter& w : *writers) {
      if (std::string name = account_name(w.sid); !name.empty()) w.principal = std::move(name);
    }
    return std::unique_ptr<HeldFile>(std::make_unique<Win32HeldFile>(std::move(handle), path, std::move(*final_path),
                                                                     std::move(*identity), std::move(*writers)));
  }
};

}  // namespace

std::unique_ptr<FileSecurity> make_win32_file_security() { return std::make_unique<Win32FileSecurity>(); }

}  // namespace wsbkit::win32
