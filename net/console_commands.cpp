#include "net/console_commands.hpp"

#include <algorithm>

#include "config/limits.hpp"
#include "config/suggest.hpp"

namespace tfarm::net {

namespace {

std::vector<console_command> make_commands() {
  std::vector<console_command> xs;
  auto add = [&](console_command x) { xs.push_back(std::move(x)); };
  add({"nodes", "", "this node and the nodes it is connected to", "", false, {}, {}, false, false});
  add({"tree",
       "[PATH] [--depth N]",
       "the supervision tree (or the subtree at PATH)",
       "Each actor with its kind, strategy, state and restarts.",
       false,
       {},
       {{"--depth", "N", "levels below PATH to show (0: PATH only)"}},
       true,
       false});
  add({"ls", "[PATH]", "the children of PATH (default /)", "", false, {}, {}, true, false});
  add({"info",
       "PATH",
       "one actor: kind, node, state, mailbox, messages, restarts, checkpoint",
       "Restarts come with the last failure reasons and times; the checkpoint with its\n"
       "sequence number and age; the state is the actor's own description (JSON).",
       false,
       {},
       {},
       true,
       false});
  add({"top",
       "[--by mailbox|rate|restarts] [-n N]",
       "the busiest actors",
       "rate is messages handled per second, measured over the last half second or\n"
       "since the previous top (when that is under 10 s ago).",
       false,
       {},
       {{"--by", "mailbox|rate|restarts", "order (default mailbox)"},
        {"-n", "N", "rows (default 10)"}},
       false,
       false});
  add({"watch",
       "PATH [--interval DURATION] [--count N]",
       "live updates of one actor until a key is pressed",
       "A line whenever its state, mailbox, messages, restarts or checkpoint change.\n"
       "--count stops after N updates (for scripts; without a terminal, Ctrl-C stops).",
       false,
       {},
       {{"--interval", "DURATION", "between polls (default 1s)"},
        {"--count", "N", "stop after N lines"}},
       true,
       false});
  add({"kill",
       "PATH [--reason TEXT]",
       "fault injection: the actor fails and its supervisor acts by its policy",
       "Waits up to 3 s to report what the supervisor did (restart, backoff, removal).",
       true,
       {},
       {{"--reason", "TEXT", "failure reason (default: killed from the console)"}},
       true,
       false});
  add({"restart",
       "PATH",
       "stops the actor and starts it again from its last checkpoint",
       "",
       true,
       {},
       {},
       true,
       false});
  add({"agent",
       "start USER STRATEGY [--id ID] [--param K=V ...] | stop|halt|resume PATH",
       "start, stop, halt or resume a trading agent",
       "start checks the parameters as a farm file's [[user.agent]] would be checked\n"
       "(venue, account, symbol, limits) and counts against MAX_AGENTS_PER_USER; it lives\n"
       "until the node stops (add it to the farm file to keep it). halt and resume set\n"
       "the agent's kill switch (durable, audited).",
       true,
       {"start", "stop", "halt", "resume"},
       {{"--id", "ID", "the agent's id (default STRATEGY-N)"},
        {"--param", "K=V", "a strategy or risk parameter (repeatable)"},
        {"--reason", "TEXT", "why (halt, resume; for the audit log)"}},
       true,
       false});
  add({"halt",
       "--farm | --user USER [--reason TEXT]",
       "kill switch: no new orders, farm-wide or for one user",
       "Durable before it is acknowledged (survives a restart); agents cancel resting\n"
       "orders. resume lifts it.",
       true,
       {},
       {{"--farm", "", "every agent"},
        {"--user", "USER", "one user's agents"},
        {"--reason", "TEXT", "why (for the audit log)"}},
       false,
       false});
  add({"resume",
       "--farm | --user USER [--reason TEXT]",
       "lifts a halt",
       "",
       true,
       {},
       {{"--farm", "", "every agent"},
        {"--user", "USER", "one user's agents"},
        {"--reason", "TEXT", "why (for the audit log)"}},
       false,
       false});
  add({"lockdown",
       "--reason TEXT",
       "security incident: halt trading, lock the vault, revoke credentials, new token",
       "In one audited step: the farm's kill switch goes HALTED, the vault enters\n"
       "emergency mode and freezes transfers, every exchange credential is revoked and\n"
       "every session logs off, and a new admin token replaces the old one (shown once,\n"
       "here; the old one is refused from now on). unlock undoes it step by step.",
       true,
       {},
       {{"--reason", "TEXT", "what happened (required; for the audit log)"}},
       false,
       false});
  add({"unlock",
       "STEP... | --all [--reason TEXT]",
       "undoes a lockdown's steps: vault, logon, trading",
       "vault: emergency mode off, transfers open; logon: sessions log on again with\n"
       "the credentials stored since (tfarm credentials set); trading: the farm's kill\n"
       "switch ACTIVE. The lockdown ends with its last pending step; security shows them.",
       true,
       {"vault", "logon", "trading"},
       {{"--all", "", "every pending step"}, {"--reason", "TEXT", "why (for the audit log)"}},
       false,
       false});
  add({"security",
       "",
       "the security state: a lockdown, its pending steps, the admin token's origin",
       "",
       false,
       {},
       {},
       false,
       false});
  add({"vault",
       "status | freeze | unfreeze | emergency on|off | reconcile [--reason TEXT] |\n"
       "       balance ACCOUNT | transfer FROM TO AMOUNT ASSET --key KEY",
       "the vault's state, the runbook's emergency switches, balances and transfers",
       "freeze stops transfers; emergency on stops withdrawals and transfers; reconcile\n"
       "checks every account against the ledger (runbook: emergency procedure).\n"
       "transfer moves AMOUNT minor units of ASSET between two accounts (two-phase; across\n"
       "the members of a cluster too); the same KEY again answers the first outcome.",
       true,
       {"status", "freeze", "unfreeze", "emergency", "reconcile", "balance", "transfer"},
       {{"--reason", "TEXT", "why (for the audit log)"},
        {"--key", "KEY", "a transfer's idempotency key"}},
       false,
       false,
       {"status", "balance"}});
  add({"exchanges",
       "[status|test|recover] [SESSION]",
       "exchange sessions: status, a test round trip, or reconnect",
       "Without SESSION every session; SESSION is a path or an account name.",
       true,
       {"status", "test", "recover"},
       {},
       false,
       false,
       {"status"}});
  add({"venue",
       "[status] [NAME] | faults NAME [--latency D] [--jitter D] [--errors PPM]\n"
       "       [--rate-limits PPM] [--lost-answers PPM] [--disconnected on|off]\n"
       "       [--fail-next N] [--drop-next N] | faults NAME --clear",
       "the simulated venues this node runs: their state, and fault injection for drills",
       "faults replaces the venue's injected faults with the ones given (the others off):\n"
       "latency (uniform in D +- jitter) on every answer; errors, rate-limit refusals and\n"
       "lost answers (processed, never answered) per million requests; disconnected refuses\n"
       "everything and stops market data; the next N requests refused, the next N answers\n"
       "lost. --clear turns every fault off. Remote venues are set on their exchange node.",
       true,
       {"status", "faults"},
       {{"--latency", "DURATION", "added to every answer"},
        {"--jitter", "DURATION", "spread of the latency"},
        {"--errors", "PPM", "requests refused as unavailable, per million"},
        {"--rate-limits", "PPM", "requests refused as rate limited, per million"},
        {"--lost-answers", "PPM", "orders processed whose answer is lost, per million"},
        {"--disconnected", "on|off", "refuse everything, no market data"},
        {"--fail-next", "N", "the next N requests refused"},
        {"--drop-next", "N", "the next N answers lost"},
        {"--clear", "", "every fault off"}},
       false,
       false,
       {"status"}});
  add({"alerts",
       "[ack ID]",
       "open alerts (and recent ones), or acknowledge one",
       "",
       true,
       {"ack"},
       {},
       false,
       false,
       {""}});
  add({"metrics",
       "[PATTERN]",
       "the node's metrics (Prometheus names; PATTERN: substring or glob with *)",
       "",
       false,
       {},
       {},
       false,
       false});
  add({"policy",
       "show [PATH] | reload",
       "supervision policies: the one in force, or re-read the policy files",
       "reload validates the farm file's policies and its policy files and applies\n"
       "them to the running supervisors without restarting any child; if a file is\n"
       "invalid, nothing changes and its FILE:LINE:COLUMN errors are shown.",
       true,
       {"show", "reload"},
       {},
       true,
       false,
       {"show"}});
  add({"audit",
       "[--days N] [-n N]",
       "the audit log, newest last",
       "",
       false,
       {},
       {{"--days", "N", "how many days back (default 1)"}, {"-n", "N", "rows (default 50)"}},
       false,
       false});
  add({"help", "[COMMAND]", "this list, or one command in full", "", false, {}, {}, false, true});
  add({"quit", "", "leave the console (also: exit, Ctrl-D)", "", false, {}, {}, false, true});
  return xs;
}

} // namespace

const std::vector<console_command>& console_commands() {
  static const auto xs = make_commands();
  return xs;
}

const console_command* find_console_command(std::string_view name) {
  if (name == "exit")
    name = "quit";
  for (auto& x : console_commands())
    if (x.name == name)
      return &x;
  return nullptr;
}

bool console_mutates(const std::vector<std::string>& args) {
  auto cmd = args.empty() ? nullptr : find_console_command(args.front());
  if (cmd == nullptr || !cmd->mutating)
    return false;
  if (cmd->read_only.empty())
    return true;
  // The first positional word, options and their values (and --node NAME)
  // skipped; a line that does not parse counts as mutating.
  std::vector<std::string> rest;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--node") {
      ++i;
      continue;
    }
    if (args[i].compare(0, 7, "--node=") != 0)
      rest.push_back(args[i]);
  }
  std::string why;
  auto parsed = parse_console_args(*cmd, rest, why);
  if (!parsed)
    return true;
  auto sub = parsed->positional.empty() ? std::string{} : parsed->positional.front();
  auto is_sub =
      std::find(cmd->subcommands.begin(), cmd->subcommands.end(), sub) != cmd->subcommands.end();
  if (!is_sub)
    return false;
  return std::find(cmd->read_only.begin(), cmd->read_only.end(), sub) == cmd->read_only.end();
}

