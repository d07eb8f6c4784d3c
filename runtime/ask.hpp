// Asks an actor from outside any actor (a CLI command, an HTTP handler, a
// test) and waits for the answer, with a deadline.
//
// A scoped actor per request: CAF 0.17 delivers each request's timeout
// message even after the answer came, and a blocking actor keeps every
// such message in its mailbox, scanning them all on each receive; a
// long-lived one gets slower with every request. Thread-safe.
#pragma once

#include <chrono>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

namespace tfarm::runtime {

/// Sends `xs` to `dest`; the answer, or the error (sec::request_timeout
/// after `timeout`).
template <class T, class Dest, class... Ts>
caf::expected<T> ask(caf::actor_system& sys, const Dest& dest, std::chrono::milliseconds timeout,
                     Ts&&... xs) {
  caf::expected<T> result{caf::error{}};
  caf::scoped_actor self{sys};
  self->request(dest, timeout, std::forward<Ts>(xs)...)
      .receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace tfarm::runtime
