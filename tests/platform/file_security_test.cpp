// The file security rule (platform/file_security.hpp) on hand-made descriptors, and the fake that
// applies it. What Wine cannot represent (owners, Users ACEs, OWNER RIGHTS) is proven here.
#include <boost/test/unit_test.hpp>

#include "mock/fake_file_security.hpp"
#include "platform/file_security.hpp"

using namespace wsbkit;
using Strings = std::vector<std::string>;

namespace {

FileAce allow(std::string_view sid, std::uint32_t mask, std::uint8_t flags = 0) {
  return FileAce{ace_type_allowed, flags, mask, std::string(sid)};
}

// SYSTEM + Administrators full control, Users read: an admin-owned install object.
std::vector<FileAce> admin_only() {
  return {allow(well_known_sid::system, file_right::all_access), allow(well_known_sid::administrators, file_right::all_access),
          allow(well_known_sid::users, file_right::read_execute)};
}

ObjectSecurity object(std::string path, std::vector<FileAce> dacl, std::string owner = std::string(well_known_sid::administrators)) {
  return {std::move(path), std::move(owner), std::move(dacl), false};
}

// file, its folder, the drive root; all admin-only unless changed by the case.
std::vector<ObjectSecurity> chain() {
  return {object("C:\\App\\tool.exe", admin_only()), object("C:\\App", admin_only()), object("C:\\", admin_only())};
}

Strings sids_at(const std::vector<UntrustedWriter>& list, const std::string& path) {
  Strings out;
  for (const auto& w : list) {
    if (w.path == path) out.push_back(w.sid);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(file_security_rule)

// Admin-only objects, owned by Administrators: nobody untrusted.
BOOST_AUTO_TEST_CASE(admin_only_chain_has_no_untrusted_writer) {
  BOOST_TEST(untrusted_writers_in(chain(), FileRole::executable, {}).value().empty());
}

// Users with write data on the file: a writer, on the file, with exactly that right.
BOOST_AUTO_TEST_CASE(users_write_on_the_file_is_found) {
  auto c = chain();
  c[0].dacl->push_back(allow(well_known_sid::users, file_right::write_data | file_right::read_data));
  const auto list = untrusted_writers_in(c, FileRole::data, {}).value();
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].sid == std::string(well_known_sid::users));
  BOOST_TEST(list[0].path == "C:\\App\\tool.exe");
  BOOST_TEST(list[0].rights == file_right::write_data);
  BOOST_TEST(!list[0].as_owner);
}

// Delete, change permissions, take ownership and GENERIC_ALL on the file each count.
BOOST_AUTO_TEST_CASE(each_dangerous_file_right_counts) {
  for (const std::uint32_t right : {file_right::append_data, file_right::delete_, file_right::write_dac, file_right::write_owner,
                                    file_right::generic_write, file_right::generic_all}) {
    auto c = chain();
    c[0].dacl->push_back(allow(well_known_sid::authenticated_users, right));
    BOOST_TEST(untrusted_writers_in(c, FileRole::data, {}).value().size() == 1u, "right " << right);
  }
  auto c = chain();  // write attributes / EA change no content: not counted
  c[0].dacl->push_back(allow(well_known_sid::users, 0x100 | 0x10));
  BOOST_TEST(untrusted_writers_in(c, FileRole::data, {}).value().empty());
}

// Creating files in a folder above a data file is harmless; deleting children is not.
BOOST_AUTO_TEST_CASE(folder_add_file_is_harmless_for_data_but_delete_child_is_not) {
  auto c = chain();
  c[1].dacl->push_back(allow(well_known_sid::users, file_right::write_data | file_right::append_data));
  BOOST_TEST(untrusted_writers_in(c, FileRole::data, {}).value().empty());
  c[2].dacl->push_back(allow(well_known_sid::users, file_right::delete_child));
  BOOST_TEST(sids_at(untrusted_writers_in(c, FileRole::data, {}).value(), "C:\\") == Strings{std::string(well_known_sid::users)});
}

// An executable's own folder must not accept new files (DLL planting); a higher folder may.
BOOST_AUTO_TEST_CASE(executable_folder_must_not_accept_new_files) {
  auto c = chain();
  c[1].dacl->push_back(allow(well_known_sid::users, file_right::write_data));
  BOOST_TEST(sids_at(untrusted_writers_in(c, FileRole::executable, {}).value(), "C:\\App") == Strings{std::string(well_known_sid::users)});
  auto higher = chain();
  higher[2].dacl->push_back(allow(well_known_sid::users, file_right::write_data));
  BOOST_TEST(untrusted_writers_in(higher, FileRole::executable, {}).value().empty());
}

// Inherit-only ACEs and CREATOR OWNER placeholders do not apply to the object itself.
BOOST_AUTO_TEST_CASE(inherit_only_and_creator_owner_aces_are_skipped) {
  auto c = chain();
  c[1].dacl->push_back(allow(well_known_sid::users, file_right::all_access, ace_flag_inherit_only | 0x03));
  c[1].dacl->push_back(allow(well_known_sid::creator_owner, file_right::all_access, 0));
  BOOST_TEST(untrusted_writers_in(c, FileRole::executable, {}).value().empty());
}

// An untrusted owner may rewrite the DACL: a writer by ownership alone.
BOOST_AUTO_TEST_CASE(untrusted_owner_is_a_writer) {
  auto c = chain();
  c[0].owner_sid = "S-1-5-21-1-2-3-1001";
  const auto list = untrusted_writers_in(c, FileRole::data, {}).value();
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].as_owner);
  BOOST_TEST(list[0].rights == file_right::write_dac);
}

