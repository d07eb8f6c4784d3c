// message_overhead: 4 senders -> 1 receiver, 2,000,000 messages each.
//
// The same sender and receiver code runs twice per round: as raw CAF actors,
// and as managed actors under a supervisor with registry accounting (every
// enqueue and every handled message counted). Senders keep at most two
// batches in flight (a ping after each batch, answered in order), so the
// figure is sustained throughput, not mailbox growth. Five rounds,
// alternating; the median of each side is reported.
#include <algorithm>
#include <cstdint>

#include "bench/bench_support.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/managed_actor.hpp"

namespace tfarm::bench {

namespace {

constexpr uint64_t sender_count = 4;
constexpr uint64_t messages_per_sender = 2'000'000;
constexpr uint64_t batch_messages = 1'000;
constexpr int rounds = 5;

template <class Base>
class receiver : public Base {
public:
  template <class... Ts>
  explicit receiver(caf::actor_config& cfg, Ts&&... xs) : Base(cfg, std::forward<Ts>(xs)...) {}

  caf::behavior make_behavior() override {
    return {
        [this](int64_t x) { sum_ += x; },
        [](caf::ping_atom) { return caf::pong_atom_v; },
    };
  }

private:
  int64_t sum_ = 0;
};

template <class Base>
class sender : public Base {
public:
  template <class... Ts>
  explicit sender(caf::actor_config& cfg, Ts&&... xs) : Base(cfg, std::forward<Ts>(xs)...) {}

  caf::behavior make_behavior() override {
    return {
        [this](caf::tick_atom, caf::actor target, uint64_t count, caf::actor done) {
          target_ = std::move(target);
          left_ = count;
          done_ = std::move(done);
          send_batch();
          send_batch();
        },
    };
  }

private:
  void send_batch() {
    if (left_ == 0)
      return;
    auto n = std::min(batch_messages, left_);
    for (uint64_t i = 0; i < n; ++i)
      this->send(target_, static_cast<int64_t>(i));
    left_ -= n;
    ++in_flight_;
    this->request(target_, caf::infinite, caf::ping_atom_v).then([this](caf::pong_atom) {
      --in_flight_;
      if (left_ == 0 && in_flight_ == 0)
        this->send(done_, caf::ok_atom_v);
      else
        send_batch();
    });
  }

  caf::actor target_;
  caf::actor done_;
  uint64_t left_ = 0;
  uint64_t in_flight_ = 0;
};

// Starts the senders, waits for all of them; returns messages per second.
double drive(caf::actor_system& sys, const std::vector<caf::actor>& senders,
             const caf::actor& target, uint64_t per_sender) {
  caf::scoped_actor self{sys};
  auto start = now_ns();
  for (auto& s : senders)
    self->send(s, caf::tick_atom_v, target, per_sender, caf::actor_cast<caf::actor>(self));
  for (size_t i = 0; i < senders.size(); ++i)
    self->receive([](caf::ok_atom) {});
  auto elapsed_s = static_cast<double>(now_ns() - start) / 1e9;
  return static_cast<double>(per_sender * senders.size()) / elapsed_s;
}

double raw_round(caf::actor_system& sys, uint64_t per_sender) {
  auto target = sys.spawn<receiver<caf::event_based_actor>>();
  std::vector<caf::actor> senders;
  for (uint64_t i = 0; i < sender_count; ++i)
    senders.push_back(sys.spawn<sender<caf::event_based_actor>>());
  auto result = drive(sys, senders, target, per_sender);
  for (auto& s : senders)
    caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
  return result;
}

double managed_round(caf::actor_system& sys, uint64_t per_sender) {
  runtime::kind_registry kinds;
  kinds.add(runtime::supervisor::kind());
  kinds.add(runtime::make_kind<runtime::memory_checkpoint_store>("memory_store", "store"));
  kinds.add(runtime::make_kind<receiver<runtime::managed_actor>>("bench_receiver", "receiver"));
  kinds.add(runtime::make_kind<sender<runtime::managed_actor>>("bench_sender", "sender"));
  config::supervisor_policy policy;
  policy.path = "/bench";
  std::vector<runtime::child_spec> children;
  children.push_back(runtime::child_spec{"receiver", "bench_receiver", {}, {}});
  for (uint64_t i = 0; i < sender_count; ++i)
    children.push_back(runtime::child_spec{"sender-" + std::to_string(i), "bench_sender", {}, {}});
  managed_tree tree{sys, std::move(kinds), policy, std::move(children)};
  std::vector<caf::actor> senders;
  for (uint64_t i = 0; i < sender_count; ++i)
    senders.push_back(tree.handle("/bench/sender-" + std::to_string(i)));
  auto result = drive(sys, senders, tree.handle("/bench/receiver"), per_sender);
  // Registry accounting really ran: the receiver counted every message.
  auto handled = tree.context().registry().find("/bench/receiver")->snapshot().messages_handled;
  if (handled < per_sender * sender_count)
    throw std::runtime_error("registry counted " + std::to_string(handled) + " messages");
  return result;
}

double median(std::vector<double> xs) {
  return percentile(xs, 50);
}

} // namespace

nlohmann::json message_overhead(const scenario_options& opts) {
  auto cfg = make_config(opts);
  caf::actor_system sys{*cfg};
  auto per_sender = scaled(messages_per_sender, opts);
  std::vector<double> raw;
  std::vector<double> managed;
  for (int i = 0; i < rounds; ++i) {
    raw.push_back(raw_round(sys, per_sender));
    managed.push_back(managed_round(sys, per_sender));
  }
  auto value = median(managed);
  auto baseline = median(raw);
  nlohmann::json j;
  j["scenario"] = "message_overhead";
  j["value"] = std::llround(value);
  j["baseline"] = std::llround(baseline);
  j["ratio"] = std::round(value / baseline * 1000) / 1000;
  j["messages"] = per_sender * sender_count;
  j["rounds"] = rounds;
  return j;
}

} // namespace tfarm::bench
