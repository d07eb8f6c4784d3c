#include "bench/order_load.hpp"

#include <chrono>
#include <stdexcept>

#include <caf/event_based_actor.hpp>

#include "actors/exchange/exchange_interfaces.hpp"
#include "runtime/node.hpp"

namespace tfarm::bench {

namespace {

constexpr auto order_request_timeout = std::chrono::seconds{60};

} // namespace

caf::actor find_actor(runtime::node& n, const std::string& path) {
  auto entry = n.context().registry().find(path);
  if (!entry || !entry->handle())
    throw std::runtime_error(path + " is not running");
  return caf::actor_cast<caf::actor>(entry->handle());
}

load_result order_load(runtime::node& n, const caf::actor& dest, const std::string& account,
                       const std::string& prefix, uint64_t count, uint64_t in_flight) {
  return closed_loop(n.system(), count, in_flight,
                     [dest, account, prefix](caf::event_based_actor* self, uint64_t i,
                                             std::function<void(bool)> done) {
                       actors::order_request r;
                       r.client_order_id = prefix + std::to_string(i);
                       r.agent = "bench";
                       r.account = account;
                       r.symbol = "BTC-USD";
                       r.s = actors::side::buy;
                       r.price = 1'000 + static_cast<int64_t>(i % 50);
                       r.qty = 1;
                       self->request(dest, order_request_timeout, std::move(r))
                           .then([done](actors::order_report&) { done(true); },
                                 [done](caf::error&) { done(false); });
                     });
}

} // namespace tfarm::bench
