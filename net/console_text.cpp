#include "net/console_text.hpp"

#include <algorithm>
#include <cctype>

#include "config/duration.hpp"
#include "config/suggest.hpp"
#include "persistence/maintenance.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::net::console_text {

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

console_reply ok(std::string text, const json& j) {
  return {static_cast<int32_t>(console_status::ok), std::move(text), dump(j)};
}

console_reply failed(const std::string& message, json j) {
  j["error"] = message;
  return {static_cast<int32_t>(console_status::failed), message, dump(j)};
}

console_reply failed_usage(const std::string& message) {
  return {static_cast<int32_t>(console_status::usage), message, dump(json{{"error", message}})};
}

console_reply usage(const console_command& cmd, const std::string& message) {
  auto text = message + "\nusage: " + cmd.name + (cmd.synopsis.empty() ? "" : " " + cmd.synopsis);
  return {static_cast<int32_t>(console_status::usage), text, dump(json{{"error", message}})};
}

console_reply unknown_subcommand(const console_command& cmd, const std::string& sub) {
  auto near = config::nearest(sub, cmd.subcommands);
  return usage(cmd, cmd.name + ": unknown subcommand '" + sub + "'" +
                        (near ? "; did you mean '" + *near + "'?" : ""));
}

// A failed wait on an actor, in words an operator can act on.
std::string actor_error(const caf::error& e, const std::string& what, milliseconds timeout) {
  if (e == caf::sec::request_timeout)
    return what + " did not answer within " + config::format_duration(timeout);
  if (e == caf::sec::request_receiver_down || e == caf::sec::invalid_argument)
    return what + " is not running";
  return what + ": " + runtime::message_of(e);
}

std::string last_segment(const std::string& path) {
  return path == "/" ? path : path.substr(path.rfind('/') + 1);
}

std::string utc(int64_t ms) {
  return ms > 0 ? persistence::format_utc(ms) : std::string{"-"};
}

// "850ms", "12.5s", "3m20s", "2h05m": for people, not for parsing.
std::string span(int64_t ms) {
  char buf[32];
  if (ms < 1'000)
    std::snprintf(buf, sizeof(buf), "%lldms", static_cast<long long>(ms));
  else if (ms < 60'000)
    std::snprintf(buf, sizeof(buf), "%.1fs", static_cast<double>(ms) / 1000.0);
  else if (ms < 3'600'000)
    std::snprintf(buf, sizeof(buf), "%lldm%02llds", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1'000 % 60));
  else
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms / 60'000 % 60));
  return buf;
}

std::string ago(int64_t then_ms, int64_t now_ms) {
  if (then_ms <= 0)
    return "never";
  return span(std::max<int64_t>(0, now_ms - then_ms)) + " ago";
}

std::optional<console_reply> int_option(const console_args& a, const console_command& cmd,
                                        const std::string& name, int64_t lo, int64_t hi,
                                        int64_t& out) {
  auto v = a.value(name);
  if (!v)
    return std::nullopt;
  auto x = to_int(*v, lo, hi);
  if (!x)
    return usage(cmd, name + " must be a number from " + std::to_string(lo) + " to " +
                          std::to_string(hi) + ", not '" + *v + "'");
  out = *x;
  return std::nullopt;
}

std::optional<int64_t> to_int(const std::string& x, int64_t lo, int64_t hi) {
  std::string why;
  return config::parse_integer(x, lo, hi, why);
}

// Who asks, for the audit log: printable, at most 64 characters.
std::string operator_of(const std::string& x) {
  std::string out;
  for (auto c : x)
    if (std::isprint(static_cast<unsigned char>(c)) && out.size() < 64)
      out += c;
  return out.empty() ? std::string{"console"} : out;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative '*' matcher (no backtracking blow-up).
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

json policy_json(const config::supervisor_policy& p) {
  json children = json::array();
  for (auto& c : p.children) {
    json x{{"id", c.id}};
    if (c.restart)
      x["restart"] = config::to_string(*c.restart);
    if (c.shutdown_timeout)
      x["shutdown_timeout"] = config::format_duration(*c.shutdown_timeout);
    children.push_back(std::move(x));
  }
  return json{{"path", p.path},
              {"strategy", config::to_string(p.strategy)},
              {"intensity", p.intensity},
              {"period", config::format_duration(p.period)},
              {"backoff",
               {{"min", config::format_duration(p.backoff.min)},
                {"max", config::format_duration(p.backoff.max)},
                {"jitter_ppm", p.backoff.jitter_ppm}}},
              {"child_restart", config::to_string(p.child_restart)},
              {"child_shutdown_timeout", config::format_duration(p.child_shutdown_timeout)},
              {"max_children", p.max_children},
              {"shutdown", p.parallel_shutdown ? "parallel" : "sequential"},
              {"children", children}};
}

// A jitter in parts per million as the policy file writes it (0.1).
std::string jitter_text(uint32_t ppm) {
  auto x =
      std::to_string(ppm / 1'000'000) + "." + std::to_string(1'000'000 + ppm % 1'000'000).substr(1);
  while (x.back() == '0')
    x.pop_back();
  if (x.back() == '.')
    x.pop_back();
  return x;
}

std::string policy_text(const json& p) {
  std::string out =
      p["strategy"].get<std::string>() + ", at most " + std::to_string(p["intensity"].get<int>()) +
      " restarts in " + p["period"].get<std::string>() + ", backoff " +
      p["backoff"]["min"].get<std::string>() + ".." + p["backoff"]["max"].get<std::string>() +
      " jitter " + jitter_text(p["backoff"]["jitter_ppm"].get<uint32_t>()) + ", children " +
      p["child_restart"].get<std::string>() + " (shutdown " +
      p["child_shutdown_timeout"].get<std::string>() + ", " + p["shutdown"].get<std::string>() +
      ")";
  if (p["max_children"].get<int>() > 0)
    out += ", max " + std::to_string(p["max_children"].get<int>()) + " children";
  for (auto& c : p["children"]) {
    out += "; " + c["id"].get<std::string>() + ":";
    if (c.contains("restart"))
      out += " " + c["restart"].get<std::string>();
    if (c.contains("shutdown_timeout"))
      out += " shutdown " + c["shutdown_timeout"].get<std::string>();
  }
  return out;
}

std::string pad(std::string x, std::size_t width) {
  if (x.size() < width)
    x.append(width - x.size(), ' ');
  return x;
}

// Renders rows as a left-aligned table with a header.
std::string table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size(), 0);
  for (std::size_t i = 0; i < header.size(); ++i)
    widths[i] = header[i].size();
  for (auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string out;
    for (std::size_t i = 0; i < r.size(); ++i)
      out += i + 1 < r.size() ? pad(r[i], widths[i] + 2) : r[i];
    return out + '\n';
  };
  std::string out = line(header);
  for (auto& r : rows)
    out += line(r);
  out.pop_back();
  return out;
}

} // namespace tfarm::net::console_text