// OWNER RIGHTS limits what owners get: read-only -> the untrusted owner is harmless; with write
// it is a writer again.
BOOST_AUTO_TEST_CASE(owner_rights_ace_decides_for_the_owner) {
  auto c = chain();
  c[0].owner_sid = "S-1-5-21-1-2-3-1001";
  c[0].dacl->push_back(allow(well_known_sid::owner_rights, file_right::read_execute));
  BOOST_TEST(untrusted_writers_in(c, FileRole::data, {}).value().empty());
  c[0].dacl->back().mask |= file_right::write_data;
  const auto list = untrusted_writers_in(c, FileRole::data, {}).value();
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].sid == "S-1-5-21-1-2-3-1001");
  BOOST_TEST(list[0].as_owner);
}

// A NULL DACL grants Everyone all rights.
BOOST_AUTO_TEST_CASE(null_dacl_is_everyone_with_everything) {
  auto c = chain();
  c[0].dacl.reset();
  const auto list = untrusted_writers_in(c, FileRole::data, {}).value();
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].sid == std::string(well_known_sid::everyone));
  BOOST_TEST((list[0].rights & file_right::write_data) != 0u);
}

// Deny ACEs are not trusted to protect (the check stays conservative).
BOOST_AUTO_TEST_CASE(deny_aces_do_not_clear_a_grant) {
  auto c = chain();
  c[0].dacl->insert(c[0].dacl->begin(), FileAce{ace_type_denied, 0, file_right::all_access, std::string(well_known_sid::users)});
  c[0].dacl->push_back(allow(well_known_sid::users, file_right::write_data));
  BOOST_TEST(untrusted_writers_in(c, FileRole::data, {}).value().size() == 1u);
}

// TrustedInstaller and the running account are trusted; SIDs compare case-insensitively.
BOOST_AUTO_TEST_CASE(trusted_installer_and_own_account_are_trusted) {
  auto c = chain();
  c[0].owner_sid = std::string(well_known_sid::trusted_installer);
  c[0].dacl->push_back(allow("S-1-5-21-0-0-0-1000", file_right::all_access));
  c[1].dacl->push_back(allow("s-1-5-18", file_right::all_access));
  BOOST_TEST(untrusted_writers_in(c, FileRole::data, {"S-1-5-21-0-0-0-1000"}).value().empty());
  BOOST_TEST(untrusted_writers_in(c, FileRole::data, {}).value().size() == 1u);
}

