// `tfarm security lockdown|unlock|status`: the runbook's security incident
// response on a running node, through its console (so the same token, TLS
// and audit rules apply); `tfarm security reset-token`: a new admin token
// for a stopped node whose token was lost, written to its database.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/console_connection.hpp"
#include "cli/db_option.hpp"
#include "net/admin_token.hpp"
#include "persistence/error.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/node_lock.hpp"
#include "persistence/security_state.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::cli {

namespace {

struct security_options : console_connection {
  std::string reason;
  std::vector<std::string> steps;
  bool all = false;
  std::string db = "tfarm.db";
};

// One word of a console line, escaped so that split_command_line gives it
// back as it is.
std::string console_word(const std::string& word) {
  std::string out;
  for (char c : word) {
    auto plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == '=';
    if (!plain)
      out += '\\';
    out += c;
  }
  return out.empty() ? std::string{"''"} : out;
}

int reset_token(const security_options& opts) {
  persistence::register_error_names();
  // The node must be stopped: a running one keeps the token it holds.
  auto lock = persistence::node_lock::acquire(opts.db);
  if (!lock) {
    std::cerr << "tfarm security reset-token: error: " << runtime::to_text(lock.error())
              << " (stop the node first, or use the token in force: lockdown issues a new one)\n";
    return exit_failure;
  }
  auto token = net::admin_token::generate();
  if (!token) {
    std::cerr << "tfarm security reset-token: error: " << runtime::to_text(token.error()) << '\n';
    return exit_failure;
  }
  if (auto err = persistence::record_admin_token(opts.db, net::admin_token::digest(*token),
                                                 persistence::operator_name())) {
    std::cerr << "tfarm security reset-token: error: " << runtime::to_text(err) << '\n';
    return exit_failure;
  }
  std::cout << "New admin token for " << shown_db(opts.db)
            << " (shown once; the one before is refused from the next start):\n  " << *token
            << '\n';
  return exit_ok;
}

} // namespace

void add_security_command(CLI::App& app, const global_options& globals, int& result) {
  auto opts = std::make_shared<security_options>();
  auto cmd = app.add_subcommand(
      "security", "The runbook's security incident response: lockdown, unlock step by step, "
                  "status (through the node's console), reset-token (stopped node)");
  cmd->require_subcommand(1);
  auto lockdown = cmd->add_subcommand(
      "lockdown", "Halt trading, lock the vault, revoke every exchange credential, log every "
                  "session off and rotate the admin token (printed once), in one audited step");
  add_connection_options(lockdown, *opts);
  lockdown->add_option("--reason", opts->reason, "what happened (for the audit log)")->required();
  auto unlock = cmd->add_subcommand(
      "unlock", "Undo a lockdown's steps, each confirmed by naming it: vault, logon (after "
                "`tfarm credentials set` of new keys), trading");
  add_connection_options(unlock, *opts);
  unlock->add_option("steps", opts->steps, "vault, logon, trading")
      ->check(CLI::IsMember({"vault", "logon", "trading"}));
  unlock->add_flag("--all", opts->all, "every pending step");
  unlock->add_option("--reason", opts->reason, "why (for the audit log)");
  auto status = cmd->add_subcommand("status", "A lockdown and its pending steps; the admin "
                                              "token's origin");
  add_connection_options(status, *opts);
  auto reset = cmd->add_subcommand(
      "reset-token", "Write a new admin token (printed once) to a stopped node's database: "
                     "for a token that was lost");
  add_db_option(reset, opts->db, "the node's database");
  auto run = [opts, &globals, &result](const std::string& line) {
    auto quiet = globals;
    if (quiet.log_level == "info")
      quiet.log_level = "warn";
    if (!apply_logging(quiet)) {
      result = exit_usage;
      return;
    }
    result = run_console_line(*opts, "tfarm security", line);
  };
  lockdown->callback([opts, run] { run("lockdown --reason " + console_word(opts->reason)); });
  unlock->callback([opts, run, &result] {
    if (opts->steps.empty() == !opts->all) {
      std::cerr << "tfarm security unlock: error: name the steps to undo (vault, logon, "
                   "trading) or --all; tfarm security status shows the pending ones\n";
      result = exit_usage;
      return;
    }
    std::string line = "unlock";
    for (auto& s : opts->steps)
      line += " " + s;
    if (opts->all)
      line += " --all";
    if (!opts->reason.empty())
      line += " --reason " + console_word(opts->reason);
    run(line);
  });
  status->callback([run] { run("security"); });
  reset->callback([opts, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    result = reset_token(*opts);
  });
}

} // namespace tfarm::cli
