#include "net/console_client.hpp"

#include <atomic>
#include <optional>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "net/console_actor.hpp"
#include "net/console_commands.hpp"
#include "net/detail/caf_ports.hpp"
#include "net/error.hpp"
#include "net/kinds.hpp"
#include "net/operator_proof.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::net {

namespace {

class client_config : public caf::actor_system_config {
public:
  explicit client_config(const config::tls_settings& tls) {
    configure(*this, tls);
    // A client needs little: two scheduler threads, no work stealing spin.
    set("scheduler.max-threads", 2);
  }
};

} // namespace

struct console_client::impl {
  explicit impl(const config::tls_settings& tls) : cfg(tls) {
    if (tls.enabled())
      if (auto s = operator_signer::load(tls))
        signer = std::move(*s);
  }

  /// With TLS: signs each request (unsigned if the files went away since
  /// they were checked: the node then says what is missing).
  std::optional<operator_signer> signer;

  client_config cfg;
  caf::actor_system sys{cfg};
  console_actor inspector;
  /// Set when the inspector's proxy ends: the node went away, or its
  /// console did (CAF kills the proxies of a lost connection).
  std::shared_ptr<std::atomic<bool>> lost = std::make_shared<std::atomic<bool>>(false);

  /// One attempt to reach the node's inspector.
  caf::expected<console_actor> reach(const console_client_options& opts) {
    // Through the middleman actor with a timeout: CAF's blocking
    // remote_actor waits for ever on a peer that accepts and never answers.
    caf::expected<console_actor> result{caf::error{}};
    caf::scoped_actor self{sys};
    self->request(detail::connector(sys), opts.timeout, caf::connect_atom_v, opts.host, opts.port)
        .receive(
            [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>& ifs) {
              if (!ptr)
                result = caf::error{net_errc::connect_failed, "nothing is published at that port"};
              else if (!sys.assignable(ifs, sys.message_types<console_actor>()))
                result = caf::error{net_errc::connect_failed, "the actor there is not a console"};
              else
                result = caf::actor_cast<console_actor>(std::move(ptr));
            },
            [&](caf::error& err) {
              if (err == caf::sec::request_timeout)
                result =
                    caf::error{net_errc::connect_failed,
                               "no answer within " + std::to_string(opts.timeout.count()) + " ms"};
              else if (err == caf::sec::disconnect_during_handshake ||
                       err == caf::sec::cannot_connect_to_node)
                result = caf::error{
                    net_errc::connect_failed,
                    runtime::message_of(err) +
                        (opts.tls.enabled()
                             ? " (a TLS handshake refused? the node must use [tls] of the same CA)"
                             : " (if the node uses [tls], give --ca, --cert and --key)")};
              else
                result = std::move(err);
            });
    return result;
  }

  void watch() {
    lost = std::make_shared<std::atomic<bool>>(false);
    auto flag = lost;
    if (auto ptr = caf::actor_cast<caf::abstract_actor*>(inspector))
      ptr->attach_functor([flag](const caf::error&) { *flag = true; });
  }
};

console_client::console_client(console_client_options opts)
    : opts_(std::move(opts)), impl_(std::make_unique<impl>(opts_.tls)) {
  // nop
}

console_client::~console_client() = default;

std::string console_client::endpoint() const {
  return opts_.host + ":" + std::to_string(opts_.port);
}

bool console_client::connected() const noexcept {
  return impl_->inspector != nullptr && !*impl_->lost;
}

caf::error console_client::connect() {
  impl_->inspector = nullptr;
  auto backoff = std::chrono::milliseconds{config::console_backoff_min_ms};
  caf::error last;
  auto attempts = std::max(1, opts_.attempts);
  for (int i = 1; i <= attempts; ++i) {
    auto x = impl_->reach(opts_);
    if (x) {
      impl_->inspector = std::move(*x);
      impl_->watch();
      if (i > 1 && opts_.notice)
        opts_.notice("connected to " + endpoint());
      return {};
    }
    last = x.error();
    if (i == attempts)
      break;
    if (opts_.notice)
      opts_.notice("cannot reach " + endpoint() + " (" + runtime::message_of(last) +
                   "); retrying in " + std::to_string(backoff.count()) + " ms (attempt " +
                   std::to_string(i + 1) + " of " + std::to_string(attempts) + ")");
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds{config::console_backoff_max_ms});
  }
  return caf::error{net_errc::connect_failed,
                    "cannot connect to the node's console at " + endpoint() + " after " +
                        std::to_string(attempts) + " attempts: " + runtime::message_of(last) +
                        " (is the node running with --console-port " + std::to_string(opts_.port) +
                        "?)"};
}

caf::expected<console_reply> console_client::call(const std::vector<std::string>& args) {
  auto repeatable = !console_mutates(args);
  for (int round = 0;; ++round) {
    if (impl_->inspector && *impl_->lost) {
      impl_->inspector = nullptr;
      if (opts_.notice)
        opts_.notice("connection to " + endpoint() + " lost; reconnecting");
    }
    if (!impl_->inspector)
      if (auto err = connect())
        return err;
    console_request req{opts_.token, opts_.operator_name, args, {}, 0, {}};
    if (impl_->signer)
      impl_->signer->sign(req, runtime::unix_now_ms());
    caf::expected<console_reply> result{caf::error{}};
    {
      caf::scoped_actor self{impl_->sys};
      self->request(impl_->inspector, opts_.timeout, std::move(req))
          .receive([&](console_reply& r) { result = std::move(r); },
                   [&](caf::error& err) { result = std::move(err); });
    }
    if (result)
      return result;
    auto err = result.error();
    if (err == caf::sec::request_timeout && !*impl_->lost)
      return caf::error{
          net_errc::connect_failed,
          "no answer from " + endpoint() + " within " + std::to_string(opts_.timeout.count()) +
              " ms" +
              (repeatable ? std::string{} : "; the command may have been applied (check audit)")};
    // Anything else: the connection is gone.
    impl_->inspector = nullptr;
    if (opts_.notice)
      opts_.notice("connection to " + endpoint() + " lost (" + runtime::message_of(err) +
                   "); reconnecting");
    if (!repeatable || round > 0) {
      if (auto cerr = connect())
        return cerr;
      if (!repeatable)
        return caf::error{net_errc::connect_failed,
                          "the connection was lost before the node answered; the command may "
                          "have been applied (check audit) and was not sent again"};
      return err;
    }
  }
}

} // namespace tfarm::net
