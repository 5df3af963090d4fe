// File system contract: the same cases run natively against mock::FakeFileSystem and the POSIX
// backend (real files in the temp directory), and under Wine against the Win32 backend. Every case
// works in a fresh scratch folder that the fixture removes.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <thread>
#include <atomic>

#include "platform/file_system.hpp"
#include "tests/contract/backends.hpp"
#include "tests/contract/contract_support.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;

namespace {

constexpr std::uint32_t error_directory = 267;

struct ScratchFolder {
  FileSystemBackend backend = make_file_system_backend();
  FileSystem& fs = *backend.file_system;
  const std::string base = backend.temp_directory + "/wsbkit-contract-" + unique_suffix();

  ScratchFolder() {
    BOOST_TEST_MESSAGE("file system backend: " << backend.name << ", scratch " << base);
    BOOST_REQUIRE(fs.create_directories(base).value());
  }
  ~ScratchFolder() { (void)fs.remove_tree(base); }

  std::string at(const std::string& relative) const { return base + "/" + relative; }

  std::vector<std::string> names(const std::string& relative = "") {
    std::vector<std::string> out;
    const auto entries = fs.list_directory(relative.empty() ? base : at(relative));
    for (const DirectoryEntry& e : entries.value()) out.push_back(e.name);
    return out;
  }
};

using Strings = std::vector<std::string>;

std::string binary_bytes(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 31 + 7) & 0xFF);
  return s;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(file_system_contract, ScratchFolder)

// Bytes written are read back unchanged, NULs and high bytes included.
BOOST_AUTO_TEST_CASE(write_then_read_round_trips_bytes) {
  const std::string bytes("a\0b\xFF\x80\r\n", 7);
  BOOST_REQUIRE(fs.write_file(at("f.bin"), bytes).ok());
  BOOST_TEST(fs.read_file(at("f.bin")).value() == bytes);
}

// The no-follow calls on a plain file behave as read_file / append_file (append creates it); a
// missing file is ERROR_FILE_NOT_FOUND. (Wine 8 reports no Unix symbolic link as a reparse point,
// measured: the refusal of links is shown against the fake, mock/fake_file_system.hpp.)
BOOST_AUTO_TEST_CASE(no_follow_calls_on_a_plain_file_read_and_append) {
  BOOST_REQUIRE(fs.append_file_no_follow(at("log.jsonl"), std::string("a\0", 2)).ok());
  BOOST_REQUIRE(fs.append_file_no_follow(at("log.jsonl"), "b\n").ok());
  BOOST_TEST(fs.read_file_no_follow(at("log.jsonl")).value() == std::string("a\0b\n", 4));
  BOOST_TEST(fs.read_file_no_follow(at("missing")).error().win32_code() == win32_error::file_not_found);
}

// Writing an existing file replaces all of its contents (truncates).
BOOST_AUTO_TEST_CASE(write_file_truncates_existing_contents) {
  BOOST_REQUIRE(fs.write_file(at("f.txt"), "a much longer first version").ok());
  BOOST_REQUIRE(fs.write_file(at("f.txt"), "short").ok());
  BOOST_TEST(fs.read_file(at("f.txt")).value() == "short");
  BOOST_TEST(fs.file_size(at("f.txt")).value() == 5u);
}

// An empty file exists, has size 0 and reads as "".
BOOST_AUTO_TEST_CASE(empty_file_reads_empty) {
  BOOST_REQUIRE(fs.write_file(at("empty"), "").ok());
  BOOST_TEST(fs.exists(at("empty")).value());
  BOOST_TEST(fs.file_size(at("empty")).value() == 0u);
  BOOST_TEST(fs.read_file(at("empty")).value().empty());
}

// A 3 MiB file round-trips (several internal read chunks).
BOOST_AUTO_TEST_CASE(large_file_round_trips) {
  const std::string bytes = binary_bytes(3 * 1024 * 1024 + 17);
  BOOST_REQUIRE(fs.write_file(at("big"), bytes).ok());
  BOOST_TEST(fs.file_size(at("big")).value() == bytes.size());
  BOOST_TEST((fs.read_file(at("big")).value() == bytes));
}

