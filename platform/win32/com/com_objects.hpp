// The add-in's COM object, for the server (local_server.cpp) and for tests that call its methods
// directly, in process, with arguments no proxy would let through (NULL out pointers, counts past
// the IDL's range, a core that throws).
#pragma once

#include <memory>

#include "platform/com_server_lifetime.hpp"
#include "platform/win32/windows.hpp"
#include "platform/wsb_application.hpp"

namespace wsbkit::win32 {

// A new add-in object (IWsbApplicationBackupSupport + IWsbApplicationRestoreSupport) holding one
// reference, which the caller releases. It holds `lifetime` while alive.
IUnknown* create_addin_object(ServerLifetime& lifetime, std::shared_ptr<WsbApplication> application);

}  // namespace wsbkit::win32
