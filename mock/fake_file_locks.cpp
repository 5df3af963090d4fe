#include "mock/fake_file_locks.hpp"

#include "platform/memory/windows_names.hpp"

namespace wsbkit::mock {
namespace {

template <class Table>
class FakeFileLock final : public FileLock {
 public:
  FakeFileLock(std::shared_ptr<Table> table, std::u16string name) : table_(std::move(table)), name_(std::move(name)) {}
  ~FakeFileLock() override {
    std::lock_guard lock(table_->mutex);
    table_->held.erase(name_);
  }

 private:
  std::shared_ptr<Table> table_;
  std::u16string name_;
};

}  // namespace

FakeFileLocks::FakeFileLocks() : table_(std::make_shared<Table>()) {}

Result<std::unique_ptr<FileLock>> FakeFileLocks::try_lock(const std::string& path) {
  const std::u16string name = fold_name(path);
  std::lock_guard lock(table_->mutex);
  if (!table_->held.insert(name).second) return std::unique_ptr<FileLock>();
  return std::unique_ptr<FileLock>(std::make_unique<FakeFileLock<Table>>(table_, name));
}

void FakeFileLocks::hold_elsewhere(const std::string& path) {
  std::lock_guard lock(table_->mutex);
  table_->held.insert(fold_name(path));
}

void FakeFileLocks::release_elsewhere(const std::string& path) {
  std::lock_guard lock(table_->mutex);
  table_->held.erase(fold_name(path));
}

bool FakeFileLocks::held(const std::string& path) const {
  std::lock_guard lock(table_->mutex);
  return table_->held.count(fold_name(path)) > 0;
}

}  // namespace wsbkit::mock
