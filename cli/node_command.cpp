// `tfarm node`: one member of a cluster in the foreground (docs/cluster.md).
// The same node as `tfarm run`, with the farm file, store, ports and TLS
// files of the cluster file, and the users the cluster gives it.
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/db_option.hpp"
#include "cli/logger.hpp"

namespace tfarm::cli {

void add_node_command(CLI::App& app, const global_options& globals, int& result) {
  auto opts = std::make_shared<run_options>();
  opts->command = "tfarm node";
  auto cmd = app.add_subcommand(
      "node", "Run one member of a cluster in the foreground: it joins, takes the users the "
              "cluster gives it, and hands them off at SIGINT/SIGTERM or when --for elapses");
  cmd->add_option("--cluster", opts->cluster_file, "cluster file (TOML; docs/cluster.md)")
      ->required();
  cmd->add_option("--name", opts->member, "this member's [[member]] name in the cluster file")
      ->required();
  add_db_option(cmd, opts->db,
                "the cluster's database (default: the cluster file's [cluster] store; a "
                "postgresql:// URL)");
  cmd->add_option("--for", opts->duration, "leave the cluster and stop after this long, e.g. 30s");
  cmd->add_option("--seed", opts->seed, "seed for restart jitter (0: from the clock)");
  cmd->add_option("--summary", opts->summary_file,
                  "write a JSON summary of this member's agents here at exit");
  cmd->add_option("--status-every", opts->status_every,
                  "status refresh interval (default: 1s on a terminal, else [node] "
                  "monitor_interval as one log line)");
  cmd->add_option("--http-port", opts->http_port,
                  "HTTP API port (default: TFARM_HTTP_PORT, else the member's http_port; 0 turns "
                  "it off)")
      ->check(CLI::Range(0, 65'535));
  cmd->add_option("--console-port", opts->console_port,
                  "console port (default: TFARM_CONSOLE_PORT, else the member's console_port; 0 "
                  "turns it off)")
      ->check(CLI::Range(0, 65'535));
  cmd->callback([opts, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    result = run_node(*opts);
  });
}

} // namespace tfarm::cli
