#include "chaos/cluster_rig.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

#include "chaos/child_process.hpp"
#include "chaos/local_port.hpp"
#include "chaos/tcp_peer_process.hpp"
#include "config/loader.hpp"
#include "net/cert_authority.hpp"
#include "net/console_client.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::chaos {

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

/// Days the harness's certificates are valid.
constexpr int64_t certificate_days = 2;
/// The admin token the harness gives its nodes (a private cluster).
constexpr const char* chaos_admin_token = "chaos-harness-admin-token-0123456789";
/// How often on_some_member tries again.
constexpr int64_t retry_every_ms = 250;

std::string duration_text(int64_t ms) {
  return std::to_string(ms) + "ms";
}

// A TOML basic string.
std::string quoted(const std::string& x) {
  std::string out = "\"";
  for (char c : x) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

// A node's process: the harness's admin token, and none of the
// environment's port or store overrides (the cluster file says).
spawn_options node_env(std::vector<std::string> args, const std::string& log) {
  spawn_options s;
  s.args = std::move(args);
  s.log = log;
  s.set_env["TFARM_ADMIN_TOKEN"] = chaos_admin_token;
  s.unset_env = {"TFARM_HTTP_PORT", "TFARM_CONSOLE_PORT", "TFARM_DB"};
  return s;
}

} // namespace

cluster_rig::cluster_rig(const chaos_options& o) : o_(o) {}

cluster_rig::~cluster_rig() {
  for (auto& [name, pid] : pids_) {
    ::kill(pid, SIGCONT);
    ::kill(pid, SIGKILL);
    child_running(pid);
  }
  kill_exchange();
  store_.reset();
  exchange_proxy_.reset();
  proxies_.clear();
  if (!proxy_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(proxy_dir_, ec);
  }
  pg_.remove();
}

namespace {

// `text` as a literal in an extended regular expression (pkill -f).
std::string regex_literal(const std::string& text) {
  std::string out;
  for (auto c : text) {
    if (std::string_view{".[]()*+?^$\\|{}"}.find(c) != std::string_view::npos)
      out += '\\';
    out += c;
  }
  return out;
}

} // namespace

void cluster_rig::watch_harness() {
  // Members and the exchange node run in sessions of their own (a signal
  // to the harness's group spares them), so a harness killed before its
  // cleanup (a test's timeout) would leave them trading. A watcher, in a
  // session of its own too, kills what this run started once the harness
  // is gone: processes of this tfarm binary whose arguments name the run
  // folder. The pattern travels in the environment, so that it is not in
  // the watcher's own arguments.
  spawn_options o;
  o.args = {"/bin/bash", "-c",
            "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; "
            "pkill -9 -f -- \"$TFARM_CHAOS_REAP\"",
            "tfarm-chaos-watch", std::to_string(getpid())};
  o.set_env["TFARM_CHAOS_REAP"] = "^" + regex_literal(o_.tfarm) + " .*" + regex_literal(dir_ + "/");
  std::string why;
  if (spawn(o, why) < 0)
    return; // the harness still stops everything itself at its end
}