// Reading a missing file is ERROR_FILE_NOT_FOUND; one in a missing folder ERROR_PATH_NOT_FOUND.
BOOST_AUTO_TEST_CASE(reading_missing_file_or_folder_fails_distinctly) {
  BOOST_TEST(code_of(fs.read_file(at("missing.txt"))) == win32_error::file_not_found);
  BOOST_TEST(code_of(fs.read_file(at("missing-dir/f.txt"))) == win32_error::path_not_found);
  BOOST_TEST(code_of(fs.file_size(at("missing.txt"))) == win32_error::file_not_found);
}

// Writing into a missing folder is ERROR_PATH_NOT_FOUND and creates nothing.
BOOST_AUTO_TEST_CASE(writing_into_missing_folder_is_path_not_found) {
  BOOST_TEST(code_of(fs.write_file(at("missing-dir/f.txt"), "x")) == win32_error::path_not_found);
  BOOST_TEST(code_of(fs.append_file(at("missing-dir/f.txt"), "x")) == win32_error::path_not_found);
  BOOST_TEST(fs.exists(at("missing-dir")).value() == false);
}

// Reading or writing a folder as a file is ERROR_ACCESS_DENIED.
BOOST_AUTO_TEST_CASE(folder_used_as_file_is_access_denied) {
  BOOST_REQUIRE(fs.create_directories(at("dir")).ok());
  BOOST_TEST(code_of(fs.read_file(at("dir"))) == win32_error::access_denied);
  BOOST_TEST(code_of(fs.write_file(at("dir"), "x")) == win32_error::access_denied);
}

// A path through a file (as if it were a folder) is ERROR_PATH_NOT_FOUND.
BOOST_AUTO_TEST_CASE(path_through_a_file_is_path_not_found) {
  BOOST_REQUIRE(fs.write_file(at("file"), "x").ok());
  BOOST_TEST(code_of(fs.read_file(at("file/inner"))) == win32_error::path_not_found);
  BOOST_TEST(code_of(fs.write_file(at("file/inner"), "y")) == win32_error::path_not_found);
  BOOST_TEST(fs.exists(at("file/inner")).value() == false);
}

// Appending creates a missing file, then adds to its end.
BOOST_AUTO_TEST_CASE(append_creates_then_appends) {
  BOOST_REQUIRE(fs.append_file(at("log.txt"), "one\n").ok());
  BOOST_REQUIRE(fs.append_file(at("log.txt"), "two\n").ok());
  BOOST_TEST(fs.read_file(at("log.txt")).value() == "one\ntwo\n");
}

// Atomic replacement creates a missing file, replaces an existing one, and leaves no temporary
// file behind.
BOOST_AUTO_TEST_CASE(replace_file_atomically_replaces_and_leaves_no_temporary) {
  BOOST_REQUIRE(fs.replace_file_atomically(at("config.json"), "{\"v\":1}").ok());
  BOOST_TEST(fs.read_file(at("config.json")).value() == "{\"v\":1}");
  BOOST_REQUIRE(fs.replace_file_atomically(at("config.json"), "{}").ok());
  BOOST_TEST(fs.read_file(at("config.json")).value() == "{}");
  BOOST_TEST(names() == (Strings{"config.json"}));
}

// Atomic replacement into a missing folder is ERROR_PATH_NOT_FOUND; over a folder
// ERROR_ACCESS_DENIED; either way nothing is left behind.
BOOST_AUTO_TEST_CASE(replace_file_atomically_failures_leave_nothing) {
  BOOST_TEST(code_of(fs.replace_file_atomically(at("missing-dir/f"), "x")) == win32_error::path_not_found);
  BOOST_REQUIRE(fs.create_directories(at("dir")).ok());
  BOOST_TEST(code_of(fs.replace_file_atomically(at("dir"), "x")) == win32_error::access_denied);
  BOOST_TEST(fs.is_directory(at("dir")).value());
  BOOST_TEST(names() == (Strings{"dir"}));
}

// exists and is_directory tell files, folders and missing paths apart without errors.
BOOST_AUTO_TEST_CASE(exists_and_is_directory_classify_paths) {
  BOOST_REQUIRE(fs.write_file(at("file"), "x").ok());
  BOOST_REQUIRE(fs.create_directories(at("dir")).ok());
  BOOST_TEST(fs.exists(at("file")).value());
  BOOST_TEST(fs.exists(at("dir")).value());
  BOOST_TEST(fs.exists(at("missing")).value() == false);
  BOOST_TEST(fs.exists(at("missing/deeper")).value() == false);
  BOOST_TEST(fs.is_directory(at("dir")).value());
  BOOST_TEST(fs.is_directory(at("file")).value() == false);
  BOOST_TEST(fs.is_directory(at("missing")).value() == false);
}