// Writers are described with name, SID, object and rights.
BOOST_AUTO_TEST_CASE(writer_description_names_everything) {
  UntrustedWriter w{"C:\\x\\policy.json", "S-1-5-32-545", "BUILTIN\\Users", 0x116, false};
  BOOST_TEST(w.describe() == "BUILTIN\\Users (S-1-5-32-545) may change C:\\x\\policy.json (rights 0x00000116)");
  w.as_owner = true;
  w.principal = w.sid;
  BOOST_TEST(w.describe() == "S-1-5-32-545 may change C:\\x\\policy.json (rights 0x00000116, as its owner)");
}

// The folders above drive, UNC and \\?\ paths, nearest first, either separator.
BOOST_AUTO_TEST_CASE(parent_folders_of_windows_paths) {
  BOOST_TEST(windows_parent_folders("C:\\a\\b\\f.txt") == (Strings{"C:\\a\\b", "C:\\a", "C:\\"}), boost::test_tools::per_element());
  BOOST_TEST(windows_parent_folders("C:/a/f.txt") == (Strings{"C:\\a", "C:\\"}), boost::test_tools::per_element());
  BOOST_TEST(windows_parent_folders("C:\\f.txt") == (Strings{"C:\\"}), boost::test_tools::per_element());
  BOOST_TEST(windows_parent_folders("C:\\").empty());
  BOOST_TEST(windows_parent_folders("\\\\srv\\share\\d\\f") == (Strings{"\\\\srv\\share\\d", "\\\\srv\\share\\"}),
             boost::test_tools::per_element());
  BOOST_TEST(windows_parent_folders("\\\\?\\C:\\a\\f") == (Strings{"C:\\a", "C:\\"}), boost::test_tools::per_element());
  BOOST_TEST(windows_parent_folders("\\\\?\\UNC\\srv\\share\\f") == (Strings{"\\\\srv\\share\\"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fake_file_security)

// Unknown files do not exist; folders never set are admin-only; well-known SIDs get names.
BOOST_AUTO_TEST_CASE(fake_applies_the_rule_with_default_folders_and_names) {
  mock::FakeFileSecurity fake;
  BOOST_TEST(fake.untrusted_writers("C:\\App\\x.exe", FileRole::executable).error().win32_code() == 2u);
  fake.set("C:/App/x.exe", std::string(well_known_sid::administrators), admin_only());
  BOOST_TEST(fake.untrusted_writers("c:\\app\\X.EXE", FileRole::executable).value().empty());
  fake.set("C:\\App", std::string(well_known_sid::administrators),
           std::vector<FileAce>{allow(well_known_sid::users, file_right::write_data)});
  const auto list = fake.untrusted_writers("C:\\App\\x.exe", FileRole::executable).value();
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].principal == "BUILTIN\\Users");
  BOOST_TEST(list[0].path == "C:\\App");
}

// The fake trusts its own account (SYSTEM unless changed), like the Win32 backend.
BOOST_AUTO_TEST_CASE(fake_trusts_its_own_account) {
  mock::FakeFileSecurity fake;
  fake.set("C:\\p.json", "S-1-5-21-9-9-9-500", admin_only());
  BOOST_TEST(fake.untrusted_writers("C:\\p.json", FileRole::data).value().size() == 1u);
  fake.set_own_sid("S-1-5-21-9-9-9-500");
  BOOST_TEST(fake.untrusted_writers("C:\\p.json", FileRole::data).value().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(file_security_path_as_written)

// An ACE type the rule does not know (here an object ACE, 0x05) refuses the file, naming the type
// and the object (fail closed; before, it was skipped and the file accepted).
BOOST_AUTO_TEST_CASE(an_unknown_ace_type_refuses_the_file_naming_type_and_object) {
  auto c = chain();
  c[1].dacl->push_back(FileAce{0x05, 0, file_right::all_access, std::string(well_known_sid::users)});
  auto result = untrusted_writers_in(c, FileRole::data, {});
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().is_win32(1336u));
  BOOST_TEST(result.error().message().find("type 0x05") != std::string::npos, result.error().message());
  BOOST_TEST(result.error().message().find("C:\\App") != std::string::npos, result.error().message());
  mock::FakeFileSecurity fake;
  fake.set("C:\\App\\x.exe", std::string(well_known_sid::administrators), admin_only());
  fake.set("C:\\App", std::string(well_known_sid::administrators), c[1].dacl);
  BOOST_TEST(!fake.open_checked("C:\\App\\x.exe", FileRole::executable).ok());
}

// UNC, \\?\UNC\, \\?\ and \\.\ device paths, relative paths and streams are refused for any role;
// a drive path is not.
BOOST_AUTO_TEST_CASE(unc_device_and_stream_paths_are_refused) {
  for (const char* path : {"\\\\server\\share\\tool.exe", "//server/share/tool.exe", "\\\\?\\UNC\\server\\share\\tool.exe",
                           "\\\\.\\C:\\tool.exe", "\\\\?\\C:\\tool.exe", "tool.exe", "C:tool.exe", "C:\\tool.exe:evil"}) {
    BOOST_TEST(!path_refusal(path, FileRole::executable).empty(), path);
    BOOST_TEST(!path_refusal(path, FileRole::data).empty(), path);
  }
  BOOST_TEST(path_refusal("\\\\server\\share\\tool.exe", FileRole::executable).find("UNC") != std::string::npos);
  BOOST_TEST(path_refusal("C:\\Program Files\\x\\tool.exe", FileRole::executable).empty());
  mock::FakeFileSecurity fake;
  fake.set("\\\\server\\share\\tool.exe", std::string(well_known_sid::administrators), admin_only());
  auto unc = fake.open_checked("\\\\server\\share\\tool.exe", FileRole::executable);
  BOOST_REQUIRE(!unc.ok());
  BOOST_TEST(unc.error().is_win32(win32_error::bad_pathname));
}

// .bat / .cmd executables, in any case and with the trailing dots and spaces Windows strips, are
// refused with the cmd.exe spelling to use instead; as data files they are fine.
BOOST_AUTO_TEST_CASE(batch_files_are_refused_as_executables_with_the_cmd_exe_spelling) {
  for (const char* path : {"C:\\x\\a.bat", "C:\\x\\a.CMD", "C:\\x\\a.Bat.", "C:\\x\\a.cmd . .", "C:\\x\\a.cmd "}) {
    BOOST_TEST(is_batch_file(path), path);
    BOOST_TEST(!path_refusal(path, FileRole::executable).empty(), path);
    BOOST_TEST(path_refusal(path, FileRole::data).empty(), path);
  }
  BOOST_TEST(!is_batch_file("C:\\x\\a.exe"));
  BOOST_TEST(!is_batch_file("C:\\x.bat\\a.exe"));
  const std::string why = path_refusal("C:\\x\\a.cmd", FileRole::executable);
  BOOST_TEST(why.find("cmd.exe") != std::string::npos, why);
  BOOST_TEST(why.find("[\"/d\", \"/c\", \"C:\\\\x\\\\a.cmd\"]") != std::string::npos, why);
}

// A link on the path as written owned by Users refuses the file, though the folders of its final
// path are admin-only (before, only the final path was examined).
BOOST_AUTO_TEST_CASE(a_link_owned_by_users_on_the_written_path_refuses_the_file) {
  mock::FakeFileSecurity fake;
  fake.set("C:\\Program Files\\Contoso\\tool.exe", std::string(well_known_sid::administrators), admin_only());
  fake.set_reparse_point("C:\\ProgramData\\Evil", std::string(well_known_sid::users), admin_only(),
                         "C:\\Program Files\\Contoso");
  auto held = fake.open_checked("C:\\ProgramData\\Evil\\tool.exe", FileRole::executable);
  BOOST_REQUIRE(held.ok());
  BOOST_TEST((*held)->final_path() == "C:\\Program Files\\Contoso\\tool.exe");
  BOOST_TEST(sids_at((*held)->untrusted_writers(), "C:\\ProgramData\\Evil") == Strings{std::string(well_known_sid::users)});
  // The same link owned by Administrators, retargetable by nobody else: accepted.
  fake.set_reparse_point("C:\\ProgramData\\Evil", std::string(well_known_sid::administrators), admin_only(),
                         "C:\\Program Files\\Contoso");
  BOOST_TEST(fake.untrusted_writers("C:\\ProgramData\\Evil\\tool.exe", FileRole::executable).value().empty());
  // An admin link whose DACL lets Users write its data (retarget it): refused.
  fake.set_reparse_point("C:\\ProgramData\\Evil", std::string(well_known_sid::administrators),
                         std::vector<FileAce>{allow(well_known_sid::users, file_right::write_data)}, "C:\\Program Files\\Contoso");
  BOOST_TEST(!fake.untrusted_writers("C:\\ProgramData\\Evil\\tool.exe", FileRole::executable).value().empty());
}

// A folder of the path as written that Users created (and so may replace) refuses the file even
// when a trusted link below it leads somewhere safe.
BOOST_AUTO_TEST_CASE(a_written_folder_users_may_replace_refuses_the_file) {
  mock::FakeFileSecurity fake;
  fake.set("C:\\Program Files\\Contoso\\tool.exe", std::string(well_known_sid::administrators), admin_only());
  fake.set("C:\\ProgramData\\Mine", std::string(well_known_sid::users), mock::users_may_write_dacl());
  fake.set_reparse_point("C:\\ProgramData\\Mine\\link", std::string(well_known_sid::administrators), admin_only(),
                         "C:\\Program Files\\Contoso");
  const auto list = fake.untrusted_writers("C:\\ProgramData\\Mine\\link\\tool.exe", FileRole::executable).value();
  BOOST_TEST(sids_at(list, "C:\\ProgramData\\Mine") == Strings{std::string(well_known_sid::users)});
}

// While held, the file cannot be renamed away or replaced (FILE_SHARE_READ); after release it can,
// and the identity of what the path names changes.
BOOST_AUTO_TEST_CASE(a_held_file_cannot_be_swapped_until_released) {
  mock::FakeFileSecurity fake;
  fake.set("C:\\App\\tool.exe", std::string(well_known_sid::administrators), admin_only());
  fake.set("C:\\App\\other.exe", std::string(well_known_sid::administrators), admin_only());
  auto held = fake.open_checked("C:\\App\\tool.exe", FileRole::executable);
  BOOST_REQUIRE(held.ok());
  const std::string identity = (*held)->identity();
  BOOST_TEST(fake.holds("C:\\App\\tool.exe") == 1);
  BOOST_TEST(!fake.rename("C:\\App\\tool.exe", "C:\\App\\old.exe"));
  BOOST_TEST(!fake.rename("C:\\App\\other.exe", "C:\\App\\tool.exe"));
  BOOST_TEST(fake.identity_of("C:\\App\\tool.exe") == identity);
  held->reset();
  BOOST_TEST(fake.holds("C:\\App\\tool.exe") == 0);
  BOOST_TEST(fake.rename("C:\\App\\tool.exe", "C:\\App\\old.exe"));
  BOOST_TEST(fake.rename("C:\\App\\other.exe", "C:\\App\\tool.exe"));
  BOOST_TEST(fake.identity_of("C:\\App\\tool.exe") != identity);
}

// A working directory (FileRole::folder) where Users may add files is refused; one where they may
// only read is accepted.
BOOST_AUTO_TEST_CASE(a_working_directory_users_may_add_files_to_is_refused) {
  mock::FakeFileSecurity fake;
  fake.set("C:\\Work", std::string(well_known_sid::administrators),
           std::vector<FileAce>{allow(well_known_sid::system, file_right::all_access),
                                allow(well_known_sid::users, file_right::read_execute | file_right::write_data)});
  BOOST_TEST(sids_at(fake.untrusted_writers("C:\\Work", FileRole::folder).value(), "C:\\Work") ==
             Strings{std::string(well_known_sid::users)});
  fake.set("C:\\Work", std::string(well_known_sid::administrators), admin_only());
  BOOST_TEST(fake.untrusted_writers("C:\\Work", FileRole::folder).value().empty());
}

BOOST_AUTO_TEST_SUITE_END()
