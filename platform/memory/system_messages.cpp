#include "platform/memory/system_messages.hpp"

namespace wsbkit {

std::string english_system_message(std::uint32_t code) {
  switch (code) {
    case 2: return "The system cannot find the file specified.";
    case 3: return "The system cannot find the path specified.";
    case 5: return "Access is denied.";
    case 13: return "The data is invalid.";
    case 80: return "The file exists.";
    case 87: return "The parameter is incorrect.";
    case 145: return "The directory is not empty.";
    case 161: return "The specified path is invalid.";
    case 183: return "Cannot create a file when that file already exists.";
    case 1051: return "A stop control has been sent to a service that other running services are dependent on.";
    case 1056: return "An instance of the service is already running.";
    case 1058: return "The service cannot be started, either because it is disabled or because it has no enabled devices associated with it.";
    case 1060: return "The specified service does not exist as an installed service.";
    case 1062: return "The service has not been started.";
    case 1068: return "The dependency service or group failed to start.";
    case 1072: return "The specified service has been marked for deletion.";
    case 1073: return "The specified service already exists.";
    case 1460: return "This operation returned because the timeout period expired.";
    default: return {};
  }
}

Error memory_error(std::uint32_t code, std::string api, std::string object) {
  return Error::win32(code, std::move(api), std::move(object), english_system_message(code));
}

}  // namespace wsbkit
