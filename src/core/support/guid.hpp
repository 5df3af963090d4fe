// GUIDs as the registry spells them: "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wsbkit {

class Guid {
 public:
  // Accepts every common spelling: with or without braces, any case, and the
  // 32-hex-digit form without dashes. nullopt for anything else.
  static std::optional<Guid> parse(std::string_view text);
  // A name-based (version 5, SHA-1) GUID: the same namespace and name always give the same GUID,
  // which is how an add-in's CLSID stays stable across re-registrations.
  static Guid derive(const Guid& name_space, std::string_view name);

  // Braced, upper case: the canonical registry spelling.
  std::string braced() const;
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }  // RFC 4122 byte order
  bool operator==(const Guid&) const = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace wsbkit
