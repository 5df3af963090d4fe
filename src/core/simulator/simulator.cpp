#include "core/simulator/simulator.hpp"

#include <algorithm>

#include "core/registration/registrar.hpp"
#include "core/support/json_text.hpp"
#include "platform/text.hpp"

namespace wsbkit {
namespace {

// A string as printed: a JSON literal (quotes, escapes, unpaired surrogates as \udXXX), so any
// name shows exactly and the output stays valid UTF-8; NULL for a NULL string.
std::string shown(const OptionalString& s) { return s ? json_quote(*s) : "NULL"; }

// The out arrays hold exactly the request's (name, logical path) pairs, each pair kept together.
bool is_permutation_of_pairs(const OrderRequest& request, const StringArray& names, const StringArray& paths) {
  std::vector<std::pair<OptionalString, OptionalString>> sent, got;
  for (std::size_t i = 0; i < request.names.size(); ++i) sent.emplace_back(request.names[i], request.logical_paths[i]);
  for (std::size_t i = 0; i < names.size(); ++i) got.emplace_back(names[i], paths[i]);
  std::sort(sent.begin(), sent.end());
  std::sort(got.begin(), got.end());
  return sent == got;
}

std::string restore_arguments(const SimulatedComponent& c, const OptionalString& logical_path, bool no_roll_forward) {
  return "component=" + shown(c.name) + ", logical_path=" + shown(logical_path) +
         ", no_roll_forward=" + (no_roll_forward ? "TRUE" : "FALSE");
}

// The logical path a call passes: "" instead of NULL in the calls the options name.
OptionalString logical_path_in(const SimulationOptions& options, const SimulatedComponent& c, EmptyLogicalPathIn call) {
  if (c.logical_path || options.empty_logical_path_in != call) return c.logical_path;
  return std::string();
}

// The components in the order OrderComponents returned (a permutation of the pairs sent): each
// returned pair is the first unused component that was sent as that pair.
std::vector<SimulatedComponent> in_returned_order(const SimulationOptions& options, const OrderRequest& sent,
                                                  const StringArray& names, const StringArray& paths) {
  std::vector<SimulatedComponent> sequence;
  std::vector<bool> used(sent.names.size(), false);
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::size_t j = 0; j < sent.names.size(); ++j) {
      if (used[j] || sent.names[j] != names[i] || sent.logical_paths[j] != paths[i]) continue;
      used[j] = true;
      sequence.push_back(options.components[j]);
      break;
    }
  }
  return sequence;
}

bool in_progress(Hresult h) {
  return h == hr::wsbapp_async_in_progress || h == hr::wsbapp_async_in_progress_legacy;
}

// The check's result a QueryStatus reported, once it is over.
std::optional<Hresult> checked(Hresult query, Hresult status) {
  if (hr::failed(query) || in_progress(status)) return std::nullopt;
  return status;
}

}  // namespace

void Simulator::emit(std::vector<SimulatedCall>& calls, SimulatedCall call) {
  const auto now = clock_.steady_now();
  if (last_emit_) call.duration = std::chrono::duration_cast<std::chrono::milliseconds>(now - *last_emit_);
  last_emit_ = now;
  if (observer_) observer_(call);
  if (cancel_after_ && !cancelled_ && cancel_after_(call)) cancelled_ = true;
  calls.push_back(std::move(call));
}

std::vector<SimulatedCall> Simulator::run(const SimulationOptions& options) {
  std::vector<SimulatedCall> calls;
  restored_.clear();
  last_emit_ = clock_.steady_now();
  cancel_after_ = options.cancel_after;
  cancelled_ = false;
  if (options.backup) backup(options, calls);
  if (options.restore) restore(options, calls);
  return calls;
}

void Simulator::backup(const SimulationOptions& options, std::vector<SimulatedCall>& calls) {
  for (const auto& component : options.components) {
    if (cancelled_) break;
    ConsistencyRequest request;
    request.writer_metadata = options.writer_metadata;
    request.component_name = component.name;
    request.component_logical_path = component.logical_path;
    request.volume_count = static_cast<std::uint32_t>(options.source_volumes.size());
    if (!options.source_volumes.empty()) {
      request.source_volumes = StringArray(options.source_volumes.begin(), options.source_volumes.end());
      request.snapshot_volumes = StringArray(options.snapshot_volumes.begin(), options.snapshot_volumes.end());
    }
    ConsistencyResult result = app_.check_consistency(request);
    SimulatedCall call{"backup", "CheckConsistency",
                       "component=" + shown(component.name) + ", volumes=" + std::to_string(request.volume_count),
                       result.hr, "", true};
    if (result.hr == hr::s_false) {
      call.outcome = "no check needed";
      call.ok = !result.async;
    } else if (result.hr == hr::ok) {
      call.outcome = result.async ? "check started" : "S_OK without an async object (protocol violation)";
      call.ok = static_cast<bool>(result.async);
    } else {
      call.outcome = "failed";
      call.ok = false;
    }
    emit(calls, call);
    if (!result.async) continue;

    await_check(options, component, *result.async, calls);
    result.async.reset();  // Release, as WSB does once the check is over
  }
}

