#include "runtime/kind_registry.hpp"

#include "runtime/error.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::runtime {

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
