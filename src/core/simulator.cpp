#include "core/simulator.hpp"

#include <thread>

#include "core/registrar.hpp"
#include "platform/text.hpp"

namespace wsbkit {
namespace {

std::string quoted(const OptionalString& s) { return s ? "\"" + *s + "\"" : "NULL"; }

std::string restore_arguments(const SimulatedComponent& c, bool no_roll_forward) {
  return "component=" + quoted(c.name) + ", logical_path=" + quoted(c.logical_path) +
         ", no_roll_forward=" + (no_roll_forward ? "TRUE" : "FALSE");
}

bool in_progress(Hresult h) {
  return h == hr::wsbapp_async_in_progress || h == hr::wsbapp_async_in_progress_legacy;
}

}  // namespace

void Simulator::emit(std::vector<SimulatedCall>& calls, SimulatedCall call) {
  if (observer_) observer_(call);
  calls.push_back(std::move(call));
}

std::vector<SimulatedCall> Simulator::run(const SimulationOptions& options) {
  std::vector<SimulatedCall> calls;
  if (options.backup) backup(options, calls);
  if (options.restore) restore(options, calls);
  return calls;
}

void Simulator::backup(const SimulationOptions& options, std::vector<SimulatedCall>& calls) {
  for (const auto& component : options.components) {
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
                       "component=" + quoted(component.name) + ", volumes=" + std::to_string(request.volume_count),
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

    // Poll like WSB; cancel when asked to or when the check takes too long.
    const auto started = std::chrono::steady_clock::now();
    for (;;) {
      Hresult status = hr::e_unexpected;
      const Hresult query = result.async->query_status(status);
      const bool running = hr::succeeded(query) && in_progress(status);
      if (!running || hr::failed(query)) {
        emit(calls, {"backup", "QueryStatus", "component=" + quoted(component.name), query,
                     "result " + hr::name(status), hr::succeeded(query)});
        break;
      }
      const auto elapsed = std::chrono::steady_clock::now() - started;
      if ((options.abort_after && elapsed >= *options.abort_after) || elapsed >= options.check_timeout) {
        emit(calls, {"backup", "QueryStatus", "component=" + quoted(component.name), query,
                     "result " + hr::name(status), true});
        const Hresult aborted = result.async->abort();
        emit(calls, {"backup", "Abort", "component=" + quoted(component.name), aborted, "", hr::succeeded(aborted)});
        // After Abort the check must settle (E_ABORT) rather than run on.
        Hresult after = hr::e_unexpected;
        const auto abort_started = std::chrono::steady_clock::now();
        Hresult q = hr::ok;
        do {
          q = result.async->query_status(after);
          if (hr::failed(q) || !in_progress(after)) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        } while (std::chrono::steady_clock::now() - abort_started < std::chrono::seconds(30));
        emit(calls, {"backup", "QueryStatus", "component=" + quoted(component.name), q,
                     "result " + hr::name(after), hr::succeeded(q) && !in_progress(after)});
        break;
      }
      std::this_thread::sleep_for(options.poll_interval);
    }
    result.async.reset();  // Release, as WSB does once the check is over
  }
}

void Simulator::restore(const SimulationOptions& options, std::vector<SimulatedCall>& calls) {
  OrderRequest order;
  order.component_count = static_cast<std::uint32_t>(options.components.size());
  for (const auto& c : options.components) {
    order.names.emplace_back(c.name);
    order.logical_paths.push_back(c.logical_path);
  }
  std::vector<SimulatedComponent> sequence = options.components;
  if (options.makes("order")) {
  const OrderResult ordered = app_.order_components(order);
  SimulatedCall order_call{"restore", "OrderComponents", std::to_string(order.component_count) + " components",
                           ordered.hr, "", true};
  if (ordered.hr == hr::s_false) {
    order_call.outcome = "no particular order";
    order_call.ok = !ordered.names && !ordered.logical_paths;
  } else if (ordered.hr == hr::ok) {
    const bool complete = ordered.names && ordered.logical_paths && ordered.names->size() == order.component_count &&
                          ordered.logical_paths->size() == order.component_count;
    order_call.ok = complete;
    if (complete) {
      sequence.clear();
      std::string names;
      for (std::size_t i = 0; i < ordered.names->size(); ++i) {
        sequence.push_back({(*ordered.names)[i].value_or(""), (*ordered.logical_paths)[i]});
        names += (i ? ", " : "") + (*ordered.names)[i].value_or("NULL");
      }
      order_call.outcome = "order: " + names;
    } else {
      order_call.outcome = "S_OK without complete out arrays (protocol violation)";
    }
  } else {
    order_call.ok = false;
    order_call.outcome = "failed";
  }
  emit(calls, order_call);
  }

  if (options.makes("rollforward")) {
    bool roll_forward = false;
    const Hresult rf = app_.is_roll_forward_supported(roll_forward);
    emit(calls, {"restore", "IsRollForwardSupported", "", rf, roll_forward ? "TRUE" : "FALSE", rf == hr::ok});
  }

  for (const auto& component : sequence) {
    RestoreRequest request{options.writer_metadata, component.name, component.logical_path, options.no_roll_forward};
    if (options.makes("pre")) {
      const Hresult pre = app_.pre_restore(request);
      emit(calls, {"restore", "PreRestore", restore_arguments(component, options.no_roll_forward), pre, "", pre == hr::ok});
    }
    if (options.makes("post")) {
      const Hresult post = app_.post_restore(request);
      emit(calls, {"restore", "PostRestore", restore_arguments(component, options.no_roll_forward), post, "", post == hr::ok});
    }
  }
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
