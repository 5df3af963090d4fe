#include "core/registration/security_descriptor.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

namespace wsbkit {
namespace {

struct Named {
  std::string_view name;
  std::uint32_t value;
};

constexpr std::array<std::pair<std::string_view, std::string_view>, 11> sid_aliases{{
    {"SY", "S-1-5-18"},      // Local System
    {"BA", "S-1-5-32-544"},  // Administrators
    {"BO", "S-1-5-32-551"},  // Backup Operators
    {"BU", "S-1-5-32-545"},  // Users
    {"WD", "S-1-1-0"},       // Everyone
    {"AU", "S-1-5-11"},      // Authenticated Users
    {"LS", "S-1-5-19"},      // Local Service
    {"NS", "S-1-5-20"},      // Network Service
    {"IU", "S-1-5-4"},       // Interactive
    {"AN", "S-1-5-7"},       // Anonymous
    {"BG", "S-1-5-32-546"},  // Guests
}};

constexpr std::array<Named, 25> right_names{{
    {"GA", 0x10000000}, {"GR", 0x80000000}, {"GW", 0x40000000}, {"GX", 0x20000000},
    {"RC", 0x00020000}, {"SD", 0x00010000}, {"WD", 0x00040000}, {"WO", 0x00080000},
    {"RP", 0x10},       {"WP", 0x20},       {"CC", 0x1},        {"DC", 0x2},
    {"LC", 0x4},        {"SW", 0x8},        {"LO", 0x80},       {"DT", 0x40},
    {"CR", 0x100},      {"FA", 0x1F01FF},   {"FR", 0x120089},   {"FW", 0x120116},
    {"FX", 0x1200A0},   {"KA", 0xF003F},    {"KR", 0x20019},    {"KW", 0x20006},
    {"KX", 0x20019},
}};

constexpr std::array<Named, 7> ace_flag_names{{
    {"OI", 0x01}, {"CI", 0x02}, {"NP", 0x04}, {"IO", 0x08}, {"ID", 0x10}, {"SA", 0x40}, {"FA", 0x80},
}};

constexpr std::array<Named, 3> dacl_flag_names{{
    {"P", sd_control::dacl_protected}, {"AI", sd_control::dacl_auto_inherited}, {"AR", sd_control::dacl_auto_inherit_req},
}};

Error sddl_error(const std::string& rule) { return Error::hresult(hr::e_invalidarg, "sddl", {}, rule); }
Error malformed(const std::string& what) { return Error::win32(win32_error::invalid_data, "decode_security_descriptor", {}, what); }

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void set32(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint16_t get16(const std::vector<std::uint8_t>& in, std::size_t at) {
  return static_cast<std::uint16_t>(in[at] | (in[at + 1] << 8));
}
std::uint32_t get32(const std::vector<std::uint8_t>& in, std::size_t at) {
  return static_cast<std::uint32_t>(in[at]) | (static_cast<std::uint32_t>(in[at + 1]) << 8) |
         (static_cast<std::uint32_t>(in[at + 2]) << 16) | (static_cast<std::uint32_t>(in[at + 3]) << 24);
}

std::string hex32(std::uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%X", v);
  return text;
}

// Parses a decimal (or, with 0x, hexadecimal) number of at most `max`.
std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t max) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else return std::nullopt;
    if (value > (max - static_cast<std::uint64_t>(digit)) / static_cast<std::uint64_t>(base)) return std::nullopt;
    value = value * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(digit);
  }
  return value;
}

// The canonical "S-1-..." spelling of a literal or alias; nullopt if neither.
std::optional<std::string> resolve_sid(std::string_view text) {
  for (const auto& [alias, sid] : sid_aliases) {
    if (text == alias) return std::string(sid);
  }
  if (auto bytes = sid_to_bytes(text); bytes) {
    // Canonical decimal spelling, so "S-1-0x5-18" compares equal to "S-1-5-18".
    const auto& b = *bytes;
    std::uint64_t authority = 0;
    for (int i = 2; i < 8; ++i) authority = (authority << 8) | b[static_cast<std::size_t>(i)];
    std::string sid = "S-1-" + std::to_string(authority);
    for (std::size_t i = 0; i < b[1]; ++i) sid += "-" + std::to_string(get32(b, 8 + 4 * i));
    return sid;
  }
  return std::nullopt;
}

std::string display_sid(const std::string& sid) {
  for (const auto& [alias, s] : sid_aliases) {
    if (sid == s) return std::string(alias);
  }
  return sid;
}

class SddlParser {
 public:
  explicit SddlParser(std::string_view text) : text_(text) {}