bool cluster_rig::prepare(std::string& why) {
  std::error_code ec;
  fs::create_directories(o_.run_dir, ec);
  if (ec) {
    why = "cannot make the run folder " + o_.run_dir + ": " + ec.message();
    return false;
  }
  dir_ = fs::absolute(o_.run_dir).string();
  watch_harness();
  if (o_.cluster.exchanges.size() != 1) {
    why = "a chaos run starts one exchange node; the cluster file has " +
          std::to_string(o_.cluster.exchanges.size()) + " [[exchange]] tables";
    return false;
  }
  for (auto& m : o_.cluster.members) {
    if (!net::is_local_host(m.host)) {
      why = "member " + m.name + " is on " + m.host +
            ": a chaos run starts every member on this machine";
      return false;
    }
    if (m.console_port == 0) {
      why = "member " + m.name +
            " has no console_port: the harness acts as the operator through each member's "
            "console (set console_port in its [[member]])";
      return false;
    }
  }
  // Certificates of its own: the cluster's CA key is never needed.
  auto pki = dir_ + "/pki";
  fs::remove_all(pki, ec);
  for (auto made :
       {net::cert_authority::init(pki, certificate_days),
        net::cert_authority::issue({pki, "node", net::node_role, certificate_days, ""}),
        net::cert_authority::issue({pki, "chaos", net::operator_role, certificate_days, ""})})
    if (!made) {
      why = "certificates: " + runtime::to_text(made.error());
      return false;
    }
  tls_ = config::tls_settings{pki + "/ca.crt", pki + "/node.crt", pki + "/node.key", ""};
  if (o_.db.empty()) {
    if (o_.progress)
      o_.progress("starting a private PostgreSQL server");
    if (!pg_.start(fs::temp_directory_path().string(), why))
      return false;
    db_ = pg_.url();
    // Each member reaches it through a proxy of its own, which a
    // partition cuts (socket paths are short: under the temp folder).
    auto base = (fs::temp_directory_path() / "tfarm-chaos.XXXXXX").string();
    if (mkdtemp(base.data()) == nullptr) {
      why = "cannot make a folder for the database proxies under " +
            fs::temp_directory_path().string();
      return false;
    }
    proxy_dir_ = base;
    int n = 0;
    for (auto& m : o_.cluster.members) {
      auto dir = proxy_dir_ + "/m" + std::to_string(++n);
      fs::create_directories(dir, ec);
      auto proxy = std::make_unique<link_proxy>();
      if (!proxy->start(
              proxy_endpoint::unix_socket(dir + "/.s.PGSQL." + std::to_string(pg_.port())),
              proxy_endpoint::unix_socket(pg_.socket_path()), why))
        return false;
      proxies_[m.name] = std::move(proxy);
      member_db_[m.name] =
          "postgresql://postgres@/postgres?host=" + dir + "&port=" + std::to_string(pg_.port());
    }
  } else {
    db_ = o_.db;
  }
  store_ = std::make_unique<store_reader>(db_);
  // The run's cluster file: the given one with its CA and store.
  cluster_file_ = dir_ + "/cluster.toml";
  std::ofstream c{cluster_file_, std::ios::trunc};
  auto& t = o_.cluster.timing;
  c << "# Written by tfarm chaos for seed " << o_.seed
    << ".\n[cluster]\nname = " << quoted(o_.cluster.name)
    << "\nfarm = " << quoted(fs::absolute(o_.cluster.farm).string()) << "\nstore = " << quoted(db_)
    << "\nrenew_interval = \"" << duration_text(t.renew_interval.count()) << "\"\nlease_ttl = \""
    << duration_text(t.lease_ttl.count()) << "\"\nmargin = \"" << duration_text(t.margin.count())
    << "\"\n\n[tls]\nca = " << quoted(tls_.ca) << "\ncert = " << quoted(tls_.cert)
    << "\nkey = " << quoted(tls_.key) << "\n";
  for (auto& m : o_.cluster.members) {
    c << "\n[[member]]\nname = " << quoted(m.name) << "\nhost = " << quoted(m.host)
      << "\nport = " << m.port << "\nconsole_port = " << m.console_port << "\n";
    if (m.http_port != 0)
      c << "http_port = " << m.http_port << "\n";
  }
  auto& x = o_.cluster.exchanges.front();
  c << "\n[[exchange]]\nname = " << quoted(x.name) << "\nhost = " << quoted(x.host)
    << "\nport = " << x.port << "\n";
  c.close();
  if (!c) {
    why = "cannot write " + cluster_file_;
    return false;
  }
  // The exchange node's farm with the run's certificates.
  std::ifstream in{o_.exchange_farm_file};
  if (!in) {
    why = "cannot read the exchange node's farm file " + o_.exchange_farm_file;
    return false;
  }
  std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  std::istringstream lines{text};
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("[tls]", 0) == 0) {
      why = o_.exchange_farm_file +
            " has a [tls] table: the harness gives every node a CA of its own; use a copy "
            "without it";
      return false;
    }
  exchange_file_ = dir_ + "/exchange.toml";
  std::ofstream e{exchange_file_, std::ios::trunc};
  e << text << "\n[tls]\nca = " << quoted(tls_.ca) << "\ncert = " << quoted(tls_.cert)
    << "\nkey = " << quoted(tls_.key) << "\n";
  if (!e) {
    why = "cannot write " + exchange_file_;
    return false;
  }
  exchange_console_port_ = free_local_port();
  exchange_inner_port_ = free_local_port();
  if (exchange_console_port_ == 0 || exchange_inner_port_ == 0 ||
      exchange_inner_port_ == exchange_console_port_) {
    why = "no free port on 127.0.0.1 for the exchange node";
    return false;
  }
  // The members connect to the cluster file's address; the proxy there
  // passes each connection on unless its member is cut off.
  exchange_proxy_ = std::make_unique<link_proxy>();
  auto owner_of = [this](int fd) {
    std::vector<pid_t> among;
    std::map<pid_t, std::string> names;
    {
      std::lock_guard<std::mutex> guard{pids_mtx_};
      for (auto& [name, pid] : pids_) {
        among.push_back(pid);
        names[pid] = name;
      }
    }
    auto i = names.find(tcp_peer_process(fd, among));
    return i == names.end() ? std::string{} : i->second;
  };
  if (!exchange_proxy_->start(proxy_endpoint::tcp(x.host, x.port),
                              proxy_endpoint::tcp("127.0.0.1", exchange_inner_port_), why,
                              owner_of)) {
    why = "the exchange node's address in the cluster file: " + why;
    return false;
  }
  auto loaded = config::load_cluster_file(cluster_file_);
  if (!loaded.ok()) {
    why = "the run's cluster file " + cluster_file_ + " is not valid";
    return false;
  }
  source_ = net::cluster_source_of(*loaded.value, o_.farm);
  return true;
}

