#include "core/addin/addin_core.hpp"

#include "platform/text.hpp"

namespace wsbkit {
namespace {

std::string json_optional(const OptionalString& s) { return s ? json_quote(*s) : "null"; }

// The writer metadata's length as WSB passed it: UTF-16 code units (not WTF-8 bytes).
std::string json_length(const OptionalString& s) { return s ? std::to_string(utf8_to_utf16(*s).size()) : "null"; }

std::vector<CallLog::Field> restore_fields(const RestoreRequest& r) {
  return {{"component", json_optional(r.component_name)},
          {"logical_path", json_optional(r.component_logical_path)},
          {"no_roll_forward", r.no_roll_forward ? "true" : "false"},
          {"metadata_chars", json_length(r.writer_metadata)}};
}

// An array the caller passed must hold exactly `count` entries (the COM adapter guarantees it;
// in-process callers are checked all the same).
bool array_matches(const std::optional<StringArray>& a, std::uint32_t count) {
  return !a || a->size() == count;
}

}  // namespace

ConsistencyResult AddinCore::check_consistency(const ConsistencyRequest& request) {
  ConsistencyResult result;
  if (request.volume_count > wsb_max_volumes || !array_matches(request.source_volumes, request.volume_count) ||
      !array_matches(request.snapshot_volumes, request.volume_count)) {
    result.hr = hr::e_invalidarg;
  } else if (checks_) {
    result = checks_->start(request);
  } else {
    result.hr = hr::s_false;  // no check configured for this component
  }
  log_.record("CheckConsistency",
              {{"component", json_optional(request.component_name)},
               {"logical_path", json_optional(request.component_logical_path)},
               {"volumes", std::to_string(request.volume_count)},
               {"metadata_chars", json_length(request.writer_metadata)}},
              result.hr);
  return result;
}

Hresult AddinCore::pre_restore(const RestoreRequest& request) {
  const Hresult result = restore_ ? restore_->pre_restore(request) : hr::ok;
  log_.record("PreRestore", restore_fields(request), result);
  return result;
}

Hresult AddinCore::post_restore(const RestoreRequest& request) {
  const Hresult result = restore_ ? restore_->post_restore(request) : hr::ok;
  log_.record("PostRestore", restore_fields(request), result);
  return result;
}

OrderResult AddinCore::order_components(const OrderRequest& request) {
  OrderResult result;
  const bool valid = request.component_count <= wsb_max_components &&
                     request.names.size() == request.component_count &&
                     request.logical_paths.size() == request.component_count;
  if (!valid) result.hr = hr::e_invalidarg;
  else if (restore_) result = restore_->order_components(request);
  else result.hr = hr::s_false;  // no particular order: both outs stay NULL
  log_.record("OrderComponents", {{"components", std::to_string(request.component_count)}}, result.hr);
  return result;
}

Hresult AddinCore::is_roll_forward_supported(bool& supported) {
  supported = restore_ && restore_->roll_forward_supported();
  log_.record("IsRollForwardSupported", {{"supported", supported ? "true" : "false"}}, hr::ok);
  return hr::ok;
}

}  // namespace wsbkit
