// Base of every actor that lives in a supervision tree.
//
// It gives each actor, without code in the actor itself:
//  - registry accounting: messages handled and mailbox size, counted in
//    enqueue()/consume() with relaxed atomics (no lock on the hot path);
//  - the crash hook: a crash_request makes the actor fail with
//    runtime_errc::crash_injected, whatever its interface (it is handled in
//    the default handler, so ordinary messages pay nothing for it);
//  - checkpoints: a kind that overrides save_state()/restore_state() gets its
//    last saved state restored before its first message (falling back to
//    the previous version if the newest is corrupt), saves with
//    save_checkpoint() and by its kind's cadence (checkpoints.kind.<name>:
//    every N messages or T after the first unsaved change), and saves once
//    more (acknowledged) on a clean stop, after the kind has wound down
//    (wind_down(): e.g. an agent cancels its orders);
//  - its status in the registry (describe(): the JSON form of the kind's
//    status struct), published at most status_refresh_ms after any message
//    changed it, so that no reader sees a status older than that while the
//    actor works; a kind publishes at once where a change must show at once.
//
// Works for dynamically typed and typed actors alike:
//   class my_actor : public basic_managed_actor<caf::event_based_actor> {...};
//   class my_typed : public basic_managed_actor<my_interface::base> {...};
// The constructor of a kind takes (caf::actor_config&, spawn_context).
// Runs on CAF's scheduler like any actor: members are touched only by the
// actor itself.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_view.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "config/farm_config.hpp"
#include "config/limits.hpp"
#include "runtime/actor_registry.hpp"
#include "runtime/error.hpp"
#include "runtime/interfaces.hpp"
#include "runtime/node_context.hpp"
#include "runtime/spawn_context.hpp"

namespace tfarm::runtime {

/// Time a regular checkpoint save waits for its acknowledgement.
constexpr int64_t checkpoint_save_timeout_ms = 5'000;

namespace detail {

// Out of line so that this header stays free of spdlog.
void log_restore_problem(const std::string& path, const std::string& what);
void log_checkpoint_problem(const std::string& path, const std::string& what);
void log_unexpected_message(const std::string& path, const std::string& what);
bool is_clean_exit(const caf::error& reason);

} // namespace detail

template <class Base>
class basic_managed_actor : public Base {
public:
  using super = Base;

  basic_managed_actor(caf::actor_config& cfg, spawn_context ctx)
      : super(cfg), ctx_(std::move(ctx)),
        counters_(ctx_.entry ? ctx_.entry->attach(this->address())
                             : std::make_shared<actor_counters>()) {
    // nop
  }

  // -- CAF hooks -------------------------------------------------------------

  void enqueue(caf::mailbox_element_ptr ptr, caf::execution_unit* eu) override {
    counters_->enqueued.fetch_add(1, std::memory_order_relaxed);
    super::enqueue(std::move(ptr), eu);
  }

  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    auto result = super::consume(x);
    if (result != caf::invoke_message_result::skipped) {
      bump_handled();
      if (internal_tick_) {
        internal_tick_ = false; // the base's own ticks change nothing
      } else {
        if (cadence_active_ && !x.mid.is_response())
          note_change();
        arm_status_refresh();
      }
    }
    return result;
  }

  void initialize() override {
    // The crash hook lives in the default handler (messages no behavior
    // matched), so that ordinary messages pay nothing for it. A kind that
    // sets its own default handler must forward to unexpected_message().
    this->set_default_handler(
        [this](caf::scheduled_actor*, caf::message_view& x) { return unexpected_message(x); });
    restore_checkpoint();
    if (this->has_state() && ctx_.node) {
      cadence_ = ctx_.node->checkpoints().cadence_for(ctx_.spec.kind);
      cadence_active_ = cadence_.every_messages > 0 || cadence_.every.count() > 0;
    }
    if (this->has_state()) {
      // A clean stop winds the kind down, then saves the state one last
      // time before the actor goes.
      this->set_exit_handler([this](caf::exit_msg& msg) {
        if (stopping_ || winding_down_)
          return; // on its way out already (a kill still ends it at once)
        if (!detail::is_clean_exit(msg.reason)) {
          stop_with_checkpoint(msg.reason);
          return;
        }
        winding_down_ = true;
        this->wind_down([this, reason = msg.reason]() mutable { stop_with_checkpoint(reason); });
      });
    }
    super::initialize();
    publish_description();
  }

