// Win32 process runner: must contain only Win32-specific code.
//
// One run: CreateProcessW (no shell; lpApplicationName, so nothing is searched on PATH) with the
// command line and environment block built by platform/command_line.hpp, CREATE_SUSPENDED; the
// child goes into a fresh job object (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE) before its first
// instruction runs, so everything it starts is in the job too; then ResumeThread. stdout and
// stderr are pipes drained by one thread each into an OutputCapture; stdin is NUL or a pipe fed by
// a third thread. The calling thread waits on the process, polling `cancelled` every 10 ms; a
// timeout or a cancellation kills the whole tree with TerminateJobObject. When the child exits
// on its own, what it left running is killed too (it would die when the job handle closes anyway),
// so the pipes reach end-of-file and nothing a step started outlives the step.
//
// A held image (ProcessRequest::image, from FileSecurity::open_checked) is started from its final
// path and, still suspended, the process's image (QueryFullProcessImageNameW, PROCESS_NAME_NATIVE)
// is compared with the held file's NT path (GetFinalPathNameByHandleW, VOLUME_NAME_NT): the held
// file cannot be renamed, so equal names mean that very file. A different image (a swapped file, a
// batch file that became cmd.exe) is killed before its first instruction: ERROR_ACCESS_DENIED.
// Wine 8 gives both names in the same form ("\Device\HarddiskVolume1\..."; file_security.hpp).
//
// Handle inheritance: the child's pipe ends are inheritable only inside one process-wide lock
// around CreateProcessW, and PROC_THREAD_ATTRIBUTE_HANDLE_LIST names exactly the three handles the
// child gets, so two concurrent runs never leak each other's pipe ends (which would keep a reader
// waiting for a process outside the job).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "platform/command_line.hpp"
#include "platform/file_security.hpp"
#include "platform/output_capture.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

// The run's timeout (and the cancellation polling) is waited for inside this one request, on the
// child's process handle (WaitForSingleObject with the time left): the OS does the waiting, so the
// deadline stays on the OS's steady clock, not platform/clock.hpp. Logic that waits between
// requests (step retries and delays, wait.port) does so through Clock.
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr DWORD poll_interval_ms = 10;      // the cancellation promise is 20 ms
constexpr DWORD kill_wait_ms = 10'000;      // a killed process is gone long before this
constexpr DWORD pipe_buffer_bytes = 64 * 1024;

std::mutex& inheritance_lock() {
  static std::mutex lock;
  return lock;
}

struct Pipe {
  unique_handle parent_end;
  unique_handle child_end;
};

// Both ends non-inheritable; the child's end is made inheritable just around CreateProcessW.
Result<Pipe> make_pipe(bool child_reads, const std::string& what) {
  HANDLE read = nullptr, write = nullptr;
  if (!::CreatePipe(&read, &write, nullptr, pipe_buffer_bytes)) return last_error("CreatePipe", what);
  Pipe pipe;
  pipe.parent_end.reset(child_reads ? write : read);
  pipe.child_end.reset(child_reads ? read : write);
  return pipe;
}

// The caller's environment as "NAME=value" entries.
std::vector<std::string> current_environment() {
  std::vector<std::string> entries;
  wchar_t* block = ::GetEnvironmentStringsW();
  if (!block) return entries;
  for (const wchar_t* p = block; *p; p += std::wcslen(p) + 1) entries.push_back(narrow(p));
  ::FreeEnvironmentStringsW(block);
  return entries;
}

std::wstring environment_block(const std::vector<std::string>& entries) {
  std::wstring block;
  for (const std::string& entry : entries) {
    block += widen(entry);
    block.push_back(L'\0');
  }
  if (entries.empty()) block.push_back(L'\0');  // an empty block still needs its two NULs
  block.push_back(L'\0');
  return block;
}

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

Error invalid(std::uint32_t code, const std::string& object, std::string why) {
  return Error::win32(code, "CreateProcessW", object, std::move(why));
}

