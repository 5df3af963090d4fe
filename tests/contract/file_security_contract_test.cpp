// File security contract: natively the fake, under Wine the Win32 backend on real files in a
// scratch folder of %TEMP%. Every case holds on both, which bounds what it may set: Wine keeps no
// ACLs and maps only the Everyone ACE onto the Unix "other" bits (platform/file_security.hpp), so
// the untrusted principal used here is Everyone and the owner is not relied upon.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "platform/text.hpp"
#include "tests/contract/contract_support.hpp"
#include "tests/contract/facility_backends.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;

namespace {

FileAce allow(std::string_view sid, std::uint32_t mask, std::uint8_t flags = 0) {
  return FileAce{ace_type_allowed, flags, mask, std::string(sid)};
}

// SYSTEM and Administrators full control, Everyone read/execute: what an install folder gives.
TestSecurity trusted(bool folder) {
  const std::uint8_t inherit = folder ? 0x03 : 0x00;  // OBJECT_INHERIT | CONTAINER_INHERIT
  return {std::string(well_known_sid::administrators),
          std::vector<FileAce>{allow(well_known_sid::system, file_right::all_access, inherit),
                               allow(well_known_sid::administrators, file_right::all_access, inherit),
                               allow(well_known_sid::everyone, file_right::read_execute, inherit)}};
}

TestSecurity everyone_full_control(bool folder) {
  TestSecurity s = trusted(folder);
  s.dacl->back().mask = file_right::all_access;
  return s;
}

struct Files {
  FileSecurityBackend backend = make_file_security_backend();
  FileSecurity& security = *backend.security;
  std::vector<std::string> made;

  Files() { BOOST_TEST_MESSAGE("file security backend: " << backend.name << ", root " << backend.root << ", own " << backend.own_sid); }
  ~Files() {
    for (auto it = made.rbegin(); it != made.rend(); ++it) {
      (void)backend.set(*it, trusted(false));  // so that a restricted object can go
      backend.remove(*it);
    }
    backend.remove(backend.root);
  }

  std::string make(const std::string& relative, bool folder, const TestSecurity& security) {
    const std::string path = backend.root + "\\" + relative;
    BOOST_REQUIRE_MESSAGE(backend.create(path, folder), "cannot create " << path);
    made.push_back(path);
    BOOST_REQUIRE_MESSAGE(backend.set(path, security), "cannot set the security of " << path);
    return path;
  }

