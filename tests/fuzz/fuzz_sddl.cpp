// Fuzz target `sddl`: SDDL in, the self-relative binary form out and back (core/registration/
// security_descriptor), on any bytes. Byte 0 picks the side:
//  - even: the rest is SDDL text. When it parses: encoding then decoding gives the same
//    descriptor, and to_sddl's text parses back to the same descriptor.
//  - odd: the rest is a binary descriptor (what doctor and the journal key read from the registry
//    and the file system: hostile). When it decodes: its SDDL display either parses back to the same
//    descriptor (then encoding it decodes to it too) or is refused with a message; never a crash.
#include "core/registration/security_descriptor.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace wsbkit;
using wsbkit::fuzz::require;

namespace {

// The descriptor's own bits as SDDL can say them: DACL present and its flags, self-relative.
bool expressible_in_sddl(const SecurityDescriptor& sd) {
  constexpr std::uint16_t sddl_bits = sd_control::self_relative | sd_control::dacl_present | sd_control::dacl_protected |
                                      sd_control::dacl_auto_inherited | sd_control::dacl_auto_inherit_req;
  if ((sd.control & ~sddl_bits) != 0) return false;
  if (((sd.control & sd_control::dacl_present) != 0) != sd.dacl.has_value()) return false;
  if (!sd.dacl && (sd.control & ~sd_control::self_relative & sddl_bits) != 0) return false;
  return true;
}

void check_text(std::string_view text) {
  const auto sd = parse_sddl(text);
  if (!sd) {
    require(!sd.error().message().empty(), "refused SDDL says why");
    return;
  }
  const auto bytes = encode_self_relative(*sd);
  const auto via_text = sddl_to_self_relative(text);
  require(via_text && *via_text == bytes, "sddl_to_self_relative is parse then encode");
  const auto decoded = decode_self_relative(bytes);
  require(decoded && *decoded == *sd, "decode(encode(parse(t))) == parse(t)", std::string(text));
  const std::string shown = to_sddl(*sd);
  const auto reparsed = parse_sddl(shown);
  require(reparsed && *reparsed == *sd, "parse(to_sddl(parse(t))) == parse(t)",
          std::string(text) + " -> " + shown + (reparsed ? "" : " -> " + reparsed.error().message()));
}

void check_binary(const std::vector<std::uint8_t>& bytes) {
  const auto sd = decode_self_relative(bytes);
  if (!sd) {
    require(!sd.error().message().empty(), "a refused descriptor says why");
    return;
  }
  const std::string shown = to_sddl(*sd);
  const auto reparsed = parse_sddl(shown);
  if (!reparsed || !expressible_in_sddl(*sd)) return;  // beyond the subset wsbkit writes: shown, not re-encoded
  require(*reparsed == *sd, "an SDDL display that parses gives the decoded descriptor back", shown);
  const auto again = decode_self_relative(encode_self_relative(*reparsed));
  require(again && *again == *sd, "decode(encode(d)) == d for a decoded descriptor SDDL can express", shown);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  if (data[0] % 2 == 0) {
    check_text(fuzz::bytes_of(data + 1, size - 1));
  } else {
    check_binary(std::vector<std::uint8_t>(data + 1, data + size));
  }
  return 0;
}
