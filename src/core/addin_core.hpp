// The add-in's portable core: what every WSB call does, independent of COM. The COM adapters
// (platform/win32/com/) convert arguments and call this; the Linux tests and the native
// `wsbkit simulate` call it directly.
//
// Now: argument validation and the documented "nothing to do" answers, each call logged.
// The policy (restore steps, ordering, consistency checks) plugs in here.
#pragma once

#include "core/call_log.hpp"
#include "platform/wsb_application.hpp"

namespace wsbkit {

class AddinCore : public WsbApplication {
 public:
  explicit AddinCore(CallLog& log) : log_(log) {}

  ConsistencyResult check_consistency(const ConsistencyRequest& request) override;
  Hresult pre_restore(const RestoreRequest& request) override;
  Hresult post_restore(const RestoreRequest& request) override;
  OrderResult order_components(const OrderRequest& request) override;
  Hresult is_roll_forward_supported(bool& supported) override;

 private:
  CallLog& log_;
};

}  // namespace wsbkit
