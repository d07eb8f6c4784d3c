// failover_time and handoff_pause: a cluster of three `tfarm node` processes (the example
// cluster's farm, its venues on an exchange node, on the benchmark's
// PostgreSQL server). Each trial kills the member owning the most users
// with SIGKILL (then, in the second series, freezes one with SIGSTOP) and
// measures, for every user it owned, the time until a survivor has its
// subtree running again -- agents started from their checkpoints and
// subscribed to market data, as the survivor's log stamps it (the first
// tick follows within the venue's market data interval, 100 ms). The
// member comes back before the next trial (`tfarm cluster up`).
//
// Baseline: the lease TTL, which failure detection by lease expiry alone
// (the members' renewals) waits at least; ratio = p50 / TTL.
//
// handoff_pause: a member leaves (SIGTERM) and joins again; each moved
// user's pause from its stop on one member to its start on the next.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/pg_bench.hpp"
#include "bench/scenario.hpp"
#include "chaos/child_process.hpp"
#include "chaos/local_port.hpp"
#include "chaos/member_log.hpp"
#include "persistence/cluster_store.hpp"
#include "persistence/database.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::bench {

namespace {

namespace fs = std::filesystem;

/// The cluster's lease TTL (the example's and the default).
constexpr int64_t failover_lease_ttl_ms = 1'500;
/// Longest a trial waits for every moved user to run again.
constexpr int64_t failover_trial_deadline_ms = 15'000;
/// The cluster's renew interval (the example's and the default).
constexpr int64_t config_renew_interval_ms = 250;
/// How long a frozen member stays stopped (past its lease).
constexpr int64_t failover_freeze_ms = 4'000;

std::string read_all(const fs::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const fs::path& p, const std::string& text) {
  std::ofstream out{p, std::ios::trunc};
  out << text;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Starts `args` in a session of its own, output appended to `log`.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  chaos::spawn_options o;
  o.args = args;
  o.log = log.string();
  std::string why;
  auto pid = chaos::spawn(o, why);
  if (pid < 0)
    throw std::runtime_error("failover_time: " + why);
  return pid;
}

// Runs `args` to the end; its exit code (128 if a signal ended it).
int run(const std::vector<std::string>& args, const fs::path& log) {
  auto pid = spawn(args, log);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// A port nobody uses now.
int free_port() {
  if (auto port = chaos::free_local_port())
    return port;
  throw std::runtime_error("failover_time: no free port");
}

// Where the line holding `at` begins.
size_t line_start(const std::string& text, size_t at) {
  auto nl = text.rfind('\n', at);
  return nl == std::string::npos ? 0 : nl + 1;
}

// The stamps of every line of `log` that contains `key`, oldest first.
std::vector<int64_t> stamps(const fs::path& log, const std::string& key) {
  auto text = read_all(log);
  std::vector<int64_t> out;
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + key.size()))
    out.push_back(std::max<int64_t>(0, chaos::log_stamp_ms(text.substr(line_start(text, at)))));
  return out;
}

// When a member's log says it started USER under EPOCH (0: not yet).
int64_t started_at(const fs::path& log, const std::string& user, int64_t epoch) {
  auto xs = stamps(log, "started user " + user + " (epoch " + std::to_string(epoch) + ")");
  return xs.empty() ? 0 : xs.front();
}

struct cluster_fixture {
  fs::path dir;
  std::string tfarm;
  std::string url;
  pid_t exchange = 0;

  std::vector<std::string> cmd(std::vector<std::string> args) const {
    args.insert(args.begin(), tfarm);
    return args;
  }

  void up() {
    if (run(cmd({"cluster", "up", "--cluster", (dir / "cluster.toml").string(), "--run-dir",
                 (dir / "run").string(), "--wait", "60s"}),
            dir / "up.log") != 0)
      throw std::runtime_error("failover_time: the cluster did not come up: " +
                               read_all(dir / "up.log"));
  }

  std::unique_ptr<persistence::sql_connection> connect() const {
    auto db = persistence::open_database(url);
    if (!db)
      throw std::runtime_error(runtime::to_text(db.error()));
    return std::move(*db);
  }

  persistence::member_record victim(persistence::cluster_store& cs,
                                    std::vector<persistence::lease_record>& moved) {
    auto members = cs.members();
    auto leases = cs.leases();
    persistence::member_record best;
    size_t most = 0;
    for (auto& m : members) {
      size_t n = 0;
      for (auto& l : leases)
        n += l.owner == m.name ? 1 : 0;
      if (m.state == "up" && n > most) {
        most = n;
        best = m;
      }
    }
    moved.clear();
    for (auto& l : leases)
      if (l.owner == best.name)
        moved.push_back(l);
    return best;
  }

