#include "chaos/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace tfarm::chaos {

namespace {

/// How often a wait for a child's end looks.
constexpr int64_t child_poll_interval_ms = 20;

} // namespace

pid_t spawn(const spawn_options& opts, std::string& why) {
  if (opts.args.empty()) {
    why = "nothing to run";
    return -1;
  }
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<std::string> args = opts.args;
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv{*e};
    auto eq = kv.find('=');
    if (eq != std::string::npos)
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (auto& name : opts.unset_env)
    env.erase(name);
  for (auto& [k, v] : opts.set_env)
    env[k] = v;
  std::vector<std::string> env_lines;
  for (auto& [k, v] : env)
    env_lines.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_lines)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  auto log = opts.log.empty() ? std::string{"/dev/null"} : opts.log;
  auto pid = fork();
  if (pid < 0) {
    why = std::string{"fork: "} + std::strerror(errno);
    return -1;
  }
  if (pid != 0)
    return pid;
  if (opts.new_session)
    setsid();
  auto fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  auto null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || null < 0)
    _exit(127);
  dup2(null, STDIN_FILENO);
  dup2(fd, STDOUT_FILENO);
  dup2(fd, STDERR_FILENO);
  // Nothing else of the harness's: a member must not hold its sockets.
  close_range(3, ~0U, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(argv[0], argv.data(), envp.data());
  _exit(127);
}

std::string exit_text(int status) {
  if (WIFEXITED(status))
    return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

bool child_running(pid_t pid, std::string* how) {
  if (pid <= 0)
    return false;
  int status = 0;
  auto r = waitpid(pid, &status, WNOHANG);
  if (r == 0)
    return true;
  if (r == pid && how != nullptr)
    *how = exit_text(status);
  return false;
}

std::optional<int> run_to_end(const spawn_options& opts, std::chrono::milliseconds timeout,
                              std::string& why) {
  auto o = opts;
  o.new_session = false;
  auto pid = spawn(o, why);
  if (pid < 0)
    return std::nullopt;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    auto r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status) && WEXITSTATUS(status) != 127)
        return WEXITSTATUS(status);
      why = opts.args.front() + ": " +
            (WIFEXITED(status) ? std::string{"could not be run"} : exit_text(status));
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      why = opts.args.front() + ": no end within " + std::to_string(timeout.count()) + " ms";
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{child_poll_interval_ms});
  }
}

void stop_child(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0 || !child_running(pid))
    return;
  ::kill(pid, SIGCONT); // a paused child cannot act on SIGTERM
  ::kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (child_running(pid)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      int status = 0;
      waitpid(pid, &status, 0);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{child_poll_interval_ms});
  }
}

} // namespace tfarm::chaos
