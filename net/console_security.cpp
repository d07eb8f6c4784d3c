// The console's security commands: lockdown, unlock, security (see
// security_control.hpp for what each step does).
#include "net/console_service.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/limits.hpp"
#include "config/suggest.hpp"
#include "net/console_text.hpp"
#include "net/json_views.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::net {

using namespace console_text;

namespace {

std::string steps_text(const security_outcome& out) {
  std::vector<std::vector<std::string>> rows;
  for (auto& s : out.steps)
    rows.push_back({s.name, s.ok ? "ok" : "FAILED", s.detail});
  return table({"STEP", "", "WHAT"}, rows);
}

} // namespace

console_reply console_service::lockdown(const std::string& who, const console_args& a) {
  auto cmd = find_console_command("lockdown");
  auto reason = a.value("--reason");
  if (!a.positional.empty() || !reason || reason->empty())
    return usage(*cmd, "lockdown needs --reason TEXT: what happened (it is audited)");
  auto out = opts_.security->lockdown(who, reason->substr(0, config::lockdown_reason_chars_max));
  auto text = std::string{out.ok ? "LOCKDOWN in force" : "LOCKDOWN partly done (see FAILED)"} +
              " by " + who + ": " + *reason + "\n" + steps_text(out);
  if (!out.new_token.empty())
    text +=
        "\nNew admin token (shown once: keep it now; the old one is refused):\n  " + out.new_token;
  text += "\nUndo step by step: unlock vault, then store new exchange keys (tfarm credentials "
          "set) and unlock logon, then unlock trading.";
  auto j = to_json(out);
  if (!out.ok)
    return failed(text, j);
  return ok(text, j);
}

console_reply console_service::unlock(const std::string& who, const console_args& a) {
  auto cmd = find_console_command("unlock");
  std::vector<std::string> steps;
  if (a.has("--all")) {
    if (!a.positional.empty())
      return usage(*cmd, "unlock takes steps or --all, not both");
    steps.assign(std::begin(persistence::lockdown_steps), std::end(persistence::lockdown_steps));
  } else {
    for (auto& p : a.positional) {
      if (std::find(cmd->subcommands.begin(), cmd->subcommands.end(), p) == cmd->subcommands.end())
        return unknown_subcommand(*cmd, p);
      steps.push_back(p);
    }
  }
  if (steps.empty())
    return usage(*cmd, "name the steps to undo (vault, logon, trading) or --all");
  auto out = opts_.security->unlock(who, steps, a.value("--reason").value_or(""));
  auto text = steps_text(out);
  if (out.state.locked_down)
    text += "\nThe lockdown is still in force; pending: " + config::join(out.state.pending);
  else if (out.ok)
    text += "\nThe lockdown is over.";
  auto j = to_json(out);
  if (!out.ok)
    return failed(text, j);
  return ok(text, j);
}

console_reply console_service::security(const console_args& a) {
  auto cmd = find_console_command("security");
  if (!a.positional.empty())
    return usage(*cmd, "security takes no argument");
  auto st = opts_.security->state();
  if (!st)
    return failed("the security state cannot be read: " + runtime::to_text(st.error()));
  std::string text;
  if (st->locked_down)
    text = "LOCKDOWN since " + utc(st->lockdown_at_ms) + " by " + st->lockdown_by + ": " +
           st->lockdown_reason + "\npending: " + config::join(st->pending) + " (unlock STEP)";
  else
    text = "no lockdown";
  text += st->admin_token_sha256.empty()
              ? "\nadmin token: the configured one (TFARM_ADMIN_TOKEN or [http] admin_token)"
              : "\nadmin token: issued " + utc(st->token_rotated_at_ms) + " by " +
                    st->token_rotated_by + " (the configured one is refused)";
  return ok(text, to_json(*st));
}

} // namespace tfarm::net