// Refuses what cannot be passed to a child faithfully, before anything is created.
Result<void> validate(const ProcessRequest& request) {
  if (request.executable.empty()) return invalid(ERROR_INVALID_PARAMETER, "", "no executable given");
  if (has_nul(request.executable) || request.executable.find('"') != std::string::npos) {
    return invalid(ERROR_INVALID_NAME, request.executable, "the executable path contains '\"' or NUL");
  }
  for (const std::string& argument : request.arguments) {
    if (has_nul(argument)) return invalid(ERROR_INVALID_PARAMETER, request.executable, "an argument contains NUL");
  }
  for (const auto& [name, value] : request.environment_additions) {
    if (!valid_environment_name(name) || has_nul(value)) {
      return invalid(ERROR_INVALID_PARAMETER, name, "invalid environment variable name or value");
    }
  }
  if (has_nul(request.working_directory)) {
    return invalid(ERROR_INVALID_PARAMETER, request.working_directory, "the working directory contains NUL");
  }
  return success();
}

// A thread that drains one pipe into a capture. ReadFile fails (ERROR_BROKEN_PIPE) once every
// write end is closed, i.e. once every process of the job is gone. Nothing may escape a thread
// function (std::terminate): if the capture cannot grow, the pipe is still drained so that the
// child never blocks on a full pipe.
void drain(HANDLE pipe, OutputCapture& capture) noexcept {
  char buffer[4096];
  bool capturing = true;
  for (;;) {
    DWORD got = 0;
    if (!::ReadFile(pipe, buffer, sizeof buffer, &got, nullptr) || got == 0) return;
    if (!capturing) continue;
    try {
      capture.append(std::string_view(buffer, got));
    } catch (...) {
      capturing = false;
    }
  }
}

// Writes stdin, then closes it (end-of-file for the child). A child that exits or is killed
// without reading makes WriteFile fail with ERROR_NO_DATA / ERROR_BROKEN_PIPE: that ends it too.
void feed(unique_handle pipe, const std::string& input) noexcept {
  std::size_t done = 0;
  while (done < input.size()) {
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(input.size() - done, pipe_buffer_bytes));
    DWORD wrote = 0;
    if (!::WriteFile(pipe.get(), input.data() + done, chunk, &wrote, nullptr)) return;
    done += wrote;
  }
}

// Owns everything a started child needs cleaned up. Whatever path leaves run() (a return, an
// exception out of a std::function), the destructor kills the tree and joins the threads first:
// a joinable std::thread must never be destroyed.
struct RunningChild {
  unique_handle job;
  unique_handle process;
  std::vector<std::thread> threads;

  void kill(DWORD exit_code) const {
    if (job) ::TerminateJobObject(job.get(), exit_code);
  }
  void join() {
    for (std::thread& t : threads) {
      if (t.joinable()) t.join();
    }
  }
  ~RunningChild() {
    kill(ERROR_PROCESS_ABORTED);
    join();
  }
};

class ProcThreadAttributes {
 public:
  // PROC_THREAD_ATTRIBUTE_HANDLE_LIST with `handles` (which must outlive this object).
  Result<void> init(std::vector<HANDLE>& handles) {
    SIZE_T size = 0;
    ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    storage_.resize(size);
    auto* list = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.data());
    if (!::InitializeProcThreadAttributeList(list, 1, 0, &size)) return last_error("InitializeProcThreadAttributeList");
    initialized_ = true;
    if (!::UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles.data(),
                                     handles.size() * sizeof(HANDLE), nullptr, nullptr)) {
      return last_error("UpdateProcThreadAttribute");
    }
    return success();
  }
  LPPROC_THREAD_ATTRIBUTE_LIST get() { return reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.data()); }
  ~ProcThreadAttributes() {
    if (initialized_) ::DeleteProcThreadAttributeList(get());
  }

 private:
  std::vector<std::uint8_t> storage_;
  bool initialized_ = false;
};

