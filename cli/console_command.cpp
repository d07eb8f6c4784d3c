// `tfarm console`: the operators' REPL (readline: history, completion of
// commands and actor paths) or one command with -e, against a node's
// console endpoint.
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include <readline/history.h>
#include <readline/readline.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/console_connection.hpp"
#include "config/duration.hpp"
#include "config/endpoint.hpp"
#include "net/cert_authority.hpp"
#include "net/console_client.hpp"
#include "net/console_commands.hpp"
#include "net/error.hpp"
#include "net/tls_identity.hpp"
#include "persistence/maintenance.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::cli {

namespace {

using json = nlohmann::json;

/// Time the process has to end after the last command (the actor system's
/// teardown waits for the middleman's connections).
constexpr int64_t console_exit_watchdog_ms = 3'000;

/// Entries kept in the history file.
constexpr int console_history_lines_max = 1'000;

/// Characters of an actor's state `watch` shows per line.
constexpr std::size_t watch_state_chars_max = 120;

/// How long completion reuses the node's path list.
constexpr int64_t completion_cache_ms = 2'000;

struct console_options : console_connection {
  /// Names the command in messages.
  std::string command = "tfarm console";
  std::string execute;
  /// -e was given (an empty command is a usage error, not the prompt).
  bool execute_given = false;
  std::string history;
};

// --ca/--cert/--key, each else its TFARM_TLS_* variable; all three or none.
std::optional<config::tls_settings> tls_of(const console_options& opts, std::string& why) {
  config::tls_settings x;
  std::vector<std::string> missing;
  auto pick = [&](const std::string& given, const char* env, const char* flag, std::string& out) {
    out = given;
    if (out.empty())
      if (auto v = std::getenv(env); v != nullptr)
        out = v;
    if (out.empty())
      missing.push_back(std::string{flag} + " (or " + env + ")");
  };
  pick(opts.ca, "TFARM_TLS_CA", "--ca", x.ca);
  pick(opts.cert, "TFARM_TLS_CERT", "--cert", x.cert);
  pick(opts.key, "TFARM_TLS_KEY", "--key", x.key);
  if (missing.size() == 3)
    return config::tls_settings{};
  if (!missing.empty()) {
    why = "TLS needs the CA, an operator certificate and its key; missing";
    for (auto& m : missing)
      why += " " + m;
    return std::nullopt;
  }
  return x;
}

std::atomic<bool> interrupted{false};

// JSON text of `j`; bytes that are not UTF-8 (what someone typed) become
// U+FFFD instead of an exception.
std::string text_of(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

extern "C" void on_sigint(int) {
  interrupted = true;
}

std::string who_am_i() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0)
    std::strcpy(host, "unknown-host");
  return persistence::operator_name() + "@" + host;
}

// Prints a reply; returns the exit code it stands for.
int print_reply(const net::console_reply& r, bool as_json) {
  if (as_json)
    std::cout << r.json << std::endl;
  else if (r.status == 0)
    std::cout << r.text << std::endl;
  else
    std::cerr << (r.status == 2 ? "" : "error: ") << r.text << std::endl;
  return r.status == 0 ? exit_ok : r.status == 1 ? exit_failure : exit_usage;
}

/// Removes --json from `words`; true if it was there.
bool take_json_flag(std::vector<std::string>& words) {
  auto n = words.size();
  words.erase(std::remove(words.begin(), words.end(), "--json"), words.end());
  return n != words.size();
}

