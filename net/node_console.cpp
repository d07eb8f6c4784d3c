#include "net/node_console.hpp"

#include <caf/actor_registry.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/logger.h>

#include "net/console_actor.hpp"
#include "net/error.hpp"
#include "net/logger.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::net {

namespace {

console_actor::behavior_type console_worker(console_actor::pointer,
                                            std::shared_ptr<console_service> service) {
  return {[service](console_request& req) -> console_reply { return service->execute(req); }};
}

// Hands each request to the next worker; the worker answers the client.
console_actor::behavior_type console_inspector(console_actor::pointer self,
                                               std::vector<console_actor> workers) {
  auto next = std::make_shared<std::size_t>(0);
  return {[self, workers, next](console_request& req) -> caf::delegated<console_reply> {
    auto& w = workers[(*next)++ % workers.size()];
    return self->delegate(w, std::move(req));
  }};
}

} // namespace

caf::expected<std::unique_ptr<node_console>>
node_console::start(runtime::node& node, const config::console_settings& x, console_options opts) {
  auto& sys = node.system();
  if (!sys.has_middleman())
    return caf::error{net_errc::publish_failed,
                      "the console needs CAF's middleman (node started without net::configure)"};
  std::unique_ptr<node_console> result{new node_console(node)};
  opts.endpoint = x.bind + ":" + std::to_string(x.port);
  result->service_ = std::make_shared<console_service>(node, std::move(opts));
  std::vector<console_actor> workers;
  for (int i = 0; i < config::console_workers; ++i) {
    auto w = sys.spawn<caf::detached>(console_worker, result->service_);
    workers.push_back(w);
    result->workers_.push_back(caf::actor_cast<caf::actor>(w));
  }
  auto inspector = sys.spawn(console_inspector, workers);
  result->inspector_ = caf::actor_cast<caf::actor>(inspector);
  auto host = x.bind == "0.0.0.0" ? std::string{} : x.bind;
  auto bound = sys.middleman().publish(inspector, static_cast<uint16_t>(x.port),
                                       host.empty() ? nullptr : host.c_str(), true);
  if (!bound) {
    auto err = caf::error{net_errc::publish_failed, "cannot open the console on " + x.bind + ":" +
                                                        std::to_string(x.port) + ": " +
                                                        runtime::to_text(bound.error())};
    result->stop();
    return err;
  }
  result->port_ = *bound;
  sys.registry().put(console_registry_name, caf::actor_cast<caf::strong_actor_ptr>(inspector));
  log().info("console on {}:{} ({} workers)", x.bind, result->port_, config::console_workers);
  return result;
}

node_console::~node_console() {
  stop();
}

void node_console::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  auto& sys = node_.system();
  if (inspector_) {
    if (port_ != 0)
      sys.middleman().unpublish(inspector_, port_);
    sys.registry().erase(console_registry_name);
    caf::anon_send_exit(inspector_, caf::exit_reason::user_shutdown);
  }
  for (auto& w : workers_)
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  inspector_ = nullptr;
  workers_.clear();
}

} // namespace tfarm::net