  Result<SecurityDescriptor> parse() {
    SecurityDescriptor sd;
    bool seen_owner = false, seen_group = false;
    if (text_.empty()) return sddl_error("is empty (expected e.g. " + std::string(default_com_permission_sddl) + ")");
    while (pos_ < text_.size()) {
      const std::size_t start = pos_;
      if (pos_ + 1 >= text_.size() || text_[pos_ + 1] != ':') {
        return sddl_error("expected a component O:, G: or D: at position " + std::to_string(start + 1));
      }
      const char tag = text_[pos_];
      pos_ += 2;
      if (tag == 'O' || tag == 'G') {
        if ((tag == 'O' && seen_owner) || (tag == 'G' && seen_group)) {
          return sddl_error(std::string("has a second ") + tag + ": component at position " + std::to_string(start + 1));
        }
        auto sid = component_sid();
        if (!sid) return sid.error();
        (tag == 'O' ? sd.owner : sd.group) = *sid;
        (tag == 'O' ? seen_owner : seen_group) = true;
      } else if (tag == 'D') {
        if (sd.dacl) return sddl_error("has a second D: component at position " + std::to_string(start + 1));
        auto r = dacl(sd);
        if (!r) return r.error();
      } else if (tag == 'S') {
        return sddl_error("has a SACL (S: at position " + std::to_string(start + 1) +
                          "); COM permissions take owner, group and DACL only");
      } else {
        return sddl_error(std::string("has an unknown component '") + tag + ":' at position " + std::to_string(start + 1));
      }
    }
    return sd;
  }

 private:
  // The SID after O: or G: runs to the next component tag.
  Result<std::string> component_sid() {
    const std::size_t start = pos_;
    std::size_t end = start;
    if (text_.substr(start, 2) == "S-") {
      end = start + 2;
      while (end < text_.size() && (std::isxdigit(static_cast<unsigned char>(text_[end])) || text_[end] == '-' ||
                                    text_[end] == 'x' || text_[end] == 'X')) {
        // A hex letter directly followed by ':' is the next component's tag (e.g. "D:").
        if (end + 1 < text_.size() && text_[end + 1] == ':') break;
        ++end;
      }
    } else {
      end = std::min(text_.size(), start + 2);
    }
    pos_ = end;
    return sid_at(text_.substr(start, end - start), start);
  }

  Result<std::string> sid_at(std::string_view token, std::size_t where) {
    if (auto sid = resolve_sid(token)) return *sid;
    return sddl_error("has an unknown or malformed SID '" + std::string(token) + "' at position " +
                      std::to_string(where + 1) + " (use SY, BA, BO, BU, WD, AU, LS, NS, IU, AN, BG or S-1-...)");
  }

  Result<void> dacl(SecurityDescriptor& sd) {
    sd.control |= sd_control::dacl_present;
    sd.dacl.emplace();
    // Flags before the first ACE.
    while (pos_ < text_.size() && text_[pos_] != '(' && !(pos_ + 1 < text_.size() && text_[pos_ + 1] == ':')) {
      bool matched = false;
      for (const auto& flag : dacl_flag_names) {
        if (text_.substr(pos_, flag.name.size()) == flag.name) {
          sd.control = static_cast<std::uint16_t>(sd.control | flag.value);
          pos_ += flag.name.size();
          matched = true;
          break;
        }
      }
      if (!matched) {
        return sddl_error("has an unknown DACL flag at position " + std::to_string(pos_ + 1) + " (P, AI or AR)");
      }
    }
    while (pos_ < text_.size() && text_[pos_] == '(') {
      const std::size_t open = pos_;
      const std::size_t close = text_.find(')', open);
      if (close == std::string_view::npos) return sddl_error("has an ACE without ')' at position " + std::to_string(open + 1));
      auto ace = parse_ace(text_.substr(open + 1, close - open - 1), open + 1);
      if (!ace) return ace.error();
      sd.dacl->push_back(*ace);
      pos_ = close + 1;
    }
    return success();
  }

