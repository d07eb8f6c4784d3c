// The console's command line: what an operator (or anything that reached
// the console port) types. The line is split, its command looked up and
// its arguments checked as the node does before running anything.
// Properties: no crash; a refused line says why; splitting is stable (the
// words, joined with quoting, split to the same words).
#include <string>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "net/console_commands.hpp"

namespace {

/// `w` quoted so that split_command_line reads it back as one word.
std::string quoted(const std::string& w) {
  std::string out = "'";
  for (char c : w) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tfarm::fuzz::require;
  namespace net = tfarm::net;
  std::string error;
  auto words = net::split_command_line(tfarm::fuzz::text_of(data, size), error);
  if (!words) {
    require(!error.empty(), "a refused line says why");
    return 0;
  }
  if (words->empty())
    return 0;
  std::string again;
  for (auto& w : *words)
    again += (again.empty() ? "" : " ") + quoted(w);
  std::string error2;
  auto words2 = net::split_command_line(again, error2);
  if (words2)
    require(*words2 == *words, "quoted words split back to the same words");
  net::console_mutates(*words);
  auto cmd = net::find_console_command((*words)[0]);
  if (cmd == nullptr) {
    require(!net::unknown_command_message((*words)[0]).empty(), "an unknown command is named");
    return 0;
  }
  net::console_help((*words)[0]);
  std::vector<std::string> rest(words->begin() + 1, words->end());
  auto args = net::parse_console_args(*cmd, rest, error);
  if (!args)
    require(!error.empty(), "refused arguments say why");
  return 0;
}
