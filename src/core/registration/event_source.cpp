#include "core/registration/event_source.hpp"

#include "core/registration/ownership_record.hpp"

namespace wsbkit {
namespace {

constexpr auto hklm = RegistryRoot::local_machine;
constexpr std::string_view message_file_value = "MessageFile";  // the record's input: the module written

DesiredState source_desired(const std::string& message_file) {
  const std::string key(event_source_key);
  DesiredState d;
  d.keys.push_back(key);
  d.values.push_back({key, "EventMessageFile", reg_expand_sz(message_file)});
  d.values.push_back({key, "TypesSupported", reg_dword(7)});
  return d;
}

}  // namespace

Result<void> claim_event_source(RegistryTransaction& tx, const std::string& message_file) {
  Registry& reg = tx.view();
  const std::string key(event_source_key);
  const std::string record(event_source_record);
  auto ours = reg.key_exists(hklm, record);
  if (!ours) return ours.error();
  if (!*ours) {
    auto log = reg.key_exists(hklm, std::string(application_log_key));
    if (!log) return log.error();
    auto exists = reg.key_exists(hklm, key);
    if (!exists) return exists.error();
    if (!*log || *exists) return success();  // no event log here, or someone else's source
  }
  OwnershipRecord owned;
  if (*ours) {
    auto recorded = read_ownership(reg, record);
    if (!recorded) return recorded.error();
    owned = *recorded;
  }
  const std::vector<std::pair<std::string, RegistryValue>> inputs{{std::string(message_file_value), reg_sz(message_file)}};
  const DesiredState desired = source_desired(message_file);
  if (*ours) {
    // Written by an earlier registration: it stays as that one wrote it (a claim whose writing was
    // cut short is completed below).
    auto written = reg.get_value(hklm, key, "EventMessageFile");
    if (written) return success();
    if (!written.error().is_win32(win32_error::file_not_found)) return written.error();
  }
  // The claim first (the key and values about to be created, nothing to put back), so a command
  // killed before the record's final form leaves a record naming them.
  OwnershipRecord claim = owned;
  OwnershipRecord more;
  more.created_keys.push_back(key);
  for (const auto& v : desired.values) more.values.push_back({v.key, v.name, std::nullopt});
  merge(claim, more);
  if (auto r = write_record(tx, record, claim, inputs); !r) return r;
  const std::size_t from = tx.changes().size();
  if (auto r = apply_desired(tx, desired); !r) return r;
  absorb(owned, tx.changes(), from, {key});
  return write_record(tx, record, owned, inputs);
}

Result<void> release_event_source(RegistryTransaction& tx, std::vector<std::string>& left_behind) {
  Registry& reg = tx.view();
  const std::string record(event_source_record);
  auto exists = reg.key_exists(hklm, record);
  if (!exists) return exists.error();
  if (!*exists) return success();
  auto owned = read_ownership(reg, record);
  if (!owned) return owned.error();
  auto file = reg.get_value(hklm, record, std::string(message_file_value));
  std::string message_file;
  if (file) {
    auto text = decode_string(*file);
    if (!text) return text.error();
    message_file = *text;
  } else if (!file.error().is_win32(win32_error::file_not_found)) {
    return file.error();
  }
  if (auto r = release(tx, *owned, DesiredState{}, {source_desired(message_file)}, left_behind); !r) return r;
  return tx.delete_tree(hklm, record);
}

}  // namespace wsbkit
