#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "config/loader.hpp"
#include "net/kinds.hpp"

namespace tfarm::cli {

void add_config_command(CLI::App& app, const global_options& globals, int& result) {
  auto cmd = app.add_subcommand("config", "Work with Trading Farm configuration files");
  cmd->require_subcommand(1);
  auto check = cmd->add_subcommand(
      "check", "Validate farm and supervision-policy files: prints 'FILE: ok' or one "
               "'FILE:LINE:COLUMN: error: MESSAGE' line per problem; exit 1 if any");
  auto files = std::make_shared<std::vector<std::string>>();
  check->add_option("FILE", *files, "files to check")->required();
  check->callback([files, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    auto opts = net::farm_check_options();
    auto failed = false;
    for (auto& file : *files) {
      auto problems = config::check_file(file, opts);
      if (problems.empty()) {
        std::cout << file << ": ok\n";
        continue;
      }
      failed = true;
      for (auto& p : problems)
        std::cout << to_string(p) << '\n';
    }
    result = failed ? exit_failure : exit_ok;
  });
}

} // namespace tfarm::cli
