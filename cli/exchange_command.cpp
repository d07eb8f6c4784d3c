// `tfarm exchange-sim replay --orders IN.csv --out FILLS.csv`.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "actors/exchange/order_replay.hpp"
#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/db_option.hpp"

namespace tfarm::cli {

namespace {

struct replay_options {
  std::string orders;
  std::string out;
};

int replay(const replay_options& opts) {
  std::ifstream in{opts.orders};
  if (!in) {
    std::cerr << "tfarm exchange-sim replay: error: cannot read " << opts.orders << '\n';
    return exit_failure;
  }
  // Written aside and moved into place: a failed replay leaves no half file.
  auto partial = opts.out + ".partial";
  std::ofstream out{partial, std::ios::trunc};
  if (!out) {
    std::cerr << "tfarm exchange-sim replay: error: cannot write " << partial << '\n';
    return exit_failure;
  }
  auto report = actors::replay_orders(in, opts.orders, out, std::cerr);
  out.close();
  std::error_code ec;
  if (!report.error.empty() || !out) {
    std::filesystem::remove(partial, ec);
    std::cerr << (report.error.empty()
                      ? "tfarm exchange-sim replay: error: cannot write " + opts.out
                      : report.error)
              << '\n';
    return exit_failure;
  }
  std::filesystem::rename(partial, opts.out, ec);
  if (ec) {
    std::cerr << "tfarm exchange-sim replay: error: cannot move " << partial << " to " << opts.out
              << ": " << ec.message() << '\n';
    return exit_failure;
  }
  std::cerr << opts.orders << ": " << report.rows << " rows, " << report.orders << " orders, "
            << report.cancels << " cancels, " << report.fills << " fills, " << report.rejections
            << " rejected\n";
  return exit_ok;
}

} // namespace

void add_exchange_command(CLI::App& app, const global_options& globals, int& result) {
  auto cmd = app.add_subcommand("exchange-sim", "The simulated exchange");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<replay_options>();
  auto rep = cmd->add_subcommand(
      "replay", "Run an order file through the matching engine alone, deterministically; "
                "fills to --out, rejections to stderr (formats: docs/exchange_sim.md)");
  rep->add_option("--orders", opts->orders,
                  "orders CSV (seq,action,order_id,account,symbol,"
                  "side,type,price,qty)")
      ->required();
  rep->add_option("--out", opts->out,
                  "fills CSV (fill_seq,symbol,price,qty,taker_order_id,maker_order_id)")
      ->required();
  rep->callback([opts, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    result = replay(*opts);
  });
  auto serve_opts = std::make_shared<run_options>();
  serve_opts->command = "tfarm exchange-sim serve";
  serve_opts->example = "exchange_node/farm.toml";
  serve_opts->db = "exchange.db";
  auto serve = cmd->add_subcommand(
      "serve", "Run an exchange node: the farm file's simulated venues, offered to other nodes "
               "(their [[exchange.venue]] kind = \"remote\", endpoint = HOST:PORT)");
  serve->add_option("-c,--config", serve_opts->config_file,
                    "farm file (TOML; default: the example exchange_node/farm.toml)");
  serve->add_option("--listen", serve_opts->listen,
                    "HOST:PORT to offer the venues on (default: [exchange] listen; port 0 picks "
                    "a free one)");
  add_db_option(serve, serve_opts->db, "the node's database");
  serve->add_option("--for", serve_opts->duration, "stop after this long, e.g. 30s, 5m");
  serve
      ->add_option("--http-port", serve_opts->http_port,
                   "HTTP API port (default: TFARM_HTTP_PORT, else [http] port; 0 turns it off)")
      ->check(CLI::Range(0, 65'535));
  serve
      ->add_option("--console-port", serve_opts->console_port,
                   "console port (default: TFARM_CONSOLE_PORT, else [console] port; 0 turns it "
                   "off)")
      ->check(CLI::Range(0, 65'535));
  serve->add_flag("--insecure", serve_opts->insecure,
                  "allow offering the venues beyond loopback without [tls] (warned at every "
                  "start; docs/security.md)");
  serve->callback([serve_opts, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    result = run_node(*serve_opts);
  });
}

} // namespace tfarm::cli
