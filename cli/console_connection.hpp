// How a command reaches a node's console (tfarm console, tfarm security):
// the endpoint, the admin token and the operator's TLS files. Private to
// the cli folder.
#pragma once

#include <string>

#include "config/limits.hpp"

namespace CLI {
class App;
} // namespace CLI

namespace tfarm::cli {

struct console_connection {
  std::string connect = "127.0.0.1:" + std::to_string(config::console_port_default);
  std::string token;
  bool json = false;
  std::string timeout = "15s";
  int32_t retries = config::console_connect_attempts_default;
  /// The operator's TLS files (else TFARM_TLS_CA, TFARM_TLS_CERT, TFARM_TLS_KEY).
  std::string ca;
  std::string cert;
  std::string key;
};

/// Adds --connect, --token, --json, --timeout, --retries, --ca, --cert and
/// --key to `cmd`, bound to `x`.
void add_connection_options(CLI::App* cmd, console_connection& x);

/// Runs one console command line on the node; the exit code (0 ok, 1
/// refused or failed, 2 connection or usage error). `command` names the
/// program in messages ("tfarm security").
int run_console_line(const console_connection& x, const std::string& command,
                     const std::string& line);

} // namespace tfarm::cli
