// The implementations under test for the process runner, network and file security contracts
// (the other facilities are in backends.hpp). Each contract executable links its test source with
// one facility_backends_*.cpp: facility_backends_fake.cpp (mock/, every host),
// facility_backends_posix.cpp (Linux: network) or win32/facility_backends_win32.cpp (under Wine).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/file_security.hpp"
#include "platform/network.hpp"
#include "platform/process.hpp"

namespace wsbkit::contract {

struct ProcessRunnerBackend {
  std::string name;
  std::unique_ptr<ProcessRunner> runner;
  std::string helper;         // tests/contract/win32/process_helper.cpp, as a Windows path
  std::string temp_directory;  // for the files the helper writes
};
// argv: the test executable's own arguments after "--" (the helper's path first).
ProcessRunnerBackend make_process_runner_backend(int argc, char** argv);

// A TCP listener on 127.0.0.1 that accepts (the backlog takes connections; nobody calls accept).
class Listener {
 public:
  virtual ~Listener() = default;
  virtual std::uint16_t port() const = 0;
};

struct NetworkBackend {
  std::string name;
  std::unique_ptr<Network> network;
  // Opens a listener on a free loopback port; closing it (destroying it) frees the port.
  std::function<std::unique_ptr<Listener>()> listen;
};
NetworkBackend make_network_backend();

// What a test sets on a file or folder: an owner and a DACL (nullopt: a NULL DACL). Backends that
// cannot store this (Wine keeps no ACLs: see platform/file_security.hpp) do what the OS does.
struct TestSecurity {
  std::string owner_sid;
  std::optional<std::vector<FileAce>> dacl;
};

struct FileSecurityBackend {
  std::string name;
  std::unique_ptr<FileSecurity> security;
  std::string root;  // a scratch folder (created empty) under which the tests make files
  std::function<bool(const std::string& path, bool folder)> create;       // an empty file or a folder
  std::function<bool(const std::string& path, const TestSecurity&)> set;  // owner + DACL
  std::function<void(const std::string& path)> remove;                    // a file or an empty folder
  std::function<bool(const std::string& path, const std::string& bytes)> write;  // a file's content
  std::function<bool(const std::string& from, const std::string& to)> rename;    // as another user would
  // The account the checks run as (trusted by the rule: see platform/file_security.hpp).
  std::string own_sid;
};
FileSecurityBackend make_file_security_backend();

}  // namespace wsbkit::contract
