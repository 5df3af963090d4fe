// The three WSB add-in interfaces (IWsbApplicationBackupSupport, IWsbApplicationRestoreSupport,
// IWsbApplicationAsync) in portable types. The COM runtime facility translates between these and
// the COM ABI in both directions: the add-in's class objects forward each COM call to a
// WsbApplication (the core), and an activated out-of-process add-in is seen by the simulator as a
// WsbApplication. Every `unique` pointer of the IDL is a std::optional here, so "NULL" and
// "empty" stay distinct on every path.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/error.hpp"

namespace wsbkit {

using OptionalString = std::optional<std::string>;
using StringArray = std::vector<OptionalString>;

inline constexpr std::uint32_t wsb_max_volumes = 1000;       // MAX_VOLUMES
inline constexpr std::uint32_t wsb_max_components = 10000;   // MAX_COMPONENTS

class WsbAsync {
 public:
  virtual ~WsbAsync() = default;
  // Returns the call's HRESULT; `result` gets S_OK, WSBAPP_ASYNC_IN_PROGRESS or the failure.
  virtual Hresult query_status(Hresult& result) = 0;
  virtual Hresult abort() = 0;
};

struct ConsistencyRequest {
  OptionalString writer_metadata;
  OptionalString component_name;
  OptionalString component_logical_path;
  std::uint32_t volume_count = 0;                   // cVolumes as the caller gave it
  std::optional<StringArray> source_volumes;        // NULL array -> nullopt
  std::optional<StringArray> snapshot_volumes;
};

struct ConsistencyResult {
  Hresult hr = hr::s_false;
  std::shared_ptr<WsbAsync> async;  // set exactly when hr == S_OK
};

struct RestoreRequest {
  OptionalString writer_metadata;
  OptionalString component_name;
  OptionalString component_logical_path;
  bool no_roll_forward = false;
};

struct OrderRequest {
  std::uint32_t component_count = 0;  // cComponents as the caller gave it
  StringArray names;
  StringArray logical_paths;
};

struct OrderResult {
  Hresult hr = hr::s_false;
  // Both set exactly when hr == S_OK, each holding component_count entries in restore order.
  std::optional<StringArray> names;
  std::optional<StringArray> logical_paths;
};

class WsbApplication {
 public:
  virtual ~WsbApplication() = default;
  virtual ConsistencyResult check_consistency(const ConsistencyRequest& request) = 0;
  virtual Hresult pre_restore(const RestoreRequest& request) = 0;
  virtual Hresult post_restore(const RestoreRequest& request) = 0;
  virtual OrderResult order_components(const OrderRequest& request) = 0;
  virtual Hresult is_roll_forward_supported(bool& supported) = 0;
};

}  // namespace wsbkit
