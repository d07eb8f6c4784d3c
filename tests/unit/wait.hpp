// Waiting on a condition with a deadline: for tests with real threads,
// where there is no deterministic scheduler to run to quiescence.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace tfarm::test {

/// Polls `pred` until it holds or `timeout` passes; returns its last value.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds{15}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return pred();
}

} // namespace tfarm::test
