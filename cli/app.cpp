#include "cli/app.hpp"

#include <sys/stat.h>

#include <iostream>

#include <CLI/CLI.hpp>
#include <caf/config.hpp>

#include "cli/commands.hpp"
#include "config/logging.hpp"
#include "runtime/allocator.hpp"

namespace tfarm::cli {

bool apply_logging(const global_options& globals) {
  config::logging_options opts;
  opts.level = globals.log_level;
  if (!config::parse_log_format(globals.log_format, opts.format)) {
    std::cerr << "tfarm: error: unknown log format '" << globals.log_format
              << "' (valid: text, json)\n";
    return false;
  }
  std::string why;
  if (!config::setup_logging(opts, why)) {
    std::cerr << "tfarm: error: " << why << '\n';
    return false;
  }
  return true;
}

int main(int argc, char** argv) {
  // Everything tfarm writes holds money records, credentials or the audit
  // trail (databases and their -wal, backups, alert files, the node lock,
  // summaries): readable by its owner only, whatever the shell's umask.
  ::umask(077);
  // Before any thread starts: glibc keeps freed memory per arena
  // (runtime/allocator.hpp).
  runtime::bound_allocator_arenas();
  CLI::App app{"Trading Farm: an actor runtime for automated trading", "tfarm"};
  app.set_version_flag("--version", std::string{"tfarm "} + TFARM_VERSION + " (CAF " +
                                        std::to_string(CAF_MAJOR_VERSION) + "." +
                                        std::to_string(CAF_MINOR_VERSION) + "." +
                                        std::to_string(CAF_PATCH_VERSION) + ")");
  app.require_subcommand(1);
  app.fallthrough(); // global options may also follow the subcommand
  global_options globals;
  app.add_option("--log-level", globals.log_level,
                 "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
  app.add_option("--log-format", globals.log_format, "text or json (one JSON object per line)")
      ->capture_default_str();
  int result = exit_ok;
  add_run_command(app, globals, result);
  add_node_command(app, globals, result);
  add_cluster_command(app, globals, result);
  add_chaos_command(app, globals, result);
  add_config_command(app, globals, result);
  add_db_command(app, globals, result);
  add_audit_command(app, globals, result);
  add_exchange_command(app, globals, result);
  add_credentials_command(app, globals, result);
  add_certs_command(app, globals, result);
  add_console_command(app, globals, result);
  add_security_command(app, globals, result);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto code = app.exit(e);
    return code == 0 ? exit_ok : exit_usage;
  }
  return result;
}

} // namespace tfarm::cli
