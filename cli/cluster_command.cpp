// `tfarm cluster up|status|down|units` (docs/cluster.md): the members of a
// cluster file that live on this machine as background processes, and the
// cluster as its database sees it.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "chaos/child_process.hpp"
#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/db_option.hpp"
#include "cli/example_farm.hpp"
#include "cli/logger.hpp"
#include "config/duration.hpp"
#include "config/loader.hpp"
#include "config/suggest.hpp"
#include "net/cluster_view.hpp"
#include "net/kinds.hpp"
#include "persistence/cluster_store.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::cli {

namespace {

namespace fs = std::filesystem;

/// How often `up` and `down` look at the members.
constexpr int64_t cluster_poll_interval_ms = 200;

/// Lines of a member's log shown when it did not come up.
constexpr size_t failed_log_lines_shown = 15;

struct cluster_options {
  std::string cluster_file;
  std::string db;
  std::string run_dir = "tfarm-cluster";
  std::string wait = "60s";
  std::string out_dir;
  bool json = false;
};

// --wait, or a message (and nullopt).
std::optional<std::chrono::milliseconds> parse_wait(const cluster_options& o,
                                                    const std::string& command) {
  std::string why;
  auto wait = config::parse_duration(o.wait, why);
  if (!wait)
    std::cerr << command << ": error: --wait \"" << o.wait << "\": " << why << '\n';
  return wait;
}

// The cluster file, or its problems (and false).
bool load_cluster(const cluster_options& o, const std::string& command,
                  config::cluster_config& cluster) {
  auto c = config::load_cluster_file(o.cluster_file);
  if (!c.ok()) {
    for (auto& d : c.diagnostics)
      std::cerr << to_string(d) << '\n';
    std::cerr << command << ": error: " << o.cluster_file << " is not valid (see above)\n";
    return false;
  }
  cluster = std::move(*c.value);
  return true;
}

// The cluster file and its farm file, or a message (and false).
bool load(const cluster_options& o, const std::string& command, config::cluster_config& cluster,
          config::farm_config& farm) {
  if (!load_cluster(o, command, cluster))
    return false;
  auto f = config::load_farm_file(cluster.farm, net::farm_check_options());
  if (!f.ok()) {
    for (auto& d : f.diagnostics)
      std::cerr << to_string(d) << '\n';
    std::cerr << command << ": error: the cluster's farm file " << cluster.farm
              << " is not valid (see above)\n";
    return false;
  }
  farm = std::move(*f.value);
  if (!o.db.empty())
    cluster.store = o.db;
  if (cluster.store.empty()) {
    std::cerr << command << ": error: no store: set [cluster] store in " << o.cluster_file
              << ", --db or TFARM_DB\n";
    return false;
  }
  return true;
}

// The pid a member's pid file names, if that process still runs `tfarm
// node` for the member (a pid file left behind names nobody, or another
// process by now).
long running_pid(const fs::path& pid_file, const std::string& member) {
  std::ifstream in{pid_file};
  long pid = 0;
  if (!(in >> pid) || pid <= 0 || kill(static_cast<pid_t>(pid), 0) != 0)
    return 0;
  std::ifstream cmdline{"/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary};
  std::string args{std::istreambuf_iterator<char>{cmdline}, std::istreambuf_iterator<char>{}};
  std::string probe = std::string{"--name"} + '\0' + member + '\0';
  return args.find(probe) != std::string::npos ? pid : 0;
}

std::string tail_of(const fs::path& file, size_t lines) {
  std::ifstream in{file};
  std::vector<std::string> xs;
  for (std::string line; std::getline(in, line);)
    xs.push_back(std::move(line));
  std::string out;
  for (size_t i = xs.size() > lines ? xs.size() - lines : 0; i < xs.size(); ++i)
    out += "  | " + xs[i] + "\n";
  return out;
}

// Starts `tfarm node` for `member` in the background (a session of its
// own), its output in `log`; its pid, or -1.
pid_t spawn_member(const std::string& exe, const std::string& cluster_file,
                   const std::string& member, const std::string& db, const fs::path& log) {
  chaos::spawn_options o;
  o.args = {exe, "node", "--cluster", cluster_file, "--name", member};
  if (!db.empty()) {
    o.args.push_back("--db");
    o.args.push_back(db);
  }
  o.log = log.string();
  std::string why;
  return chaos::spawn(o, why);
}

// -- up ----------------------------------------------------------------------

int cluster_up(const cluster_options& o) {
  const std::string command = "tfarm cluster up";
  config::cluster_config cluster;
  config::farm_config farm;
  if (!load(o, command, cluster, farm))
    return exit_usage;
  auto wait = parse_wait(o, command);
  if (!wait)
    return exit_usage;
  std::error_code ec;
  fs::create_directories(o.run_dir, ec);
  if (ec) {
    std::cerr << command << ": error: cannot make the run directory " << o.run_dir << ": "
              << ec.message() << '\n';
    return exit_failure;
  }
  auto cluster_file = fs::absolute(o.cluster_file).string();
  std::map<std::string, pid_t> started;
  std::map<std::string, long> pids;
  for (auto& m : cluster.members) {
    if (!net::is_local_host(m.host))
      continue;
    auto pid_file = fs::path{o.run_dir} / (m.name + ".pid");
    if (auto pid = running_pid(pid_file, m.name)) {
      std::cout << m.name << ": running already (pid " << pid << ")\n";
      pids[m.name] = pid;
      continue;
    }
    auto log = fs::path{o.run_dir} / (m.name + ".log");
    auto pid = spawn_member(this_executable(), cluster_file, m.name, o.db, log);
    if (pid < 0) {
      std::cerr << command << ": error: cannot start " << m.name << '\n';
      return exit_failure;
    }
    std::ofstream{pid_file, std::ios::trunc} << pid << '\n';
    started[m.name] = pid;
    pids[m.name] = pid;
    std::cout << m.name << ": started (pid " << pid << ", log " << log.string() << ")\n";
  }
  if (pids.empty()) {
    std::cerr << command << ": error: no member of " << o.cluster_file
              << " has this machine as its host\n";
    return exit_usage;
  }
  std::cout.flush();
  auto source = net::cluster_source_of(cluster, farm);
  auto deadline = std::chrono::steady_clock::now() + *wait;
  std::map<std::string, std::string> shown;
  std::string problem;
  for (;;) {
    for (auto& [name, pid] : started) {
      int status = 0;
      if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
        auto log = fs::path{o.run_dir} / (name + ".log");
        std::cerr << command << ": error: " << name << " exited ("
                  << (WIFEXITED(status) ? "code " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status)))
                  << ") before it was up; " << log.string() << " ends:\n"
                  << tail_of(log, failed_log_lines_shown);
        return exit_failure;
      }
    }
    // A member that was running already and has exited since (it was
    // stopping: SIGTERM, cluster down) is started again.
    for (auto& [name, pid] : pids) {
      if (started.count(name) > 0 || kill(static_cast<pid_t>(pid), 0) == 0)
        continue;
      auto log = fs::path{o.run_dir} / (name + ".log");
      auto again = spawn_member(this_executable(), cluster_file, name, o.db, log);
      if (again < 0) {
        std::cerr << command << ": error: cannot start " << name << '\n';
        return exit_failure;
      }
      std::ofstream{fs::path{o.run_dir} / (name + ".pid"), std::ios::trunc} << again << '\n';
      started[name] = again;
      pid = again;
      std::cout << name << ": it had stopped; started again (pid " << again << ")\n" << std::flush;
    }
    auto view = net::read_cluster_view(source);
    if (!view) {
      problem = runtime::to_text(view.error());
    } else {
      std::vector<std::string> live_names;
      std::vector<std::string> not_up;
      for (auto& m : view->members) {
        if (m.state == "joining" || m.state == "up")
          live_names.push_back(m.name);
        auto mine = pids.find(m.name);
        if (mine == pids.end())
          continue;
        // The row of an earlier start (another pid) is not this start's.
        auto state = m.pid == mine->second ? m.state : "starting";
        if (shown[m.name] != state) {
          shown[m.name] = state;
          std::cout << m.name << ": " << state << '\n' << std::flush;
        }
        if (state != "up")
          not_up.push_back(m.name);
      }
      for (auto& [name, pid] : pids)
        if (shown.count(name) == 0)
          not_up.push_back(name); // no row yet
      // Owned, and by the member the cluster gives it (the handoffs that
      // follow a join are over).
      std::vector<std::string> unowned;
      for (auto& u : farm.users) {
        auto p = view->placement.find(u.name);
        if (p == view->placement.end() || p->second.node.empty() ||
            p->second.node != persistence::rendezvous_owner(u.name, live_names))
          unowned.push_back(u.name);
      }
      if (not_up.empty() && unowned.empty()) {
        std::cout << "Cluster " << cluster.name << " is up: " << pids.size() << " local members, "
                  << farm.users.size()
                  << " users each owned by one (tfarm cluster status --cluster " << o.cluster_file
                  << ").\n";
        return exit_ok;
      }
      problem = (not_up.empty() ? "" : "not up: " + config::join(not_up)) +
                (unowned.empty() ? ""
                                 : std::string{not_up.empty() ? "" : "; "} +
                                       "users not placed yet: " + config::join(unowned));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::cerr << command << ": error: the cluster did not come up within "
                << config::format_duration(*wait) << " (" << problem << "); logs in " << o.run_dir
                << '\n';
      return exit_failure;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{cluster_poll_interval_ms});
  }
}

