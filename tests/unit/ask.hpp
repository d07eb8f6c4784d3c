// One request to an actor from a test thread, with a finite timeout.
#pragma once

#include <chrono>
#include <utility>

#include "runtime/ask.hpp"
#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace tfarm::test {

/// Time any one request may take in a test.
constexpr auto ask_timeout = std::chrono::seconds{10};

/// Sends `xs` to `dest` and waits for the answer (or the error).
template <class T, class Dest, class... Ts>
caf::expected<T> ask(caf::actor_system& sys, const Dest& dest, Ts&&... xs) {
  return runtime::ask<T>(sys, dest, ask_timeout, std::forward<Ts>(xs)...);
}

} // namespace tfarm::test
