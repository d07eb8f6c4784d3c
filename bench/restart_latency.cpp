// restart_latency: a child with a small saved state is crashed 10,000 times;
// each time we measure from sending the crash to the replacement handling its
// first message (a message it sends itself once started, i.e. after its state
// was restored). The replacement's state counts incarnations and is saved
// (acknowledged) before the next crash, so the run also proves that every
// restart restored the state.
//
// Baseline: a raw CAF actor that monitors a child and spawns a new one when
// it goes down, with the same "first message" probe.
#include <cstdint>
#include <functional>
#include <stdexcept>

#include <cereal/cereal.hpp>

#include "bench/bench_support.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/state_codec.hpp"

namespace tfarm::bench {

namespace {

constexpr uint64_t crashes = 10'000;
constexpr uint64_t warmup_crashes = 500;
constexpr size_t state_payload_bytes = 64;
constexpr auto report_timeout = std::chrono::seconds{10};

// Where replacements report. One scenario runs at a time.
caf::actor& driver() {
  static caf::actor instance;
  return instance;
}

struct restartee_state {
  uint64_t incarnations = 0;
  std::string payload = std::string(state_payload_bytes, 'x');

  template <class Archive>
  void serialize(Archive& ar) {
    ar(incarnations, payload);
  }
};

class managed_restartee : public runtime::managed_actor {
public:
  managed_restartee(caf::actor_config& cfg, runtime::spawn_context ctx)
      : runtime::managed_actor(cfg, std::move(ctx)) {}

  caf::behavior make_behavior() override {
    send(this, caf::ok_atom_v);
    return {
        [this](caf::ok_atom) {
          first_message_ns_ = now_ns();
          ++state_.incarnations;
          save_checkpoint();
        },
    };
  }

  // Ready for the next crash once the new state is saved.
  void checkpoint_saved(uint64_t) override {
    anon_send(driver(), caf::ok_atom_v, first_message_ns_, state_.incarnations,
              caf::actor_cast<caf::actor>(this));
  }

protected:
  bool has_state() const override { return true; }
  std::string save_state() override { return runtime::encode_state(state_); }
  caf::error restore_state(const std::string& blob, uint32_t) override {
    return runtime::decode_state(blob, state_);
  }

private:
  restartee_state state_;
  int64_t first_message_ns_ = 0;
};

class raw_restartee : public caf::event_based_actor {
public:
  using caf::event_based_actor::event_based_actor;

  caf::behavior make_behavior() override {
    send(this, caf::ok_atom_v);
    return {
        [this](caf::ok_atom) {
          anon_send(driver(), caf::ok_atom_v, now_ns(), uint64_t{0},
                    caf::actor_cast<caf::actor>(this));
        },
        [this](runtime::crash_request& x) {
          quit(caf::error{runtime::runtime_errc::crash_injected, std::move(x.reason)});
        },
    };
  }
};

// Holds a strong handle to its child, as a supervisor must: an unreferenced
// CAF actor dies silently.
struct respawner_state {
  caf::actor child;
};

caf::behavior raw_respawner(caf::stateful_actor<respawner_state>* self) {
  auto respawn = [self] {
    self->state.child = self->spawn<raw_restartee>();
    self->monitor(self->state.child);
  };
  respawn();
  self->set_down_handler([respawn](caf::down_msg&) { respawn(); });
  return {[](caf::get_atom) {}};
}

struct latencies {
  std::vector<double> us;
  uint64_t last_incarnation = 0;
};

// Calls `start` to create the first child, then crashes it and each
// replacement in turn; every incarnation announces itself with
// (ok, t_first_ns, incarnation, handle).
latencies drive(caf::actor_system& sys, uint64_t n, bool check_incarnations,
                const std::function<void()>& start) {
  caf::scoped_actor self{sys};
  driver() = caf::actor_cast<caf::actor>(self);
  start();
  caf::actor current;
  uint64_t last_incarnation = 0;
  auto await_report = [&](int64_t since) -> double {
    double result = -1;
    self->receive(
        [&](caf::ok_atom, int64_t t, uint64_t incarnation, caf::actor& who) {
          if (check_incarnations && incarnation != last_incarnation + 1)
            throw std::runtime_error("state not restored: incarnation " +
                                     std::to_string(incarnation) + " after " +
                                     std::to_string(last_incarnation));
          last_incarnation = incarnation;
          current = std::move(who);
          result = static_cast<double>(t - since) / 1000.0;
        },
        caf::after(report_timeout) >> [] { throw std::runtime_error("no replacement started"); });
    return result;
  };
  await_report(now_ns()); // the first incarnation
  latencies result;
  for (uint64_t i = 0; i < n + warmup_crashes; ++i) {
    auto t0 = now_ns();
    self->send(current, runtime::crash_request{"bench"});
    auto us = await_report(t0);
    if (i >= warmup_crashes)
      result.us.push_back(us);
  }
  result.last_incarnation = last_incarnation;
  driver() = nullptr;
  return result;
}

} // namespace

nlohmann::json restart_latency(const scenario_options& opts) {
  auto cfg = make_config(opts);
  caf::actor_system sys{*cfg};
  auto n = scaled(crashes, opts);
  latencies raw;
  {
    caf::actor respawner;
    raw = drive(sys, n, false, [&] { respawner = sys.spawn(raw_respawner); });
    caf::anon_send_exit(respawner, caf::exit_reason::kill);
  }
  latencies managed;
  {
    runtime::kind_registry kinds;
    kinds.add(runtime::supervisor::kind());
    kinds.add(runtime::make_kind<runtime::memory_checkpoint_store>("memory_store", "store"));
    kinds.add(runtime::make_kind<managed_restartee>("restartee", "bench child",
                                                    runtime::kind_persistent));
    config::supervisor_policy policy;
    policy.path = "/bench";
    policy.intensity = config::restart_intensity_max;
    policy.period = std::chrono::milliseconds{1};
    policy.backoff =
        config::restart_backoff{std::chrono::milliseconds{0}, std::chrono::milliseconds{0}, 0};
    std::unique_ptr<managed_tree> tree;
    managed = drive(sys, n, true, [&] {
      tree = std::make_unique<managed_tree>(
          sys, std::move(kinds), policy,
          std::vector<runtime::child_spec>{runtime::child_spec{"child", "restartee", {}, {}}});
    });
  }
  nlohmann::json j;
  auto round2 = [](double x) { return std::round(x * 100) / 100; };
  j["scenario"] = "restart_latency";
  j["p50_us"] = round2(percentile(managed.us, 50));
  j["p99_us"] = round2(percentile(managed.us, 99));
  j["baseline_p50_us"] = round2(percentile(raw.us, 50));
  j["baseline_p99_us"] = round2(percentile(raw.us, 99));
  j["crashes"] = n;
  j["state_restored"] = managed.last_incarnation;
  return j;
}

} // namespace tfarm::bench
