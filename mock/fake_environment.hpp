// An environment table expanded by Windows' rules (platform/environment.hpp): names compare as
// Windows compares them (case-insensitively), undefined references and lone '%' stay as written.
// By default it holds what a LocalSystem service sees for the variables writers use
// (SystemRoot=C:\Windows, SystemDrive=C:, ProgramFiles, ProgramData, windir); tests set others.
// Every call is counted; a failure can be injected.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "platform/environment.hpp"

namespace wsbkit::mock {

class FakeEnvironment final : public Environment {
 public:
  FakeEnvironment();
  Result<std::string> expand(const std::string& text) override;

  // --- test controls ---
  void set(const std::string& name, const std::string& value);
  void unset(const std::string& name);
  void fail_with(std::optional<Error> error);  // every expand() returns it while set
  std::size_t calls() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::u16string, std::string> variables_;  // folded name -> value
  std::optional<Error> failure_;
  std::size_t calls_ = 0;
};

}  // namespace wsbkit::mock
