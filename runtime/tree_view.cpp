#include "runtime/tree_view.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "runtime/actor_registry.hpp"

namespace tfarm::runtime {

namespace {

std::string last_segment(const std::string& path) {
  if (path == "/")
    return "/";
  return path.substr(path.rfind('/') + 1);
}

std::string strategy_of(const actor_info& x) {
  auto j = nlohmann::json::parse(x.state_json, nullptr, false);
  if (j.is_object() && j.contains("strategy") && j["strategy"].is_string())
    return j["strategy"].get<std::string>();
  return {};
}

// Display width of a UTF-8 string (box-drawing characters count as one).
std::size_t width(const std::string& x) {
  return static_cast<std::size_t>(std::count_if(
      x.begin(), x.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

} // namespace

std::string render_tree(const std::vector<actor_info>& actors) {
  // Which entries are the last among their siblings.
  std::map<std::string, std::string> last_child_of;
  for (auto& a : actors)
    last_child_of[parent_path(a.path)] = a.path;
  std::map<std::string, std::string> prefix_of; // indentation for children of a path
  std::vector<std::pair<std::string, const actor_info*>> lines;
  for (auto& a : actors) {
    auto parent = parent_path(a.path);
    auto i = prefix_of.find(parent);
    if (i == prefix_of.end()) {
      // A top entry of this listing.
      lines.emplace_back(a.path, &a);
      prefix_of[a.path] = "";
      continue;
    }
    auto last = last_child_of[parent] == a.path;
    lines.emplace_back(i->second + (last ? "└── " : "├── ") + last_segment(a.path), &a);
    prefix_of[a.path] = i->second + (last ? "    " : "│   ");
  }
  std::size_t name_width = 0;
  std::size_t kind_width = 0;
  for (auto& [name, a] : lines) {
    name_width = std::max(name_width, width(name));
    kind_width = std::max(kind_width, a->kind.size());
  }
  std::string out;
  for (auto& [name, a] : lines) {
    out += name;
    out.append(name_width - width(name) + 2, ' ');
    out += a->kind;
    out.append(kind_width - a->kind.size() + 2, ' ');
    auto strategy = strategy_of(*a);
    out += strategy;
    out.append(strategy.size() < 14 ? 14 - strategy.size() : 1, ' ');
    out += a->alive ? "up" : "down";
    if (a->restarts > 0)
      out += "  restarts=" + std::to_string(a->restarts);
    out += '\n';
  }
  return out;
}

} // namespace tfarm::runtime
