#include "runtime/kind_registry.hpp"

namespace tfarm::runtime {

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
