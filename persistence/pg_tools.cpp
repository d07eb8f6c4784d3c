#include "persistence/pg_tools.hpp"

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::persistence {

namespace {

namespace fs = std::filesystem;

/// The tables a store backup must hold (its table of contents names them).
constexpr std::array<const char*, 6> backup_tables_required{
    "checkpoints", "ledger_entries", "balances", "orders", "fills", "vault_operations"};

/// Output kept of a tool for messages.
constexpr size_t tool_output_bytes_max = 64 * 1024;

struct tool_run {
  int exit_code = -1;
  std::string output;
};

// Splits the password out of `url` (user:password@...): the URL without it
// and the password ("" when there is none).
std::pair<std::string, std::string> split_password(const std::string& url) {
  auto redacted = redact_url(url);
  if (redacted == url)
    return {url, ""};
  auto scheme = url.find("://") + 3;
  auto colon = url.find(':', scheme);
  auto at = url.find('@', scheme);
  // A URL carries the password percent-encoded; PGPASSWORD takes it plain.
  auto encoded = url.substr(colon + 1, at - colon - 1);
  std::string password;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size() &&
        std::isxdigit(static_cast<unsigned char>(encoded[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(encoded[i + 2]))) {
      password += static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      password += encoded[i];
    }
  }
  return {url.substr(0, colon) + url.substr(at), password};
}

// Runs `args` (args[0] found on PATH) with PGPASSWORD set to `password`
// when given; stdout and stderr together in the result.
caf::expected<tool_run> run_tool(const std::vector<std::string>& args,
                                 const std::string& password) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return caf::error{store_errc::io_error, std::string{"pipe: "} + std::strerror(errno)};
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls (this process has many threads).
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_lines;
  for (char** e = environ; *e != nullptr; ++e)
    if (password.empty() || std::strncmp(*e, "PGPASSWORD=", 11) != 0)
      env_lines.emplace_back(*e);
  if (!password.empty())
    env_lines.push_back("PGPASSWORD=" + password);
  std::vector<char*> envp;
  for (auto& e : env_lines)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  auto pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return caf::error{store_errc::io_error, std::string{"fork: "} + std::strerror(errno)};
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    // Not one of the node's sockets or files with it: a tool outliving a
    // killed node would hold its ports, and its successor could not listen.
    close_range(3, ~0U, 0);
    execvpe(argv[0], argv.data(), envp.data());
    static constexpr char cannot_run[] = "cannot run the PostgreSQL client tool\n";
    [[maybe_unused]] auto n = write(STDERR_FILENO, cannot_run, sizeof(cannot_run) - 1);
    _exit(127);
  }
  close(fds[1]);
  tool_run result;
  char buf[4096];
  for (;;) {
    auto n = read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (result.output.size() < tool_output_bytes_max)
      result.output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  while (!result.output.empty() && result.output.back() == '\n')
    result.output.pop_back();
  return result;
}

std::string tool_failed(const std::string& tool, const tool_run& r) {
  return tool + " failed (exit " + std::to_string(r.exit_code) + ")" +
         (r.exit_code == 127 ? "; install the PostgreSQL client tools (package postgresql-client)"
                             : "") +
         (r.output.empty() ? "" : ": " + r.output);
}

// Reads a custom-format backup's table of contents: an error (`code`)
// unless it holds the data of every required table.
caf::error verify_backup(const std::string& file, store_errc code) {
  auto listed = run_tool({"pg_restore", "--list", file}, "");
  if (!listed)
    return listed.error();
  if (listed->exit_code != 0)
    return caf::error{code, file + " is not a readable pg_dump backup: " +
                                tool_failed("pg_restore --list", *listed)};
  for (auto table : backup_tables_required)
    if (listed->output.find(std::string{"TABLE DATA public "} + table + " ") == std::string::npos)
      return caf::error{code, file + " holds no data of table " + table +
                                  ": not a backup of a Trading Farm store"};
  return {};
}

} // namespace

caf::error pg_backup(const std::string& url, const std::string& out) {
  auto [plain, password] = split_password(url);
  auto partial = out + ".partial";
  std::error_code ec;
  fs::remove(partial, ec);
  auto dumped = run_tool(
      {"pg_dump", "--format=custom", "--no-owner", "--file=" + partial, "--dbname=" + plain},
      password);
  if (!dumped)
    return dumped.error();
  if (dumped->exit_code != 0) {
    fs::remove(partial, ec);
    return caf::error{store_errc::backup_failed,
                      "backup of " + redact_url(url) + ": " + tool_failed("pg_dump", *dumped)};
  }
  if (auto err = verify_backup(partial, store_errc::backup_failed)) {
    fs::remove(partial, ec);
    return err;
  }
  fs::rename(partial, out, ec);
  if (ec)
    return caf::error{store_errc::backup_failed,
                      "cannot move the backup into place at " + out + ": " + ec.message()};
  return {};
}

caf::error pg_restore_into(const std::string& url, const std::string& from) {
  std::error_code ec;
  if (!fs::exists(from, ec))
    return caf::error{store_errc::restore_refused, from + ": no such backup file"};
  if (auto err = verify_backup(from, store_errc::restore_refused))
    return caf::error{store_errc::restore_refused,
                      "refusing to restore: " + runtime::message_of(err)};
  {
    open_options opts;
    opts.migrate = false;
    auto db = open_database(url, opts);
    if (!db)
      return caf::error{store_errc::restore_refused,
                        "refusing to restore: " + runtime::to_text(db.error())};
    try {
      if ((*db)->table_exists("schema_version"))
        return caf::error{store_errc::restore_refused,
                          "refusing to restore into " + (*db)->name() +
                              ": it holds a store already; restore into a new, empty database "
                              "(createdb) and point --db at it"};
    } catch (const std::exception& e) {
      return classify(e, url, "inspecting the target");
    }
  }
  auto [plain, password] = split_password(url);
  auto restored = run_tool({"pg_restore", "--exit-on-error", "--single-transaction", "--no-owner",
                            "--dbname=" + plain, from},
                           password);
  if (!restored)
    return restored.error();
  if (restored->exit_code != 0)
    return caf::error{store_errc::restore_refused,
                      "restore of " + from + " into " + redact_url(url) +
                          " failed, nothing was restored: " + tool_failed("pg_restore", *restored)};
  return {};
}

} // namespace tfarm::persistence
