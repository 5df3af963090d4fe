// Win32-only test helper: the facility backends of the contracts for the real Win32
// implementations (under Wine in CI), with what the tests need beside them: a Winsock loopback
// listener, and files whose owner and DACL are set through SetNamedSecurityInfoW.
#include "platform/win32/windows.hpp"

#include <aclapi.h>
#include <sddl.h>
#include <winsock2.h>
#include <ws2tcpip.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "platform/win32/backends.hpp"
#include "tests/contract/facility_backends.hpp"

namespace wsbkit::contract {
namespace {

using win32::widen;

// meson gives host (Unix) paths, which Wine's Z: drive maps; a path with a drive letter is kept.
std::string windows_path(std::string path) {
  if (!path.empty() && path.front() == '/') path = "Z:" + path;
  std::replace(path.begin(), path.end(), '/', '\\');
  return path;
}

std::string temp_directory() {
  std::string temp = std::filesystem::temp_directory_path().string();
  while (temp.size() > 3 && (temp.back() == '\\' || temp.back() == '/')) temp.pop_back();
  return temp;
}

class WinsockListener final : public Listener {
 public:
  WinsockListener() {
    WSADATA data;
    if (::WSAStartup(MAKEWORD(2, 2), &data) != 0) throw std::runtime_error("WSAStartup failed");
    socket_ = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;  // any free port
    int size = sizeof address;
    if (socket_ == INVALID_SOCKET || ::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(socket_, 16) != 0 || ::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      if (socket_ != INVALID_SOCKET) ::closesocket(socket_);
      ::WSACleanup();
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
  }
  ~WinsockListener() override {
    ::closesocket(socket_);
    ::WSACleanup();
  }
  std::uint16_t port() const override { return port_; }

 private:
  SOCKET socket_ = INVALID_SOCKET;
  std::uint16_t port_ = 0;
};

struct local_memory {
  using type = HLOCAL;
  static type invalid() noexcept { return nullptr; }
  static void close(type h) noexcept { ::LocalFree(h); }
};
using unique_local = win32::unique_any<local_memory>;

unique_local sid_from(const std::string& text) {
  PSID sid = nullptr;
  if (!::ConvertStringSidToSidW(widen(text).c_str(), &sid)) return unique_local();
  return unique_local(sid);
}

// Owner + DACL (protected: nothing inherited) through SetNamedSecurityInfoW.
bool set_security(const std::string& path, const TestSecurity& security) {
  unique_local owner = sid_from(security.owner_sid);
  if (!owner) return false;
  std::vector<unique_local> sids;
  std::vector<std::uint8_t> acl_buffer;
  PACL acl = nullptr;
  if (security.dacl) {
    DWORD size = sizeof(ACL);
    for (const FileAce& ace : *security.dacl) {
      sids.push_back(sid_from(ace.sid));
      if (!sids.back()) return false;
      size += sizeof(ACCESS_ALLOWED_ACE) + ::GetLengthSid(sids.back().get());
    }
    acl_buffer.resize(size);
    acl = reinterpret_cast<PACL>(acl_buffer.data());
    if (!::InitializeAcl(acl, size, ACL_REVISION)) return false;
    for (std::size_t i = 0; i < security.dacl->size(); ++i) {
      const FileAce& ace = (*security.dacl)[i];
      const BOOL added = ace.type == ace_type_denied
                             ? ::AddAccessDeniedAceEx(acl, ACL_REVISION, ace.flags, ace.mask, sids[i].get())
                             : ::AddAccessAllowedAceEx(acl, ACL_REVISION, ace.flags, ace.mask, sids[i].get());
      if (!added) return false;
    }
  }
  std::wstring wide = widen(path);
  const DWORD code = ::SetNamedSecurityInfoW(
      wide.data(), SE_FILE_OBJECT,
      OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, owner.get(),
      nullptr, acl, nullptr);
  return code == ERROR_SUCCESS;
}

std::string own_sid() {
  HANDLE raw = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw)) return {};
  win32::unique_handle token(raw);
  std::vector<std::uint8_t> buffer(256);
  DWORD needed = 0;
  if (!::GetTokenInformation(token.get(), TokenUser, buffer.data(), static_cast<DWORD>(buffer.size()), &needed)) return {};
  wchar_t* text = nullptr;
  if (!::ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid, &text)) return {};
  unique_local owned(text);
  return win32::narrow(text);
}

}  // namespace

ProcessRunnerBackend make_process_runner_backend(int argc, char** argv) {
  return {"win32", win32::make_win32_process_runner(),
          windows_path(argc > 1 ? argv[1] : "wsbkit-process-helper.exe"), temp_directory()};
}

NetworkBackend make_network_backend() {
  return {"win32", win32::make_win32_network(),
          [] { return std::unique_ptr<Listener>(std::make_unique<WinsockListener>()); }};
}

FileSecurityBackend make_file_security_backend() {
  FileSecurityBackend backend;
  backend.name = "win32";
  backend.security = win32::make_win32_file_security();
  backend.root = temp_directory() + "\\wsbkit-file-security-" + std::to_string(std::random_device()());
  backend.own_sid = own_sid();
  backend.create = [](const std::string& path, bool folder) {
    if (folder) return ::CreateDirectoryW(widen(path).c_str(), nullptr) != 0;
    win32::unique_file_handle file(
        ::CreateFileW(widen(path).c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr));
    return static_cast<bool>(file);
  };
  backend.set = set_security;
  backend.remove = [](const std::string& path) {
    if (!::DeleteFileW(widen(path).c_str())) ::RemoveDirectoryW(widen(path).c_str());
  };
  backend.write = [](const std::string& path, const std::string& bytes) {
    win32::unique_file_handle file(
        ::CreateFileW(widen(path).c_str(), GENERIC_WRITE, 0, nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr));
    DWORD wrote = 0;
    return file && ::WriteFile(file.get(), bytes.data(), static_cast<DWORD>(bytes.size()), &wrote, nullptr) &&
           wrote == bytes.size();
  };
  backend.rename = [](const std::string& from, const std::string& to) {
    return ::MoveFileW(widen(from).c_str(), widen(to).c_str()) != 0;
  };
  backend.create(backend.root, true);
  return backend;
}

}  // namespace wsbkit::contract
