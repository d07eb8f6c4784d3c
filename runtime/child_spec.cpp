#include "runtime/child_spec.hpp"

#include <cstdint>
#include <tuple>

#include "config/duration.hpp"

namespace tfarm::runtime {

bool operator==(const child_spec& x, const child_spec& y) {
  return std::tie(x.id, x.kind, x.params, x.children, x.durable) ==
         std::tie(y.id, y.kind, y.params, y.children, y.durable);
}

child_spec supervisor_spec(std::string id, int64_t max_children) {
  child_spec x;
  x.id = std::move(id);
  x.kind = "supervisor";
  if (max_children > 0)
    x.params["max_children"] = std::to_string(max_children);
  return x;
}

std::string param(const child_spec& spec, const std::string& key, std::string fallback) {
  auto i = spec.params.find(key);
  return i != spec.params.end() ? i->second : fallback;
}

int64_t param_int(const child_spec& spec, const std::string& key, int64_t fallback) {
  auto i = spec.params.find(key);
  if (i == spec.params.end())
    return fallback;
  std::string why;
  auto x = config::parse_integer(i->second, 0, INT64_MAX, why);
  return x ? *x : fallback;
}

} // namespace tfarm::runtime
