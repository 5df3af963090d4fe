// The implementations under test for the volumes, environment and privileges contracts (what a
// writer metadata path goes through before it is mapped to a snapshot, and how snapshots are read). Each contract executable links its test
// source with one path_backends_*.cpp: path_backends_fake.cpp (mock/, every host) or
// win32/path_backends_win32.cpp (under Wine).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "platform/environment.hpp"
#include "platform/privileges.hpp"
#include "platform/volumes.hpp"

namespace wsbkit::contract {

struct VolumesBackend {
  std::string name;
  std::unique_ptr<Volumes> volumes;
  // The boot volume's root ("C:\"). The Win32 backend makes the current directory the system
  // directory, where COM and the SCM start the add-in.
  std::string boot_volume;
};
VolumesBackend make_volumes_backend();

struct EnvironmentBackend {
  std::string name;
  std::unique_ptr<Environment> environment;
  // Sets (or, with nullptr, removes) a variable of the environment the backend expands from.
  std::function<void(const std::string& name, const char* value)> set;
};
EnvironmentBackend make_environment_backend();

struct PrivilegesBackend {
  std::string name;
  std::unique_ptr<Privileges> privileges;
};
PrivilegesBackend make_privileges_backend();

}  // namespace wsbkit::contract
