#include "config/supervision_policy.hpp"

#include <algorithm>
#include <limits>

namespace tfarm::config {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> result;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    auto next = path.find('/', pos);
    if (next == std::string_view::npos)
      next = path.size();
    result.push_back(path.substr(pos, next - pos));
    pos = next;
  }
  return result;
}

} // namespace

std::string to_string(restart_strategy x) {
  switch (x) {
  case restart_strategy::one_for_one:
    return "one_for_one";
  case restart_strategy::one_for_all:
    return "one_for_all";
  case restart_strategy::rest_for_one:
    return "rest_for_one";
  }
  return "unknown";
}

std::string to_string(restart_type x) {
  switch (x) {
  case restart_type::permanent:
    return "permanent";
  case restart_type::transient:
    return "transient";
  case restart_type::temporary:
    return "temporary";
  }
  return "unknown";
}

std::vector<std::string> restart_strategy_names() {
  return {"one_for_one", "one_for_all", "rest_for_one"};
}

std::vector<std::string> restart_type_names() {
  return {"permanent", "transient", "temporary"};
}

std::optional<restart_strategy> parse_restart_strategy(std::string_view x) {
  for (auto s : {restart_strategy::one_for_one, restart_strategy::one_for_all,
                 restart_strategy::rest_for_one})
    if (to_string(s) == x)
      return s;
  return std::nullopt;
}

std::optional<restart_type> parse_restart_type(std::string_view x) {
  for (auto t : {restart_type::permanent, restart_type::transient, restart_type::temporary})
    if (to_string(t) == x)
      return t;
  return std::nullopt;
}

const child_policy* supervisor_policy::child(std::string_view id) const {
  auto i = std::find_if(children.begin(), children.end(),
                        [&](const child_policy& c) { return c.id == id; });
  return i != children.end() ? &*i : nullptr;
}

bool operator==(const restart_backoff& x, const restart_backoff& y) {
  return x.min == y.min && x.max == y.max && x.jitter_ppm == y.jitter_ppm;
}

bool operator==(const child_policy& x, const child_policy& y) {
  return x.id == y.id && x.restart == y.restart && x.shutdown_timeout == y.shutdown_timeout;
}

bool operator==(const supervisor_policy& x, const supervisor_policy& y) {
  return x.path == y.path && x.strategy == y.strategy && x.intensity == y.intensity &&
         x.period == y.period && x.backoff == y.backoff && x.child_restart == y.child_restart &&
         x.child_shutdown_timeout == y.child_shutdown_timeout && x.max_children == y.max_children &&
         x.parallel_shutdown == y.parallel_shutdown && x.children == y.children;
}

restart_type supervisor_policy::restart_for(std::string_view id) const {
  if (auto c = child(id); c && c->restart)
    return *c->restart;
  return child_restart;
}

milliseconds supervisor_policy::shutdown_timeout_for(std::string_view id) const {
  if (auto c = child(id); c && c->shutdown_timeout)
    return *c->shutdown_timeout;
  return child_shutdown_timeout;
}

bool path_matches(std::string_view pattern, std::string_view path) {
  auto ps = split_path(pattern);
  auto xs = split_path(path);
  if (ps.size() != xs.size())
    return false;
  for (size_t i = 0; i < ps.size(); ++i)
    if (ps[i] != "*" && ps[i] != xs[i])
      return false;
  return true;
}

void policy_set::add(supervisor_policy x) {
  auto i = std::find_if(policies_.begin(), policies_.end(),
                        [&](const supervisor_policy& p) { return p.path == x.path; });
  if (i != policies_.end())
    *i = std::move(x);
  else
    policies_.push_back(std::move(x));
}

const supervisor_policy* policy_set::find(std::string_view path) const {
  const supervisor_policy* best = nullptr;
  auto best_wildcards = std::numeric_limits<size_t>::max();
  for (const auto& p : policies_) {
    if (!path_matches(p.path, path))
      continue;
    auto segments = split_path(p.path);
    auto wildcards = static_cast<size_t>(std::count(segments.begin(), segments.end(), "*"));
    if (wildcards < best_wildcards) {
      best = &p;
      best_wildcards = wildcards;
    }
  }
  return best;
}

supervisor_policy policy_set::resolve(std::string_view path) const {
  if (auto p = find(path)) {
    auto result = *p;
    result.path = std::string{path};
    return result;
  }
  supervisor_policy result;
  result.path = std::string{path};
  return result;
}

} // namespace tfarm::config
