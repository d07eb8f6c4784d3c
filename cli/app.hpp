// The `tfarm` command line: subcommands and their options (CLI11).
#pragma once

namespace tfarm::cli {

/// Process exit codes of every subcommand.
enum exit_code : int {
  exit_ok = 0,
  /// The command ran and found a problem (invalid config, failed node).
  exit_failure = 1,
  /// Bad usage or a configuration that stops start-up.
  exit_usage = 2,
  /// The node did not stop within its shutdown timeout.
  exit_shutdown_timeout = 3,
};

/// Parses `argv` and runs the chosen subcommand; returns the exit code.
int main(int argc, char** argv);

} // namespace tfarm::cli
