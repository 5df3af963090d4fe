// Fuzz target `journal`: the restore journal's reader (Journal::load, HMAC-authenticated lines) and
// the session's replay of its records (RestoreSession::load) on any file content.
// Byte 0 picks how the rest becomes the journal file:
//  - even: the file is the rest, as is (planted or damaged journals);
//  - odd: every complete line of the rest is a record's JSON, sealed with the right HMAC for its line
//    (what a wsbkit with the key could have written), the incomplete last line left as a raw tail;
//  - 3 (mod 4): sealed as above, then damaged: bytes 1-8 are two damages (kind, offset low and high
//    byte, value): a cut, a flipped byte, a byte deleted or inserted, a line duplicated or removed.
// In every mode, the prefix rule (journal.hpp): the first line that is not what wsbkit sealed at its
// line number (not authenticated, or incomplete) ends the journal. A bad first line that is complete
// refuses the whole journal; otherwise the reader gives back exactly the records before that line
// (a tail is reported), and the session's state is exactly the state of a journal cut before that
// line: nothing from the damaged line on is acted on. When the file is sealed and not damaged, also:
// a record that is not a JSON object, or has a field of the wrong type, refuses the journal with its
// reason (never an exception), and a record appended after loading is replayed in memory exactly as
// a fresh load of the file replays it.
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

// The file's lines: each complete one with its '\n', an incomplete last one without.
std::vector<std::string_view> lines_of(std::string_view file) {
  std::vector<std::string_view> out;
  while (!file.empty()) {
    const std::size_t end = file.find('\n');
    const std::size_t length = end == std::string_view::npos ? file.size() : end + 1;
    out.push_back(file.substr(0, length));
    file.remove_prefix(length);
  }
  return out;
}

// One damage of the file (kind, where, value), as a bad sector, a torn write or an editor leaves it.
void damage(std::string& file, std::uint8_t kind, std::size_t where, std::uint8_t value) {
  const std::size_t at = file.empty() ? 0 : where % file.size();
  const std::size_t line_start = file.empty() ? 0 : file.rfind('\n', at == 0 ? 0 : at - 1);
  const std::size_t start = at == 0 || line_start == std::string::npos ? 0 : line_start + 1;
  const std::size_t end = std::min(file.size(), file.find('\n', at) == std::string::npos ? file.size() : file.find('\n', at) + 1);
  switch (kind % 7) {
    case 1: file.resize(std::min(file.size(), where % (file.size() + 1))); break;  // cut
    case 2: if (!file.empty()) file[at] = static_cast<char>(file[at] ^ (value ? value : 1)); break;  // flip
    case 3: if (!file.empty()) file.erase(at, 1); break;
    case 4: file.insert(std::min(file.size(), where % (file.size() + 1)), 1, static_cast<char>(value)); break;
    case 5: if (!file.empty()) file.insert(end, file.substr(start, end - start)); break;  // a line replayed
    case 6: if (!file.empty()) file.erase(start, end - start); break;                     // a line removed
    default: break;
  }
}

// The prefix rule on `file`, whose first `good` lines are what wsbkit sealed at their line numbers
// (the line after them is not, or there is none).
void prefix_rule(const std::string& file, std::size_t good, const JournalSeal& seal) {
  const auto lines = lines_of(file);
  std::string prefix;
  std::vector<nlohmann::json> records;
  bool objects = true;
  for (std::size_t i = 0; i < good; ++i) {
    prefix += lines[i];
    const std::string_view line = lines[i];
    records.push_back(nlohmann::json::parse(line.substr(65, line.size() - 66), nullptr, false));
    objects = objects && records.back().is_object();
  }
  const bool damaged = good < lines.size();
  const bool refused_whole = damaged && good == 0 && lines[0].back() == '\n';

  mock::FakeFileSystem files;
  require(files.create_directories(folder).ok() && files.write_file(path, file).ok(), "the fake file system takes the journal");
  Journal journal(files, path, seal);
  const auto loaded = journal.load();
  if (refused_whole || !objects) {
    require(!loaded.ok() && loaded.error().api() == "journal",
            refused_whole ? "a journal whose complete first line is not authenticated is refused whole"
                          : "an authenticated record that is not a JSON object refuses the journal");
  } else {
    require(loaded.ok(), "a journal damaged after an authenticated first line is used up to the damage",
            loaded ? std::string() : loaded.error().message());
    require(loaded->records == records, "the reader gives back exactly the records before the first bad line",
            std::to_string(loaded->records.size()) + " records, " + std::to_string(records.size()) + " before the damage");
    require(loaded->problem.has_value() == damaged, "damage is reported, and only damage");
  }

  RestoreSession session(files, path, seal);
  const auto replayed = session.load();
  if (refused_whole) return require(!replayed.ok() && replayed.error().api() == "journal", "the session refuses it too");
  mock::FakeFileSystem cut_files;
  require(cut_files.create_directories(folder).ok() && cut_files.write_file(path, prefix).ok(), "the fake file system takes the cut journal");
  RestoreSession cut(cut_files, path, seal);
  const auto cut_replayed = cut.load();
  require(replayed.ok() == cut_replayed.ok(), "the session accepts the damaged journal exactly when it accepts it cut before the damage");
  if (!replayed) return;
  require(show(session.state()) == show(cut.state()),
          "nothing from the damaged line on is acted on: the state is the journal's cut before it",
          "damaged: " + show(session.state()) + "\ncut:     " + show(cut.state()));
  require(session.state().journal_problem.has_value() == damaged, "the session reports the damage, and only damage");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const auto digests = mock::make_host_digests();
  const JournalSeal seal{digests.get(), "machine journal key", "{11111111-2222-3333-4444-555555555555}"};
  const bool sealed = data[0] % 2 == 1;
  const bool damaged = data[0] % 4 == 3;
  if (damaged && size < 9) return 0;
  const std::string_view rest = fuzz::bytes_of(data + (damaged ? 9 : 1), size - (damaged ? 9 : 1));
  Sealed made = sealed ? seal_lines(rest, seal) : Sealed{std::string(rest)};

  // How many lines are what wsbkit sealed at their line numbers, from the first.
  std::size_t good = 0;
  if (damaged) {
    const std::string intact = made.file;
    for (int d = 0; d < 2; ++d) {
      const std::uint8_t* spec = data + 1 + 4 * d;
      damage(made.file, spec[0], spec[1] | static_cast<std::size_t>(spec[2]) << 8, spec[3]);
    }
    const auto before = lines_of(intact), after = lines_of(made.file);
    while (good < after.size() && good < made.complete_lines && after[good] == before[good]) ++good;
  } else {
    for (const std::string_view line : lines_of(made.file)) {
      if (line.back() != '\n' || line.size() < 66 || line[64] != '\t') break;
      const auto mac = journal_record_mac(seal, good + 1, line.substr(65, line.size() - 66));
      require(mac.ok(), "a record's HMAC is computed");
      if (line.substr(0, 64) != *mac) break;
      ++good;
    }
  }
  prefix_rule(made.file, good, seal);
  if (!sealed || damaged) return 0;

  mock::FakeFileSystem files;
  require(files.create_directories(folder).ok() && files.write_file(path, made.file).ok(), "the fake file system takes the journal");
  RestoreSession session(files, path, seal);
  const auto loaded = session.load();
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