// Polls like WSB; cancels when asked to or when the check takes too long.
void Simulator::await_check(const SimulationOptions& options, const SimulatedComponent& component, WsbAsync& async,
                            std::vector<SimulatedCall>& calls) {
  const auto started = clock_.steady_now();
  for (;;) {
    Hresult status = hr::e_unexpected;
    const Hresult query = async.query_status(status);
    const bool running = hr::succeeded(query) && in_progress(status);
    if (!running || hr::failed(query)) {
      emit(calls, {"backup", "QueryStatus", "component=" + shown(component.name), query,
                   "result " + hr::name(status), hr::succeeded(query), checked(query, status)});
      return;
    }
    const auto elapsed = clock_.steady_now() - started;
    if (cancelled_ || (options.abort_after && elapsed >= *options.abort_after) || elapsed >= options.check_timeout) {
      emit(calls, {"backup", "QueryStatus", "component=" + shown(component.name), query,
                   "result " + hr::name(status), true});
      const Hresult aborted = async.abort();
      emit(calls, {"backup", "Abort", "component=" + shown(component.name), aborted, "", hr::succeeded(aborted)});
      await_abort(component, async, calls);
      return;
    }
    clock_.sleep_for(options.poll_interval);
  }
}

// After Abort the check must settle (E_ABORT) rather than run on: polled for up to 30 s.
void Simulator::await_abort(const SimulatedComponent& component, WsbAsync& async, std::vector<SimulatedCall>& calls) {
  Hresult after = hr::e_unexpected;
  const auto abort_started = clock_.steady_now();
  Hresult q = hr::ok;
  do {
    q = async.query_status(after);
    if (hr::failed(q) || !in_progress(after)) break;
    clock_.sleep_for(std::chrono::milliseconds(10));
  } while (clock_.steady_now() - abort_started < std::chrono::seconds(30));
  emit(calls, {"backup", "QueryStatus", "component=" + shown(component.name), q,
               "result " + hr::name(after), hr::succeeded(q) && !in_progress(after), checked(q, after)});
}

void Simulator::restore(const SimulationOptions& options, std::vector<SimulatedCall>& calls) {
  const std::vector<SimulatedComponent> sequence = options.makes("order") ? order(options, calls) : options.components;
  if (options.makes("rollforward") && !cancelled_) {
    bool roll_forward = false;
    const Hresult rf = app_.is_roll_forward_supported(roll_forward);
    emit(calls, {"restore", "IsRollForwardSupported", "", rf, roll_forward ? "TRUE" : "FALSE", rf == hr::ok});
  }
  restore_components(options, sequence, calls);
}

// OrderComponents; returns the components in the order WSB restores them.
std::vector<SimulatedComponent> Simulator::order(const SimulationOptions& options, std::vector<SimulatedCall>& calls) {
  OrderRequest order;
  order.component_count = static_cast<std::uint32_t>(options.components.size());
  for (const auto& c : options.components) {
    order.names.emplace_back(c.name);
    order.logical_paths.push_back(logical_path_in(options, c, EmptyLogicalPathIn::order));
  }
  std::vector<SimulatedComponent> sequence = options.components;
  const OrderResult ordered = app_.order_components(order);
  SimulatedCall order_call{"restore", "OrderComponents", std::to_string(order.component_count) + " components",
                           ordered.hr, "", true};
  if (ordered.hr == hr::s_false) {
    order_call.outcome = "no particular order";
    order_call.ok = !ordered.names && !ordered.logical_paths;
  } else if (ordered.hr == hr::ok) {
    const bool complete = ordered.names && ordered.logical_paths && ordered.names->size() == order.component_count &&
                          ordered.logical_paths->size() == order.component_count;
    const bool permutation = complete && is_permutation_of_pairs(order, *ordered.names, *ordered.logical_paths);
    order_call.ok = permutation;
    if (permutation) {
      if (options.restore_order == RestoreOrder::returned) sequence = in_returned_order(options, order, *ordered.names, *ordered.logical_paths);
      std::string names;
      for (std::size_t i = 0; i < ordered.names->size(); ++i) names += (i ? ", " : "") + shown((*ordered.names)[i]);
      order_call.outcome = "order: " + names + (options.restore_order == RestoreOrder::input ? " (restoring in the input order)" : "");
    } else if (complete) {
      order_call.outcome = "S_OK with out arrays that are not the components given (protocol violation)";
    } else {
      order_call.outcome = "S_OK without complete out arrays (protocol violation)";
    }
  } else {
    order_call.ok = false;
    order_call.outcome = "failed";
  }
  emit(calls, order_call);
  return sequence;
}