// Whether the suspended process runs the held image; the error says what it runs instead.
Result<void> check_image(HANDLE process, const HeldFile& image) {
  std::wstring name(32768, L'\0');
  DWORD size = static_cast<DWORD>(name.size());
  if (!::QueryFullProcessImageNameW(process, PROCESS_NAME_NATIVE, name.data(), &size)) {
    return last_error("QueryFullProcessImageNameW", image.path());
  }
  name.resize(size);
  const std::wstring expected = widen(image.identity());
  if (::CompareStringOrdinal(name.c_str(), static_cast<int>(name.size()), expected.c_str(),
                             static_cast<int>(expected.size()), TRUE) == CSTR_EQUAL) {
    return success();
  }
  return Error::win32(ERROR_ACCESS_DENIED, "CreateProcessW", image.path(),
                      "the started process runs " + narrow(name) + ", not the checked file " + image.identity() +
                          "; it was killed before it ran");
}

Result<unique_handle> make_kill_on_close_job() {
  unique_handle job(::CreateJobObjectW(nullptr, nullptr));
  if (!job) return last_error("CreateJobObjectW");
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
  // KILL_ON_JOB_CLOSE: if this process dies, the tree dies with it. DIE_ON_UNHANDLED_EXCEPTION: a
  // crashing child ends instead of waiting on an error-reporting dialog nobody will see.
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
  if (!::SetInformationJobObject(job.get(), JobObjectExtendedLimitInformation, &limits, sizeof limits)) {
    return last_error("SetInformationJobObject");
  }
  return job;
}

class Win32ProcessRunner final : public ProcessRunner {
 public:
  Result<ProcessOutcome> run(const ProcessRequest& request) override {
    if (auto valid = validate(request); !valid) return valid.error();
    ProcessOutcome outcome;
    if (request.cancelled && request.cancelled()) {  // nothing started, nothing to kill
      outcome.exit_code = process_exit_code::cancelled;
      outcome.cancelled = true;
      return outcome;
    }

    std::vector<std::string> argv{request.executable};
    argv.insert(argv.end(), request.arguments.begin(), request.arguments.end());
    std::wstring command_line = widen(build_windows_command_line(argv));
    const std::wstring environment =
        environment_block(merge_windows_environment(current_environment(), request.environment_additions));
    const std::wstring application = widen(request.image ? request.image->final_path() : request.executable);
    const std::wstring directory = widen(request.working_directory);

    auto out = make_pipe(false, "stdout");
    if (!out) return out.error();
    auto err = make_pipe(false, "stderr");
    if (!err) return err.error();
    Pipe in;
    if (request.standard_input.empty()) {
      in.child_end.reset(::CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                       OPEN_EXISTING, 0, nullptr));
      if (in.child_end.get() == INVALID_HANDLE_VALUE) {
        in.child_end.release();
        return last_error("CreateFileW", "NUL");
      }
    } else {
      auto pipe = make_pipe(true, "stdin");
      if (!pipe) return pipe.error();
      in = std::move(*pipe);
    }
    std::vector<HANDLE> inherited{in.child_end.get(), out->child_end.get(), err->child_end.get()};
    ProcThreadAttributes attributes;
    if (auto ok = attributes.init(inherited); !ok) return ok.error();

    STARTUPINFOEXW startup{};
    startup.StartupInfo.cb = sizeof startup;
    startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    startup.StartupInfo.hStdInput = in.child_end.get();
    startup.StartupInfo.hStdOutput = out->child_end.get();
    startup.StartupInfo.hStdError = err->child_end.get();
    startup.lpAttributeList = attributes.get();

    // Declared before `child`: its destructor joins the threads that write into them.
    OutputCapture out_capture(request.output_limit);
    OutputCapture err_capture(request.output_limit);
    RunningChild child;
    auto job = make_kill_on_close_job();
    if (!job) return job.error();
    child.job = std::move(*job);

