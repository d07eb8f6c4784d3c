// The console's reply formatting and argument helpers, shared by the
// files of console_service (one per command group): replies, tables,
// durations, policies, operator names and path patterns.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>
#include <nlohmann/json.hpp>

#include "config/supervision_policy.hpp"
#include "net/console_commands.hpp"
#include "net/console_protocol.hpp"

namespace tfarm::net::console_text {

using json = nlohmann::json;
using std::chrono::milliseconds;

/// Time a peer node's venue connector and console have to answer the
/// lookups of `nodes` and `--node`.
constexpr int64_t peer_timeout_ms = 1'000;

/// Paths `complete` returns at most.
constexpr std::size_t completions_max = 500;

/// A rate sample older than this is not reused by `top`; a fresh one is
/// taken over top_sample_ms instead.
constexpr int64_t top_sample_reuse_ms_max = 10'000;
constexpr int64_t top_sample_reuse_ms_min = 250;
constexpr int64_t top_sample_ms = 500;

std::string dump(const json& j);

console_reply ok(std::string text, const json& j);

console_reply failed(const std::string& message, json j = json::object());

console_reply failed_usage(const std::string& message);

console_reply usage(const console_command& cmd, const std::string& message);

console_reply unknown_subcommand(const console_command& cmd, const std::string& sub);

/// A failed wait on an actor, in words an operator can act on.
std::string actor_error(const caf::error& e, const std::string& what, milliseconds timeout);

std::string last_segment(const std::string& path);

std::string utc(int64_t ms);

/// "850ms", "12.5s", "3m20s", "2h05m": for people, not for parsing.
std::string span(int64_t ms);

std::string ago(int64_t then_ms, int64_t now_ms);

std::optional<int64_t> to_int(const std::string& x, int64_t lo, int64_t hi);

/// Reads option `name` of `a` as an integer from `lo` to `hi` into `out`
/// (left alone when the option is absent); the usage reply of `cmd` naming
/// the option and its range when the value is not such a number.
std::optional<console_reply> int_option(const console_args& a, const console_command& cmd,
                                        const std::string& name, int64_t lo, int64_t hi,
                                        int64_t& out);

/// Who asks, for the audit log: printable, at most 64 characters.
std::string operator_of(const std::string& x);

bool glob_match(std::string_view pattern, std::string_view text);

json policy_json(const config::supervisor_policy& p);

/// A jitter in parts per million as the policy file writes it (0.1).
std::string jitter_text(uint32_t ppm);

std::string policy_text(const json& p);

std::string pad(std::string x, std::size_t width);

/// Renders rows as a left-aligned table with a header.
std::string table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows);

} // namespace tfarm::net::console_text