std::vector<std::string> console_command_names() {
  std::vector<std::string> xs;
  for (auto& x : console_commands())
    xs.push_back(x.name);
  return xs;
}

std::optional<std::string> console_help(std::string_view name) {
  if (name.empty()) {
    std::string out = "Commands (help COMMAND for one in full):\n";
    std::size_t width = 0;
    for (auto& x : console_commands())
      width = std::max(width, x.name.size());
    for (auto& x : console_commands()) {
      out += "  " + x.name;
      out.append(width - x.name.size() + 2, ' ');
      out += x.brief + '\n';
    }
    out += "Paths are actor paths (/user/alice/mm-1); Tab completes commands and paths;\n"
           "--json after any command prints its outcome as one JSON document;\n"
           "--node NAME runs it on another node of the farm (nodes lists them).";
    return out;
  }
  auto x = find_console_command(name);
  if (!x)
    return std::nullopt;
  std::string out = "usage: " + x->name + (x->synopsis.empty() ? "" : " " + x->synopsis) + "\n  " +
                    x->brief + '\n';
  if (!x->details.empty()) {
    out += '\n';
    std::size_t from = 0;
    while (from <= x->details.size()) {
      auto to = x->details.find('\n', from);
      out += "  " + x->details.substr(from, to - from) + '\n';
      if (to == std::string::npos)
        break;
      from = to + 1;
    }
  }
  if (!x->options.empty()) {
    out += "\noptions:\n";
    for (auto& o : x->options)
      out += "  " + o.name + (o.value.empty() ? "" : " " + o.value) + "  " + o.help + '\n';
  }
  if (x->mutating && x->read_only.empty())
    out += "\nChanges the farm: written to the audit log with your identity.\n";
  else if (x->mutating) {
    std::vector<std::string> changing;
    for (auto& sub : x->subcommands)
      if (std::find(x->read_only.begin(), x->read_only.end(), sub) == x->read_only.end())
        changing.push_back(x->name + " " + sub);
    out += "\n" + config::join(changing, ", ") + (changing.size() == 1 ? " changes" : " change") +
           " the farm: written to the audit log with your identity.\n";
  }
  out.pop_back();
  return out;
}

