#include "chaos/member_log.hpp"

#include <ctime>
#include <fstream>

namespace tfarm::chaos {

namespace {

/// "YYYY-MM-DD HH:MM:SS.mmm".
constexpr size_t stamp_length = 23;

bool digits(const std::string& s, size_t from, size_t n) {
  for (size_t i = from; i < from + n; ++i)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

} // namespace

int64_t log_stamp_ms(const std::string& line) {
  if (line.size() < stamp_length || !digits(line, 0, 4) || line[4] != '-' || !digits(line, 5, 2) ||
      line[7] != '-' || !digits(line, 8, 2) || line[10] != ' ' || !digits(line, 11, 2) ||
      line[13] != ':' || !digits(line, 14, 2) || line[16] != ':' || !digits(line, 17, 2) ||
      line[19] != '.' || !digits(line, 20, 3))
    return -1;
  std::tm t{};
  t.tm_year = std::stoi(line.substr(0, 4)) - 1900;
  t.tm_mon = std::stoi(line.substr(5, 2)) - 1;
  t.tm_mday = std::stoi(line.substr(8, 2));
  t.tm_hour = std::stoi(line.substr(11, 2));
  t.tm_min = std::stoi(line.substr(14, 2));
  t.tm_sec = std::stoi(line.substr(17, 2));
  t.tm_isdst = -1;
  auto secs = std::mktime(&t);
  if (secs < 0)
    return -1;
  return static_cast<int64_t>(secs) * 1'000 + std::stoi(line.substr(20, 3));
}

std::vector<member_event> read_member_events(const std::string& log_file,
                                             const std::string& member) {
  std::vector<member_event> out;
  std::ifstream in{log_file};
  auto prefix = "cluster member " + member + ": ";
  for (std::string line; std::getline(in, line);) {
    auto at = line.find(prefix);
    if (at == std::string::npos)
      continue;
    auto rest = line.substr(at + prefix.size());
    bool started = rest.rfind("started user ", 0) == 0;
    bool stopped = rest.rfind("stopped user ", 0) == 0;
    bool stopping = rest.rfind("stopping user ", 0) == 0;
    if (!started && !stopped && !stopping)
      continue;
    auto name = rest.substr(stopping ? 14 : 13);
    name = name.substr(0, name.find(' '));
    auto ms = log_stamp_ms(line);
    if (ms < 0 || name.empty())
      continue;
    out.push_back(member_event{ms, member, name, started});
  }
  return out;
}

} // namespace tfarm::chaos
