// Fuzz target `journal`: the restore journal's reader (Journal::load, HMAC-authenticated lines) and
// the session's replay of its records (RestoreSession::load) on any file content.
// Byte 0 picks how the rest becomes the journal file:
//  - even: the file is the rest, as is (planted or damaged journals: refused or loaded, no crash);
//  - odd: every complete line of the rest is a record's JSON, sealed with the right HMAC for its line
//    (what a wsbkit with the key could have written), the incomplete last line left as a raw tail.
//    Then: a record that is not a JSON object, or has a field of the wrong type, refuses the
//    journal with its reason (never an exception); otherwise a tail is reported, and a record
//    appended after loading is replayed in memory exactly as a fresh load of the file replays it.
#include "core/restore/session.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/host_digests.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace wsbkit;
using wsbkit::fuzz::require;

namespace {

constexpr const char* folder = "C:/ProgramData/wsbkit/journal";
constexpr const char* path = "C:/ProgramData/wsbkit/journal/writer.journal";

std::string show(const SessionState& s) {
  std::string out = (s.open ? "open " : "closed ") + s.id + " " + std::to_string(s.started_ms) + " once_pre=" +
                    std::to_string(s.once_pre_done) + " components=";
  if (s.components) {
    for (const auto& [name, logical_path] : *s.components) out += "(" + name.value_or("<null>") + "|" + logical_path.value_or("<null>") + ")";
  } else {
    out += "none";
  }
  out += " pre=";
  for (const auto& k : s.pre_started) out += k + ",";
  out += " post=";
  for (const auto& k : s.post_done) out += k + ",";
  out += " owed=";
  for (const auto& o : s.owed) {
    out += o.service + "/" + std::to_string(static_cast<int>(o.state)) + "/" + std::to_string(static_cast<int>(o.start_type)) +
           "/" + std::to_string(o.disabled_by_us) + "/" + o.stopped_with + ",";
  }
  return out;
}

struct Sealed {
  std::string file;
  std::size_t complete_lines = 0;
  bool all_objects = true;
  bool tail = false;
};

Sealed seal_lines(std::string_view rest, const JournalSeal& seal) {
  Sealed out;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    if (end == std::string_view::npos) {
      out.file += rest;
      out.tail = true;
      break;
    }
    const std::string_view json_text = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    ++out.complete_lines;
    out.file += journal_record_mac(seal, out.complete_lines, json_text).value() + "\t" + std::string(json_text) + "\n";
    out.all_objects = out.all_objects && nlohmann::json::parse(json_text, nullptr, false).is_object();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const auto digests = mock::make_host_digests();
  const JournalSeal seal{digests.get(), "machine journal key", "{11111111-2222-3333-4444-555555555555}"};
  const bool sealed = data[0] % 2 == 1;
  const std::string_view rest = fuzz::bytes_of(data + 1, size - 1);
  const Sealed made = sealed ? seal_lines(rest, seal) : Sealed{std::string(rest)};

  mock::FakeFileSystem files;
  require(files.create_directories(folder).ok() && files.write_file(path, made.file).ok(), "the fake file system takes the journal");
  RestoreSession session(files, path, seal);
  const auto loaded = session.load();
  if (!sealed) return 0;
  require(made.all_objects || !loaded.ok(), "a sealed journal holding a record that is not a JSON object is refused");
  if (!loaded) {
    require(loaded.error().api() == "journal" && !loaded.error().system_message().empty(),
            "a refused journal is refused as a journal, with the reason", loaded.error().message());
    return 0;
  }
  require(session.state().journal_problem.has_value() == made.tail, "a tail without end of line is reported");

  require(session.settle("LedgerSvc").ok(), "a record appends to a loaded journal");
  RestoreSession reread(files, path, seal);
  require(reread.load().ok(), "a journal wsbkit appended to loads");
  require(show(reread.state()) == show(session.state()),
          "a fresh load replays the journal to the state the session holds",
          "session: " + show(session.state()) + "\nreread:  " + show(reread.state()));
  return 0;
}