// Listing gives names only (no "." or ".."), sorted, with folder flags and file sizes.
BOOST_AUTO_TEST_CASE(list_directory_is_sorted_with_kinds_and_sizes) {
  BOOST_REQUIRE(fs.write_file(at("b.txt"), "12345").ok());
  BOOST_REQUIRE(fs.write_file(at("a.txt"), "").ok());
  BOOST_REQUIRE(fs.create_directories(at("c-dir/inner")).ok());
  const auto entries = fs.list_directory(base).value();
  const std::vector<DirectoryEntry> expected = {{"a.txt", false, 0}, {"b.txt", false, 5}, {"c-dir", true, 0}};
  BOOST_TEST((entries == expected));
  BOOST_TEST(names("c-dir") == (Strings{"inner"}));
  BOOST_TEST(names("c-dir/inner").empty());
}

// Plain files and folders are never flagged as reparse points; a directory link is, with its own
// entry (not its target's contents), and reading through it still works (only listings tell).
BOOST_AUTO_TEST_CASE(list_directory_flags_reparse_points_only) {
  BOOST_REQUIRE(fs.write_file(at("file"), "x").ok());
  BOOST_REQUIRE(fs.create_directories(at("dir")).ok());
  for (const DirectoryEntry& e : fs.list_directory(base).value()) BOOST_TEST(!e.is_reparse_point, e.name);
  if (!backend.make_directory_link) {
    BOOST_TEST_MESSAGE(backend.name << ": no directory link can be made here (see backends.hpp); plain entries checked");
    return;
  }
  BOOST_REQUIRE(backend.make_directory_link(at("link"), at("dir")));
  BOOST_REQUIRE(fs.write_file(at("dir/inside.txt"), "y").ok());
  const auto entries = fs.list_directory(base).value();
  BOOST_REQUIRE_EQUAL(entries.size(), 3u);  // dir, file, link
  BOOST_TEST(entries[2].name == "link");
  BOOST_TEST(entries[2].is_reparse_point);
  BOOST_TEST(!entries[0].is_reparse_point);
  BOOST_TEST(!entries[1].is_reparse_point);
  BOOST_TEST(fs.read_file(at("link/inside.txt")).value() == "y");
  BOOST_REQUIRE(fs.remove(at("link")).ok());  // the link goes, its target stays
  BOOST_TEST(fs.read_file(at("dir/inside.txt")).value() == "y");
}

// Listing names only gives what list_directory gives, sizes aside (a backend may leave them 0), and
// fails as it does.
BOOST_AUTO_TEST_CASE(list_names_is_list_directory_without_sizes) {
  BOOST_REQUIRE(fs.write_file(at("b.txt"), "12345").ok());
  BOOST_REQUIRE(fs.write_file(at("a.txt"), "").ok());
  BOOST_REQUIRE(fs.create_directories(at("c-dir/inner")).ok());
  if (backend.make_directory_link) BOOST_REQUIRE(backend.make_directory_link(at("link"), at("c-dir")));
  auto listed = fs.list_directory(base).value();
  auto named = fs.list_names(base).value();
  for (auto* entries : {&listed, &named}) {
    for (auto& e : *entries) e.size = 0;
  }
  BOOST_TEST((named == listed));
  BOOST_TEST(named.size() == (backend.make_directory_link ? 4u : 3u));
  BOOST_TEST(code_of(fs.list_names(at("missing"))) == win32_error::path_not_found);
  BOOST_TEST(code_of(fs.list_names(at("b.txt"))) == error_directory);
}

// Listing a missing folder is ERROR_PATH_NOT_FOUND; listing a file is ERROR_DIRECTORY (267).
BOOST_AUTO_TEST_CASE(list_directory_of_missing_folder_or_file_fails) {
  BOOST_REQUIRE(fs.write_file(at("file"), "x").ok());
  BOOST_TEST(code_of(fs.list_directory(at("missing"))) == win32_error::path_not_found);
  BOOST_TEST(code_of(fs.list_directory(at("file"))) == error_directory);
}

