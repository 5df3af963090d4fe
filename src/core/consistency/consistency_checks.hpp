// What CheckConsistency does when the policy has checks: validates nothing itself (AddinCore has
// validated the arguments), starts the component's checks and returns S_OK with the async
// operation, or S_FALSE when no check applies to the component.
#pragma once

#include "platform/com/wsb_application.hpp"

namespace wsbkit {

class ConsistencyChecks {
 public:
  virtual ~ConsistencyChecks() = default;
  virtual ConsistencyResult start(const ConsistencyRequest& request) = 0;
};

}  // namespace wsbkit
