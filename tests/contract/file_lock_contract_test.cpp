// Contract of the cross-process lock (platform/file_lock.hpp), the same for every backend: the
// fake natively, flock natively, LockFileEx under Wine.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "tests/contract/backends.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;

namespace {

std::string lock_path(const FileLocksBackend& b, const std::string& leaf) { return b.directory + b.separator + leaf; }

}  // namespace

BOOST_AUTO_TEST_SUITE(file_lock_contract)

// A held lock cannot be taken again through another handle, even by its own process; released,
// it can.
BOOST_AUTO_TEST_CASE(a_lock_is_exclusive_until_released) {
  auto b = make_file_locks_backend();
  const std::string path = lock_path(b, "wsbkit-contract-a.lock");
  auto first = b.locks->try_lock(path);
  BOOST_REQUIRE_MESSAGE(first.ok(), b.name << ": " << (first.ok() ? "" : first.error().message()));
  BOOST_REQUIRE(*first != nullptr);
  auto second = b.locks->try_lock(path);
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(*second == nullptr, b.name << ": a held lock was taken twice");
  first->reset();
  auto third = b.locks->try_lock(path);
  BOOST_REQUIRE(third.ok());
  BOOST_TEST(*third != nullptr, b.name << ": a released lock could not be taken");
}

// Locks on different files are independent.
BOOST_AUTO_TEST_CASE(different_files_lock_independently) {
  auto b = make_file_locks_backend();
  auto a = b.locks->try_lock(lock_path(b, "wsbkit-contract-b1.lock"));
  auto c = b.locks->try_lock(lock_path(b, "wsbkit-contract-b2.lock"));
  BOOST_REQUIRE(a.ok() && c.ok());
  BOOST_TEST((*a != nullptr && *c != nullptr));
}

// Another thread sees the lock held, and takes it once the holder lets go.
BOOST_AUTO_TEST_CASE(another_thread_takes_the_lock_after_release) {
  auto b = make_file_locks_backend();
  const std::string path = lock_path(b, "wsbkit-contract-c.lock");
  auto held = b.locks->try_lock(path);
  BOOST_REQUIRE(held.ok() && *held != nullptr);
  bool taken_while_held = true, taken_after = false;
  std::thread other([&] {
    auto r = b.locks->try_lock(path);
    taken_while_held = r.ok() && *r != nullptr;
  });
  other.join();
  held->reset();
  std::thread later([&] {
    auto r = b.locks->try_lock(path);
    taken_after = r.ok() && *r != nullptr;
  });
  later.join();
  BOOST_TEST(!taken_while_held);
  BOOST_TEST(taken_after);
}

BOOST_AUTO_TEST_SUITE_END()