  void on_exit() override {
    if (ctx_.entry)
      ctx_.entry->detach(counters_);
    super::on_exit();
  }

  // -- accessors ---------------------------------------------------------------

  const std::string& path() const noexcept { return ctx_.path; }
  const child_spec& spec() const noexcept { return ctx_.spec; }
  const std::shared_ptr<node_context>& node() const noexcept { return ctx_.node; }
  const std::shared_ptr<registry_entry>& entry() const noexcept { return ctx_.entry; }

  /// The node's clock (the system's for an actor spawned without a node):
  /// what the actor reads for timestamps, windows and latencies. (CAF's
  /// own clock() is the actor system's timer service.)
  const runtime::clock& node_clock() const noexcept {
    return ctx_.node ? ctx_.node->clock() : runtime::clock::system();
  }

  /// Sequence number of the newest acknowledged checkpoint (0 if none).
  uint64_t checkpoint_seq() const noexcept { return checkpoint_seq_; }

protected:
  /// True if the message being handled is one this actor sent itself (a
  /// timer: delayed_send from the actor carries it as the sender). Timers
  /// are in a typed interface only because CAF needs them there: a handler
  /// ignores one from anyone else.
  bool from_self() { return this->current_sender() == this->ctrl(); }

  // -- for kinds to override ---------------------------------------------------

  /// True if this kind keeps state across restarts.
  virtual bool has_state() const { return false; }

  /// Serializes the state (cereal, see state_codec.hpp).
  // CAF's own save_state(serializer&, unsigned) (actor migration) stays
  // callable: ours is a different function, not an override of it.
  using Base::save_state;
  virtual std::string save_state() { return {}; }

  /// Version of the format save_state() writes.
  virtual uint32_t state_version() const { return 1; }

  /// Restores a blob written by save_state() of format `version`. On error
  /// the state must be left as it was (decode_state() does so).
  virtual caf::error restore_state(const std::string& blob, uint32_t version) {
    static_cast<void>(blob);
    static_cast<void>(version);
    return {};
  }

  /// The state as a JSON object, for the registry.
  virtual std::string describe() const { return "{}"; }

  /// Called when the store has acknowledged a checkpoint (durable seq).
  virtual void checkpoint_saved(uint64_t seq) { static_cast<void>(seq); }

  /// A clean stop (an exit request) of a kind with state: it finishes
  /// what must not be left behind, keeps handling messages meanwhile, and
  /// calls `done` (once) when finished; then the final checkpoint is saved.
  /// The kind bounds the time it takes (its supervisor kills it after its
  /// shutdown timeout). Default: nothing to finish.
  virtual void wind_down(std::function<void()> done) { done(); }

  // -- for kinds to call --------------------------------------------------------

  /// Handles what no behavior matched: the crash hook, else drops the
  /// message (a request gets sec::unexpected_message back).
  caf::result<caf::message> unexpected_message(caf::message_view& x) {
    auto& content = x.content();
    if (content.size() == 1 && content.template match_elements<crash_request>()) {
      auto reason = content.template get_as<crash_request>(0).reason;
      this->quit(caf::error{runtime_errc::crash_injected, std::move(reason)});
      return caf::message{};
    }
    if (content.size() == 1 && content.template match_elements<checkpoint_tick_atom>()) {
      tick_armed_ = false;
      internal_tick_ = true;
      if (unsaved_ > 0)
        save_checkpoint();
      return caf::message{};
    }
    if (content.size() == 1 && content.template match_elements<status_tick_atom>()) {
      status_armed_ = false;
      internal_tick_ = true;
      publish_description();
      return caf::message{};
    }
    detail::log_unexpected_message(ctx_.path, to_string(content));
    return caf::sec::unexpected_message;
  }

  /// Publishes describe() to the registry.
  void publish_description() {
    if (ctx_.entry)
      ctx_.entry->set_description(this->describe());
  }