// Keeps the terminal in non-canonical mode (a key press is seen at once)
// for as long as it lives.
class raw_terminal {
public:
  raw_terminal() {
    if (isatty(STDIN_FILENO) != 1 || tcgetattr(STDIN_FILENO, &saved_) != 0)
      return;
    auto raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    active_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~raw_terminal() {
    if (active_)
      tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  bool active() const { return active_; }

private:
  termios saved_{};
  bool active_ = false;
};

// `watch PATH`: polls `info PATH` and prints a line whenever it changed,
// until a key is pressed (on a terminal), --count lines, or Ctrl-C.
int run_watch(net::console_client& client, const std::vector<std::string>& words, bool as_json) {
  auto cmd = net::find_console_command("watch");
  std::string why;
  auto a = net::parse_console_args(*cmd, {words.begin() + 1, words.end()}, why);
  if (a && a->positional.size() != 1)
    why = "watch needs one PATH";
  std::chrono::milliseconds interval{1'000};
  if (a && why.empty())
    if (auto v = a->value("--interval")) {
      auto d = config::parse_duration(*v, why);
      if (d && d->count() >= 50)
        interval = *d;
      else if (why.empty())
        why = "--interval must be at least 50ms";
    }
  int64_t count = -1;
  if (a && why.empty())
    if (auto v = a->value("--count")) {
      std::string bad;
      auto n = config::parse_integer(*v, 1, INT64_MAX, bad);
      if (!n)
        why = "--count must be a positive number, not '" + *v + "'";
      else
        count = *n;
    }
  if (!a || !why.empty()) {
    std::cerr << why << "\nusage: watch " << cmd->synopsis << std::endl;
    return exit_usage;
  }
  auto path = a->positional.front();
  raw_terminal term;
  interrupted = false;
  auto old = std::signal(SIGINT, on_sigint);
  if (term.active())
    std::cerr << "watching " << path << " every " << config::format_duration(interval)
              << "; press any key to stop" << std::endl;
  std::string last;
  int64_t lines = 0;
  int64_t prev_handled = -1;
  auto prev_at = std::chrono::steady_clock::now();
  int code = exit_ok;
  while (!interrupted && (count < 0 || lines < count)) {
    auto r = client.call({"info", path});
    if (!r) {
      std::cerr << "error: " << runtime::message_of(r.error()) << std::endl;
      code = exit_usage;
      break;
    }
    if (r->status != 0) {
      code = print_reply(*r, as_json);
      break;
    }
    auto j = json::parse(r->json, nullptr, false);
    auto now = std::chrono::steady_clock::now();
    if (!j.is_object())
      break;
    auto handled = j.value("messages_handled", int64_t{0});
    auto state = text_of(j.value("state", json::object()));
    // One line per update: the state's start is enough to see it move
    // (info shows it whole, --json gives every field).
    auto shown = state.size() > watch_state_chars_max
                     ? state.substr(0, watch_state_chars_max) + "..."
                     : state;
    auto key = std::to_string(j.value("alive", false)) + "|" +
               std::to_string(j.value("mailbox_size", 0)) + "|" + std::to_string(handled) + "|" +
               std::to_string(j.value("restarts", 0)) + "|" +
               std::to_string(j.value("checkpoint", json::object()).value("seq", 0)) + "|" + state;
    if (key != last) {
      last = key;
      ++lines;
      if (as_json) {
        std::cout << text_of(j) << std::endl;
      } else {
        auto secs = std::chrono::duration<double>(now - prev_at).count();
        std::string rate;
        if (prev_handled >= 0 && secs > 0)
          rate =
              " (" + std::to_string(static_cast<int64_t>((handled - prev_handled) / secs)) + "/s)";
        auto t = std::time(nullptr);
        char clock[16];
        std::strftime(clock, sizeof(clock), "%H:%M:%S", std::localtime(&t));
        std::cout << clock << "  " << j.value("path", path) << "  "
                  << (j.value("alive", false) ? "up" : "DOWN")
                  << "  mailbox=" << j.value("mailbox_size", 0) << "  handled=" << handled << rate
                  << "  restarts=" << j.value("restarts", 0)
                  << "  checkpoint=" << j.value("checkpoint", json::object()).value("seq", 0)
                  << "  " << shown << std::endl;
      }
    }
    prev_handled = handled;
    prev_at = now;
    if (count >= 0 && lines >= count)
      break;
    if (term.active()) {
      pollfd p{STDIN_FILENO, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(interval.count())) > 0) {
        // The whole key (an arrow sends several bytes) goes, not just
        // its first byte: the rest would land at the next prompt.
        tcflush(STDIN_FILENO, TCIFLUSH);
        break;
      }
    } else {
      auto until = std::chrono::steady_clock::now() + interval;
      while (!interrupted && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
  }
  std::signal(SIGINT, old);
  return code;
}

// Runs one command line; the exit code it stands for.
int run_line(net::console_client& client, const std::string& line, bool json_default, bool& quit) {
  std::string why;
  auto words = net::split_command_line(line, why);
  if (!words) {
    std::cerr << why << std::endl;
    return exit_usage;
  }
  auto as_json = take_json_flag(*words) || json_default;
  if (words->empty())
    return exit_ok;
  auto& name = words->front();
  auto cmd = net::find_console_command(name);
  if (cmd && cmd->name == "quit") {
    quit = true;
    return exit_ok;
  }
  if (cmd && cmd->name == "help") {
    auto text = net::console_help(words->size() > 1 ? (*words)[1] : "");
    if (!text) {
      std::cerr << net::unknown_command_message((*words)[1]) << std::endl;
      return exit_usage;
    }
    std::cout << (as_json ? text_of(json{{"help", *text}}) : *text) << std::endl;
    return exit_ok;
  }
  if (!cmd) {
    if (as_json)
      std::cout << text_of(json{{"error", net::unknown_command_message(name)}}) << std::endl;
    else
      std::cerr << net::unknown_command_message(name) << std::endl;
    return exit_usage;
  }
  if (cmd->name == "watch")
    return run_watch(client, *words, as_json);
  auto r = client.call(*words);
  if (!r) {
    if (as_json)
      std::cout << text_of(json{{"error", runtime::message_of(r.error())}}) << std::endl;
    else
      std::cerr << "error: " << runtime::message_of(r.error()) << std::endl;
    return exit_usage;
  }
  return print_reply(*r, as_json);
}

// -- readline completion -------------------------------------------------------

net::console_client* completing = nullptr;
std::vector<std::string> candidates;

// Paths under `prefix` from the node (one request per prefix, kept for
// completion_cache_ms; a failure is kept too, so that Tab with a wrong token
// does not ask again at every key).
std::vector<std::string> node_paths(const std::string& prefix) {
  static std::string cached_prefix;
  static std::vector<std::string> cache;
  static std::chrono::steady_clock::time_point at{};
  auto now = std::chrono::steady_clock::now();
  if (completing == nullptr)
    return {};
  if (prefix != cached_prefix || now - at > std::chrono::milliseconds{completion_cache_ms}) {
    cache.clear();
    cached_prefix = prefix;
    at = now;
    auto r = completing->call({"complete", prefix});
    if (r && r->status == 0) {
      auto j = json::parse(r->json, nullptr, false);
      if (j.is_object())
        for (auto& p : j.value("paths", json::array()))
          if (p.is_string())
            cache.push_back(p.get<std::string>());
    }
  }
  return cache;
}

char** complete_words(const char* text, int start, int end);

char* next_candidate(const char*, int state) {
  static std::size_t i = 0;
  if (state == 0)
    i = 0;
  if (i < candidates.size())
    return strdup(candidates[i++].c_str());
  return nullptr;
}

char** complete_line(const char* text, int start, int end) {
  // Called from C (readline): nothing may escape.
  try {
    return complete_words(text, start, end);
  } catch (const std::exception&) {
    return nullptr;
  }
}

char** complete_words(const char* text, int start, int) {
  rl_attempted_completion_over = 1;
  std::string before{rl_line_buffer, static_cast<std::size_t>(start)};
  std::string why;
  auto words = net::split_command_line(before, why).value_or(std::vector<std::string>{});
  std::string word = text;
  candidates.clear();
  if (words.empty()) {
    for (auto& n : net::console_command_names())
      if (n.compare(0, word.size(), word) == 0)
        candidates.push_back(n);
  } else if (auto cmd = net::find_console_command(words.front())) {
    if (!word.empty() && word[0] == '-') {
      for (auto& o : cmd->options)
        if (o.name.compare(0, word.size(), word) == 0)
          candidates.push_back(o.name);
      if (std::string{"--json"}.compare(0, word.size(), word) == 0)
        candidates.push_back("--json");
    } else if (cmd->name == "help" && words.size() == 1) {
      for (auto& n : net::console_command_names())
        if (n.compare(0, word.size(), word) == 0)
          candidates.push_back(n);
    } else if (words.size() == 1 && !cmd->subcommands.empty() && (word.empty() || word[0] != '/')) {
      for (auto& s : cmd->subcommands)
        if (s.compare(0, word.size(), word) == 0)
          candidates.push_back(s);
      if (cmd->takes_path && word.empty())
        candidates.push_back("/");
    } else if (cmd->takes_path || (!word.empty() && word[0] == '/')) {
      candidates = node_paths(word.empty() ? "/" : word);
    }
  }
  if (candidates.empty())
    return nullptr;
  return rl_completion_matches(text, next_candidate);
}

std::string default_history_file() {
  if (auto home = std::getenv("HOME"); home && *home)
    return std::string{home} + "/.tfarm_console_history";
  return {};
}

int repl(net::console_client& client, const console_options& opts) {
  auto tty = isatty(STDIN_FILENO) == 1;
  auto history = opts.history.empty() ? default_history_file() : opts.history;
  if (tty) {
    rl_readline_name = "tfarm";
    rl_attempted_completion_function = complete_line;
    rl_basic_word_break_characters = const_cast<char*>(" \t\n\"'");
    completing = &client;
    using_history();
    stifle_history(console_history_lines_max);
    if (!history.empty() && read_history(history.c_str()) != 0)
      write_history(history.c_str()); // append_history needs the file to exist
    auto hello = client.call({"hello"});
    if (hello && hello->status == 0)
      std::cout << "Connected to " << hello->text << " at " << client.endpoint()
                << ". help lists the commands; Tab completes; Ctrl-D leaves." << std::endl;
    else if (hello)
      print_reply(*hello, false);
  }
  int worst = exit_ok;
  bool quit = false;
  while (!quit) {
    std::string line;
    if (tty) {
      auto prompt = "tfarm " + client.endpoint() + "> ";
      char* raw = readline(prompt.c_str());
      if (raw == nullptr) {
        std::cout << std::endl;
        break;
      }
      line = raw;
      std::free(raw);
      if (line.find_first_not_of(" \t") != std::string::npos) {
        add_history(line.c_str());
        if (!history.empty())
          append_history(1, history.c_str());
      }
    } else if (!std::getline(std::cin, line)) {
      break;
    }
    auto code = run_line(client, line, opts.json, quit);
    if (!tty)
      worst = std::max(worst, code);
  }
  if (tty && !history.empty())
    history_truncate_file(history.c_str(), console_history_lines_max);
  completing = nullptr;
  return worst;
}

int run_console(const console_options& opts) {
  net::register_net_error_names();
  std::string why;
  auto ep = config::parse_endpoint(opts.connect, false, why);
  if (!ep) {
    std::cerr << opts.command << ": error: --connect \"" << opts.connect << "\": " << why << '\n';
    return exit_usage;
  }
  auto timeout = config::parse_duration(opts.timeout, why);
  if (!timeout || timeout->count() <= 0) {
    std::cerr << opts.command << ": error: --timeout \"" << opts.timeout
              << "\": " << (why.empty() ? "must be positive" : why) << '\n';
    return exit_usage;
  }
  auto tls = tls_of(opts, why);
  if (!tls) {
    std::cerr << opts.command << ": error: " << why << '\n';
    return exit_usage;
  }
  if (tls->enabled()) {
    auto id = net::check_tls(*tls, net::operator_role, "--ca/--cert/--key");
    if (!id) {
      std::cerr << opts.command << ": error: " << runtime::to_text(id.error()) << '\n';
      return exit_usage;
    }
  }
  net::console_client_options copts;
  copts.tls = *tls;
  copts.host = ep->host;
  copts.port = ep->port;
  copts.token = opts.token;
  if (copts.token.empty())
    if (auto env = std::getenv("TFARM_ADMIN_TOKEN"); env != nullptr)
      copts.token = env;
  copts.operator_name = who_am_i();
  copts.timeout = *timeout;
  copts.attempts = opts.retries;
  copts.notice = [](const std::string& x) { std::cerr << "console: " << x << std::endl; };
  // Ends the process if tearing the actor system down hangs (it waits for
  // the middleman's connections).
  auto finish = [](int code) {
    std::cout.flush();
    std::cerr.flush();
    std::thread{[code] {
      std::this_thread::sleep_for(std::chrono::milliseconds{console_exit_watchdog_ms});
      std::_Exit(code);
    }}.detach();
    return code;
  };
  auto fail_usage = [&](const std::string& what) {
    if (opts.json)
      std::cout << text_of(json{{"error", what}}) << std::endl;
    else
      std::cerr << opts.command << ": error: " << what << '\n';
    return exit_usage;
  };
  net::console_client client{copts};
  if (opts.execute_given) {
    auto words = net::split_command_line(opts.execute, why);
    if (!words)
      return finish(fail_usage("-e \"" + opts.execute + "\": " + why));
    if (words->empty())
      return finish(fail_usage("-e needs a command (help lists them)"));
    auto cmd = net::find_console_command(words->front());
    if (cmd == nullptr)
      return finish(fail_usage(net::unknown_command_message(words->front())));
    // help and quit need no node.
    if (!cmd->local)
      if (auto err = client.connect())
        return finish(fail_usage(runtime::message_of(err)));
    bool quit = false;
    return finish(run_line(client, opts.execute, opts.json, quit));
  }
  if (auto err = client.connect())
    return finish(fail_usage(runtime::message_of(err)));
  return finish(repl(client, opts));
}

} // namespace

void add_connection_options(CLI::App* cmd, console_connection& x) {
  cmd->add_option("--connect", x.connect, "the node's console endpoint HOST:PORT")
      ->capture_default_str();
  cmd->add_option("--token", x.token,
                  "the node's admin token (default: TFARM_ADMIN_TOKEN; prefer the variable: "
                  "arguments show in ps)");
  cmd->add_flag("--json", x.json, "machine-readable output (one JSON document per command)");
  cmd->add_option("--timeout", x.timeout, "longest wait for one answer")->capture_default_str();
  cmd->add_option("--retries", x.retries, "connection attempts (doubling backoff)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--ca", x.ca, "the cluster CA's certificate (TLS; else TFARM_TLS_CA)");
  cmd->add_option("--cert", x.cert,
                  "your operator certificate, from tfarm certs issue --role operator (else "
                  "TFARM_TLS_CERT)");
  cmd->add_option("--key", x.key, "its private key, mode 0600 (else TFARM_TLS_KEY)");
}

int run_console_line(const console_connection& x, const std::string& command,
                     const std::string& line) {
  console_options opts;
  opts.command = command;
  static_cast<console_connection&>(opts) = x;
  opts.execute = line;
  opts.execute_given = true;
  return run_console(opts);
}

void add_console_command(CLI::App& app, const global_options& globals, int& result) {
  auto opts = std::make_shared<console_options>();
  auto cmd = app.add_subcommand(
      "console", "Inspect and steer a running node: a prompt with history and completion, or one "
                 "command with -e (exit 0 ok, 1 refused or failed, 2 connection or usage error)");
  add_connection_options(cmd, *opts);
  auto execute = cmd->add_option("-e,--execute", opts->execute, "run this command and exit");
  cmd->add_option("--history", opts->history, "history file (default ~/.tfarm_console_history)");
  cmd->callback([opts, execute, &globals, &result] {
    auto quiet = globals;
    // The console's own log would mix with its output: warnings and up.
    if (quiet.log_level == "info")
      quiet.log_level = "warn";
    if (!apply_logging(quiet)) {
      result = exit_usage;
      return;
    }
    opts->execute_given = execute->count() > 0;
    result = run_console(*opts);
  });
}

} // namespace tfarm::cli
