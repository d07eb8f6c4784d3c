#include "bench/closed_loop.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "bench/bench_support.hpp"

namespace tfarm::bench {

load_result closed_loop(caf::actor_system& sys, uint64_t count, uint64_t in_flight,
                        issue_fn issue) {
  struct shared {
    std::atomic<bool> done{false};
    load_result result;
    uint64_t sent = 0;
    uint64_t answered = 0;
  };
  auto st = std::make_shared<shared>();
  st->result.latencies_us.reserve(count);
  if (count == 0)
    return {};
  auto t0 = now_ns();
  sys.spawn([st, count, in_flight, t0, issue](caf::event_based_actor* self) {
    auto send_one = std::make_shared<std::function<void()>>();
    *send_one = [self, st, count, t0, issue, send_one] {
      if (st->sent >= count)
        return;
      auto i = st->sent++;
      auto start = now_ns();
      issue(self, i, [st, count, t0, send_one, start](bool ok) {
        st->result.latencies_us.push_back(static_cast<double>(now_ns() - start) / 1e3);
        (ok ? st->result.ok : st->result.failed)++;
        if (++st->answered == count) {
          st->result.seconds = static_cast<double>(now_ns() - t0) / 1e9;
          st->done = true;
          return;
        }
        (*send_one)();
      });
    };
    for (uint64_t i = 0; i < in_flight; ++i)
      (*send_one)();
    // The closure refers to itself; break the cycle once the actor is gone.
    self->attach_functor([send_one] { *send_one = nullptr; });
  });
  while (!st->done)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  return std::move(st->result);
}

} // namespace tfarm::bench