  /// Saves the state through the node's checkpoint store; the registry and
  /// checkpoint_seq() follow once the store acknowledges.
  void save_checkpoint() {
    unsaved_ = 0;
    auto store = ctx_.node ? ctx_.node->store() : checkpoint_store_actor{};
    if (!store)
      return;
    auto cp = make_checkpoint();
    if (ctx_.entry)
      ctx_.entry->begin_save(counters_.get());
    this->request(store, save_timeout(store), save_checkpoint_atom_v, cp)
        .then([this, cp](uint64_t seq) mutable { on_checkpoint_saved(std::move(cp), seq); },
              [this](caf::error& err) {
                on_checkpoint_failed();
                detail::log_checkpoint_problem(ctx_.path, this->system().render(err));
              });
  }

  /// Like save_checkpoint(), then calls `done` with the outcome (no error
  /// once the store acknowledged): for changes that must be durable before
  /// they are acknowledged themselves.
  template <class F>
  void save_checkpoint_then(F done) {
    save_checkpoint_with(std::move(done), false);
  }

  /// Like save_checkpoint_then(), and no other message is handled until the
  /// store answers: for state that must be durable before the actor serves
  /// anyone (a venue's epoch).
  template <class F>
  void save_checkpoint_first(F done) {
    save_checkpoint_with(std::move(done), true);
  }

private:
  template <class F>
  void save_checkpoint_with(F done, bool first) {
    unsaved_ = 0;
    auto store = ctx_.node ? ctx_.node->store() : checkpoint_store_actor{};
    if (!store) {
      done(caf::error{runtime_errc::checkpoint_unavailable, ctx_.path + ": no checkpoint store"});
      return;
    }
    auto cp = make_checkpoint();
    if (ctx_.entry)
      ctx_.entry->begin_save(counters_.get());
    auto handle = this->request(store, save_timeout(store), save_checkpoint_atom_v, cp);
    auto saved = [this, cp, done](uint64_t seq) mutable {
      on_checkpoint_saved(std::move(cp), seq);
      done(caf::error{});
    };
    auto failed = [this, done](caf::error& err) mutable {
      on_checkpoint_failed();
      done(err);
    };
    if (first)
      handle.await(std::move(saved), std::move(failed));
    else
      handle.then(std::move(saved), std::move(failed));
  }

  // A store on this node answers every request, even when it fails: CAF
  // bounces requests left in a dead actor's mailbox, and the store answers
  // (or fails) everything it took in its on_exit. Only a remote store needs
  // a timeout; skipping it locally spares a clock entry per save, a
  // measurable cost at tens of thousands of saves per second.
  caf::duration save_timeout(const checkpoint_store_actor& store) const {
    if (store.node() == this->system().node())
      return caf::infinite;
    return caf::duration{std::chrono::milliseconds{checkpoint_save_timeout_ms}};
  }

  // Publishes the status status_refresh_ms after the first message since
  // the previous refresh: one timer per actor and period while it works.
  void arm_status_refresh() {
    if (status_armed_ || !ctx_.entry)
      return;
    status_armed_ = true;
    caf::delayed_anon_send(caf::actor_cast<caf::actor>(this),
                           std::chrono::milliseconds{config::status_refresh_ms},
                           status_tick_atom_v);
  }

  // Counts a handled message towards the kind's checkpoint cadence.
  void note_change() {
    ++unsaved_;
    if (cadence_.every_messages > 0 && unsaved_ >= cadence_.every_messages) {
      save_checkpoint();
      return;
    }
    if (cadence_.every.count() > 0 && !tick_armed_) {
      tick_armed_ = true;
      // Untyped handle: the tick is not part of any typed interface; the
      // default handler takes it.
      caf::delayed_anon_send(caf::actor_cast<caf::actor>(this), cadence_.every,
                             checkpoint_tick_atom_v);
    }
  }