// Pre/PostRestore per component (or every PreRestore first), with the failures, skips and cancel
// the options ask for.
void Simulator::restore_components(const SimulationOptions& options, const std::vector<SimulatedComponent>& sequence,
                                   std::vector<SimulatedCall>& calls) {
  std::vector<SimulatedComponent> restored;  // PreRestore made (or not asked for), in order
  std::set<std::size_t> failed;              // indices into `restored`
  auto post = [&](std::size_t i) {
    if (cancelled_ || !options.makes("post") || (options.skip_post_after_failure && failed.count(i))) return;
    const SimulatedComponent& c = restored[i];
    RestoreRequest request{options.writer_metadata, c.name, logical_path_in(options, c, EmptyLogicalPathIn::restore),
                           options.no_roll_forward};
    const Hresult h = app_.post_restore(request);
    emit(calls, {"restore", "PostRestore", restore_arguments(c, request.component_logical_path, options.no_roll_forward), h, "",
                 h == hr::ok});
  };
  for (const auto& component : sequence) {
    if (cancelled_) break;
    if (options.cancel_after_pre && restored.size() >= *options.cancel_after_pre) {
      emit(calls, {"restore", "(cancel)", "after " + std::to_string(restored.size()) + " PreRestore(s)", hr::ok,
                   "no further PreRestore", true});
      break;
    }
    bool ok = true;
    if (options.makes("pre")) {
      RestoreRequest request{options.writer_metadata, component.name,
                             logical_path_in(options, component, EmptyLogicalPathIn::restore), options.no_roll_forward};
      const Hresult pre = app_.pre_restore(request);
      emit(calls, {"restore", "PreRestore", restore_arguments(component, request.component_logical_path, options.no_roll_forward),
                   pre, "", pre == hr::ok});
      ok = pre == hr::ok;
    }
    if (ok && options.failed_restores.count(component.name)) {
      emit(calls, {"restore", "(file restore)", "component=" + shown(component.name), hr::e_fail,
                   options.skip_post_after_failure ? "failed; its PostRestore is skipped" : "failed", true});
      ok = false;
    } else if (ok && files_ && options.makes("pre")) {  // --calls post: the files came with the earlier PreRestore
      ok = restore_files(component, calls);
    }
    restored.push_back(component);
    if (!ok) failed.insert(restored.size() - 1);
    if (!options.pre_all_first) post(restored.size() - 1);
  }
  if (options.pre_all_first) {
    for (std::size_t i = 0; i < restored.size(); ++i) post(i);
  }
  if (files_) compare_files(calls);
}

// WSB's file restore for one component; false when a file could not be restored (the component
// fails, as in WSB).
bool Simulator::restore_files(const SimulatedComponent& component, std::vector<SimulatedCall>& calls) {
  SimulatedCall call{"restore", "(file restore)", "component=" + shown(component.name), hr::ok, "", true};
  call.files = files_->restore(component);
  std::uint64_t bytes = 0;
  std::size_t failed = 0;
  std::string first_failure;
  for (const auto& f : call.files) {
    bytes += f.ok ? f.bytes : 0;
    if (!f.ok && failed++ == 0) first_failure = f.path + ": " + f.reason;
    if (f.ok) restored_.push_back(f);
  }
  call.outcome = std::to_string(call.files.size() - failed) + " file(s), " + std::to_string(bytes) + " bytes restored";
  if (failed > 0) {
    call.hr = hr::e_fail;
    call.outcome += "; " + std::to_string(failed) + " could not be (first: " + first_failure + "): the component fails";
  }
  emit(calls, std::move(call));
  return failed == 0;
}

// Afterwards: every restored file compared with the backup.
void Simulator::compare_files(std::vector<SimulatedCall>& calls) {
  SimulatedCall call{"restore", "(file compare)", std::to_string(restored_.size()) + " file(s)", hr::ok, "", true};
  call.files = files_->compare(restored_);
  std::size_t differ = 0;
  std::string first;
  for (const auto& f : call.files) {
    if (!f.ok && differ++ == 0) first = f.path + ": " + f.reason;
  }
  call.outcome = differ == 0 ? std::to_string(call.files.size()) + " file(s) match the backup"
                             : std::to_string(differ) + " of " + std::to_string(call.files.size()) +
                                   " file(s) differ from the backup (first: " + first + ")";
  if (differ > 0) call.hr = hr::e_fail;
  restored_.clear();
  emit(calls, std::move(call));
}

Result<LocatedAddin> locate_addin(Registry& registry, const std::string& writer_or_identifier) {
  Registrar registrar(registry);
  auto apps = registrar.list_applications();
  if (!apps) return apps.error();
  const auto as_guid = Guid::parse(writer_or_identifier);
  std::string known;
  for (const auto& app : *apps) {
    const auto writer = Guid::parse(app.writer_id);
    const bool match = (as_guid && writer && *writer == *as_guid) || iequals(app.identifier, writer_or_identifier);
    if (match) {
      if (!app.clsid) {
        return Error::hresult(hr::regdb_e_classnotreg, "locate", writer_or_identifier,
                              "application '" + app.identifier + "' is registered without an add-in (no CLSID value)");
      }
      return LocatedAddin{app.writer_id, app.identifier, *app.clsid};
    }
    known += (known.empty() ? "" : ", ") + app.identifier + " " + app.writer_id;
  }
  return Error::win32(win32_error::file_not_found, "locate", writer_or_identifier,
                      "no such application under Application Support (registered: " +
                          (known.empty() ? std::string("none") : known) + ")");
}

}  // namespace wsbkit