// -- status ------------------------------------------------------------------

int cluster_status(const cluster_options& o) {
  const std::string command = "tfarm cluster status";
  config::cluster_config cluster;
  config::farm_config farm;
  if (!load(o, command, cluster, farm))
    return exit_usage;
  auto view = net::read_cluster_view(net::cluster_source_of(cluster, farm));
  if (!view) {
    std::cerr << command << ": error: " << runtime::to_text(view.error()) << '\n';
    return exit_failure;
  }
  if (o.json)
    std::cout << net::to_json(*view).dump(2) << '\n';
  else
    std::cout << "Cluster " << cluster.name << " (" << shown_db(cluster.store) << ")\n"
              << net::render_cluster(*view) << '\n';
  return exit_ok;
}

// -- down --------------------------------------------------------------------

int cluster_down(const cluster_options& o) {
  const std::string command = "tfarm cluster down";
  config::cluster_config c;
  if (!load_cluster(o, command, c))
    return exit_usage;
  auto wait = parse_wait(o, command);
  if (!wait)
    return exit_usage;
  std::map<std::string, long> stopping;
  for (auto& m : c.members) {
    auto pid_file = fs::path{o.run_dir} / (m.name + ".pid");
    if (auto pid = running_pid(pid_file, m.name)) {
      kill(static_cast<pid_t>(pid), SIGTERM);
      stopping[m.name] = pid;
      std::cout << m.name << ": handing off and stopping (pid " << pid << ")\n" << std::flush;
    }
  }
  auto deadline = std::chrono::steady_clock::now() + *wait;
  while (!stopping.empty()) {
    for (auto i = stopping.begin(); i != stopping.end();) {
      if (kill(static_cast<pid_t>(i->second), 0) != 0) {
        std::cout << i->first << ": stopped\n" << std::flush;
        std::error_code ec;
        fs::remove(fs::path{o.run_dir} / (i->first + ".pid"), ec);
        i = stopping.erase(i);
      } else {
        ++i;
      }
    }
    if (stopping.empty())
      break;
    if (std::chrono::steady_clock::now() >= deadline) {
      std::vector<std::string> names;
      for (auto& [name, pid] : stopping)
        names.push_back(name + " (pid " + std::to_string(pid) + ")");
      std::cerr << command << ": error: still running after " << config::format_duration(*wait)
                << ": " << config::join(names) << "; see their logs in " << o.run_dir << '\n';
      return exit_failure;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{cluster_poll_interval_ms});
  }
  std::cout << "Every local member of " << c.name << " is stopped.\n";
  return exit_ok;
}