    const auto started = Clock::now();
    PROCESS_INFORMATION info{};
    {
      std::lock_guard lock(inheritance_lock());
      for (HANDLE h : inherited) ::SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
      const BOOL created = ::CreateProcessW(
          application.c_str(), command_line.data(), nullptr, nullptr, TRUE,
          CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | EXTENDED_STARTUPINFO_PRESENT | CREATE_NO_WINDOW,
          const_cast<wchar_t*>(environment.c_str()), directory.empty() ? nullptr : directory.c_str(),
          &startup.StartupInfo, &info);
      const DWORD code = ::GetLastError();
      // Our copies of the child's ends go now: the pipes then end when the job's processes end.
      in.child_end.reset();
      out->child_end.reset();
      err->child_end.reset();
      if (!created) return win32_error(code, "CreateProcessW", request.executable);
    }
    child.process.reset(info.hProcess);
    unique_handle thread(info.hThread);
    if (!::AssignProcessToJobObject(child.job.get(), child.process.get())) {
      Error error = last_error("AssignProcessToJobObject", request.executable);
      ::TerminateProcess(child.process.get(), ERROR_PROCESS_ABORTED);  // suspended: never ran
      return error;
    }
    if (request.image) {
      if (auto same = check_image(child.process.get(), *request.image); !same) {
        ::TerminateProcess(child.process.get(), ERROR_ACCESS_DENIED);  // suspended: never ran
        return same.error();
      }
    }

    child.threads.emplace_back(drain, out->parent_end.get(), std::ref(out_capture));
    child.threads.emplace_back(drain, err->parent_end.get(), std::ref(err_capture));
    if (in.parent_end) child.threads.emplace_back(feed, std::move(in.parent_end), std::cref(request.standard_input));

    if (::ResumeThread(thread.get()) == static_cast<DWORD>(-1)) return last_error("ResumeThread", request.executable);
    thread.reset();

    // A year bounds the deadline arithmetic (milliseconds::max() would overflow the clock).
    const auto deadline = started + std::clamp(request.timeout, milliseconds(0), milliseconds(std::chrono::hours(24 * 365)));
    for (;;) {
      const auto now = Clock::now();
      if (now >= deadline) {
        outcome.timed_out = true;
        child.kill(process_exit_code::timed_out);
        break;
      }
      // Rounded up, so the wait never ends just short of the deadline and spins.
      const long long left = std::chrono::ceil<milliseconds>(deadline - now).count();
      const long long slice = std::min<long long>(left, request.cancelled ? poll_interval_ms : INFINITE - 1);
      const DWORD waited = ::WaitForSingleObject(child.process.get(), static_cast<DWORD>(slice));
      if (waited == WAIT_OBJECT_0) break;
      if (waited == WAIT_FAILED) return last_error("WaitForSingleObject", request.executable);
      if (request.cancelled && request.cancelled()) {
        outcome.cancelled = true;
        child.kill(process_exit_code::cancelled);
        break;
      }
    }
    if (::WaitForSingleObject(child.process.get(), kill_wait_ms) != WAIT_OBJECT_0) {
      return Error::win32(ERROR_TIMEOUT, "TerminateJobObject", request.executable, "the killed process did not end");
    }
    outcome.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    DWORD exit_code = 0;
    if (!::GetExitCodeProcess(child.process.get(), &exit_code)) return last_error("GetExitCodeProcess", request.executable);
    outcome.exit_code = exit_code;
    // Whatever the child left behind goes now, so that the pipes reach end-of-file.
    child.kill(ERROR_PROCESS_ABORTED);
    child.join();
    outcome.standard_output = out_capture.text();
    outcome.standard_output_bytes_cut = out_capture.bytes_cut();
    outcome.standard_error = err_capture.text();
    outcome.standard_error_bytes_cut = err_capture.bytes_cut();
    return outcome;
  }
};

}  // namespace

std::unique_ptr<ProcessRunner> make_win32_process_runner() { return std::make_unique<Win32ProcessRunner>(); }

}  // namespace wsbkit::win32
