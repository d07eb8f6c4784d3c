// The console's `venue` command: the simulated venues a node runs, and
// their fault injection (drills, the chaos harness).
#include "net/console_service.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "actors/exchange/exchange_interfaces.hpp"
#include "actors/exchange/exchange_messages.hpp"
#include "config/duration.hpp"
#include "config/limits.hpp"
#include "config/suggest.hpp"
#include "net/console_text.hpp"
#include "runtime/ask.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::net {

using namespace console_text;

namespace {

constexpr const char* venues_path = "/exchanges/venues";
constexpr uint32_t ppm_max = 1'000'000;
/// The next N requests refused / answers lost, at most.
constexpr int64_t fault_next_max = 1'000'000;

// A whole number in [0, max] from `text`, or a message in `why`.
std::optional<int64_t> whole(const std::string& option, const std::string& text, int64_t max,
                             std::string& why) {
  int64_t x = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (ec != std::errc{} || end != text.data() + text.size() || x < 0 || x > max) {
    why = option + " \"" + text + "\": a whole number from 0 to " + std::to_string(max);
    return std::nullopt;
  }
  return x;
}

std::string faults_text(const actors::venue_faults& f) {
  std::string out;
  auto add = [&](const std::string& x) { out += (out.empty() ? "" : ", ") + x; };
  if (f.latency_us > 0 || f.latency_jitter_us > 0)
    add("latency " + std::to_string(f.latency_us / 1'000) + " ms +- " +
        std::to_string(f.latency_jitter_us / 1'000) + " ms");
  if (f.error_ppm > 0)
    add("errors " + std::to_string(f.error_ppm) + " ppm");
  if (f.rate_limit_ppm > 0)
    add("rate limits " + std::to_string(f.rate_limit_ppm) + " ppm");
  if (f.drop_reply_ppm > 0)
    add("lost answers " + std::to_string(f.drop_reply_ppm) + " ppm");
  if (f.fail_next > 0)
    add("next " + std::to_string(f.fail_next) + " refused");
  if (f.drop_next > 0)
    add("next " + std::to_string(f.drop_next) + " answers lost");
  if (f.disconnected)
    add("disconnected");
  if (f.disconnect_every_ms > 0)
    add("disconnected " + std::to_string(f.disconnect_for_ms) + " ms every " +
        std::to_string(f.disconnect_every_ms) + " ms");
  return out.empty() ? "none" : out;
}

// The faults the options ask for (the others off), or a message in `why`.
std::optional<actors::venue_faults> faults_of(const console_args& a, std::string& why) {
  actors::venue_faults f;
  bool any = false;
  auto duration_us = [&](const char* option, int64_t& out) {
    auto v = a.value(option);
    if (!v || !why.empty())
      return;
    any = true;
    auto d = config::parse_duration(*v, why);
    if (!d) {
      why = std::string{option} + " \"" + *v + "\": " + why;
      return;
    }
    if (d->count() > config::venue_fault_latency_ms_max) {
      why = std::string{option} + " \"" + *v + "\": at most " +
            config::format_duration(std::chrono::milliseconds{config::venue_fault_latency_ms_max});
      return;
    }
    out = d->count() * 1'000;
  };
  auto count = [&](const char* option, int64_t max, uint32_t& out) {
    auto v = a.value(option);
    if (!v || !why.empty())
      return;
    any = true;
    if (auto x = whole(option, *v, max, why))
      out = static_cast<uint32_t>(*x);
  };
  duration_us("--latency", f.latency_us);
  duration_us("--jitter", f.latency_jitter_us);
  count("--errors", ppm_max, f.error_ppm);
  count("--rate-limits", ppm_max, f.rate_limit_ppm);
  count("--lost-answers", ppm_max, f.drop_reply_ppm);
  count("--fail-next", fault_next_max, f.fail_next);
  count("--drop-next", fault_next_max, f.drop_next);
  if (auto v = a.value("--disconnected"); v && why.empty()) {
    any = true;
    if (*v != "on" && *v != "off")
      why = "--disconnected \"" + *v + "\": on or off";
    f.disconnected = *v == "on";
  }
  if (!why.empty())
    return std::nullopt;
  if (a.has("--clear") == any) {
    why = any ? "--clear turns every fault off: give it alone"
              : "name the faults to set (see help venue), or --clear";
    return std::nullopt;
  }
  return f;
}

} // namespace

console_reply console_service::venue(const std::string& who, const console_args& a) {
  auto cmd = find_console_command("venue");
  auto sub = a.positional.empty() ? std::string{"status"} : a.positional.front();
  auto& reg = node_.context().registry();
  std::vector<std::string> names;
  for (auto& p : reg.paths(venues_path))
    if (runtime::parent_path(p) == venues_path)
      names.push_back(last_segment(p));
  auto no_venue = [&](const std::string& name) {
    return failed("no simulated venue '" + name + "' on node " + node_.context().node_name() +
                  (names.empty() ? " (it runs none; remote venues are set on their exchange node)"
                                 : " (venues: " + config::join(names) + ")"));
  };
  if (sub != "status" && sub != "faults") {
    if (a.positional.size() != 1)
      return unknown_subcommand(*cmd, sub);
    sub = "status";
    names = {a.positional.front()};
  } else if (sub == "status" && a.positional.size() == 2) {
    names = {a.positional[1]};
  } else if (sub == "status" && a.positional.size() > 2) {
    return usage(*cmd, "venue status takes one NAME at most");
  }
  if (sub == "status") {
    json list = json::array();
    std::vector<std::vector<std::string>> rows;
    for (auto& name : names) {
      auto e = reg.find(std::string{venues_path} + "/" + name);
      if (!e)
        return no_venue(name);
      auto st = runtime::read_status<actors::venue_status>(e->snapshot());
      if (!st) {
        list.push_back(json{{"venue", name}, {"error", runtime::to_text(st.error())}});
        rows.push_back({name, "-", "-", "-", "-", runtime::to_text(st.error())});
        continue;
      }
      list.push_back(json(*st));
      rows.push_back({name, st->ready ? (st->disconnected ? "disconnected" : "ready") : "starting",
                      std::to_string(st->submitted), std::to_string(st->fills),
                      std::to_string(st->duplicates), faults_text(st->faults)});
    }
    return ok(table({"VENUE", "STATE", "SUBMITTED", "FILLS", "DUPLICATES", "FAULTS"}, rows),
              json{{"venues", list}});
  }
  if (a.positional.size() != 2)
    return usage(*cmd, "venue faults needs the venue's NAME");
  auto& name = a.positional[1];
  auto e = reg.find(std::string{venues_path} + "/" + name);
  if (!e)
    return no_venue(name);
  std::string why;
  auto f = faults_of(a, why);
  if (!f)
    return usage(*cmd, why);
  auto v = caf::actor_cast<actors::venue_actor>(e->handle());
  if (!v)
    return failed("venue " + name + " is not running");
  audit(who, "console.venue.faults", name + ": " + faults_text(*f));
  auto before = runtime::ask<actors::venue_faults>(node_.system(), v, opts_.actor_timeout, *f);
  if (!before)
    return failed("venue faults " + name + ": " +
                  actor_error(before.error(), "the venue", opts_.actor_timeout));
  return ok("venue " + name + ": faults " + faults_text(*f) + " (were " + faults_text(*before) +
                ")",
            json{{"venue", name}, {"faults", json(*f)}, {"before", json(*before)}});
}

} // namespace tfarm::net