  std::vector<UntrustedWriter> writers(const std::string& path, FileRole role = FileRole::data) {
    auto result = security.untrusted_writers(path, role);
    BOOST_REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message()));
    for (const UntrustedWriter& w : *result) BOOST_TEST_MESSAGE("  " << w.describe());
    return *result;
  }

  static bool has(const std::vector<UntrustedWriter>& list, std::string_view sid, const std::string& path) {
    return std::any_of(list.begin(), list.end(),
                       [&](const UntrustedWriter& w) { return iequals(w.sid, sid) && iequals(w.path, path); });
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(file_security_contract, Files)

// A file and folder only SYSTEM/Administrators may change (Everyone reads) are accepted, as data
// and as an executable.
BOOST_AUTO_TEST_CASE(admin_only_file_is_accepted) {
  const std::string folder = make("app", true, trusted(true));
  const std::string file = make("app\\tool.exe", false, trusted(false));
  BOOST_TEST(writers(file).empty());
  BOOST_TEST(writers(file, FileRole::executable).empty());
}

// A file Everyone may write is refused: Everyone is named, on the file itself.
BOOST_AUTO_TEST_CASE(file_writable_by_everyone_is_refused) {
  make("app", true, trusted(true));
  const std::string file = make("app\\policy.json", false, everyone_full_control(false));
  const auto list = writers(file);
  BOOST_TEST(has(list, well_known_sid::everyone, file));
  BOOST_TEST(!list.empty());
  if (!list.empty()) {
    BOOST_TEST((list.front().rights & file_right::write_data) != 0u);
    BOOST_TEST(list.front().describe().find("may change") != std::string::npos);
  }
}

// A file in a folder where Everyone may delete and create entries is refused: the writer is
// reported on the folder (it could replace the file). (Whether the file itself is also listed
// differs: Wine merges the folder's inheritable Everyone grant into the file's DACL.)
BOOST_AUTO_TEST_CASE(file_in_a_folder_everyone_controls_is_refused) {
  const std::string folder = make("open", true, everyone_full_control(true));
  const std::string file = make("open\\policy.json", false, trusted(false));
  const auto list = writers(file);
  BOOST_TEST(has(list, well_known_sid::everyone, folder));
  const auto on_folder = std::find_if(list.begin(), list.end(), [&](const UntrustedWriter& w) { return iequals(w.path, folder); });
  if (on_folder != list.end()) BOOST_TEST((on_folder->rights & file_right::delete_child) != 0u);
}

// A NULL DACL lets everyone do anything: refused, with Everyone as the writer.
BOOST_AUTO_TEST_CASE(null_dacl_means_everyone_may_write) {
  make("app", true, trusted(true));
  const std::string file = make("app\\null.json", false, TestSecurity{std::string(well_known_sid::administrators), std::nullopt});
  BOOST_TEST(has(writers(file), well_known_sid::everyone, file));
}

// A path that does not exist is ERROR_FILE_NOT_FOUND, not an empty (accepting) answer.
BOOST_AUTO_TEST_CASE(missing_file_is_an_error) {
  make("app", true, trusted(true));
  BOOST_TEST(code_of(security.untrusted_writers(backend.root + "\\app\\missing.json", FileRole::data)) == 2u);
}

// open_checked holds the file: its bytes and size come through the held handle, its final path
// names it, and while held nobody can rename it away (FILE_SHARE_READ); after release they can.
BOOST_AUTO_TEST_CASE(a_held_file_is_read_through_its_handle_and_cannot_be_renamed) {
  make("app", true, trusted(true));
  const std::string file = make("app\\policy.json", false, trusted(false));
  BOOST_REQUIRE(backend.write(file, "{\"a\": 1}"));
  auto held = security.open_checked(file, FileRole::data);
  BOOST_REQUIRE_MESSAGE(held.ok(), (held.ok() ? "" : held.error().message()));
  BOOST_TEST((*held)->untrusted_writers().empty());
  BOOST_TEST(iequals((*held)->final_path(), file), (*held)->final_path());
  BOOST_TEST(!(*held)->identity().empty());
  BOOST_TEST((*held)->read(1024).value() == "{\"a\": 1}");
  BOOST_TEST((*held)->read(3).value() == "{\"a");
  BOOST_TEST((*held)->size().value() == 8u);
  BOOST_TEST(!backend.rename(file, file + ".moved"));
  held->reset();
  BOOST_REQUIRE(backend.rename(file, file + ".moved"));
  BOOST_TEST(backend.rename(file + ".moved", file));
}

// A working directory (FileRole::folder) in which Everyone may create files is refused; an
// admin-only one is accepted.
BOOST_AUTO_TEST_CASE(a_folder_everyone_may_add_files_to_is_refused_as_working_directory) {
  const std::string open = make("open", true, everyone_full_control(true));
  const std::string app = make("app", true, trusted(true));
  BOOST_TEST(has(writers(open, FileRole::folder), well_known_sid::everyone, open));
  BOOST_TEST(writers(app, FileRole::folder).empty());
}

// UNC and device paths and batch executables are refused before anything is opened.
BOOST_AUTO_TEST_CASE(unc_device_paths_and_batch_executables_are_refused) {
  BOOST_TEST(code_of(security.open_checked("\\\\server\\share\\tool.exe", FileRole::executable)) == 161u);
  BOOST_TEST(code_of(security.open_checked("\\\\.\\C:\\tool.exe", FileRole::executable)) == 161u);
  make("app", true, trusted(true));
  const std::string batch = make("app\\run.cmd", false, trusted(false));
  BOOST_TEST(code_of(security.open_checked(batch, FileRole::executable)) == 161u);
  BOOST_TEST(code_of(security.open_checked(batch + ". ", FileRole::executable)) == 161u);
  BOOST_TEST(security.open_checked(batch, FileRole::data).ok());
}

BOOST_AUTO_TEST_SUITE_END()