std::string unknown_command_message(std::string_view name) {
  auto names = console_command_names();
  auto near = config::nearest(name, names);
  return "unknown command '" + std::string{name} + "'" +
         (near ? "; did you mean '" + *near + "'?" : "") + " (help lists the commands)";
}

std::optional<std::vector<std::string>> split_command_line(std::string_view line,
                                                           std::string& error) {
  if (line.size() > config::console_line_bytes_max) {
    error = "the line is longer than " + std::to_string(config::console_line_bytes_max) + " bytes";
    return std::nullopt;
  }
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto c = line[i];
    if (quote != 0) {
      if (c == quote)
        quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < line.size())
        cur += line[++i];
      else
        cur += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      cur += line[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word)
        words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote != 0) {
    error = std::string{"unterminated "} + (quote == '"' ? "\"" : "'") + " quote";
    return std::nullopt;
  }
  if (in_word)
    words.push_back(std::move(cur));
  if (words.size() > config::console_args_max) {
    error = "more than " + std::to_string(config::console_args_max) + " words";
    return std::nullopt;
  }
  return words;
}

bool console_args::has(std::string_view name) const {
  return std::any_of(options.begin(), options.end(), [&](auto& x) { return x.first == name; });
}

std::optional<std::string> console_args::value(std::string_view name) const {
  for (auto i = options.rbegin(); i != options.rend(); ++i)
    if (i->first == name)
      return i->second;
  return std::nullopt;
}

