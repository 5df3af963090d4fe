// Where WSB and COM look in the registry, and wsbkit's fixed identifiers.
#pragma once

#include <array>
#include <string_view>

namespace wsbkit::layout {

// HKLM (64-bit view).
inline constexpr std::string_view application_support =
    "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\WindowsServerBackup\\Application Support";
inline constexpr std::string_view application_identifier_value = "Application Identifier";
inline constexpr std::string_view clsid_value = "CLSID";

// Machine-wide COM registration (what HKCR shows).
inline constexpr std::string_view classes = "SOFTWARE\\Classes";

// wsbkit's own records of what it wrote, so unregister removes exactly that (registrar.hpp).
inline constexpr std::string_view wsbkit_root = "SOFTWARE\\wsbkit";
inline constexpr std::string_view registrations = "SOFTWARE\\wsbkit\\Registrations";
inline constexpr std::string_view proxy_stub_record = "SOFTWARE\\wsbkit\\ProxyStub";

// The WSB interfaces (wsb-api section 3) and the proxy/stub that marshals them.
struct InterfaceInfo {
  std::string_view iid;
  std::string_view name;
  std::string_view method_count;  // NumMethods, IUnknown's three included
};
inline constexpr std::array<InterfaceInfo, 3> wsb_interfaces{{
    {"{1EFF3510-4A27-46AD-B9E0-08332F0F4F6D}", "IWsbApplicationBackupSupport", "4"},
    {"{8D3BDB38-4EE8-4718-85F9-C7DBC4AB77AA}", "IWsbApplicationRestoreSupport", "7"},
    {"{0843F6F7-895C-44A6-B0C2-05A5022AA3A1}", "IWsbApplicationAsync", "5"},
}};
// CLSID of wsbkit-ps.dll's proxy/stub factory (PROXY_CLSID_IS in src/ps).
inline constexpr std::string_view proxy_stub_clsid = "{9ACE1B7D-982F-4F54-9A2A-8A69A3559516}";
// Namespace of the name-based CLSIDs derived from writer ids.
inline constexpr std::string_view clsid_namespace = "{0743660F-F480-4680-A859-562D412C257C}";
// Default name of the service hosting an add-in (LocalService): this, then the CLSID's first
// eight hex digits.
inline constexpr std::string_view service_name_prefix = "wsbkit-addin-";

}  // namespace wsbkit::layout
