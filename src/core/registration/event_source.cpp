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

// The module the record says was written ("" when it says nothing).
Result<std::string> recorded_message_file(Registry& reg, const std::string& record) {
  auto file = reg.get_value(hklm, record, std::string(message_file_value));
  if (!file) {
    if (file.error().is_win32(win32_error::file_not_found)) return std::string();
    return file.error();
  }
  return decode_string(*file);
}

// Whether every value of `desired` is there (whatever it holds now).
Result<bool> all_present(Registry& reg, const DesiredState& desired) {
  for (const auto& v : desired.values) {
    auto now = reg.get_value(hklm, v.key, v.name);
    if (now) continue;
    if (now.error().is_win32(win32_error::file_not_found)) return false;
    return now.error();
  }
  return true;
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
  std::string file = message_file;
  if (*ours) {
    // Written by an earlier registration: it stays as that one wrote it; a claim whose writing was
    // cut short is completed with the module it names.
    auto recorded = read_ownership(reg, record);
    if (!recorded) return recorded.error();
    owned = *recorded;
    auto named = recorded_message_file(reg, record);
    if (!named) return named.error();
    if (!named->empty()) file = *named;
    auto complete = all_present(reg, source_desired(file));
    if (!complete) return complete.error();
    if (*complete) return success();
  }
  const std::vector<std::pair<std::string, RegistryValue>> inputs{{std::string(message_file_value), reg_sz(file)}};
  const DesiredState desired = source_desired(file);
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
  auto message_file = recorded_message_file(reg, record);
  if (!message_file) return message_file.error();
  if (auto r = release(tx, *owned, DesiredState{}, {source_desired(*message_file)}, left_behind); !r) return r;
  return tx.delete_tree(hklm, record);
}

}  // namespace wsbkit
