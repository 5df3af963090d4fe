#include "mock/fake_environment.hpp"

#include "platform/memory/windows_names.hpp"

namespace wsbkit::mock {

FakeEnvironment::FakeEnvironment() {
  set("SystemRoot", "C:\\Windows");
  set("windir", "C:\\Windows");
  set("SystemDrive", "C:");
  set("ProgramFiles", "C:\\Program Files");
  set("ProgramData", "C:\\ProgramData");
}

Result<std::string> FakeEnvironment::expand(const std::string& text) {
  std::lock_guard lock(mutex_);
  ++calls_;
  if (failure_) return *failure_;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('%', i);
    const std::size_t close = open == std::string::npos ? std::string::npos : text.find('%', open + 1);
    if (close == std::string::npos) {  // no (further) complete reference: the rest stays
      out += text.substr(i);
      break;
    }
    out += text.substr(i, open - i);
    const auto it = close > open + 1 ? variables_.find(fold_name(text.substr(open + 1, close - open - 1))) : variables_.end();
    if (it != variables_.end()) {
      out += it->second;
      i = close + 1;
    } else {  // undefined: "%NAME%" stays as written
      out += text.substr(open, close + 1 - open);
      i = close + 1;
    }
  }
  return out;
}

void FakeEnvironment::set(const std::string& name, const std::string& value) {
  std::lock_guard lock(mutex_);
  variables_[fold_name(name)] = value;
}

void FakeEnvironment::unset(const std::string& name) {
  std::lock_guard lock(mutex_);
  variables_.erase(fold_name(name));
}

void FakeEnvironment::fail_with(std::optional<Error> error) {
  std::lock_guard lock(mutex_);
  failure_ = std::move(error);
}

std::size_t FakeEnvironment::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

}  // namespace wsbkit::mock
