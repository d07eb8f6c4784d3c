#include "actors/agent/strategy.hpp"

#include <algorithm>
#include <mutex>

#include "actors/agent/error.hpp"
#include "config/duration.hpp"
#include "config/suggest.hpp"

namespace tfarm::actors {

int64_t market_tick::mid() const {
  if (bid > 0 && ask > 0)
    return bid + (ask - bid) / 2;
  if (bid > 0)
    return bid;
  if (ask > 0)
    return ask;
  return last;
}

bool strategy_context::has_open(const std::string& tag) const {
  return std::find(open_tags.begin(), open_tags.end(), tag) != open_tags.end();
}

void strategy_context::trade_towards(int64_t target) {
  auto delta = target - position;
  if (delta == 0 || has_open("target"))
    return;
  strategy_order o;
  o.s = delta > 0 ? side::buy : side::sell;
  o.type = order_type::market;
  o.qty = delta > 0 ? delta : -delta;
  o.tag = "target";
  place(o);
}

strategy::~strategy() = default;

void strategy::on_start(strategy_context&) {
  // nop
}

void strategy::on_fill(const venue_fill&, const std::string&, strategy_context&) {
  // nop
}

void strategy::on_timer(strategy_context&) {
  // nop
}

struct strategy_registry::impl {
  mutable std::mutex mtx;
  std::map<std::string, factory> factories;
};

strategy_registry::strategy_registry() : impl_(std::make_shared<impl>()) {
  // nop
}

void add_builtin_strategies(strategy_registry& x); // builtin_strategies.cpp

strategy_registry& strategy_registry::instance() {
  static strategy_registry* self = [] {
    auto r = new strategy_registry; // lives for the process: plug-ins register late
    add_builtin_strategies(*r);
    return r;
  }();
  return *self;
}

void strategy_registry::add(const std::string& name, factory f) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->factories[name] = std::move(f);
}

std::unique_ptr<strategy> strategy_registry::make(const std::string& name) const {
  factory f;
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    auto i = impl_->factories.find(name);
    if (i == impl_->factories.end())
      return nullptr;
    f = i->second;
  }
  return f();
}

std::vector<std::string> strategy_registry::names() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  std::vector<std::string> result;
  for (auto& [name, f] : impl_->factories)
    result.push_back(name);
  return result;
}

caf::error int_param(const std::map<std::string, std::string>& params, const std::string& key,
                     int64_t min, int64_t max, int64_t& out) {
  auto i = params.find(key);
  if (i == params.end())
    return {};
  auto bad = [&] {
    return caf::error{agent_errc::bad_parameter,
                      "parameter '" + key + "' must be an integer from " + std::to_string(min) +
                          " to " + std::to_string(max) + ", got '" + i->second + "'"};
  };
  std::string why;
  auto value = config::parse_integer(i->second, min, max, why);
  if (!value)
    return bad();
  out = *value;
  return {};
}

caf::error only_params(const std::map<std::string, std::string>& params,
                       const std::vector<std::string>& known, const std::string& strategy) {
  for (auto& [key, value] : params) {
    if (std::find(known.begin(), known.end(), key) != known.end())
      continue;
    auto near = config::nearest(key, known);
    return caf::error{agent_errc::bad_parameter,
                      "strategy " + strategy + " has no parameter '" + key + "'" +
                          (near ? "; did you mean '" + *near + "'?" : std::string{}) +
                          " (known: " + config::join(known) + ")"};
  }
  return {};
}

} // namespace tfarm::actors
