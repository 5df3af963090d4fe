// What wsbkit wrote, so that it removes exactly that. A record lives under wsbkit's own key
// (HKLM\SOFTWARE\wsbkit\...) and lists:
//   CreatedKeys    REG_MULTI_SZ  keys wsbkit created (outermost first), HKLM-relative
//   WrittenValues  REG_MULTI_SZ  values wsbkit wrote, as "key|value name"
//   \Prior         one value per value wsbkit overwrote, named "key|value name", holding the
//                  value as it was before (type and bytes), which removal puts back.
// Keys only ever enter the record from a transaction's create_key changes and values from its
// set_value changes, so a key or value that existed before wsbkit came is never removed; one it
// overwrote is restored.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/registration/registry_transaction.hpp"

namespace wsbkit {

struct OwnedValue {
  std::string key;
  std::string name;
  std::optional<RegistryValue> prior;  // what the value held before wsbkit first wrote it
};

struct OwnershipRecord {
  std::vector<std::string> created_keys;
  std::vector<OwnedValue> values;
  bool empty() const { return created_keys.empty() && values.empty(); }
  bool owns_key(const std::string& key) const;
  const OwnedValue* find_value(const std::string& key, const std::string& name) const;
};

// State wsbkit wants: keys (created in order) and values.
struct DesiredValue {
  std::string key;
  std::string name;
  RegistryValue value;
};
struct DesiredState {
  std::vector<std::string> keys;
  std::vector<DesiredValue> values;
  // Values that must not exist (e.g. CLSID of an application registered without add-in).
  std::vector<std::pair<std::string, std::string>> absent;
  const DesiredValue* find_value(const std::string& key, const std::string& name) const;
  bool has_key(const std::string& key) const;
  // Whether the value is one this state says something about (present or absent).
  bool covers(const std::string& key, const std::string& name) const;
};

// Adds to `record` what `more` owns and it does not (keys, and values with their priors).
void merge(OwnershipRecord& record, const OwnershipRecord& more);

// Reads the record at `record_key` (HKLM) through `reg`; missing parts are empty.
Result<OwnershipRecord> read_ownership(Registry& reg, const std::string& record_key);
// The record's values (CreatedKeys, WrittenValues) and its Prior subkey, made exactly so.
// `other_values` are the record's remaining values (the registration's inputs), written alongside.
Result<void> write_record(RegistryTransaction& tx, const std::string& record_key, const OwnershipRecord& record,
                          const std::vector<std::pair<std::string, RegistryValue>>& other_values);

// Makes `key` hold exactly `values` (creating it if needed; deleting it when `values` is empty
// and `delete_when_empty`).
Result<void> write_key_exactly(RegistryTransaction& tx, const std::string& key,
                               const std::vector<std::pair<std::string, RegistryValue>>& values, bool delete_when_empty);

// Creates the desired keys, deletes the values that must be absent, sets the desired values.
Result<void> apply_desired(RegistryTransaction& tx, const DesiredState& desired);

// Adds to `record` what the changes from index `from` on created, wrote or deleted at or below
// one of `roots` (containers above them are never owned). A value wsbkit deleted stays owned while
// it has a prior to put back.
void absorb(OwnershipRecord& record, const std::vector<Change>& changes, std::size_t from,
            const std::vector<std::string>& roots);

// Gives back what the record owns and `keep` does not want: restores overwritten values, deletes
// values wsbkit added, then deletes the keys it created once they are empty. A value already
// holding what it held before wsbkit (or gone, with nothing to put back) needs nothing: so a record
// that claims more than was written (an interrupted registration's intent) releases exactly what
// is there. A value whose data is none of what wsbkit wrote (`expected`: the last registration,
// and the one it replaced while that replacement is interrupted), or a key now holding entries
// wsbkit did not write, is left alone and named in `left_behind`. Released and left items leave
// the record.
Result<void> release(RegistryTransaction& tx, OwnershipRecord& record, const DesiredState& keep,
                     const std::vector<DesiredState>& expected, std::vector<std::string>& left_behind);

}  // namespace wsbkit