// Non-ASCII names survive writing, listing and reading.
BOOST_AUTO_TEST_CASE(unicode_names_round_trip) {
  const std::string name = "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80.txt";  // "été € 😀.txt"
  BOOST_REQUIRE(fs.write_file(at(name), "content").ok());
  BOOST_TEST(names() == (Strings{name}));
  BOOST_TEST(fs.read_file(at(name)).value() == "content");
}

// create_directories makes every missing level, reports whether it created the last one, and
// accepts a trailing separator.
BOOST_AUTO_TEST_CASE(create_directories_creates_all_levels_once) {
  BOOST_TEST(fs.create_directories(at("a/b/c")).value() == true);
  BOOST_TEST(fs.is_directory(at("a/b/c")).value());
  BOOST_TEST(fs.create_directories(at("a/b/c")).value() == false);
  BOOST_TEST(fs.create_directories(at("a/b/c/")).value() == false);
  BOOST_TEST(fs.create_directories(at("a/b/d/")).value() == true);
}

// A file in the way: ERROR_ALREADY_EXISTS as the last component, ERROR_PATH_NOT_FOUND before it.
BOOST_AUTO_TEST_CASE(create_directories_with_file_in_the_way_fails) {
  BOOST_REQUIRE(fs.write_file(at("file"), "x").ok());
  BOOST_TEST(code_of(fs.create_directories(at("file"))) == win32_error::already_exists);
  BOOST_TEST(code_of(fs.create_directories(at("file/sub"))) == win32_error::path_not_found);
  BOOST_TEST(fs.read_file(at("file")).value() == "x");
}

// remove deletes a file or an empty folder; a missing one is ERROR_FILE_NOT_FOUND.
BOOST_AUTO_TEST_CASE(remove_deletes_files_and_empty_folders) {
  BOOST_REQUIRE(fs.write_file(at("file"), "x").ok());
  BOOST_REQUIRE(fs.create_directories(at("dir")).ok());
  BOOST_TEST(fs.remove(at("file")).ok());
  BOOST_TEST(fs.remove(at("dir")).ok());
  BOOST_TEST(names().empty());
  BOOST_TEST(code_of(fs.remove(at("file"))) == win32_error::file_not_found);
  BOOST_TEST(code_of(fs.remove(at("missing-dir/file"))) == win32_error::path_not_found);
}

// Removing a folder that is not empty is ERROR_DIR_NOT_EMPTY and keeps its contents.
BOOST_AUTO_TEST_CASE(remove_of_non_empty_folder_is_dir_not_empty) {
  BOOST_REQUIRE(fs.create_directories(at("dir")).ok());
  BOOST_REQUIRE(fs.write_file(at("dir/f"), "x").ok());
  BOOST_TEST(code_of(fs.remove(at("dir"))) == win32_error::dir_not_empty);
  BOOST_TEST(fs.read_file(at("dir/f")).value() == "x");
}

// remove_tree deletes a folder with everything in it; a missing one is ERROR_FILE_NOT_FOUND.
BOOST_AUTO_TEST_CASE(remove_tree_deletes_everything_below) {
  BOOST_REQUIRE(fs.create_directories(at("tree/a/b")).ok());
  BOOST_REQUIRE(fs.write_file(at("tree/a/b/f"), "x").ok());
  BOOST_REQUIRE(fs.write_file(at("tree/g"), "y").ok());
  BOOST_REQUIRE(fs.write_file(at("keep"), "z").ok());
  BOOST_TEST(fs.remove_tree(at("tree")).ok());
  BOOST_TEST(names() == (Strings{"keep"}));
  BOOST_TEST(code_of(fs.remove_tree(at("tree"))) == win32_error::file_not_found);
}

// read_chunks delivers the file in order in chunks of exactly chunk_size (the last shorter).
BOOST_AUTO_TEST_CASE(read_chunks_delivers_fixed_size_chunks_in_order) {
  const std::string bytes = binary_bytes(10000);
  BOOST_REQUIRE(fs.write_file(at("data"), bytes).ok());
  std::vector<std::size_t> sizes;
  std::string joined;
  BOOST_REQUIRE(fs.read_chunks(at("data"), 4096, [&](std::string_view chunk) {
    sizes.push_back(chunk.size());
    joined.append(chunk);
    return success();
  }).ok());
  BOOST_TEST(sizes == (std::vector<std::size_t>{4096, 4096, 1808}));
  BOOST_TEST((joined == bytes));
}

