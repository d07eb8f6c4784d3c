#include "runtime/kind_registry.hpp"

#include "runtime/error.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::runtime {

std::vector<config::check_options::agent_problem>
agent_param_problems(const kind_registry& kinds, const config::agent_spec& agent) {
  auto* kind = kinds.find(agent.kind);
  if (kind == nullptr || !kind->check_params)
    return {};
  auto err = kind->check_params(agent.params);
  if (!err)
    return {};
  auto msg = message_of(err);
  // The key the message is about, so that the problem points at its line.
  std::string key;
  for (auto& [k, v] : agent.params)
    if (msg.find("'" + k + "'") != std::string::npos)
      key = k;
  return {{key, msg}};
}

caf::error detail::bad_spawn_parameter(const spawn_context& ctx, const caf::error& err) {
  return caf::error{runtime_errc::bad_parameter,
                    ctx.path + " (" + ctx.spec.kind + "): " + message_of(err)};
}

void kind_registry::add(kind_info x) {
  auto name = x.name;
  kinds_[name] = std::move(x);
}

const kind_info* kind_registry::find(const std::string& name) const {
  auto i = kinds_.find(name);
  return i != kinds_.end() ? &i->second : nullptr;
}

std::vector<std::string> kind_registry::names() const {
  std::vector<std::string> result;
  for (const auto& [name, info] : kinds_)
    result.push_back(name);
  return result;
}

std::vector<std::string> kind_registry::agent_names() const {
  std::vector<std::string> result;
  for (const auto& [name, info] : kinds_)
    if (info.agent)
      result.push_back(name);
  return result;
}

} // namespace tfarm::runtime
