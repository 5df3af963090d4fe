// A FileSystem that passes every call to another one: the base of test wrappers that watch or
// change only some calls (count them, slow them down, make the process "die" at one).
#pragma once

#include "platform/file_system.hpp"

namespace wsbkit::mock {

class ForwardingFileSystem : public FileSystem {
 public:
  explicit ForwardingFileSystem(FileSystem& inner) : inner_(inner) {}

  Result<std::string> read_file(const std::string& p) override { return inner_.read_file(p); }
  Result<void> write_file(const std::string& p, std::string_view c) override { return inner_.write_file(p, c); }
  Result<void> replace_file_atomically(const std::string& p, std::string_view c) override {
    return inner_.replace_file_atomically(p, c);
  }
  Result<void> append_file(const std::string& p, std::string_view c) override { return inner_.append_file(p, c); }
  Result<bool> exists(const std::string& p) override { return inner_.exists(p); }
  Result<bool> is_directory(const std::string& p) override { return inner_.is_directory(p); }
  Result<std::uint64_t> file_size(const std::string& p) override { return inner_.file_size(p); }
  Result<std::vector<DirectoryEntry>> list_directory(const std::string& p) override { return inner_.list_directory(p); }
  Result<std::vector<DirectoryEntry>> list_names(const std::string& p) override { return inner_.list_names(p); }
  Result<bool> create_directories(const std::string& p) override { return inner_.create_directories(p); }
  Result<void> remove(const std::string& p) override { return inner_.remove(p); }
  Result<void> remove_tree(const std::string& p) override { return inner_.remove_tree(p); }
  Result<void> read_chunks(const std::string& p, std::size_t size, const ChunkSink& sink) override {
    return inner_.read_chunks(p, size, sink);
  }
  Result<std::string> read_file_no_follow(const std::string& p) override { return inner_.read_file_no_follow(p); }
  Result<void> append_file_no_follow(const std::string& p, std::string_view c) override {
    return inner_.append_file_no_follow(p, c);
  }

 protected:
  FileSystem& inner_;
};

}  // namespace wsbkit::mock