bool cluster_rig::spawn_exchange(std::string& why) {
  auto pid = spawn(node_env({o_.tfarm, "exchange-sim", "serve", "-c", exchange_file_, "--db",
                             dir_ + "/exchange.db", "--listen",
                             "127.0.0.1:" + std::to_string(exchange_inner_port_), "--console-port",
                             std::to_string(exchange_console_port_), "--http-port", "0"},
                            dir_ + "/exchange.log"),
                   why);
  if (pid < 0)
    return false;
  exchange_pid_ = pid;
  return true;
}

bool cluster_rig::exchange_running(std::string* how) const {
  return child_running(exchange_pid_, how);
}

void cluster_rig::kill_exchange() {
  if (exchange_pid_ <= 0)
    return;
  ::kill(exchange_pid_, SIGKILL);
  child_running(exchange_pid_);
  exchange_pid_ = -1;
}

void cluster_rig::stop_exchange(int64_t grace_ms) {
  stop_child(exchange_pid_, std::chrono::milliseconds{grace_ms});
  exchange_pid_ = -1;
}

bool cluster_rig::start_member(const std::string& name, std::string& why) {
  if (auto old = pids_.find(name); old != pids_.end())
    child_running(old->second); // reaped, if it ended
  auto db = member_db_.count(name) > 0 ? member_db_.at(name) : db_;
  auto args = std::vector<std::string>{o_.tfarm, "node", "--cluster", cluster_file_,
                                       "--name", name,   "--db",      db};
  auto pid = spawn(node_env(args, member_log(name)), why);
  if (pid < 0)
    return false;
  std::lock_guard<std::mutex> guard{pids_mtx_};
  pids_[name] = pid;
  return true;
}

void cluster_rig::signal_member(const std::string& name, int sig) {
  ::kill(pids_.at(name), sig);
}

bool cluster_rig::member_running(const std::string& name, std::string* how) const {
  auto i = pids_.find(name);
  return i != pids_.end() && child_running(i->second, how);
}

void cluster_rig::stop_members(int64_t grace_ms) {
  for (auto& [name, pid] : pids_)
    stop_child(pid, std::chrono::milliseconds{grace_ms});
  std::lock_guard<std::mutex> guard{pids_mtx_};
  pids_.clear();
}

console_answer cluster_rig::console(const std::string& host, uint16_t port,
                                    const std::vector<std::string>& args, int64_t timeout_ms,
                                    int32_t attempts) const {
  net::console_client_options c;
  c.host = host;
  c.port = port;
  c.token = chaos_admin_token;
  c.operator_name = "chaos@seed-" + std::to_string(o_.seed);
  c.timeout = std::chrono::milliseconds{timeout_ms > 0 ? timeout_ms : chaos_console_timeout_ms};
  c.attempts = attempts;
  c.tls = config::tls_settings{tls_.ca, dir_ + "/pki/chaos.crt", dir_ + "/pki/chaos.key", ""};
  net::console_client client{c};
  auto r = client.call(args);
  if (!r)
    return {-1, runtime::to_text(r.error()), ""};
  return {r->status == 0 ? 0 : 1, r->text, r->json};
}

console_answer cluster_rig::member_console(const std::string& name,
                                           const std::vector<std::string>& args, int64_t timeout_ms,
                                           int32_t attempts) const {
  auto m = o_.cluster.member(name);
  return console(m->host, m->console_port, args, timeout_ms, attempts);
}

console_answer cluster_rig::exchange_console(const std::vector<std::string>& args) const {
  return console(o_.cluster.exchanges.front().host, exchange_console_port_, args);
}

console_answer cluster_rig::on_some_member(const std::vector<std::string>& args,
                                           int64_t wait_ms) const {
  auto deadline = clock_type::now() + std::chrono::milliseconds{wait_ms};
  console_answer last{-1, "no member tried", ""};
  for (;;) {
    for (auto& m : o_.cluster.members) {
      last = member_console(m.name, args);
      if (last.code == 0)
        return last;
    }
    if (clock_type::now() >= deadline)
      return last;
    std::this_thread::sleep_for(std::chrono::milliseconds{retry_every_ms});
  }
}

} // namespace tfarm::chaos
