// What the restore calls do when the policy has restore steps or ordering.
#pragma once

#include "platform/com/wsb_application.hpp"

namespace wsbkit {

class RestoreEngine {
 public:
  virtual ~RestoreEngine() = default;
  virtual Hresult pre_restore(const RestoreRequest& request) = 0;
  virtual Hresult post_restore(const RestoreRequest& request) = 0;
  virtual OrderResult order_components(const OrderRequest& request) = 0;
  virtual bool roll_forward_supported() const = 0;
};

}  // namespace wsbkit
