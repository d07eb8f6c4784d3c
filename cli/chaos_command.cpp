// `tfarm chaos` (docs/reliability.md): the cluster of a cluster file under a
// seeded schedule of faults, then its invariants; exit 0 only if all hold.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "chaos/chaos_run.hpp"
#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/db_option.hpp"
#include "cli/example_farm.hpp"
#include "cli/logger.hpp"
#include "cli/signals.hpp"
#include "config/duration.hpp"
#include "config/loader.hpp"
#include "net/kinds.hpp"

namespace tfarm::cli {

namespace {

struct chaos_cli_options {
  std::string cluster_file;
  std::string exchange_file;
  std::string db;
  std::string run_dir;
  std::string report_file;
  std::string duration;
  std::string settle = "90s";
  uint64_t seed = 1;
  uint32_t faults = 20;
};

int run(const chaos_cli_options& o) {
  const std::string command = "tfarm chaos";
  auto c = config::load_cluster_file(o.cluster_file);
  if (!c.ok()) {
    for (auto& d : c.diagnostics)
      std::cerr << to_string(d) << '\n';
    std::cerr << command << ": error: " << o.cluster_file << " is not valid (see above)\n";
    return exit_usage;
  }
  auto f = config::load_farm_file(c.value->farm, net::farm_check_options());
  if (!f.ok()) {
    for (auto& d : f.diagnostics)
      std::cerr << to_string(d) << '\n';
    std::cerr << command << ": error: the cluster's farm file " << c.value->farm
              << " is not valid (see above)\n";
    return exit_usage;
  }
  chaos::chaos_options opts;
  opts.cluster = std::move(*c.value);
  opts.farm = std::move(*f.value);
  opts.db = o.db;
  opts.seed = o.seed;
  opts.faults = o.faults;
  opts.tfarm = this_executable();
  opts.run_dir = o.run_dir.empty() ? "tfarm-chaos/seed-" + std::to_string(o.seed) : o.run_dir;
  std::string why;
  if (!o.duration.empty()) {
    auto d = config::parse_duration(o.duration, why);
    if (!d) {
      std::cerr << command << ": error: --duration \"" << o.duration << "\": " << why << '\n';
      return exit_usage;
    }
    opts.duration_ms = d->count();
  }
  auto settle = config::parse_duration(o.settle, why);
  if (!settle) {
    std::cerr << command << ": error: --settle \"" << o.settle << "\": " << why << '\n';
    return exit_usage;
  }
  opts.settle_ms = settle->count();
  opts.exchange_farm_file = o.exchange_file;
  if (opts.exchange_farm_file.empty()) {
    auto found = find_example_farm("exchange_node/farm.toml", this_executable(),
                                   build_tree{TFARM_SOURCE_DIR, TFARM_BINARY_DIR});
    if (found.path.empty()) {
      std::cerr << command
                << ": error: no exchange node farm file given (--exchange FILE) and the example "
                   "exchange_node/farm.toml is not installed\n";
      return exit_usage;
    }
    opts.exchange_farm_file = found.path;
  }
  opts.progress = [](const std::string& line) { std::cout << line << '\n' << std::flush; };
  // Ctrl-C or SIGTERM stops the run and everything it started; a reader
  // that went away (SIGPIPE) does not.
  block_stop_signals();
  std::signal(SIGPIPE, SIG_IGN);
  opts.stop_requested = [] {
    static bool asked = false;
    asked = asked || wait_stop_signal(std::chrono::milliseconds{0}) != 0;
    return asked;
  };
  std::cout << "tfarm chaos: seed " << o.seed << ", " << o.faults << " faults; logs in "
            << opts.run_dir << '\n'
            << std::flush;
  auto report = chaos::run_chaos(opts);
  if (report.faults.empty() && !report.aborted.empty()) {
    // Nothing ran: no table to show.
    std::cerr << command << ": error: " << report.aborted << '\n';
    return exit_failure;
  }
  std::cout << '\n' << chaos::to_table(report) << std::flush;
  auto report_file = o.report_file.empty() ? opts.run_dir + "/report.json" : o.report_file;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path{report_file}.parent_path(), ec);
  std::ofstream out{report_file, std::ios::trunc};
  out << chaos::to_json(report).dump(2) << '\n';
  if (!out)
    std::cerr << command << ": error: cannot write the report to " << report_file << '\n';
  else
    std::cout << "Report: " << report_file << '\n';
  return report.passed() && out ? exit_ok : exit_failure;
}

} // namespace

void add_chaos_command(CLI::App& app, const global_options& globals, int& result) {
  auto opts = std::make_shared<chaos_cli_options>();
  auto cmd = app.add_subcommand(
      "chaos", "Run a cluster on this machine under a seeded schedule of faults (member kills "
               "and pauses, database restarts, venue faults, operator actions), then check "
               "that no money or order was lost or duplicated (docs/reliability.md)");
  cmd->add_option("--cluster", opts->cluster_file, "cluster file (TOML; docs/cluster.md)")
      ->required();
  cmd->add_option("--seed", opts->seed,
                  "seed of the fault schedule (the same seed, the same "
                  "schedule)")
      ->capture_default_str();
  cmd->add_option("--faults", opts->faults, "faults to inject")
      ->check(CLI::Range(0u, chaos::plan_faults_max))
      ->capture_default_str();
  cmd->add_option("--duration", opts->duration,
                  "the fault phase, e.g. 2m (default: 3 s per fault, at least 16 s)");
  cmd->add_option("--settle", opts->settle,
                  "longest wait for the cluster to come up, and to be quiet after the faults")
      ->capture_default_str();
  add_db_option(cmd, opts->db,
                "an empty PostgreSQL database for the run (default: a private server the "
                "harness starts, restarts as a fault, and removes)");
  cmd->add_option("--exchange", opts->exchange_file,
                  "the exchange node's farm file (default: the example exchange_node/farm.toml)");
  cmd->add_option("--run-dir", opts->run_dir,
                  "logs, certificates and the report (default: ./tfarm-chaos/seed-N)");
  cmd->add_option("--report", opts->report_file, "the JSON report (default: RUN_DIR/report.json)");
  cmd->callback([opts, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    result = run(*opts);
  });
}

} // namespace tfarm::cli
