#include "runtime/error_text.hpp"

#include <map>
#include <mutex>

#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

#include "config/error.hpp"
#include "runtime/error.hpp"

namespace tfarm::runtime {

namespace {

std::string context_text(const caf::message& ctx) {
  if (ctx.empty())
    return {};
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return to_string(ctx);
}

struct category_names {
  std::mutex mtx;
  std::map<caf::atom_value, std::string (*)(uint8_t)> by_atom;
};

category_names& extra_categories() {
  static category_names instance;
  return instance;
}

std::string (*names_of(caf::atom_value category))(uint8_t) {
  auto& cats = extra_categories();
  std::lock_guard<std::mutex> guard{cats.mtx};
  auto i = cats.by_atom.find(category);
  return i != cats.by_atom.end() ? i->second : nullptr;
}

std::string render(uint8_t code, caf::atom_value category, const caf::message& ctx) {
  std::string result;
  if (auto names = names_of(category))
    result = names(code);
  else if (category == caf::atom("tfruntime"))
    result = to_string(static_cast<runtime_errc>(code));
  else if (category == caf::atom("tfconfig"))
    result = config::to_string(static_cast<config::config_errc>(code));
  else if (category == caf::atom("system"))
    result = to_string(static_cast<caf::sec>(code));
  else if (category == caf::atom("exit"))
    result = to_string(static_cast<caf::exit_reason>(code));
  else
    result = to_string(category) + ":" + std::to_string(code);
  auto text = context_text(ctx);
  if (!text.empty())
    result += ": " + text;
  return result;
}

} // namespace

std::string to_text(const caf::error& x) {
  if (!x)
    return "no error";
  return render(x.code(), x.category(), x.context());
}

std::string code_name(const caf::error& x) {
  if (!x)
    return "none";
  return render(x.code(), x.category(), caf::message{});
}

std::string message_of(const caf::error& x) {
  auto& ctx = x.context();
  if (ctx.size() == 1 && ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return to_text(x);
}

void add_error_renderers(caf::actor_system_config& cfg) {
  cfg.add_error_category(caf::atom("tfruntime"), render);
  cfg.add_error_category(caf::atom("tfconfig"), render);
  auto& cats = extra_categories();
  std::lock_guard<std::mutex> guard{cats.mtx};
  for (auto& [category, names] : cats.by_atom)
    cfg.add_error_category(category, render);
}

void add_error_category_names(caf::atom_value category, std::string (*names)(uint8_t)) {
  auto& cats = extra_categories();
  std::lock_guard<std::mutex> guard{cats.mtx};
  cats.by_atom[category] = names;
}

} // namespace tfarm::runtime
