// One request to an actor from a test thread, with a finite timeout.
#pragma once

#include <chrono>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

namespace tfarm::test {

/// Time any one request may take in a test.
constexpr auto ask_timeout = std::chrono::seconds{10};

/// Sends `xs` to `dest` and waits for the answer (or the error).
///
/// A scoped actor per request: CAF 0.17 delivers each request's timeout
/// message even after the answer came, and a blocking actor keeps every
/// such message in its mailbox, scanning them all on each receive; a
/// long-lived one gets slower with every request.
template <class T, class Dest, class... Ts>
caf::expected<T> ask(caf::actor_system& sys, const Dest& dest, Ts&&... xs) {
  caf::expected<T> result{caf::error{}};
  caf::scoped_actor self{sys};
  self->request(dest, ask_timeout, std::forward<Ts>(xs)...)
      .receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace tfarm::test
