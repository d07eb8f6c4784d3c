#include "cli/db_option.hpp"

#include <CLI/CLI.hpp>

#include "persistence/database.hpp"

namespace tfarm::cli {

CLI::Option* add_db_option(CLI::App* cmd, std::string& target, const std::string& what) {
  auto opt = cmd->add_option("--db", target,
                             what + ": an SQLite file or a postgresql://USER@HOST:PORT/DB URL "
                                    "(else TFARM_DB)");
  opt->envname("TFARM_DB");
  if (!target.empty())
    opt->capture_default_str();
  return opt;
}

std::string shown_db(const std::string& target) {
  return persistence::redact_url(target);
}

} // namespace tfarm::cli