// -- units -------------------------------------------------------------------

int cluster_units(const cluster_options& o) {
  const std::string command = "tfarm cluster units";
  config::cluster_config c;
  if (!load_cluster(o, command, c))
    return exit_usage;
  auto cluster_file = fs::absolute(o.cluster_file).string();
  for (auto& m : c.members) {
    auto dir = fs::path{o.out_dir} / m.host;
    std::error_code ec;
    fs::create_directories(dir, ec);
    auto file = dir / ("tfarm-node-" + m.name + ".service");
    std::ofstream out{file, std::ios::trunc};
    out << "# Member " << m.name << " of cluster " << c.name << " on " << m.host
        << " (tfarm cluster units; docs/cluster.md).\n"
        << "[Unit]\n"
        << "Description=Trading Farm cluster member " << m.name << "\n"
        << "Wants=network-online.target\n"
        << "After=network-online.target postgresql.service\n\n"
        << "[Service]\n"
        << "Type=simple\n"
        << "ExecStart=" << this_executable() << " node --cluster " << cluster_file << " --name "
        << m.name << "\n"
        << "# SIGTERM hands every user off before the member exits.\n"
        << "KillSignal=SIGTERM\n"
        << "TimeoutStopSec=60\n"
        << "Restart=on-failure\n"
        << "RestartSec=2s\n"
        << "NoNewPrivileges=yes\n"
        << "ProtectSystem=strict\n"
        << "ProtectHome=read-only\n"
        << "PrivateTmp=yes\n\n"
        << "[Install]\n"
        << "WantedBy=multi-user.target\n";
    if (!out) {
      std::cerr << command << ": error: cannot write " << file.string() << '\n';
      return exit_failure;
    }
    std::cout << file.string() << '\n';
  }
  return exit_ok;
}

} // namespace