std::vector<std::string> console_args::values(std::string_view name) const {
  std::vector<std::string> xs;
  for (auto& x : options)
    if (x.first == name)
      xs.push_back(x.second);
  return xs;
}

std::optional<console_args> parse_console_args(const console_command& cmd,
                                               const std::vector<std::string>& words,
                                               std::string& error) {
  console_args result;
  for (std::size_t i = 0; i < words.size(); ++i) {
    auto& w = words[i];
    if (w.size() < 2 || w[0] != '-' || (w[1] >= '0' && w[1] <= '9')) {
      result.positional.push_back(w);
      continue;
    }
    auto name = w;
    std::optional<std::string> inline_value;
    if (auto eq = w.find('='); eq != std::string::npos && w.compare(0, 2, "--") == 0) {
      name = w.substr(0, eq);
      inline_value = w.substr(eq + 1);
    }
    auto opt = std::find_if(cmd.options.begin(), cmd.options.end(),
                            [&](const console_option& o) { return o.name == name; });
    if (opt == cmd.options.end()) {
      std::vector<std::string> names;
      for (auto& o : cmd.options)
        names.push_back(o.name);
      auto near = config::nearest(name, names);
      error = cmd.name + ": unknown option '" + name + "'" +
              (near ? "; did you mean '" + *near + "'?" : "") +
              (names.empty() ? " (it takes none)" : " (it takes " + config::join(names) + ")");
      return std::nullopt;
    }
    if (opt->value.empty()) {
      if (inline_value) {
        error = cmd.name + ": " + name + " takes no value";
        return std::nullopt;
      }
      result.options.emplace_back(name, "");
      continue;
    }
    if (inline_value) {
      result.options.emplace_back(name, *inline_value);
    } else if (i + 1 < words.size()) {
      result.options.emplace_back(name, words[++i]);
    } else {
      error = cmd.name + ": " + name + " needs a value (" + opt->value + ")";
      return std::nullopt;
    }
  }
  return result;
}

} // namespace tfarm::net