  /// One trial: `sig` to the member with the most users; the time (ms)
  /// until the last of its users runs on a survivor, and until claimed.
  std::pair<double, double> trial(int sig) {
    auto db = connect();
    persistence::cluster_store cs{*db, std::chrono::milliseconds{failover_lease_ttl_ms}};
    std::vector<persistence::lease_record> moved;
    auto v = victim(cs, moved);
    if (moved.empty())
      throw std::runtime_error("failover_time: no member owns a user");
    auto t0 = now_ms();
    kill(static_cast<pid_t>(v.pid), sig);
    int64_t claimed = 0;
    int64_t running = 0;
    std::map<std::string, int64_t> claim_of;
    while (now_ms() - t0 < failover_trial_deadline_ms) {
      std::map<std::string, persistence::lease_record> now;
      for (auto& l : cs.leases())
        now[l.user] = l;
      int64_t last = 0;
      bool all = true;
      for (auto& m : moved) {
        auto& l = now[m.user];
        if (l.owner.empty() || l.owner == v.name) {
          all = false;
          break;
        }
        if (claim_of.count(m.user) == 0)
          claim_of[m.user] = now_ms();
        auto at = started_at(dir / "run" / (l.owner + ".log"), m.user, l.epoch);
        if (at == 0) {
          all = false;
          break;
        }
        last = std::max(last, at);
      }
      if (all) {
        running = last;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    for (auto& [user, at] : claim_of)
      claimed = std::max(claimed, at);
    if (sig == SIGSTOP) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds{std::max<int64_t>(0, failover_freeze_ms - (now_ms() - t0))});
      kill(static_cast<pid_t>(v.pid), SIGCONT);
    }
    if (running == 0)
      throw std::runtime_error("failover_time: " + v.name + "'s users did not run again within " +
                               std::to_string(failover_trial_deadline_ms) + " ms");
    // The member comes back (a killed one is started again; a frozen one
    // joins again by itself), and the placement settles.
    std::this_thread::sleep_for(std::chrono::milliseconds{500});
    up();
    return {static_cast<double>(running - t0), static_cast<double>(claimed - t0)};
  }