void add_cluster_command(CLI::App& app, const global_options& globals, int& result) {
  auto opts = std::make_shared<cluster_options>();
  auto cmd = app.add_subcommand("cluster", "Start, inspect and stop the members of a cluster "
                                           "file (docs/cluster.md)");
  cmd->require_subcommand(1);
  auto file_option = [&](CLI::App* sub) {
    sub->add_option("--cluster", opts->cluster_file, "cluster file (TOML)")->required();
  };
  auto run = [opts, &globals, &result](int (*f)(const cluster_options&)) {
    return [opts, &globals, &result, f] {
      if (!apply_logging(globals)) {
        result = exit_usage;
        return;
      }
      result = f(*opts);
    };
  };
  auto up = cmd->add_subcommand("up", "Start every member whose host is this machine in the "
                                      "background; return once all are up and every user is "
                                      "owned");
  file_option(up);
  add_db_option(up, opts->db, "the cluster's database (default: the cluster file's store)");
  up->add_option("--run-dir", opts->run_dir, "pid and log files of the members")
      ->capture_default_str();
  up->add_option("--wait", opts->wait, "how long to wait for the cluster to come up")
      ->capture_default_str();
  up->callback(run(cluster_up));
  auto status = cmd->add_subcommand("status", "Members, their state and users, and the "
                                              "placement of every user, from the database");
  file_option(status);
  add_db_option(status, opts->db, "the cluster's database (default: the cluster file's store)");
  status->add_flag("--json", opts->json, "one JSON object: members and placement");
  status->callback(run(cluster_status));
  auto down = cmd->add_subcommand("down", "Stop every local member (each hands its users off "
                                          "first)");
  file_option(down);
  down->add_option("--run-dir", opts->run_dir, "pid and log files of the members")
      ->capture_default_str();
  down->add_option("--wait", opts->wait, "how long to wait for the members to stop")
      ->capture_default_str();
  down->callback(run(cluster_down));
  auto units = cmd->add_subcommand("units", "Write a systemd unit per member, by host, for "
                                            "running the cluster on real machines");
  file_option(units);
  units->add_option("--out", opts->out_dir, "folder for the units (one subfolder per host)")
      ->required();
  units->callback(run(cluster_units));
}

} // namespace tfarm::cli