// An empty file gives no chunk at all; a missing file is ERROR_FILE_NOT_FOUND.
BOOST_AUTO_TEST_CASE(read_chunks_of_empty_or_missing_file) {
  BOOST_REQUIRE(fs.write_file(at("empty"), "").ok());
  int calls = 0;
  const auto count = [&](std::string_view) { ++calls; return success(); };
  BOOST_TEST(fs.read_chunks(at("empty"), 16, count).ok());
  BOOST_TEST(calls == 0);
  BOOST_TEST(code_of(fs.read_chunks(at("missing"), 16, count)) == win32_error::file_not_found);
}

// The sink's error stops the read after that chunk and is returned unchanged.
BOOST_AUTO_TEST_CASE(read_chunks_stops_at_sink_error) {
  BOOST_REQUIRE(fs.write_file(at("data"), binary_bytes(100)).ok());
  int calls = 0;
  const auto result = fs.read_chunks(at("data"), 10, [&](std::string_view) -> Result<void> {
    if (++calls == 3) return Error::win32(win32_error::write_fault, "hash", "sink");
    return success();
  });
  BOOST_TEST(calls == 3);
  BOOST_TEST(code_of(result) == win32_error::write_fault);
  BOOST_TEST(result.error().api() == "hash");
}

// read_sequential gives the same bytes as read_chunks, in order, in chunks of at most chunk_size,
// for small files (read into the caller's buffer) and large ones (a backend may map them), and one
// buffer serves file after file.
BOOST_AUTO_TEST_CASE(read_sequential_delivers_whole_files_through_one_reused_buffer) {
  const std::string small = binary_bytes(10000), large = binary_bytes((3u << 20) + 12345);
  BOOST_REQUIRE(fs.write_file(at("small"), small).ok());
  BOOST_REQUIRE(fs.write_file(at("large"), large).ok());
  BOOST_REQUIRE(fs.write_file(at("empty"), "").ok());
  std::string buffer;
  for (const auto& [name, bytes] : {std::pair{"large", &large}, {"small", &small}, {"empty", &small}}) {
    std::string joined;
    std::size_t biggest = 0;
    BOOST_REQUIRE(fs.read_sequential(at(name), 4096, buffer, [&](std::string_view chunk) {
      biggest = std::max(biggest, chunk.size());
      joined.append(chunk);
      return success();
    }).ok());
    BOOST_TEST(biggest <= 4096u);
    BOOST_TEST((joined == (std::string(name) == "empty" ? std::string() : *bytes)), name);
  }
  BOOST_TEST(buffer.size() <= 4096u);
}

// read_sequential fails like read_chunks: a missing file is ERROR_FILE_NOT_FOUND, a folder
// ERROR_ACCESS_DENIED, and the sink's error stops the read (small or large file) and is returned.
BOOST_AUTO_TEST_CASE(read_sequential_fails_like_read_chunks) {
  BOOST_REQUIRE(fs.write_file(at("small"), binary_bytes(100)).ok());
  BOOST_REQUIRE(fs.write_file(at("large"), binary_bytes(2u << 20)).ok());
  BOOST_REQUIRE(fs.create_directories(at("folder")).ok());
  std::string buffer;
  const auto accept = [](std::string_view) { return success(); };
  BOOST_TEST(code_of(fs.read_sequential(at("missing"), 16, buffer, accept)) == win32_error::file_not_found);
  BOOST_TEST(code_of(fs.read_sequential(at("folder"), 16, buffer, accept)) == win32_error::access_denied);
  for (const char* name : {"small", "large"}) {
    int calls = 0;
    const auto result = fs.read_sequential(at(name), 10, buffer, [&](std::string_view) -> Result<void> {
      if (++calls == 3) return Error::win32(win32_error::write_fault, "hash", "sink");
      return success();
    });
    BOOST_TEST(calls == 3, name);
    BOOST_TEST(code_of(result) == win32_error::write_fault, name);
  }
}

