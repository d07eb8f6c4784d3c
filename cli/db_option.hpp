// The `--db` option every command that opens a database shares: an SQLite
// file or a postgresql:// URL, else TFARM_DB, else the command's default.
#pragma once

#include <string>

namespace CLI {
class App;
class Option;
} // namespace CLI

namespace tfarm::cli {

/// Adds `--db` to `cmd`, filling `target`; `what` says which database it is
/// (e.g. "database to check").
CLI::Option* add_db_option(CLI::App* cmd, std::string& target, const std::string& what);

/// How a database shows in output: a URL without its password.
std::string shown_db(const std::string& target);

} // namespace tfarm::cli