  /// SIGTERM to the member with the most users (it leaves: it hands every
  /// user off), then `cluster up` starts it again (it joins: the others
  /// hand its share back). The pause of each handoff: from the user's stop
  /// on the member that let it go to its start on the one that took it.
  std::vector<double> handoff_trial() {
    auto db = connect();
    persistence::cluster_store cs{*db, std::chrono::milliseconds{failover_lease_ttl_ms}};
    std::vector<persistence::lease_record> moved;
    auto v = victim(cs, moved);
    if (moved.empty())
      throw std::runtime_error("handoff_pause: no member owns a user");
    auto t0 = now_ms();
    kill(static_cast<pid_t>(v.pid), SIGTERM);
    while (kill(static_cast<pid_t>(v.pid), 0) == 0) {
      if (now_ms() - t0 > failover_trial_deadline_ms)
        throw std::runtime_error("handoff_pause: " + v.name + " did not leave");
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    up();
    std::vector<fs::path> logs;
    for (auto& e : fs::directory_iterator(dir / "run"))
      if (e.path().extension() == ".log")
        logs.push_back(e.path());
    std::vector<double> pauses;
    for (auto& l : cs.leases()) {
      std::vector<int64_t> stops;
      std::vector<int64_t> starts;
      for (auto& log : logs) {
        for (auto at : stamps(log, "stopped user " + l.user + " (handoff)"))
          if (at >= t0)
            stops.push_back(at);
        for (auto at : stamps(log, "started user " + l.user + " (epoch"))
          if (at >= t0)
            starts.push_back(at);
      }
      std::sort(starts.begin(), starts.end());
      for (auto stop : stops) {
        auto next = std::lower_bound(starts.begin(), starts.end(), stop);
        if (next != starts.end())
          pauses.push_back(static_cast<double>(*next - stop));
      }
    }
    return pauses;
  }

  ~cluster_fixture() {
    if (!dir.empty()) {
      run(cmd({"cluster", "down", "--cluster", (dir / "cluster.toml").string(), "--run-dir",
               (dir / "run").string(), "--wait", "30s"}),
          dir / "down.log");
    }
    if (exchange > 0) {
      kill(exchange, SIGTERM);
      waitpid(exchange, nullptr, 0);
    }
    std::error_code ec;
    if (!dir.empty())
      fs::remove_all(dir, ec);
  }
};

// Three members and an exchange node, up and placed.
void start_cluster(cluster_fixture& c, const scenario_options& opts) {
  c.tfarm = (fs::read_symlink("/proc/self/exe").parent_path() / "tfarm").string();
  if (!fs::exists(c.tfarm))
    throw std::runtime_error("failover_time needs the tfarm executable beside tfarm_bench");
  auto base = opts.dir.empty() ? fs::temp_directory_path() : fs::path{opts.dir};
  std::string tmpl = (base / "tfarm-failover-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("failover_time: cannot make a folder under " + base.string());
  c.dir = tmpl;
  c.url = pg_bench_database("failover");
  fs::path src{TFARM_SOURCE_DIR};
  auto xport = free_port();
  auto exchange = read_all(src / "examples/exchange_node/farm.toml");
  write_all(c.dir / "exchange.toml", exchange);
  auto farm = read_all(src / "examples/cluster/farm.toml");
  replace_all(farm, "127.0.0.1:7100", "127.0.0.1:" + std::to_string(xport));
  replace_all(farm, "\"../policies/default.toml\"",
              "\"" + (src / "examples/policies/default.toml").string() + "\"");
  write_all(c.dir / "farm.toml", farm);
  std::ostringstream cluster;
  cluster << "[cluster]\nname = \"bench\"\nfarm = \"farm.toml\"\nstore = \"" << c.url << "\"\n";
  for (int n = 1; n <= 3; ++n)
    cluster << "\n[[member]]\nname = \"node-" << n
            << "\"\nhost = \"127.0.0.1\"\nport = " << free_port() << "\n";
  cluster << "\n[[exchange]]\nname = \"exchange-1\"\nhost = \"127.0.0.1\"\nport = " << xport
          << "\n";
  write_all(c.dir / "cluster.toml", cluster.str());
  setenv("TFARM_HTTP_PORT", "0", 1);
  setenv("TFARM_CONSOLE_PORT", "0", 1);
  c.exchange = spawn(
      c.cmd({"exchange-sim", "serve", "-c", (c.dir / "exchange.toml").string(), "--db",
             (c.dir / "exchange.db").string(), "--listen", "127.0.0.1:" + std::to_string(xport)}),
      c.dir / "exchange.log");
  auto deadline = now_ms() + 30'000;
  while (read_all(c.dir / "exchange.log").find("Offering venues") == std::string::npos) {
    if (now_ms() > deadline)
      throw std::runtime_error("failover_time: the exchange node did not start: " +
                               read_all(c.dir / "exchange.log"));
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  c.up();
}

} // namespace

nlohmann::json failover_time(const scenario_options& opts) {
  cluster_fixture c;
  start_cluster(c, opts);
  auto trials = scaled(10, opts);
  std::vector<double> kill_ms, claim_ms, stop_ms;
  for (uint64_t i = 0; i < trials; ++i) {
    auto [running, claimed] = c.trial(SIGKILL);
    kill_ms.push_back(running);
    claim_ms.push_back(claimed);
  }
  auto stop_trials = scaled(5, opts);
  for (uint64_t i = 0; i < stop_trials; ++i)
    stop_ms.push_back(c.trial(SIGSTOP).first);
  auto p50 = percentile(kill_ms, 50);
  nlohmann::json j;
  j["scenario"] = "failover_time";
  j["members"] = 3;
  j["users"] = 6;
  j["trials"] = trials;
  j["value"] = p50;
  j["p50_ms"] = p50;
  j["p99_ms"] = percentile(kill_ms, 99);
  j["claim_p50_ms"] = percentile(claim_ms, 50);
  j["sigstop_trials"] = stop_trials;
  j["sigstop_p50_ms"] = percentile(stop_ms, 50);
  j["sigstop_p99_ms"] = percentile(stop_ms, 99);
  j["baseline"] = failover_lease_ttl_ms;
  j["baseline_kind"] = "lease TTL: the least that detection by lease expiry alone waits";
  j["ratio"] = p50 / static_cast<double>(failover_lease_ttl_ms);
  j["measured_to"] = "the survivor's subtree started (agents subscribed; first tick <= 100 ms on)";
  return j;
}

nlohmann::json handoff_pause(const scenario_options& opts) {
  cluster_fixture c;
  start_cluster(c, opts);
  auto trials = scaled(5, opts);
  std::vector<double> pauses;
  for (uint64_t i = 0; i < trials; ++i)
    for (auto p : c.handoff_trial())
      pauses.push_back(p);
  if (pauses.empty())
    throw std::runtime_error("handoff_pause: no handoff was seen");
  auto p50 = percentile(pauses, 50);
  auto p99 = percentile(pauses, 99);
  nlohmann::json j;
  j["scenario"] = "handoff_pause";
  j["members"] = 3;
  j["users"] = 6;
  j["trials"] = trials;
  j["handoffs"] = pauses.size();
  j["value"] = p99;
  j["p50_ms"] = p50;
  j["p99_ms"] = p99;
  j["max_ms"] = pauses.back();
  j["target_ms"] = 500;
  j["baseline"] = config_renew_interval_ms;
  j["baseline_kind"] = "renew interval: a claim waits for the claimant's next step";
  j["ratio"] = p99 / static_cast<double>(config_renew_interval_ms);
  return j;
}

} // namespace tfarm::bench
