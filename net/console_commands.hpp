// The inspection console's commands: names, arguments, help, and how a
// command line splits into words.
//
// Shared by the node (which runs commands) and the client (which completes
// and explains them without a round trip), so both agree on every name.
// Immutable tables; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tfarm::net {

struct console_option {
  /// "--depth", "-n".
  std::string name;
  /// Empty for a flag; else what the value is ("N", "TEXT").
  std::string value;
  std::string help;
};

struct console_command {
  std::string name;
  /// Arguments after the name, as in a man page: "[PATH] [--depth N]".
  std::string synopsis;
  /// One line for `help`.
  std::string brief;
  /// More lines for `help NAME` (may be empty).
  std::string details;
  /// Changes the farm: audited with the operator's identity.
  bool mutating = false;
  /// Words that may follow the name (subcommands), for completion.
  std::vector<std::string> subcommands;
  std::vector<console_option> options;
  /// Positional arguments are actor paths (completed from the node).
  bool takes_path = false;
  /// Answered by the client itself (help, quit).
  bool local = false;
  /// Subcommands that change nothing (the form without a subcommand, or
  /// with a word that is not one, is the first of them).
  std::vector<std::string> read_only = {};
};

/// Every command, in the order `help` lists them.
const std::vector<console_command>& console_commands();

/// The command named `name`, or nullptr.
const console_command* find_console_command(std::string_view name);

/// True if the command line `args` (name first) may change the farm: it is
/// audited, and a client does not send it twice.
bool console_mutates(const std::vector<std::string>& args);

/// Names of every command (for "did you mean").
std::vector<std::string> console_command_names();

/// `help` (empty `name`: every command) or `help NAME`; nullopt if there
/// is no such command.
std::optional<std::string> console_help(std::string_view name);

/// "unknown command 'x'; did you mean 'y'? (help lists them)".
std::string unknown_command_message(std::string_view name);

/// Splits a command line into words: blanks separate, '...' and "..."
/// quote, a backslash escapes the next character. nullopt and `error` set
/// on an unterminated quote or a line beyond the console's limits.
std::optional<std::vector<std::string>> split_command_line(std::string_view line,
                                                           std::string& error);

/// The arguments of one command, checked against its options.
struct console_args {
  /// Words that are not options, in order (the command name excluded).
  std::vector<std::string> positional;
  /// Options with their values in order of appearance; flags have "".
  std::vector<std::pair<std::string, std::string>> options;

  bool has(std::string_view name) const;
  /// The last value of `name`, if given.
  std::optional<std::string> value(std::string_view name) const;
  /// Every value of `name` (repeatable options like --param).
  std::vector<std::string> values(std::string_view name) const;
};

/// Splits `words` (after the command name) into positional words and the
/// options `cmd` knows ("--opt value" or "--opt=value"); nullopt and
/// `error` set for an unknown option or a missing value.
std::optional<console_args> parse_console_args(const console_command& cmd,
                                               const std::vector<std::string>& words,
                                               std::string& error);

} // namespace tfarm::net
