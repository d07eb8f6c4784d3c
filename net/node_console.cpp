#include "net/node_console.hpp"

#include <chrono>
#include <deque>

#include <caf/actor_registry.hpp>
#include <caf/io/middleman.hpp>

#include "net/detail/caf_ports.hpp"
#include "net/tls_identity.hpp"
#include <caf/scoped_actor.hpp>
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
  // Nothing may escape: CAF would end the worker, and the inspector would
  // keep handing it commands.
  return {[service](console_request& req) -> console_reply {
    try {
      return service->execute(req);
    } catch (...) {
      return console_reply{static_cast<int32_t>(console_status::failed),
                           "internal error in the console", "{\"error\":\"internal error\"}"};
    }
  }};
}

struct inspector_state {
  std::vector<console_actor> workers;
  std::vector<bool> busy;
  std::deque<std::pair<console_request, caf::typed_response_promise<console_reply>>> queue;
  static inline const char* name = "console_inspector";
};

using inspector_pointer = console_actor::stateful_pointer<inspector_state>;

// Gives queued commands to idle workers; a worker's answer goes to the
// client and frees the worker for the next one.
void dispatch(inspector_pointer self) {
  auto& st = self->state;
  for (std::size_t i = 0; i < st.workers.size() && !st.queue.empty(); ++i) {
    if (st.busy[i])
      continue;
    auto job = std::move(st.queue.front());
    st.queue.pop_front();
    st.busy[i] = true;
    auto rp = job.second;
    // A local worker always answers (or dies, which answers with an error).
    self->request(st.workers[i], caf::infinite, std::move(job.first))
        .then(
            [self, i, rp](console_reply& r) mutable {
              rp.deliver(std::move(r));
              self->state.busy[i] = false;
              dispatch(self);
            },
            [self, i, rp](caf::error& e) mutable {
              rp.deliver(std::move(e));
              self->state.busy[i] = false;
              dispatch(self);
            });
  }
}

// Queues each command for the first idle worker (so that a slow command,
// a reconciliation, holds up no other), up to console_queue_max.
console_actor::behavior_type console_inspector(inspector_pointer self,
                                               std::vector<console_actor> workers) {
  self->state.workers = std::move(workers);
  self->state.busy.assign(self->state.workers.size(), false);
  return {[self](console_request& req) -> caf::result<console_reply> {
    auto& st = self->state;
    if (st.queue.size() >= static_cast<std::size_t>(config::console_queue_max)) {
      auto text = "node busy: " + std::to_string(st.queue.size()) +
                  " console commands are waiting; try again shortly";
      return console_reply{static_cast<int32_t>(console_status::failed), text,
                           "{\"error\":\"" + text + "\"}"};
    }
    auto rp = self->make_response_promise<console_reply>();
    st.queue.emplace_back(std::move(req), rp);
    dispatch(self);
    return rp;
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
  auto bound = detail::publish_on(sys, inspector, static_cast<uint16_t>(x.port),
                                  host.empty() ? nullptr : host.c_str());
  if (!bound) {
    auto err = caf::error{net_errc::publish_failed, "cannot open the console on " + x.bind + ":" +
                                                        std::to_string(x.port) + ": " +
                                                        runtime::to_text(bound.error())};
    result->stop();
    return err;
  }
  result->port_ = *bound;
  sys.registry().put(console_registry_name, caf::actor_cast<caf::strong_actor_ptr>(inspector));
  auto tls = uses_tls(sys);
  log().info("console on {}:{} ({} workers, {})", x.bind, result->port_, config::console_workers,
             tls ? "mutual TLS" : "plain CAF");
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
  if (service_)
    service_->stop();
  if (inspector_) {
    if (port_ != 0)
      sys.middleman().unpublish(inspector_, port_);
    sys.registry().erase(console_registry_name);
  }
  // Workers use the node: they must be gone before it is. One in the middle
  // of a command finishes it first (its waits on actors are bounded).
  {
    caf::scoped_actor self{sys};
    for (auto& w : workers_) {
      self->monitor(w);
      caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    }
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds{config::console_stop_wait_ms};
    std::size_t down = 0;
    while (down < workers_.size()) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) {
        log().error("console: {} workers still busy after {} ms; stopping anyway",
                    workers_.size() - down, config::console_stop_wait_ms);
        break;
      }
      self->receive([&](caf::down_msg&) { ++down; },
                    caf::after(std::chrono::duration_cast<std::chrono::milliseconds>(left)) >>
                        [] {});
    }
  }
  // Last, so that it answered every command with its worker's reply or the
  // error of a worker gone, instead of leaving clients to their timeout.
  if (inspector_)
    caf::anon_send_exit(inspector_, caf::exit_reason::user_shutdown);
  inspector_ = nullptr;
  workers_.clear();
}

} // namespace tfarm::net
