#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/kinds.hpp"
#include "actors/vault/vault_setup.hpp"
#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/db_option.hpp"
#include "cli/example_farm.hpp"
#include "cli/farm_status.hpp"
#include "cli/logger.hpp"
#include "cli/signals.hpp"
#include "config/duration.hpp"
#include "config/endpoint.hpp"
#include "config/limits.hpp"
#include "config/loader.hpp"
#include "config/suggest.hpp"
#include "net/cluster_member.hpp"
#include "net/cluster_view.hpp"
#include "net/error.hpp"
#include "net/kinds.hpp"
#include "net/node_console.hpp"
#include "net/node_http.hpp"
#include "net/security_control.hpp"
#include "net/security_follower.hpp"
#include "net/transport_check.hpp"
#include "net/venue_directory.hpp"
#include "persistence/cluster_store.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/kinds.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/node_lock.hpp"
#include "persistence/security_state.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/allocator.hpp"
#include "runtime/builtin_kinds.hpp"
#include "runtime/error_text.hpp"
#include "runtime/node.hpp"
#include "runtime/status_json.hpp"
#include "runtime/tree_view.hpp"

namespace tfarm::cli {

namespace {

/// Slack beyond the node's shutdown timeout before the watchdog ends the
/// process regardless (covers destroying the actor system).
constexpr int64_t shutdown_watchdog_slack_ms = 2'000;

/// How often the main loop looks at signals, the clock and the root.
constexpr int64_t run_poll_interval_ms = 100;

/// Longest `run` waits for the venue directory to report the port it bound.
constexpr int64_t directory_bind_wait_ms = 10'000;

/// Time an audit record written at start or stop may take.
constexpr int64_t lifecycle_audit_timeout_ms = 5'000;

// Writes an audit record through the node's store (durable when it returns).
void audit(runtime::node& node, const std::string& action, const std::string& detail) {
  auto store = caf::actor_cast<persistence::store_actor>(node.context().store());
  if (!store)
    return;
  caf::scoped_actor self{node.system()};
  self->request(store, std::chrono::milliseconds{lifecycle_audit_timeout_ms},
                persistence::append_audit_atom_v,
                persistence::make_audit("/", persistence::operator_name(), action, detail))
      .receive([](uint64_t) {},
               [&](caf::error& err) {
                 log().warn("could not audit {}: {}", action, runtime::to_text(err));
               });
}

void print_problems(const std::vector<config::diagnostic>& xs) {
  for (auto& x : xs)
    std::cerr << to_string(x) << '\n';
}

// Ends the process if shutdown outlives its budget, whatever is stuck.
void arm_shutdown_watchdog(std::chrono::milliseconds budget) {
  std::thread{[budget] {
    std::this_thread::sleep_for(budget);
    log().critical("shutdown did not finish within {} ms; exiting now", budget.count());
    log().flush();
    std::cerr.flush();
    std::_Exit(exit_shutdown_timeout);
  }}.detach();
}

// Writes the --summary file whole or not at all (temporary file, rename).
bool write_summary(const std::string& file, const nlohmann::json& j, const std::string& command) {
  auto tmp = file + ".tmp";
  {
    std::ofstream out{tmp, std::ios::trunc};
    out << j.dump(2) << '\n';
    if (!out) {
      std::cerr << command << ": error: cannot write the summary to " << tmp << '\n';
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::cerr << command << ": error: cannot write the summary to " << file << ": " << ec.message()
              << '\n';
    return false;
  }
  return true;
}

// A port from the command line (>= 0), else the environment variable, else
// what `port` holds (the farm file's); false (and a message) on a bad one.
bool choose_port(int32_t option, const char* env_name, const std::string& command, int32_t& port) {
  if (option >= 0) {
    port = option;
    return true;
  }
  auto env = std::getenv(env_name);
  if (env == nullptr || *env == '\0')
    return true;
  char* end = nullptr;
  auto value = std::strtol(env, &end, 10);
  if (*end != '\0' || value < 0 || value > 65'535) {
    std::cerr << command << ": error: " << env_name << "=\"" << env
              << "\" must be a port number from 0 (off) to 65535; nothing was started\n";
    return false;
  }
  port = static_cast<int32_t>(value);
  return true;
}

caf::error error_of(const caf::error& x) {
  return x;
}

template <class T>
caf::error error_of(const caf::expected<T>& x) {
  return x ? caf::error{} : x.error();
}

// A member started while the shared server restarts (its supervisor
// restarted it, or the whole site is coming back) waits for the server
// rather than exit: the other members go on meanwhile. Runs `f` (a step
// of the start that reads the store) again while it finds the server
// unreachable, up to member_store_wait_ms; a single node does not wait.
// (Stop signals are not blocked yet: Ctrl-C ends the wait.)
template <class F>
auto with_store_wait(bool member, F f) {
  auto r = f();
  for (auto waited_ms = int64_t{0}; member && waited_ms < config::member_store_wait_ms;
       waited_ms += config::member_store_retry_ms) {
    auto err = error_of(r);
    if (err != persistence::store_errc::unavailable &&
        err != persistence::store_errc::migration_failed)
      break;
    if (waited_ms == 0)
      log().warn("waiting up to {} s for the store: {}", config::member_store_wait_ms / 1'000,
                 runtime::to_text(err));
    std::this_thread::sleep_for(std::chrono::milliseconds{config::member_store_retry_ms});
    r = f();
  }
  return r;
}

// On PostgreSQL: refuses a single node on a database whose cluster has
// live members, and a cluster member on one a single node holds.
caf::error check_not_shared(const std::string& target, bool member) {
  if (!persistence::is_postgres_url(target))
    return {};
  if (member) {
    auto who = persistence::node_lock::pg_held_by(target);
    if (!who)
      return who.error();
    if (!who->empty())
      return caf::error{persistence::store_errc::locked,
                        "a single node (tfarm run, " + *who + ") runs on " + shown_db(target) +
                            ": a cluster member cannot share its database"};
    return {};
  }
  auto db = persistence::open_database(target);
  if (!db)
    return db.error();
  try {
    persistence::cluster_store cs{**db,
                                  std::chrono::milliseconds{config::cluster_lease_ttl_ms_default}};
    std::vector<std::string> live;
    for (auto& m : cs.members())
      if (m.state == "joining" || m.state == "up" || m.state == "leaving")
        live.push_back(m.name);
    if (!live.empty())
      return caf::error{persistence::store_errc::locked,
                        shown_db(target) + " is the store of a running cluster (members: " +
                            config::join(live) + "): run its members with tfarm node --cluster"};
  } catch (const std::exception& e) {
    return caf::error{persistence::store_errc::io_error,
                      std::string{"reading the cluster's members: "} + e.what()};
  }
  return {};
}

} // namespace

int run_node(const run_options& opts) {
  std::optional<std::chrono::milliseconds> run_for;
  if (!opts.duration.empty()) {
    std::string why;
    run_for = config::parse_duration(opts.duration, why);
    if (!run_for) {
      std::cerr << opts.command << ": error: --for \"" << opts.duration << "\": " << why << '\n';
      return exit_usage;
    }
  }
  auto tty = isatty(STDOUT_FILENO) == 1;
  std::optional<std::chrono::milliseconds> status_every;
  if (!opts.status_every.empty()) {
    std::string why;
    status_every = config::parse_duration(opts.status_every, why);
    if (!status_every || status_every->count() <= 0) {
      std::cerr << opts.command << ": error: --status-every \"" << opts.status_every
                << "\": " << (why.empty() ? "must be positive" : why) << '\n';
      return exit_usage;
    }
  }
  std::optional<config::cluster_config> cluster;
  const config::cluster_member_spec* member = nullptr;
  if (!opts.cluster_file.empty()) {
    auto loaded_cluster = config::load_cluster_file(opts.cluster_file);
    if (!loaded_cluster.ok()) {
      print_problems(loaded_cluster.diagnostics);
      std::cerr << opts.command << ": error: " << opts.cluster_file
                << " is not valid (see above); nothing was started\n";
      return exit_usage;
    }
    cluster = std::move(*loaded_cluster.value);
    member = cluster->member(opts.member);
    if (member == nullptr) {
      std::vector<std::string> names;
      for (auto& m : cluster->members)
        names.push_back(m.name);
      std::cerr << opts.command << ": error: --name \"" << opts.member << "\" is no [[member]] of "
                << opts.cluster_file << " (members: " << config::join(names) << ")";
      if (auto near = config::nearest(opts.member, names))
        std::cerr << "; did you mean \"" << *near << "\"?";
      std::cerr << "; nothing was started\n";
      return exit_usage;
    }
  }
  auto farm_file = cluster ? cluster->farm : opts.config_file;
  if (farm_file.empty()) {
    auto found = find_example_farm(opts.example, this_executable(),
                                   build_tree{TFARM_SOURCE_DIR, TFARM_BINARY_DIR});
    if (found.path.empty()) {
      std::cerr << opts.command << ": error: no farm file given (-c FILE) and the example "
                << opts.example << " is in none of:";
      for (auto& p : found.tried)
        std::cerr << ' ' << p;
      std::cerr << "; nothing was started\n";
      return exit_usage;
    }
    farm_file = found.path;
  }
  auto loaded = config::load_farm_file(farm_file, net::farm_check_options());
  if (!loaded.ok()) {
    print_problems(loaded.diagnostics);
    auto env_only =
        std::all_of(loaded.diagnostics.begin(), loaded.diagnostics.end(),
                    [](const config::diagnostic& d) { return d.file == "environment"; });
    std::cerr << opts.command << ": error: "
              << (env_only ? "bad environment override" : farm_file + " is not valid")
              << " (see above); nothing was started\n";
    return exit_usage;
  }
  auto farm = std::move(*loaded.value); // with the environment's overrides applied
  if (cluster) {
    // The member's own settings are the cluster file's: each member runs
    // the same farm file.
    farm.node.name = member->name;
    farm.http.port = member->http_port;
    farm.console.port = member->console_port;
    if (cluster->tls.enabled())
      farm.tls = cluster->tls;
    if (!cluster->store.empty())
      farm.store.set_target(cluster->store);
  }
  if (!opts.db.empty())
    farm.store.set_target(opts.db);
  if (cluster && !persistence::is_postgres_url(farm.store.target())) {
    std::cerr << opts.command << ": error: the store " << shown_db(farm.store.target())
              << " is not a postgresql:// URL: the members of a cluster share one PostgreSQL "
                 "database (set [cluster] store in "
              << opts.cluster_file << ", --db or TFARM_DB); nothing was started\n";
    return exit_usage;
  }
  if (!choose_port(opts.http_port, "TFARM_HTTP_PORT", opts.command, farm.http.port) ||
      !choose_port(opts.console_port, "TFARM_CONSOLE_PORT", opts.command, farm.console.port))
    return exit_usage;
  std::string admin_token;
  if (auto env = std::getenv("TFARM_ADMIN_TOKEN"); env != nullptr && *env != '\0') {
    admin_token = env;
    if (admin_token.size() < config::http_admin_token_chars_min) {
      std::cerr << opts.command << ": error: TFARM_ADMIN_TOKEN must be at least "
                << config::http_admin_token_chars_min
                << " characters (it guards the vault's emergency switches); nothing was started\n";
      return exit_usage;
    }
  }
  if (!opts.listen.empty()) {
    std::string why;
    if (!config::parse_endpoint(opts.listen, true, why)) {
      std::cerr << opts.command << ": error: --listen \"" << opts.listen << "\": " << why << '\n';
      return exit_usage;
    }
    farm.exchange.listen = opts.listen;
  }
  net::register_net_error_names();
  std::vector<std::string> transport_warnings;
  if (auto err = net::check_transport(farm, opts.insecure, transport_warnings)) {
    std::cerr << opts.command << ": error: " << runtime::to_text(err) << "; nothing was started\n";
    return exit_usage;
  }
  for (auto& w : transport_warnings)
    log().warn("{}", w);
  if (auto err =
          net::check_admin_token(farm, admin_token.empty() ? farm.http.admin_token : admin_token)) {
    std::cerr << opts.command << ": error: " << runtime::to_text(err) << "; nothing was started\n";
    return exit_usage;
  }
  persistence::register_error_names();
  // One node per database: the lock lives as long as this process. The
  // members of a cluster share theirs through leases instead.
  std::optional<persistence::node_lock> lock;
  if (!cluster) {
    auto acquired = persistence::node_lock::acquire(farm.store.target());
    if (!acquired) {
      std::cerr << opts.command << ": error: " << runtime::to_text(acquired.error())
                << "; nothing was started\n";
      // A server that is not there or refuses us is the operator's to fix,
      // like a bad configuration; a node holding the database is a failure.
      auto& err = acquired.error();
      auto setup = err == persistence::store_errc::unavailable ||
                   err == persistence::store_errc::auth_failed ||
                   err == persistence::store_errc::open_failed;
      return setup ? exit_usage : exit_failure;
    }
    lock.emplace(std::move(*acquired));
  }
  // Open (and migrate) up front for a clear error before anything starts,
  // and read every checkpoint so that the whole tree restores at once.
  persistence::open_options open;
  open.synchronous = farm.store.synchronous;
  open.busy_timeout = farm.store.busy_timeout;
  open.statement_timeout = farm.store.statement_timeout;
  auto preload = with_store_wait(cluster.has_value(), [&] {
    return persistence::prepare_database(farm.store.target(), open);
  });
  if (!preload) {
    std::cerr << opts.command << ": error: " << runtime::to_text(preload.error()) << '\n';
    // A damaged database is the operator's to mend (a restore), like a bad
    // configuration; anything else (locked, I/O) is a failure to run.
    return preload.error() == persistence::store_errc::corrupt ? exit_usage : exit_failure;
  }
  // A single node and a cluster never share a database: the node would run
  // the users the members run, unfenced.
  if (auto err = with_store_wait(cluster.has_value(), [&] {
        return check_not_shared(farm.store.target(), cluster.has_value());
      })) {
    std::cerr << opts.command << ": error: " << runtime::to_text(err) << "; nothing was started\n";
    return exit_failure;
  }
  // A token a lockdown issued outlives restarts: the configured one is
  // refused from then on.
  auto token =
      std::make_shared<net::admin_token>(admin_token.empty() ? farm.http.admin_token : admin_token);
  auto security_state = with_store_wait(
      cluster.has_value(), [&] { return persistence::load_security_state(farm.store.target()); });
  if (!security_state) {
    std::cerr << opts.command << ": error: " << runtime::to_text(security_state.error()) << '\n';
    return exit_failure;
  }
  if (!security_state->admin_token_sha256.empty()) {
    token->adopt(security_state->admin_token_sha256);
    log().warn("the admin token in force was issued on {} by {}; TFARM_ADMIN_TOKEN and [http] "
               "admin_token are refused",
               persistence::format_utc(security_state->token_rotated_at_ms),
               security_state->token_rotated_by);
  }
  block_stop_signals();
  if (cluster)
    preload->clear(); // a member loads the checkpoints of the users it claims, when it does
  auto node_opts = net::sqlite_node_options(farm, std::move(*preload));
  node_opts.seed = opts.seed;
  auto restored = node_opts.preload.size();
  auto units = std::make_shared<std::map<std::string, net::placement_unit>>();
  if (cluster) {
    node_opts.preload_complete = false;
    node_opts.store.params["fenced"] = "true";
    node_opts.store.params["node_scope"] = member->name;
    auto inner = node_opts.extend_tree;
    node_opts.extend_tree = [inner, units](const config::farm_config& f,
                                           runtime::child_spec& root) {
      inner(f, root);
      *units = net::take_placement_units(f, root);
    };
  }
  auto started = runtime::node::start(std::move(node_opts));
  if (!started) {
    std::cerr << opts.command
              << ": error: the node did not start: " << runtime::to_text(started.error()) << '\n';
    return exit_failure;
  }
  auto& node = **started;
  audit(node, "node.start", "node " + farm.node.name + " on " + shown_db(farm.store.target()));
  if (auto err = cluster ? caf::error{}
                         : actors::open_configured_accounts(node.system(),
                                                            actors::find_gateway(node.context()),
                                                            farm, farm.vault.request_timeout)) {
    std::cerr << opts.command << ": error: " << runtime::to_text(err) << '\n';
    node.stop();
    return exit_failure;
  }
  std::shared_ptr<const net::cluster_source> cluster_source;
  if (cluster) {
    auto source = net::cluster_source_of(*cluster, farm);
    source.db = farm.store.target();
    cluster_source = std::make_shared<const net::cluster_source>(std::move(source));
  }
  auto security = std::make_shared<net::security_control>(
      node, farm.store.target(), token,
      std::chrono::milliseconds{config::console_actor_timeout_ms});
  std::unique_ptr<net::node_http> http;
  if (farm.http.port != 0) {
    auto served = net::node_http::start(node, farm.http, security, cluster_source);
    if (!served) {
      std::cerr << opts.command << ": error: " << runtime::to_text(served.error())
                << " (choose another with --http-port or [http] port; 0 turns the API off)\n";
      node.stop();
      return exit_failure;
    }
    http = std::move(*served);
  }
  std::unique_ptr<net::node_console> console;
  if (farm.console.port != 0) {
    net::console_options copts;
    copts.security = security;
    copts.farm_file = farm_file;
    copts.farm = farm;
    copts.cluster = cluster_source;
    auto served = net::node_console::start(node, farm.console, std::move(copts));
    if (!served) {
      std::cerr << opts.command << ": error: " << runtime::to_text(served.error())
                << " (choose another with --console-port or [console] port; 0 turns the console "
                   "off)\n";
      if (http)
        http->stop();
      node.stop();
      return exit_failure;
    }
    console = std::move(*served);
  }
  std::unique_ptr<net::cluster_member> membership;
  std::unique_ptr<net::security_follower> follower;
  if (cluster) {
    net::cluster_member_options m;
    m.db = farm.store.target();
    m.name = member->name;
    m.host = member->host;
    m.address = member->host + ":" + std::to_string(member->port);
    m.timing = cluster->timing;
    m.units = std::move(*units);
    m.request_timeout = farm.vault.request_timeout;
    auto joined = net::cluster_member::start(node, std::move(m));
    if (!joined) {
      std::cerr << opts.command << ": error: " << runtime::to_text(joined.error()) << '\n';
      if (console)
        console->stop();
      if (http)
        http->stop();
      node.stop();
      return exit_failure;
    }
    membership = std::move(*joined);
    follower = std::make_unique<net::security_follower>(security, farm.store.target());
    std::cout << "Member " << member->name << " of cluster " << cluster->name << " (incarnation "
              << membership->state().incarnation << "); it runs the users "
              << "the cluster gives it.\n";
  }
  std::cout << "Trading Farm node '" << farm.node.name << "' is up with "
            << node.context().registry().size() << " actors (farm file " << farm_file
            << ", database " << shown_db(farm.store.target()) << ", " << restored
            << " checkpoints loaded):\n"
            << runtime::render_tree(node.context().registry().query("/"));
  if (auto dir = node.context().registry().find("/exchanges/directory")) {
    // The port actually bound (the file may say 0: any free port). The
    // directory binds on its own thread, possibly after the tree reported
    // started: wait for it, bounded.
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds{directory_bind_wait_ms};
    for (;;) {
      auto state = runtime::read_status<net::venue_directory_status>(dir->snapshot());
      if (state && state->port != 0) {
        std::cout << "Offering venues to other nodes on " << state->host << ":" << state->port
                  << ".\n";
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline || !dir->alive()) {
        log().warn("the venue directory has not reported its port; see the log");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{run_poll_interval_ms / 10});
    }
  }
  if (http) {
    auto base = "http://" + farm.http.bind + ":" + std::to_string(http->port());
    std::cout << "HTTP API on " << base << " (health " << base << "/api/health, dashboard " << base
              << "/dashboard/monitoring"
              << (!token->configured() ? "; no admin token: admin endpoints answer 403" : "")
              << ").\n";
  }
  if (console)
    std::cout << "Console on " << farm.console.bind << ":" << console->port()
              << " (tfarm console --connect " << farm.console.bind << ":" << console->port() << ")"
              << (!token->configured() ? "; no admin token: it refuses every command" : "")
              << ".\n";
  if (security_state->locked_down)
    std::cout << "SECURITY LOCKDOWN in force since "
              << persistence::format_utc(security_state->lockdown_at_ms) << " by "
              << security_state->lockdown_by << ": " << security_state->lockdown_reason
              << " (pending: " << config::join(security_state->pending)
              << "; tfarm security unlock).\n";
  if (run_for)
    std::cout << "Running for " << config::format_duration(*run_for)
              << " (Ctrl-C stops earlier).\n";
  else
    std::cout << "Running until Ctrl-C.\n";
  std::cout.flush();
  auto began = std::chrono::steady_clock::now();
  auto deadline = run_for ? began + *run_for : std::chrono::steady_clock::time_point::max();
  auto every = status_every ? *status_every
                            : (tty ? std::chrono::milliseconds{1'000} : farm.node.monitor_interval);
  auto title = "Trading Farm node '" + farm.node.name + "' (" + shown_db(farm.store.target()) + ")";
  auto prev = take_snapshot(node);
  auto next_status = began + every;
  // The allocator's free memory goes back from this thread, not an actor's.
  auto trim_every = std::chrono::milliseconds{runtime::allocator_trim_interval_ms};
  auto next_trim = began + trim_every;
  int code = exit_ok;
  for (;;) {
    if (std::chrono::steady_clock::now() >= next_trim) {
      next_trim += trim_every;
      runtime::trim_allocator();
    }
    if (std::chrono::steady_clock::now() >= next_status) {
      next_status += every;
      auto snap = take_snapshot(node);
      if (tty)
        std::cout << render_screen(snap, prev, title) << std::flush;
      else
        log().info("{}", render_line(snap, prev));
      prev = std::move(snap);
    }
    if (auto sig = wait_stop_signal(std::chrono::milliseconds{run_poll_interval_ms})) {
      log().info("received signal {}; stopping", sig);
      break;
    }
    if (!node.running()) {
      std::cerr << opts.command
                << ": error: the root supervisor stopped: " << runtime::to_text(node.exit_reason())
                << '\n';
      code = exit_failure;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      break;
  }
  follower.reset();
  if (membership) {
    // Before anything stops: every user is handed off (stopped with its
    // checkpoints, then released), so the others claim them at once.
    auto t0 = std::chrono::steady_clock::now();
    auto handed = membership->leave(farm.node.shutdown_timeout);
    log().info(
        "left the cluster {} in {} ms",
        handed ? "with every user handed off"
               : "(handoff unfinished: the leases run out by themselves)",
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    membership.reset();
  }
  // No new orders from here on: what follows (the console, the HTTP API,
  // the final snapshot) takes tens of milliseconds.
  node.context().begin_stop();
  // The API's handlers and the console's workers use the node: they go
  // first, before the node's own shutdown budget starts (the console waits
  // for a command in progress, bounded by console_stop_wait_ms).
  if (console)
    console->stop();
  if (http)
    http->stop();
  arm_shutdown_watchdog(farm.node.shutdown_timeout +
                        std::chrono::milliseconds{shutdown_watchdog_slack_ms});
  if (node.running())
    audit(node, "node.stop", code == exit_ok ? "requested" : "after a failure");
  auto final_snapshot = take_snapshot(node);
  auto ran_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - began)
                    .count();
  auto report = node.stop();
  if (!report.clean) {
    std::cerr << opts.command << ": error: " << report.stuck.size()
              << " actors did not stop within the shutdown timeout of "
              << config::format_duration(farm.node.shutdown_timeout) << ":";
    for (auto& p : report.stuck)
      std::cerr << ' ' << p;
    std::cerr << '\n';
    log().flush();
    std::cerr.flush();
    std::cout.flush();
    std::_Exit(exit_shutdown_timeout);
  }
  // Fills can arrive after an agent stopped (its orders rest until the
  // venue stops): the database has the final word.
  if (auto err = apply_durable_record(final_snapshot, farm.store.target()))
    log().warn("{}; the summary shows the agents' last reports", runtime::to_text(err));
  if (code == exit_ok)
    std::cout << "Stopped cleanly in " << report.took.count() << " ms.\n";
  else
    std::cout << "Stopped in " << report.took.count() << " ms after a failure (exit " << code
              << "; see the log).\n";
  std::cout << render_line(final_snapshot, final_snapshot) << '\n';
  if (!opts.summary_file.empty() &&
      !write_summary(opts.summary_file, summary_json(final_snapshot, ran_ms), opts.command))
    code = exit_failure;
  started->reset();
  return code;
}

void add_run_command(CLI::App& app, const global_options& globals, int& result) {
  auto opts = std::make_shared<run_options>();
  auto cmd = app.add_subcommand(
      "run", "Run a single-node farm: its supervision tree from a farm file, until Ctrl-C "
             "(SIGINT/SIGTERM) or --for elapses, then stop cleanly");
  cmd->add_option("-c,--config", opts->config_file,
                  "farm file (TOML; default: the example single_node/farm.toml, from "
                  "./examples, the install prefix or the source tree)");
  add_db_option(cmd, opts->db,
                "the node's database (default: the farm file's [store] url or path, else "
                "./tfarm.db)");
  cmd->add_option("--for", opts->duration, "stop after this long, e.g. 30s, 5m");
  cmd->add_option("--seed", opts->seed, "seed for restart jitter (0: from the clock)");
  cmd->add_option("--summary", opts->summary_file,
                  "write a JSON summary here at exit (per agent orders, fills, rejections, "
                  "position, PnL, restarts; totals; vault totals)");
  cmd->add_option("--status-every", opts->status_every,
                  "status refresh interval (default: 1s on a terminal, else [node] "
                  "monitor_interval as one log line)");
  cmd->add_option("--http-port", opts->http_port,
                  "HTTP API port (default: TFARM_HTTP_PORT, else [http] port, else 8080; 0 "
                  "turns it off)")
      ->check(CLI::Range(0, 65'535));
  cmd->add_option("--console-port", opts->console_port,
                  "console port for `tfarm console` (default: TFARM_CONSOLE_PORT, else [console] "
                  "port, else 4242; 0 turns it off)")
      ->check(CLI::Range(0, 65'535));
  cmd->add_flag("--insecure", opts->insecure,
                "allow a console or exchange port beyond loopback without [tls] (warned at every "
                "start; docs/security.md)");
  cmd->callback([opts, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    result = run_node(*opts);
  });
}

} // namespace tfarm::cli