// A folder held open reads its files by name exactly as read_sequential reads them by path, file
// after file through one buffer, and fails as it does (missing file, folder, sink error); a missing
// folder is ERROR_PATH_NOT_FOUND, whether at the open or at the read.
BOOST_AUTO_TEST_CASE(an_open_folder_reads_its_files_by_name_as_read_sequential_by_path) {
  const std::string small = binary_bytes(5000), large = binary_bytes((1u << 20) + 7);
  BOOST_REQUIRE(fs.create_directories(at("held/inner")).ok());
  BOOST_REQUIRE(fs.write_file(at("held/small"), small).ok());
  BOOST_REQUIRE(fs.write_file(at("held/large"), large).ok());
  auto folder = fs.open_folder(at("held/"));
  BOOST_REQUIRE(folder.ok());
  std::string buffer;
  for (const auto& [name, bytes] : {std::pair{"large", &large}, {"small", &small}}) {
    std::string by_name, by_path;
    BOOST_REQUIRE((*folder)->read_sequential(name, 4096, buffer, [&](std::string_view c) {
      by_name.append(c);
      return success();
    }).ok());
    BOOST_REQUIRE(fs.read_sequential(at(std::string("held/") + name), 4096, buffer, [&](std::string_view c) {
      by_path.append(c);
      return success();
    }).ok());
    BOOST_TEST((by_name == *bytes), name);
    BOOST_TEST((by_path == by_name), name);
  }
  const auto accept = [](std::string_view) { return success(); };
  BOOST_TEST(code_of((*folder)->read_sequential("missing", 16, buffer, accept)) == win32_error::file_not_found);
  BOOST_TEST(code_of((*folder)->read_sequential("inner", 16, buffer, accept)) == win32_error::access_denied);
  const auto stopped = (*folder)->read_sequential("small", 10, buffer, [](std::string_view) -> Result<void> {
    return Error::win32(win32_error::write_fault, "hash", "sink");
  });
  BOOST_TEST(code_of(stopped) == win32_error::write_fault);
  auto missing = fs.open_folder(at("no-such-folder/"));
  if (missing) {
    BOOST_TEST(code_of((*missing)->read_sequential("small", 16, buffer, accept)) == win32_error::path_not_found);
  } else {
    BOOST_TEST(code_of(missing) == win32_error::path_not_found);
  }
}

// Appenders never fail one another and each append lands whole: four threads appending lines to
// one file, half through append_file and half through append_file_no_follow, leave every line once.
// Where files have sharing modes, a reader that shares no write access holds the file for 200 ms
// meanwhile, and the appends wait for it instead of failing.
BOOST_AUTO_TEST_CASE(concurrent_appends_all_land_whole_even_past_a_reader_denying_writers) {
  const std::string log = at("appended.jsonl");
  BOOST_REQUIRE(fs.write_file(log, "").ok());
  std::function<void()> release;
  if (backend.hold_denying_writes) {
    release = backend.hold_denying_writes(log);
    BOOST_REQUIRE_MESSAGE(release, "a reader denying writers could not hold the file, or writers were not refused");
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> appenders;
  for (int t = 0; t < 4; ++t) {
    appenders.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const std::string line = "{\"thread\":" + std::to_string(t) + ",\"line\":" + std::to_string(i) + "}\n";
        const auto appended = i % 2 ? fs.append_file(log, line) : fs.append_file_no_follow(log, line);
        if (!appended) ++failures;
      }
    });
  }
  if (release) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    release();
  }
  for (auto& a : appenders) a.join();
  BOOST_TEST(failures.load() == 0);
  const std::string text = fs.read_file(log).value();
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 100; ++i) {
      const std::string line = "{\"thread\":" + std::to_string(t) + ",\"line\":" + std::to_string(i) + "}\n";
      const auto first = text.find(line);
      BOOST_TEST((first != std::string::npos && text.find(line, first + 1) == std::string::npos), line);
    }
  }
  BOOST_TEST(text.size() == 4u * 100u * std::string("{\"thread\":0,\"line\":00}\n").size() - 4u * 10u);
}

// Errors name the failing path and carry a system message.
BOOST_AUTO_TEST_CASE(errors_name_the_path_and_carry_a_message) {
  const auto missing = fs.read_file(at("missing.txt"));
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().object() == at("missing.txt"));
  BOOST_TEST(!missing.error().system_message().empty());
}

BOOST_AUTO_TEST_SUITE_END()