  Result<AccessControlEntry> parse_ace(std::string_view body, std::size_t base) {
    std::vector<std::string_view> fields;
    std::vector<std::size_t> starts;
    std::size_t from = 0;
    for (;;) {
      const std::size_t semi = body.find(';', from);
      starts.push_back(base + from);
      fields.push_back(body.substr(from, semi == std::string_view::npos ? std::string_view::npos : semi - from));
      if (semi == std::string_view::npos) break;
      from = semi + 1;
    }
    const auto at = [&](std::size_t i) { return " at position " + std::to_string(starts[i] + 1); };
    if (fields.size() != 6) {
      return sddl_error("has an ACE with " + std::to_string(fields.size()) + " fields" + at(0) +
                        " (expected type;flags;rights;;;sid)");
    }
    AccessControlEntry ace;
    if (fields[0] == "A") ace.type = 0;
    else if (fields[0] == "D") ace.type = 1;
    else return sddl_error("has an unsupported ACE type '" + std::string(fields[0]) + "'" + at(0) + " (A or D)");
    for (std::string_view f = fields[1]; !f.empty();) {
      const auto it = std::find_if(ace_flag_names.begin(), ace_flag_names.end(),
                                   [&](const Named& n) { return f.substr(0, 2) == n.name; });
      if (it == ace_flag_names.end()) return sddl_error("has an unknown ACE flag '" + std::string(f.substr(0, 2)) + "'" + at(1));
      ace.flags = static_cast<std::uint8_t>(ace.flags | it->value);
      f.remove_prefix(2);
    }
    std::string_view rights = fields[2];
    if (rights.size() > 2 && rights[0] == '0' && (rights[1] == 'x' || rights[1] == 'X')) {
      auto mask = parse_number(rights, 0xFFFFFFFFu);
      if (!mask) return sddl_error("has malformed rights '" + std::string(rights) + "'" + at(2));
      ace.mask = static_cast<std::uint32_t>(*mask);
    } else {
      if (rights.empty()) return sddl_error("has an ACE without rights" + at(2));
      for (std::string_view r = rights; !r.empty();) {
        const auto it = std::find_if(right_names.begin(), right_names.end(),
                                     [&](const Named& n) { return r.substr(0, 2) == n.name; });
        if (it == right_names.end()) {
          return sddl_error("has unknown rights '" + std::string(r.substr(0, 2)) + "'" + at(2) + " (0xHEX or names such as CC, DC, LC)");
        }
        ace.mask |= it->value;
        r.remove_prefix(2);
      }
    }
    if (!fields[3].empty() || !fields[4].empty()) return sddl_error("has an object ACE (GUID fields)" + at(3) + "; not supported");
    auto sid = sid_at(fields[5], starts[5]);
    if (!sid) return sid.error();
    ace.sid = *sid;
    return ace;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

Result<std::string> read_sid(const std::vector<std::uint8_t>& in, std::size_t at) {
  if (at + 8 > in.size()) return malformed("SID at offset " + std::to_string(at) + " runs past the end");
  const std::size_t count = in[at + 1];
  if (in[at] != 1 || count > 15 || at + 8 + 4 * count > in.size()) {
    return malformed("SID at offset " + std::to_string(at) + " is malformed");
  }
  std::uint64_t authority = 0;
  for (std::size_t i = 2; i < 8; ++i) authority = (authority << 8) | in[at + i];
  std::string sid = "S-1-" + std::to_string(authority);
  for (std::size_t i = 0; i < count; ++i) sid += "-" + std::to_string(get32(in, at + 8 + 4 * i));
  return sid;
}

}  // namespace

Result<std::vector<std::uint8_t>> sid_to_bytes(std::string_view sid) {
  if (sid.substr(0, 4) != "S-1-") return sddl_error("'" + std::string(sid) + "' is not a SID");
  std::vector<std::string_view> parts;
  std::string_view rest = sid.substr(4);
  for (;;) {
    const auto dash = rest.find('-');
    parts.push_back(rest.substr(0, dash));
    if (dash == std::string_view::npos) break;
    rest.remove_prefix(dash + 1);
  }
  if (parts.size() < 2 || parts.size() > 16) return sddl_error("'" + std::string(sid) + "' needs 1 to 15 sub-authorities");
  auto authority = parse_number(parts[0], 0xFFFFFFFFFFFFull);
  if (!authority) return sddl_error("'" + std::string(sid) + "' has a malformed authority");
  std::vector<std::uint8_t> out{1, static_cast<std::uint8_t>(parts.size() - 1)};
  for (int shift = 40; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(*authority >> shift));
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].substr(0, 2) == "0x" || parts[i].substr(0, 2) == "0X") {
      return sddl_error("'" + std::string(sid) + "' has a malformed sub-authority");
    }
    auto rid = parse_number(parts[i], 0xFFFFFFFFu);
    if (!rid) return sddl_error("'" + std::string(sid) + "' has a malformed sub-authority");
    put32(out, static_cast<std::uint32_t>(*rid));
  }
  return out;
}

Result<SecurityDescriptor> parse_sddl(std::string_view sddl) { return SddlParser(sddl).parse(); }

