#include "config/detail/table_reader.hpp"

#include <algorithm>
#include <cmath>

#include "config/suggest.hpp"

namespace tfarm::config::detail {

void load_context::error(const toml::source_region& where, std::string message) {
  diagnostics_.push_back(
      diagnostic{file_, where.begin.line, where.begin.column, std::move(message)});
}

void load_context::error(uint32_t line, uint32_t column, std::string message) {
  diagnostics_.push_back(diagnostic{file_, line, column, std::move(message)});
}

void load_context::error(std::string message) {
  diagnostics_.push_back(diagnostic{file_, 0, 0, std::move(message)});
}

std::string describe_type(const toml::node& x) {
  switch (x.type()) {
  case toml::node_type::table:
    return "a table";
  case toml::node_type::array:
    return "an array";
  case toml::node_type::string:
    return "a string";
  case toml::node_type::integer:
    return "an integer";
  case toml::node_type::floating_point:
    return "a float";
  case toml::node_type::boolean:
    return "a boolean";
  case toml::node_type::date:
    return "a date";
  case toml::node_type::time:
    return "a time";
  case toml::node_type::date_time:
    return "a date-time";
  default:
    return "nothing";
  }
}

table_reader::table_reader(load_context& ctx, const toml::table& tbl, std::string name)
    : ctx_(ctx), tbl_(tbl), name_(std::move(name)) {
  // nop
}

const toml::node* table_reader::get(std::string_view key, bool required) {
  known_.emplace_back(key);
  auto x = tbl_.get(key);
  if (!x && required)
    ctx_.error(tbl_.source(), "missing required key '" + std::string{key} + "' in " + name_);
  return x;
}

void table_reader::wrong_type(std::string_view key, const toml::node& x,
                              std::string_view expected) {
  ctx_.error(x.source(), "'" + std::string{key} + "' must be " + std::string{expected} + ", got " +
                             describe_type(x));
}

std::optional<std::string> table_reader::string(std::string_view key, bool required) {
  auto x = get(key, required);
  if (!x)
    return std::nullopt;
  if (auto s = x->as_string())
    return s->get();
  wrong_type(key, *x, "a string");
  return std::nullopt;
}

std::optional<int64_t> table_reader::integer(std::string_view key, int64_t min, int64_t max,
                                             bool required) {
  auto x = get(key, required);
  if (!x)
    return std::nullopt;
  auto i = x->as_integer();
  if (!i) {
    wrong_type(key, *x, "an integer");
    return std::nullopt;
  }
  auto value = i->get();
  if (value < min || value > max) {
    ctx_.error(x->source(), "'" + std::string{key} + "' must be between " + std::to_string(min) +
                                " and " + std::to_string(max) + ", got " + std::to_string(value));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> table_reader::boolean(std::string_view key) {
  auto x = get(key);
  if (!x)
    return std::nullopt;
  auto b = x->as_boolean();
  if (!b) {
    wrong_type(key, *x, "true or false");
    return std::nullopt;
  }
  return b->get();
}

std::optional<double> table_reader::number(std::string_view key, double min, double max) {
  auto x = get(key);
  if (!x)
    return std::nullopt;
  double value = 0;
  if (auto i = x->as_integer())
    value = static_cast<double>(i->get());
  else if (auto f = x->as_floating_point())
    value = f->get();
  else {
    wrong_type(key, *x, "a number");
    return std::nullopt;
  }
  if (!std::isfinite(value)) {
    ctx_.error(x->source(), "'" + std::string{key} + "' must be a finite number");
    return std::nullopt;
  }
  if (value < min || value > max) {
    auto fmt = [](double d) {
      auto s = std::to_string(d);
      s.erase(s.find_last_not_of('0') + 1);
      if (!s.empty() && s.back() == '.')
        s += '0';
      return s;
    };
    ctx_.error(x->source(), "'" + std::string{key} + "' must be between " + fmt(min) + " and " +
                                fmt(max) + ", got " + fmt(value));
    return std::nullopt;
  }
  return value;
}

std::optional<milliseconds> table_reader::duration(std::string_view key, milliseconds min,
                                                   milliseconds max) {
  auto x = get(key);
  if (!x)
    return std::nullopt;
  auto s = x->as_string();
  if (!s) {
    wrong_type(key, *x, "a duration string such as \"5s\"");
    return std::nullopt;
  }
  std::string why;
  auto value = parse_duration(s->get(), why);
  if (!value) {
    ctx_.error(x->source(), "'" + std::string{key} + "': " + why + ", got \"" + s->get() + "\"");
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    ctx_.error(x->source(), "'" + std::string{key} + "' must be between " + format_duration(min) +
                                " and " + format_duration(max) + ", got " + s->get());
    return std::nullopt;
  }
  return value;
}

std::optional<rate> table_reader::rate_value(std::string_view key, int64_t count_max) {
  auto x = get(key);
  if (!x)
    return std::nullopt;
  std::optional<rate> value;
  std::string text;
  if (auto i = x->as_integer()) {
    value = rate{i->get(), milliseconds{60'000}};
    text = std::to_string(i->get());
  } else if (auto s = x->as_string()) {
    std::string why;
    text = s->get();
    value = parse_rate(text, why);
    if (!value) {
      ctx_.error(x->source(), "'" + std::string{key} + "': " + why + ", got \"" + text + "\"");
      return std::nullopt;
    }
  } else {
    wrong_type(key, *x, "a rate string such as \"20/min\"");
    return std::nullopt;
  }
  if (value->count < 1 || value->count > count_max) {
    ctx_.error(x->source(), "'" + std::string{key} + "' must allow between 1 and " +
                                std::to_string(count_max) + " events per window, got " + text);
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> table_reader::choice(std::string_view key,
                                                const std::vector<std::string>& names,
                                                std::string_view what) {
  auto x = get(key);
  if (!x)
    return std::nullopt;
  auto s = x->as_string();
  if (!s) {
    wrong_type(key, *x, "a string");
    return std::nullopt;
  }
  if (std::find(names.begin(), names.end(), s->get()) != names.end())
    return s->get();
  std::string message = "unknown " + std::string{what} + " '" + s->get() + "'";
  if (auto near = nearest(s->get(), names))
    message += "; did you mean '" + *near + "'?";
  message += " (valid: " + join(names) + ")";
  ctx_.error(x->source(), std::move(message));
  return std::nullopt;
}

const toml::table* table_reader::table(std::string_view key) {
  auto x = get(key);
  if (!x)
    return nullptr;
  if (auto t = x->as_table())
    return t;
  wrong_type(key, *x, "a table");
  return nullptr;
}

std::vector<const toml::table*> table_reader::tables(std::string_view key) {
  std::vector<const toml::table*> result;
  auto x = get(key);
  if (!x)
    return result;
  auto arr = x->as_array();
  if (!arr) {
    wrong_type(key, *x, "an array of tables ([[" + std::string{key} + "]])");
    return result;
  }
  for (const auto& element : *arr) {
    if (auto t = element.as_table())
      result.push_back(t);
    else
      ctx_.error(element.source(), "elements of '" + std::string{key} + "' must be tables, got " +
                                       describe_type(element));
  }
  return result;
}

std::vector<std::pair<std::string, const toml::node*>> table_reader::strings(std::string_view key) {
  std::vector<std::pair<std::string, const toml::node*>> result;
  auto x = get(key);
  if (!x)
    return result;
  auto arr = x->as_array();
  if (!arr) {
    wrong_type(key, *x, "an array of strings");
    return result;
  }
  for (const auto& element : *arr) {
    if (auto s = element.as_string())
      result.emplace_back(s->get(), &element);
    else
      ctx_.error(element.source(), "elements of '" + std::string{key} + "' must be strings, got " +
                                       describe_type(element));
  }
  return result;
}

toml::source_region table_reader::key_source(std::string_view key) const {
  if (auto i = tbl_.find(key); i != tbl_.end())
    return i->first.source();
  return tbl_.source();
}

void table_reader::finish() {
  for (const auto& [key, value] : tbl_) {
    auto name = std::string{key.str()};
    if (std::find(known_.begin(), known_.end(), name) != known_.end())
      continue;
    std::string message = "unknown key '" + name + "' in " + name_;
    if (auto near = nearest(name, known_))
      message += "; did you mean '" + *near + "'?";
    else if (!known_.empty())
      message += " (valid keys: " + join(known_) + ")";
    else
      message += " (this table takes no keys)";
    ctx_.error(key.source(), std::move(message));
  }
}

} // namespace tfarm::config::detail
