// Subcommand entry points, registered on the CLI11 app by app.cpp.
#pragma once

#include <string>
#include <vector>

#include "config/logging.hpp"

namespace CLI {
class App;
} // namespace CLI

#include "config/loader.hpp"

namespace tfarm::cli {

/// Options every subcommand shares.
struct global_options {
  std::string log_level = "info";
  std::string log_format = "text";
};

/// `tfarm run`: one node with its supervision tree until Ctrl-C or --for.
void add_run_command(CLI::App& app, const global_options& globals, int& result);

/// `tfarm node`: one member of a cluster in the foreground.
void add_node_command(CLI::App& app, const global_options& globals, int& result);

/// `tfarm cluster up|status|down|units`.
void add_cluster_command(CLI::App& app, const global_options& globals, int& result);

/// `tfarm chaos`: the chaos harness (docs/reliability.md).
void add_chaos_command(CLI::App& app, const global_options& globals, int& result);

/// What `tfarm run` (and `tfarm exchange-sim serve`) start.
struct run_options {
  /// Names the command in messages.
  std::string command = "tfarm run";
  /// The farm file (-c); empty: the example farm `example`, found by
  /// find_example_farm().
  std::string config_file;
  std::string example = "single_node/farm.toml";
  std::string duration;
  std::string db;
  /// Overrides [exchange] listen when not empty.
  std::string listen;
  uint64_t seed = 0;
  /// Written at exit: per agent and total figures, vault totals (JSON).
  std::string summary_file;
  /// How often the status is shown (empty: every second on a terminal,
  /// else every monitor_interval as one log line).
  std::string status_every;
  /// The HTTP API's port (-1: TFARM_HTTP_PORT, else the farm file's
  /// [http] port; 0 disables it).
  int32_t http_port = -1;
  /// The console's port (-1: TFARM_CONSOLE_PORT, else the farm file's
  /// [console] port; 0 disables it).
  int32_t console_port = -1;
  /// Lets CAF ports beyond loopback open without [tls] (with a warning at
  /// every start).
  bool insecure = false;
  /// `tfarm node`: the cluster file and this member's name; the farm file,
  /// the store, the ports and the TLS files come from the cluster file.
  std::string cluster_file;
  std::string member;
};

/// Runs one node until a stop signal or the duration; the exit code.
int run_node(const run_options& opts);

/// `tfarm certs init|issue`: the cluster's TLS certificate authority.
void add_certs_command(CLI::App& app, const global_options& globals, int& result);

/// `tfarm config check FILE...`.
void add_config_command(CLI::App& app, const global_options& globals, int& result);

/// `tfarm db backup|restore|check`.
void add_db_command(CLI::App& app, const global_options& globals, int& result);

/// `tfarm audit --days N [--json]`.
void add_audit_command(CLI::App& app, const global_options& globals, int& result);

/// `tfarm exchange-sim replay --orders IN.csv --out FILLS.csv`.
void add_exchange_command(CLI::App& app, const global_options& globals, int& result);

/// `tfarm credentials set|check|revoke|list`.
void add_credentials_command(CLI::App& app, const global_options& globals, int& result);

/// `tfarm console --connect HOST:PORT [-e COMMAND] [--json]`.
void add_console_command(CLI::App& app, const global_options& globals, int& result);

/// `tfarm security lockdown|unlock|status|reset-token`.
void add_security_command(CLI::App& app, const global_options& globals, int& result);

/// Applies the global logging options; prints the problem and returns false
/// on a bad value.
bool apply_logging(const global_options& globals);

} // namespace tfarm::cli
