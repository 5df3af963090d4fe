// The implementations under test for the ProcessControl contract: process_control_backend_fake.cpp
// (mock/, every host) or win32/process_control_backend_win32.cpp (under Wine: real processes of the
// process helper, whose path comes after "--").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "platform/process_control.hpp"

namespace wsbkit::contract {

struct ProcessControlBackend {
  std::string name;
  std::unique_ptr<ProcessControl> control;
  std::function<std::uint32_t()> spawn;             // a process that would live a minute; its id
  std::string spawned_image_name;                   // the file name of that process's executable
  std::function<bool(std::uint32_t id)> alive;      // whether it still runs
};
ProcessControlBackend make_process_control_backend(int argc, char** argv);

}  // namespace wsbkit::contract
