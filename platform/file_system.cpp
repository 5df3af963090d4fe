#include "platform/file_system.hpp"

namespace wsbkit {
namespace {

// The default OpenFolder: nothing held open, each file read by its full path.
class PathFolder final : public FileSystem::OpenFolder {
 public:
  PathFolder(FileSystem& files, std::string folder) : files_(files), folder_(std::move(folder)) {}
  Result<void> read_sequential(const std::string& name, std::size_t chunk_size, std::string& buffer,
                               const FileSystem::ChunkSink& sink) override {
    return files_.read_sequential(folder_ + name, chunk_size, buffer, sink);
  }

 private:
  FileSystem& files_;
  std::string folder_;
};

}  // namespace

Result<std::unique_ptr<FileSystem::OpenFolder>> FileSystem::open_folder(const std::string& folder) {
  return std::unique_ptr<OpenFolder>(std::make_unique<PathFolder>(*this, folder));
}

}  // namespace wsbkit
