#include "core/addin/call_log.hpp"

#include <cstdio>

namespace wsbkit {

void CallLog::record(std::string_view method, const std::vector<Field>& arguments, Hresult result) {
  using namespace std::chrono;
  const auto now = floor<milliseconds>(system_clock::now());
  const auto day = floor<days>(now);
  const year_month_day date{day};
  const hh_mm_ss time{now - day};
  char stamp[40];
  std::snprintf(stamp, sizeof stamp, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
  std::string line = "{\"time\":\"" + std::string(stamp) + "\"";
  if (process_id_ != 0) line += ",\"pid\":" + std::to_string(process_id_);
  line += ",\"method\":" + json_quote(method);
  for (const auto& [name, value] : arguments) line += "," + json_quote(name) + ":" + value;
  line += ",\"hr\":\"" + hr::to_hex(result) + "\",\"result\":" + json_quote(hr::name(result)) + "}";
  std::lock_guard lock(mutex_);
  sink_(line);
}

}  // namespace wsbkit
