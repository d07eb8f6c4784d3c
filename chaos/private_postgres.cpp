#include "chaos/private_postgres.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "chaos/child_process.hpp"

namespace tfarm::chaos {

namespace {

namespace fs = std::filesystem;

/// Where Debian installs the server's binaries (one folder per version).
constexpr const char* postgres_lib_dir = "/usr/lib/postgresql";
/// Connections at most: every member's store, heart and readers.
constexpr int postgres_connections_max = 200;
/// The socket's port number: it only names the socket file in the
/// server's own folder (no TCP), so any number in this range does.
constexpr int postgres_port_min = 20'000;
constexpr int postgres_port_span = 20'000;
/// Lines of a tool's log shown when it failed.
constexpr size_t log_lines_shown = 8;

// The newest installed server's bin folder, or "".
std::string find_bin() {
  std::error_code ec;
  std::vector<std::string> dirs;
  for (auto& e : fs::directory_iterator{postgres_lib_dir, ec})
    if (fs::exists(e.path() / "bin" / "initdb"))
      dirs.push_back(e.path().filename().string());
  if (dirs.empty())
    return "";
  std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) {
    return std::stoi(a.empty() ? "0" : a) < std::stoi(b.empty() ? "0" : b);
  });
  return std::string{postgres_lib_dir} + "/" + dirs.back() + "/bin";
}

// `args` as the server's owner: as root, through runuser.
spawn_options as_owner(std::vector<std::string> args, const std::string& log) {
  spawn_options o;
  if (geteuid() == 0)
    args.insert(args.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  o.args = std::move(args);
  o.log = log;
  return o;
}

// The last lines of `file` (the folder is removed with the server).
std::string tail_of(const std::string& file) {
  std::ifstream in{file};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  std::string out;
  for (size_t i = lines.size() > log_lines_shown ? lines.size() - log_lines_shown : 0;
       i < lines.size(); ++i)
    out += "\n  | " + lines[i];
  return out;
}

bool run_ok(const spawn_options& o, const std::string& what, std::string& why) {
  auto code = run_to_end(o, std::chrono::milliseconds{postgres_wait_ms}, why);
  if (!code)
    return false;
  if (*code != 0) {
    why = what + " failed (exit code " + std::to_string(*code) + "):" + tail_of(o.log);
    return false;
  }
  return true;
}

} // namespace

private_postgres::~private_postgres() {
  remove();
}

bool private_postgres::start(const std::string& parent, std::string& why) {
  bin_ = find_bin();
  if (bin_.empty()) {
    why = "the PostgreSQL server is not installed (no initdb under " +
          std::string{postgres_lib_dir} +
          "): install the package postgresql (scripts/setup.sh --tests), or give --db";
    return false;
  }
  if (geteuid() == 0 && getpwnam("postgres") == nullptr) {
    why = "running as root, the server needs the user 'postgres' (package postgresql)";
    return false;
  }
  std::string pattern = (fs::path{parent} / "pg.XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    why = "cannot make a folder for the database server under " + parent;
    return false;
  }
  dir_ = pattern;
  std::error_code ec;
  fs::permissions(dir_,
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                      fs::perms::others_read | fs::perms::others_exec,
                  ec);
  if (geteuid() == 0) {
    auto pw = getpwnam("postgres");
    if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      why = "cannot give " + dir_ + " to the user postgres";
      return false;
    }
  }
  if (!run_ok(as_owner({bin_ + "/initdb", "-D", dir_ + "/data", "-A", "trust", "-U", "postgres",
                        "--no-locale", "-E", "UTF8"},
                       dir_ + "/initdb.log"),
              "initdb", why))
    return false;
  std::random_device rd;
  port_ = postgres_port_min + static_cast<int32_t>(rd() % postgres_port_span);
  url_ = "postgresql://postgres@/postgres?host=" + dir_ + "&port=" + std::to_string(port_);
  if (!pg_ctl_start(why))
    return false;
  watch_owner();
  return true;
}

void private_postgres::watch_owner() {
  // pg_ctl detaches the server from this process: should the harness be
  // killed (a test's timeout) before remove(), a watcher in a session of
  // its own stops the server and removes its folder once the harness is
  // gone. After a normal remove() it finds nothing left to do.
  auto stop =
      as_owner({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"}, "");
  std::vector<std::string> args{
      "/bin/bash",
      "-c",
      "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; dir=$2; shift 2; "
      "[[ -d \"$dir\" ]] && \"$@\" >/dev/null 2>&1; rm -rf \"$dir\"",
      "tfarm-chaos-pg-watch",
      std::to_string(getpid()),
      dir_};
  args.insert(args.end(), stop.args.begin(), stop.args.end());
  spawn_options o;
  o.args = std::move(args);
  std::string why;
  if (spawn(o, why) < 0)
    return; // the harness still stops the server itself at its end
}

bool private_postgres::pg_ctl_start(std::string& why) {
  auto opts = "-k " + dir_ + " -p " + std::to_string(port_) +
              " -c listen_addresses='' -c fsync=on -c max_connections=" +
              std::to_string(postgres_connections_max);
  if (!run_ok(as_owner({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w",
                        "-t", std::to_string(postgres_wait_ms / 1'000), "-o", opts, "start"},
                       dir_ + "/pg_ctl.log"),
              "starting the database server", why))
    return false;
  running_ = true;
  return true;
}

bool private_postgres::crash(std::string& why) {
  if (!run_ok(as_owner({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "-t",
                        std::to_string(postgres_wait_ms / 1'000), "stop"},
                       dir_ + "/pg_ctl.log"),
              "stopping the database server", why))
    return false;
  running_ = false;
  return true;
}

bool private_postgres::resume(std::string& why) {
  return pg_ctl_start(why);
}

void private_postgres::remove() {
  if (dir_.empty())
    return;
  if (running_) {
    std::string why;
    run_ok(as_owner({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "fast", "-w", "-t",
                     std::to_string(postgres_wait_ms / 1'000), "stop"},
                    dir_ + "/pg_ctl.log"),
           "stopping the database server", why);
    running_ = false;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
  dir_.clear();
}

} // namespace tfarm::chaos
