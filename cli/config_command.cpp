#include <iostream>

#include <CLI/CLI.hpp>

#include "actors/agent/agent_settings.hpp"
#include "actors/kinds.hpp"
#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "config/loader.hpp"
#include "net/kinds.hpp"
#include "persistence/kinds.hpp"
#include "runtime/builtin_kinds.hpp"

namespace tfarm::cli {

config::check_options farm_check_options() {
  // Every kind a node of this program can run (the validator keeps it).
  static const runtime::kind_registry kinds = [] {
    auto x = runtime::builtin_kinds();
    persistence::add_kinds(x);
    actors::add_kinds(x);
    net::add_kinds(x);
    return x;
  }();
  config::check_options opts;
  opts.known_kinds = kinds.agent_names();
  opts.validate_agent = actors::agent_validator(kinds);
  opts.env = config::process_environment();
  return opts;
}

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
    auto opts = farm_check_options();
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