std::vector<std::uint8_t> encode_self_relative(const SecurityDescriptor& sd) {
  std::vector<std::uint8_t> out{1, 0};
  put16(out, static_cast<std::uint16_t>(sd.control | sd_control::self_relative));
  put32(out, 0);  // owner
  put32(out, 0);  // group
  put32(out, 0);  // SACL
  put32(out, 0);  // DACL
  if (sd.dacl) {
    set32(out, 16, static_cast<std::uint32_t>(out.size()));
    std::vector<std::uint8_t> aces;
    for (const auto& ace : *sd.dacl) {
      const auto sid = sid_to_bytes(ace.sid).value();  // parse_sddl only produces valid SIDs
      aces.push_back(ace.type);
      aces.push_back(ace.flags);
      put16(aces, static_cast<std::uint16_t>(8 + sid.size()));
      put32(aces, ace.mask);
      aces.insert(aces.end(), sid.begin(), sid.end());
    }
    out.push_back(2);  // ACL_REVISION
    out.push_back(0);
    put16(out, static_cast<std::uint16_t>(8 + aces.size()));
    put16(out, static_cast<std::uint16_t>(sd.dacl->size()));
    put16(out, 0);
    out.insert(out.end(), aces.begin(), aces.end());
  }
  if (sd.owner) {
    set32(out, 4, static_cast<std::uint32_t>(out.size()));
    const auto sid = sid_to_bytes(*sd.owner).value();
    out.insert(out.end(), sid.begin(), sid.end());
  }
  if (sd.group) {
    set32(out, 8, static_cast<std::uint32_t>(out.size()));
    const auto sid = sid_to_bytes(*sd.group).value();
    out.insert(out.end(), sid.begin(), sid.end());
  }
  return out;
}

Result<std::vector<std::uint8_t>> sddl_to_self_relative(std::string_view sddl) {
  auto sd = parse_sddl(sddl);
  if (!sd) return sd.error();
  return encode_self_relative(*sd);
}

Result<SecurityDescriptor> decode_self_relative(const std::vector<std::uint8_t>& in) {
  if (in.size() < 20) return malformed("shorter than the 20-byte header (" + std::to_string(in.size()) + " bytes)");
  if (in[0] != 1) return malformed("revision " + std::to_string(in[0]) + ", expected 1");
  SecurityDescriptor sd;
  sd.control = get16(in, 2);
  if (!(sd.control & sd_control::self_relative)) return malformed("not self-relative (control " + hex32(sd.control) + ")");
  // Offsets as size_t: `dacl + 8` in 32 bits wraps for an offset near 4 GiB and passes the bounds checks.
  const std::size_t owner = get32(in, 4), group = get32(in, 8), dacl = get32(in, 16);
  if (owner) {
    auto sid = read_sid(in, owner);
    if (!sid) return sid.error();
    sd.owner = *sid;
  }
  if (group) {
    auto sid = read_sid(in, group);
    if (!sid) return sid.error();
    sd.group = *sid;
  }
  if ((sd.control & sd_control::dacl_present) && dacl) {
    if (dacl + 8 > in.size()) return malformed("DACL header runs past the end");
    const std::size_t size = get16(in, dacl + 2), count = get16(in, dacl + 4);
    if (dacl + size > in.size()) return malformed("DACL runs past the end");
    sd.dacl.emplace();
    std::size_t at = dacl + 8;
    for (std::size_t i = 0; i < count; ++i) {
      if (at + 8 > dacl + size) return malformed("ACE " + std::to_string(i + 1) + " runs past the DACL");
      AccessControlEntry ace;
      ace.type = in[at];
      ace.flags = in[at + 1];
      const std::size_t ace_size = get16(in, at + 2);
      if (ace_size < 8 || at + ace_size > dacl + size) return malformed("ACE " + std::to_string(i + 1) + " has a bad size");
      ace.mask = get32(in, at + 4);
      if (ace.type <= 1) {
        auto sid = read_sid(in, at + 8);
        if (!sid) return sid.error();
        ace.sid = *sid;
      }
      sd.dacl->push_back(ace);
      at += ace_size;
    }
  }
  return sd;
}

std::string to_sddl(const SecurityDescriptor& sd) {
  std::string text;
  if (sd.owner) text += "O:" + display_sid(*sd.owner);
  if (sd.group) text += "G:" + display_sid(*sd.group);
  if (sd.dacl) {
    text += "D:";
    for (const auto& flag : dacl_flag_names) {
      if (sd.control & flag.value) text += flag.name;
    }
    for (const auto& ace : *sd.dacl) {
      std::string flags;
      std::uint32_t unnamed = ace.flags;
      for (const auto& f : ace_flag_names) {
        if (ace.flags & f.value) flags += f.name;
        unnamed &= ~f.value;
      }
      if (unnamed != 0) flags += hex32(unnamed);  // shown, never dropped (SDDL has no name for it)
      const std::string type = ace.type == 0 ? "A" : ace.type == 1 ? "D" : "type" + std::to_string(ace.type);
      text += "(" + type + ";" + flags + ";" + hex32(ace.mask) + ";;;" + display_sid(ace.sid) + ")";
    }
  }
  return text;
}

bool is_broad_principal(std::string_view sid) {
  for (const std::string_view broad : {"S-1-1-0", "S-1-5-32-545", "S-1-5-11", "S-1-5-4", "S-1-5-7", "S-1-5-32-546"}) {
    if (sid == broad) return true;
  }
  return false;
}

}  // namespace wsbkit
