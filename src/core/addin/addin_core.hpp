// The add-in's portable core: what every WSB call does, independent of COM. The COM adapters
// (platform/win32/com/) convert arguments and call this; the Linux tests and the native
// `wsbkit simulate` call it directly.
//
// It validates every argument, logs every call, and hands the work to the policy's engines:
// ConsistencyChecks for CheckConsistency, RestoreEngine for the restore calls. Without an engine
// a call gets the documented "nothing to do" answer.
#pragma once

#include "core/addin/call_log.hpp"
#include "core/consistency/consistency_checks.hpp"
#include "core/restore/restore_engine.hpp"
#include "platform/com/wsb_application.hpp"

namespace wsbkit {

class AddinCore : public WsbApplication {
 public:
  explicit AddinCore(CallLog& log, ConsistencyChecks* checks = nullptr, RestoreEngine* restore = nullptr)
      : log_(log), checks_(checks), restore_(restore) {}

  ConsistencyResult check_consistency(const ConsistencyRequest& request) override;
  Hresult pre_restore(const RestoreRequest& request) override;
  Hresult post_restore(const RestoreRequest& request) override;
  OrderResult order_components(const OrderRequest& request) override;
  Hresult is_roll_forward_supported(bool& supported) override;

 private:
  CallLog& log_;
  ConsistencyChecks* checks_;
  RestoreEngine* restore_;
};

}  // namespace wsbkit
