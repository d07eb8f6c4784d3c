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
#include <vector>

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

/// Sends `xs` to every handle at once and waits for all answers against one
/// deadline, so that N actors cost one timeout, not N; answers in the order
/// of `dests` (an invalid handle's is request_receiver_down).
template <class T, class Handle, class... Ts>
std::vector<caf::expected<T>> ask_all(caf::actor_system& sys, const std::vector<Handle>& dests,
                                      std::chrono::milliseconds timeout, const Ts&... xs) {
  std::vector<caf::expected<T>> out;
  out.reserve(dests.size());
  for (std::size_t i = 0; i < dests.size(); ++i)
    out.emplace_back(caf::error{caf::sec::request_receiver_down});
  if (dests.empty())
    return out;
  caf::scoped_actor self{sys};
  using pending_t = decltype(self->request(dests.front(), timeout, xs...));
  std::vector<std::pair<std::size_t, pending_t>> pending;
  for (std::size_t i = 0; i < dests.size(); ++i)
    if (dests[i])
      pending.emplace_back(i, self->request(dests[i], timeout, xs...));
  for (auto& [i, handle] : pending) {
    auto at = i;
    handle.receive([&](T& x) { out[at] = std::move(x); },
                   [&](caf::error& e) { out[at] = std::move(e); });
  }
  return out;
}

} // namespace tfarm::runtime
