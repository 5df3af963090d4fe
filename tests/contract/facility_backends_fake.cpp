// Facility backends for the contracts: the in-memory fakes (network, file security).
#include <memory>

#include "mock/fake_file_security.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_network.hpp"
#include "tests/contract/facility_backends.hpp"

namespace wsbkit::contract {
namespace {

class FakeListener final : public Listener {
 public:
  FakeListener(mock::FakeNetwork& network, std::uint16_t port) : network_(network), port_(port) {
    network_.listen("127.0.0.1", port_);
  }
  ~FakeListener() override { network_.close("127.0.0.1", port_); }
  std::uint16_t port() const override { return port_; }

 private:
  mock::FakeNetwork& network_;
  std::uint16_t port_;
};

}  // namespace

NetworkBackend make_network_backend() {
  auto network = std::make_unique<mock::FakeNetwork>();
  mock::FakeNetwork* fake = network.get();
  auto next_port = std::make_shared<std::uint16_t>(40000);
  return {"fake", std::move(network), [fake, next_port] {
            return std::unique_ptr<Listener>(std::make_unique<FakeListener>(*fake, (*next_port)++));
          }};
}

FileSecurityBackend make_file_security_backend() {
  auto security = std::make_unique<mock::FakeFileSecurity>();
  mock::FakeFileSecurity* fake = security.get();
  FileSecurityBackend backend;
  backend.name = "fake";
  backend.root = "C:\\wsbkit-contract";
  backend.own_sid = fake->own_sid();
  // A new object: owned by the account that creates it, SYSTEM/Administrators full control,
  // Users read (what a folder under C:\Program Files gives its children).
  backend.create = [fake](const std::string& path, bool) {
    fake->set(path, fake->own_sid(),
              std::vector<FileAce>{{ace_type_allowed, 0, file_right::all_access, std::string(well_known_sid::system)},
                                   {ace_type_allowed, 0, file_right::all_access, std::string(well_known_sid::administrators)},
                                   {ace_type_allowed, 0, file_right::read_execute, std::string(well_known_sid::users)}});
    return true;
  };
  backend.set = [fake](const std::string& path, const TestSecurity& security) {
    fake->set(path, security.owner_sid, security.dacl);
    return true;
  };
  backend.remove = [fake](const std::string& path) { fake->remove(path); };
  auto files = std::make_shared<mock::FakeFileSystem>();
  fake->read_contents_from(files.get());
  backend.write = [files](const std::string& path, const std::string& bytes) {
    const std::size_t slash = path.find_last_of('\\');
    return files->create_directories(path.substr(0, slash)).ok() && files->write_file(path, bytes).ok();
  };
  backend.rename = [fake, files](const std::string& from, const std::string& to) {
    if (!fake->rename(from, to)) return false;
    auto bytes = files->read_file(from);
    return !bytes || (files->write_file(to, *bytes).ok() && files->remove(from).ok());
  };
  backend.security = std::move(security);
  backend.create(backend.root, true);
  return backend;
}

}  // namespace wsbkit::contract
