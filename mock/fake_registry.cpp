#include "mock/fake_registry.hpp"

#include "mock/fake_error.hpp"

namespace wsbkit::mock {
namespace {

std::string display(const RegistryCall& call) {
  const bool value = call.operation == RegistryOperation::get_value || call.operation == RegistryOperation::set_value ||
                     call.operation == RegistryOperation::delete_value;
  return value ? value_display(call.root, call.path, call.value_name) : key_display(call.root, call.path);
}

}  // namespace

FaultInjector<RegistryCall>::Predicate writes_under(RegistryRoot root, std::string path) {
  // HKCR is HKLM\SOFTWARE\Classes; a predicate on one root does not try to map the other.
  return [root, path = std::move(path)](const RegistryCall& call) {
    return call.is_write() && call.root == root && registry_path_is_at_or_below(call.path, path);
  };
}

std::optional<Error> FakeRegistry::before_call(const RegistryCall& call, const char* api) {
  std::lock_guard lock(mutex_);
  const auto code = faults_.on_call(call);
  if (!code) return std::nullopt;
  Error e = fake_error(*code, api, display(call));
  return Error::win32(e.win32_code(), e.api(), e.object(),
                      e.system_message().empty() ? "injected failure" : e.system_message() + " (injected)");
}

bool FakeRegistry::write_denied(RegistryRoot root) const {
  std::lock_guard lock(mutex_);
  return !elevated_ && (root == RegistryRoot::local_machine || root == RegistryRoot::classes_root);
}

void FakeRegistry::fail_at_call(std::uint64_t call_number, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  faults_.fail_at_call(call_number, win32_code);
}

void FakeRegistry::fail_when(FaultInjector<RegistryCall>::Predicate predicate, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  faults_.fail_when(std::move(predicate), win32_code);
}

void FakeRegistry::clear_faults() {
  std::lock_guard lock(mutex_);
  faults_.clear_faults();
}

std::uint64_t FakeRegistry::call_count() const {
  std::lock_guard lock(mutex_);
  return faults_.call_count();
}

std::vector<RegistryCall> FakeRegistry::calls() const {
  std::lock_guard lock(mutex_);
  return faults_.calls();
}

void FakeRegistry::set_elevated(bool elevated) {
  std::lock_guard lock(mutex_);
  elevated_ = elevated;
}

}  // namespace wsbkit::mock