  void bump_handled() noexcept {
    // Single writer (this actor), so no read-modify-write instruction needed.
    auto& h = counters_->handled;
    h.store(h.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  checkpoint make_checkpoint() {
    checkpoint cp;
    cp.path = ctx_.path;
    cp.kind = ctx_.spec.kind;
    cp.format_version = this->state_version();
    cp.blob = this->save_state();
    cp.crc32 = crc32(cp.blob);
    cp.updated_at_ms = node_clock().unix_ms();
    return cp;
  }

  void on_checkpoint_saved(checkpoint cp, uint64_t seq) {
    if (seq > checkpoint_seq_)
      checkpoint_seq_ = seq;
    if (ctx_.entry) {
      ctx_.entry->set_checkpoint(seq, node_clock().unix_ms());
      cp.seq = seq;
      ctx_.entry->end_save(counters_.get(), std::make_shared<const checkpoint>(std::move(cp)));
    }
    publish_description();
    this->checkpoint_saved(seq);
  }

  void on_checkpoint_failed() {
    if (ctx_.entry)
      ctx_.entry->end_save(counters_.get(), nullptr);
  }

  // Restores the first usable checkpoint, newest first. A corrupt or
  // undecodable one is reported; then the previous version is tried (policy
  // checkpoints.on_corrupt = "previous") or the actor starts fresh.
  void restore_checkpoint() {
    auto& candidates = ctx_.restored;
    auto use_previous = !ctx_.node || ctx_.node->checkpoints().on_corrupt == "previous";
    for (size_t i = 0; i < candidates.size(); ++i) {
      auto& cp = candidates[i];
      std::string problem;
      if (!cp.intact()) {
        problem = "checkpoint " + std::to_string(cp.seq) + " fails its CRC-32 check";
      } else if (auto err = this->restore_state(cp.blob, cp.format_version)) {
        problem = "checkpoint " + std::to_string(cp.seq) + " cannot be restored (" +
                  this->system().render(err) + ")";
      } else {
        checkpoint_seq_ = cp.seq;
        if (ctx_.entry)
          ctx_.entry->set_checkpoint(cp.seq, cp.updated_at_ms);
        if (i > 0)
          report("checkpoint.fallback",
                 "restored the previous checkpoint " + std::to_string(cp.seq));
        return;
      }
      auto next = use_previous && i + 1 < candidates.size();
      report("checkpoint.corrupt",
             problem + (next ? "; trying the previous one" : "; starting from a fresh state"));
      if (!next)
        return;
    }
  }

  void report(std::string action, std::string detail) {
    if (ctx_.node)
      ctx_.node->report(incident{ctx_.path, std::move(action), std::move(detail)});
    else
      detail::log_restore_problem(ctx_.path, detail);
  }

  void stop_with_checkpoint(caf::error reason) {
    auto store = ctx_.node ? ctx_.node->store() : checkpoint_store_actor{};
    if (!store || stopping_) {
      this->quit(std::move(reason));
      return;
    }
    stopping_ = true;
    auto cp = make_checkpoint();
    if (ctx_.entry)
      ctx_.entry->begin_save(counters_.get());
    // await: nothing else is handled until the store answers, so the saved
    // state is the final one.
    this->request(store, std::chrono::milliseconds{config::final_checkpoint_timeout_ms},
                  save_checkpoint_atom_v, cp)
        .await(
            [this, reason, cp](uint64_t seq) mutable {
              on_checkpoint_saved(std::move(cp), seq);
              this->quit(reason);
            },
            [this, reason](caf::error& err) {
              on_checkpoint_failed();
              detail::log_checkpoint_problem(ctx_.path, "final checkpoint failed: " +
                                                            this->system().render(err));
              this->quit(reason);
            });
  }

  spawn_context ctx_;
  std::shared_ptr<actor_counters> counters_;
  uint64_t checkpoint_seq_ = 0;
  bool stopping_ = false;
  bool winding_down_ = false;
  config::checkpoint_cadence cadence_;
  bool cadence_active_ = false;
  /// Handled messages since the last save.
  int64_t unsaved_ = 0;
  bool tick_armed_ = false;
  /// The message just handled was the base's own tick (checkpoint or status).
  bool internal_tick_ = false;
  bool status_armed_ = false;
};

/// The common case: a dynamically typed managed actor.
using managed_actor = basic_managed_actor<caf::event_based_actor>;

} // namespace tfarm::runtime
