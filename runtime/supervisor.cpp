#include "runtime/supervisor.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "config/duration.hpp"
#include "config/path_syntax.hpp"
#include "config/suggest.hpp"
#include "runtime/logger.hpp"
#include "runtime/outage.hpp"
#include "runtime/state_codec.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::runtime {

namespace {

config::supervisor_policy make_policy(const std::string& path, const child_spec& spec,
                                      const std::shared_ptr<node_context>& node) {
  auto policy = node ? node->policy_for(path) : config::supervisor_policy{};
  policy.path = path;
  if (policy.max_children == 0)
    policy.max_children = static_cast<int32_t>(
        std::min<int64_t>(params_of<supervisor_params>(spec).max_children, INT32_MAX));
  return policy;
}

uint64_t seed_for(const std::string& path, const std::shared_ptr<node_context>& node) {
  auto base = node ? node->seed() : uint64_t{0x5eed};
  return base ^ std::hash<std::string>{}(path);
}

} // namespace

supervisor::supervisor(caf::actor_config& cfg, spawn_context ctx)
    : super(cfg, std::move(ctx)), policy_(make_policy(path(), spec(), node())),
      jitter_(seed_for(path(), node())) {
  for (auto& c : spec().children)
    add_child(c, true);
}

kind_info supervisor::kind() {
  // Persistent: its checkpoint holds its durable dynamic children.
  return make_kind<supervisor>("supervisor",
                               "supervises children by its policy (strategy, intensity, backoff)",
                               kind_supervisor | kind_persistent);
}

supervisor_actor supervisor::self_handle() {
  return caf::actor_cast<supervisor_actor>(this);
}

supervisor::behavior_type supervisor::make_behavior() {
  set_down_handler([this](caf::down_msg& msg) { on_down(msg); });
  set_exit_handler([this](caf::exit_msg& msg) {
    // Children are monitored, not linked: any exit message is a request from
    // the parent (or the node) to stop the subtree.
    begin_shutdown(std::move(msg.reason));
  });
  for (auto& c : children_) {
    ops_.push_back(make_op(op_type::start, c->spec.id));
  }
  pump();
  return {
      [this](start_child_atom, child_spec& spec) -> caf::result<caf::actor> {
        if (auto err = validate_new_child(spec))
          return err;
        auto& c = add_child(std::move(spec), false);
        // A durable child is saved first; the save starts it.
        auto x = make_op(c.durable ? op_type::save : op_type::start, c.spec.id);
        auto promise = make_response_promise<caf::actor>();
        x.started = promise;
        enqueue_op(std::move(x));
        return promise;
      },
      [this](stop_child_atom, const std::string& id) -> caf::result<bool> {
        return stop_and_remove(id, false);
      },
      [this](stop_child_now_atom, const std::string& id) -> caf::result<bool> {
        return stop_and_remove(id, true);
      },
      [this](restart_child_atom, const std::string& id) -> caf::result<caf::actor> {
        if (auto err = check_existing_child(id))
          return err;
        enqueue_op(make_op(op_type::stop, id));
        auto start = make_op(op_type::start, id);
        auto promise = make_response_promise<caf::actor>();
        start.started = promise;
        enqueue_op(std::move(start));
        return promise;
      },
      [this](reload_policy_atom) -> bool { return reload_policy(); },
      [this](which_children_atom) -> std::vector<child_info> {
        std::vector<child_info> result;
        for (auto& c : children_) {
          child_info info;
          info.id = c->spec.id;
          info.kind = c->spec.kind;
          info.path = c->path;
          info.restart = c->restart;
          info.shutdown_timeout_ms = c->shutdown_timeout.count();
          info.running = c->running;
          info.restarts = c->entry ? c->entry->restarts() : 0;
          info.handle = c->handle;
          result.push_back(std::move(info));
        }
        return result;
      },
      [this](wait_started_atom) -> caf::result<bool> {
        if (phase_ == phase::running)
          return true;
        if (phase_ == phase::stopping)
          return caf::error{runtime_errc::shutting_down, path() + " is stopping"};
        auto promise = make_response_promise<bool>();
        started_waiters_.push_back(promise);
        return promise;
      },
      [this](supervisor_timer_atom, uint64_t token) { on_timer(token); },
  };
}

void supervisor::on_exit() {
  // Abrupt end (crash, kill): take the subtree down with us, so that no
  // child outlives its supervisor and runs beside its replacement.
  for (auto& c : children_)
    if (c->running && c->handle)
      caf::anon_send_exit(c->handle, caf::exit_reason::kill);
  // Dynamic children do not come back with a restarted supervisor: their
  // registry entries (and subtrees) go now. Static and durable ones keep
  // their history.
  if (node())
    for (auto& c : children_)
      if (!c->is_static && !c->durable)
        for (auto& p : node()->registry().paths(c->path))
          node()->registry().remove(p);
  refuse_pending(caf::error{runtime_errc::shutting_down, path() + " stopped"});
  super::on_exit();
}

void supervisor::refuse_pending(const caf::error& why) {
  for (auto& x : ops_) {
    if (x.started.pending())
      x.started.deliver(why);
    if (x.done.pending())
      x.done.deliver(why);
  }
  for (auto& w : started_waiters_)
    if (w.pending())
      w.deliver(stop_reason_ ? stop_reason_ : why);
  ops_.clear();
  started_waiters_.clear();
}

std::string supervisor::describe() const {
  supervisor_status x;
  x.strategy = config::to_string(policy_.strategy);
  x.intensity = policy_.intensity;
  x.period_ms = policy_.period.count();
  x.backoff_min_ms = policy_.backoff.min.count();
  x.backoff_max_ms = policy_.backoff.max.count();
  x.jitter_ppm = policy_.backoff.jitter_ppm;
  x.max_children = policy_.max_children;
  x.shutdown = policy_.parallel_shutdown ? "parallel" : "sequential";
  x.children = children_.size();
  x.durable_children = static_cast<uint64_t>(
      std::count_if(children_.begin(), children_.end(), [](auto& c) { return c->durable; }));
  x.phase = phase_ == phase::starting  ? "starting"
            : phase_ == phase::running ? "running"
                                       : "stopping";
  return status_json(x);
}

// -- durable children -----------------------------------------------------------

namespace {

/// A durable child as the checkpoint holds it.
struct durable_spec {
  std::string id;
  std::string kind;
  std::map<std::string, std::string> params;
  std::vector<durable_spec> children;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t) {
    ar(id, kind, params, children);
  }

  static durable_spec from(const child_spec& x) {
    durable_spec d{x.id, x.kind, x.params, {}};
    for (auto& c : x.children)
      d.children.push_back(from(c));
    return d;
  }

  child_spec to_spec() const {
    child_spec x;
    x.id = id;
    x.kind = kind;
    x.params = params;
    for (auto& c : children)
      x.children.push_back(c.to_spec());
    return x;
  }
};

} // namespace

std::string supervisor::save_state() {
  std::vector<durable_spec> xs;
  for (auto& c : children_)
    if (c->durable)
      xs.push_back(durable_spec::from(c->spec));
  return encode_state(xs);
}

caf::error supervisor::restore_state(const std::string& blob, uint32_t version) {
  if (version != 1)
    return caf::error{runtime_errc::restore_failed,
                      "supervisor state version " + std::to_string(version) + " is not known"};
  std::vector<durable_spec> xs;
  if (auto err = decode_state(blob, xs))
    return err;
  for (auto& x : xs) {
    auto spec = x.to_spec();
    spec.durable = true;
    if (find(spec.id) != nullptr) {
      // The farm file lists it now: the static child stands.
      log().warn("{}: durable child {} is a static child now; the farm file's spec stands", path(),
                 spec.id);
      continue;
    }
    add_child(std::move(spec), false);
  }
  return {};
}

// -- children -----------------------------------------------------------------

supervisor::child* supervisor::find(const std::string& id) {
  auto i = by_id_.find(id);
  return i != by_id_.end() ? i->second : nullptr;
}

supervisor::child* supervisor::find(const caf::actor_addr& addr) {
  if (!addr)
    return nullptr;
  auto i = by_actor_.find(addr.id());
  return i != by_actor_.end() && i->second->addr == addr ? i->second : nullptr;
}

void supervisor::set_addr(child& c, caf::actor_addr addr) {
  if (c.addr)
    by_actor_.erase(c.addr.id());
  c.addr = std::move(addr);
  if (c.addr)
    by_actor_[c.addr.id()] = &c;
}

supervisor::op supervisor::make_op(op_type type, std::string id) {
  op x;
  x.type = type;
  x.id = std::move(id);
  return x;
}

caf::error supervisor::check_existing_child(const std::string& id) const {
  if (phase_ == phase::stopping)
    return caf::error{runtime_errc::shutting_down, path() + " is stopping"};
  if (by_id_.count(id) > 0)
    return {};
  std::vector<std::string> ids;
  for (auto& c : children_)
    ids.push_back(c->spec.id);
  std::string hint;
  if (auto near = config::nearest(id, ids))
    hint = "; did you mean '" + *near + "'?";
  return caf::error{runtime_errc::unknown_child, path() + " has no child '" + id + "'" + hint};
}

caf::error supervisor::validate_new_child(const child_spec& spec) const {
  if (phase_ == phase::stopping)
    return caf::error{runtime_errc::shutting_down, path() + " is stopping"};
  if (!config::valid_path_segment(spec.id))
    return caf::error{
        runtime_errc::invalid_path,
        "child id '" + spec.id +
            "' is not a valid path segment (1 to 64 characters of A-Z a-z 0-9 _ . -)"};
  if (by_id_.count(spec.id) > 0)
    return caf::error{runtime_errc::duplicate_child,
                      path() + " already has a child '" + spec.id + "'"};
  if (!node() || !node()->kinds().find(spec.kind)) {
    auto names = node() ? node()->kinds().names() : std::vector<std::string>{};
    std::string hint;
    if (auto near = config::nearest(spec.kind, names))
      hint = "; did you mean '" + *near + "'?";
    return caf::error{runtime_errc::unknown_kind, "unknown actor kind '" + spec.kind + "'" + hint +
                                                      " (known: " + config::join(names) + ")"};
  }
  // A dynamic supervisor brings its own static children: check them too.
  std::function<caf::error(const child_spec&)> check_nested = [&](const child_spec& x) {
    std::set<std::string> ids;
    for (auto& n : x.children) {
      if (!config::valid_path_segment(n.id) || !ids.insert(n.id).second)
        return caf::error{runtime_errc::invalid_path,
                          "child '" + x.id + "' lists an invalid or duplicate child id '" + n.id +
                              "'"};
      if (!node()->kinds().find(n.kind))
        return caf::error{runtime_errc::unknown_kind,
                          "child '" + x.id + "' lists unknown actor kind '" + n.kind + "'"};
      if (auto err = check_nested(n))
        return err;
    }
    return caf::error{};
  };
  if (auto err = check_nested(spec))
    return err;
  auto limit = static_cast<std::size_t>(policy_.max_children);
  if (limit > 0 && children_.size() >= limit)
    return caf::error{runtime_errc::too_many_children,
                      path() + " already runs " + std::to_string(children_.size()) +
                          " children, the limit (" +
                          params_of<supervisor_params>(this->spec()).max_children_name + ") is " +
                          std::to_string(limit)};
  if (children_.size() >= static_cast<std::size_t>(config::children_per_supervisor_max))
    return caf::error{runtime_errc::too_many_children,
                      path() + " holds the most children a supervisor may hold (" +
                          std::to_string(config::children_per_supervisor_max) + ")"};
  return {};
}

supervisor::child& supervisor::add_child(child_spec spec, bool is_static) {
  auto c = std::make_unique<child>();
  c->path = child_path(path(), spec.id);
  c->kind = node() ? node()->kinds().find(spec.kind) : nullptr;
  c->is_static = is_static;
  c->durable = !is_static && spec.durable;
  apply_policy(*c, spec.id);
  if (node())
    c->entry = node()->registry().add(c->path, spec.kind);
  c->spec = std::move(spec);
  by_id_[c->spec.id] = c.get();
  children_.push_back(std::move(c));
  if (phase_ != phase::starting)
    publish_description();
  return *children_.back();
}

void supervisor::apply_policy(child& c, const std::string& id) const {
  c.restart = policy_.restart_for(id);
  // A supervisor child stops when its subtree has (OTP: infinity), unless a
  // per-child override says otherwise; workers get the policy's timeout.
  auto override = policy_.child(id);
  if (c.kind && c.kind->supervisor && !(override && override->shutdown_timeout))
    c.shutdown_timeout = std::chrono::milliseconds{config::supervisor_shutdown_timeout_ms};
  else
    c.shutdown_timeout = policy_.shutdown_timeout_for(id);
}

bool supervisor::reload_policy() {
  auto next = make_policy(path(), spec(), node());
  auto changed = next != policy_;
  policy_ = std::move(next);
  for (auto& c : children_) {
    auto restart = c->restart;
    auto timeout = c->shutdown_timeout;
    apply_policy(*c, c->spec.id);
    changed = changed || restart != c->restart || timeout != c->shutdown_timeout;
  }
  if (changed) {
    log().info("{}: supervision policy reloaded: {} intensity {} in {}", path(),
               config::to_string(policy_.strategy), policy_.intensity,
               config::format_duration(policy_.period));
    publish_description();
  }
  return changed;
}

void supervisor::remove_child(const std::string& id) {
  auto i = std::find_if(children_.begin(), children_.end(),
                        [&](const std::unique_ptr<child>& c) { return c->spec.id == id; });
  if (i == children_.end())
    return;
  set_addr(**i, nullptr);
  by_id_.erase(id);
  if (node()) {
    // The child's subtree goes with it.
    for (auto& p : node()->registry().paths((*i)->path))
      node()->registry().remove(p);
  }
  auto durable = (*i)->durable;
  children_.erase(i);
  publish_description();
  // A durable child that leaves on its own (temporary, transient) leaves the
  // checkpoint too; stop_child also waits for this in its save operation.
  if (durable)
    save_checkpoint();
}

void supervisor::drop_queued_starts(const std::string& id) {
  auto first = ops_.begin() + (busy_ && !ops_.empty() ? 1 : 0);
  for (auto i = first; i != ops_.end();) {
    if (i->type == op_type::start && i->id == id && !i->started.pending())
      i = ops_.erase(i);
    else
      ++i;
  }
  for (auto& [token, starts] : delayed_)
    starts.erase(
        std::remove_if(starts.begin(), starts.end(),
                       [&](const op& x) { return x.type == op_type::start && x.id == id; }),
        starts.end());
}

// -- operation queue ----------------------------------------------------------

void supervisor::enqueue_op(op x) {
  ops_.push_back(std::move(x));
  pump();
}

void supervisor::pump() {
  if (in_pump_)
    return;
  in_pump_ = true;
  while (!busy_ && !ops_.empty()) {
    auto epoch = queue_epoch_;
    auto waiting = run_head();
    if (epoch != queue_epoch_)
      continue; // the queue was replaced (shutdown began); start over
    if (waiting) {
      busy_ = true;
      break;
    }
    ops_.pop_front();
  }
  in_pump_ = false;
  if (!busy_ && ops_.empty())
    on_idle();
}

void supervisor::resume_after_wait() {
  busy_ = false;
  wait_ = wait_state{};
  if (!ops_.empty()) {
    // A remove that had to stop its child first finishes here.
    if (ops_.front().type == op_type::remove)
      remove_child(ops_.front().id);
    ops_.pop_front();
  }
  pump();
}

uint64_t supervisor::begin_wait(wait_kind what, const std::string& id) {
  wait_.what = what;
  wait_.token = ++next_token_;
  wait_.id = id;
  return wait_.token;
}

void supervisor::arm_timer(std::chrono::milliseconds delay, uint64_t token) {
  delayed_send(self_handle(), delay, supervisor_timer_atom_v, token);
}

bool supervisor::run_head() {
  auto& x = ops_.front();
  switch (x.type) {
  case op_type::start:
    return run_start(x);
  case op_type::stop:
    return run_stop(x);
  case op_type::stop_group:
    return run_stop_group(x);
  case op_type::remove:
    if (auto c = find(x.id); c && c->running)
      return run_stop(x); // removed once stopped, in resume_after_wait()
    remove_child(x.id);
    return false;

  case op_type::reply:
    if (x.done.pending())
      x.done.deliver(true);
    return false;
  case op_type::save:
    return run_save(x);
  case op_type::finish:
    quit(stop_reason_);
    return false;
  }
  return false;
}

bool supervisor::run_start(op& x) {
  auto c = find(x.id);
  if (!c) {
    if (x.started.pending())
      x.started.deliver(caf::error{runtime_errc::unknown_child,
                                   path() + " no longer has a child '" + x.id + "'"});
    return false;
  }
  if (c->running) {
    if (x.started.pending())
      x.started.deliver(c->handle);
    return false;
  }
  if (!c->kind) {
    start_failed(
        x, *c, caf::error{runtime_errc::unknown_kind, "unknown actor kind '" + c->spec.kind + "'"});
    return false;
  }
  if (!c->kind->persistent)
    return spawn_and_wait(x, *c, {});
  // A node started on an existing database loaded every checkpoint up
  // front: nothing can be in flight before an actor's first start.
  if (node())
    if (auto preloaded = node()->take_preloaded(c->path))
      return spawn_and_wait(x, *c, std::move(*preloaded));
  // Fast path: the last acknowledged checkpoint, when nothing newer can be
  // in flight (see registry_entry::cached_checkpoint).
  if (auto cached = c->entry ? c->entry->cached_checkpoint() : nullptr)
    return spawn_and_wait(x, *c, {*cached});
  auto store = node() ? node()->store() : checkpoint_store_actor{};
  if (!store)
    return spawn_and_wait(x, *c, {});
  auto token = begin_wait(wait_kind::checkpoint, c->spec.id);
  request(store, std::chrono::milliseconds{config::checkpoint_load_timeout_ms},
          load_checkpoint_atom_v, c->path)
      .then(
          [this, token](std::vector<checkpoint>& cps) {
            if (!busy_ || wait_.token != token)
              return;
            auto w = find(wait_.id);
            if (!w) {
              resume_after_wait();
              return;
            }
            auto epoch = queue_epoch_;
            if (!spawn_and_wait(ops_.front(), *w, std::move(cps)) && epoch == queue_epoch_)
              resume_after_wait();
          },
          [this, token](caf::error& err) {
            if (!busy_ || wait_.token != token)
              return;
            auto w = find(wait_.id);
            // A store that does not answer in time is as unreachable as
            // one that says so: neither is the child's defect.
            auto timed_out = err == caf::sec::request_timeout;
            auto outage = is_outage(err) || timed_out;
            if (w && (is_unreachable(err) || timed_out) && phase_ == phase::starting &&
                w->outage_waited_ms < start_outage_wait_ms) {
              // Failing now would fail the whole tree's start (the node's,
              // when this is its first): the store may be restarting.
              if (w->outage_waited_ms == 0)
                log().warn("{}: cannot load its checkpoint ({}); waiting up to {} s for the store",
                           w->path, system().render(err), start_outage_wait_ms / 1'000);
              w->outage_waited_ms += outage_restart_delay_min_ms;
              arm_timer(std::chrono::milliseconds{outage_restart_delay_min_ms},
                        begin_wait(wait_kind::outage_retry, w->spec.id));
              return;
            }
            auto epoch = queue_epoch_;
            if (w)
              start_failed(ops_.front(), *w,
                           caf::error{outage ? runtime_errc::store_unreachable
                                             : runtime_errc::checkpoint_unavailable,
                                      "cannot load the checkpoint of " + w->path + ": " +
                                          system().render(err)});
            if (epoch == queue_epoch_)
              resume_after_wait();
          });
  return true;
}

bool supervisor::spawn_and_wait(op& x, child& c, std::vector<checkpoint> restored) {
  caf::expected<caf::actor> spawned{caf::error{}};
  try {
    spawned = c.kind->spawn(system(), this,
                            spawn_context{c.path, c.spec, node(), c.entry, std::move(restored)});
  } catch (const std::exception& e) {
    spawned = caf::error{runtime_errc::spawn_failed, c.path + ": " + e.what()};
  }
  if (!spawned || !*spawned) {
    auto err =
        spawned ? caf::error{runtime_errc::spawn_failed, c.path + ": no actor"} : spawned.error();
    start_failed(x, c, err);
    return false;
  }
  c.handle = std::move(*spawned);
  c.outage_waited_ms = 0;
  set_addr(c, c.handle.address());
  c.running = true;
  c.stopping = false;
  c.restart_pending = false;
  monitor(c.handle);
  if (++c.starts > 1 && c.entry)
    c.entry->record_restart();
  if (!c.kind->supervisor) {
    if (x.started.pending())
      x.started.deliver(c.handle);
    return false;
  }
  // A supervisor child has started once its own children have.
  auto token = begin_wait(wait_kind::started, c.spec.id);
  request(caf::actor_cast<supervisor_actor>(c.handle),
          std::chrono::milliseconds{supervisor_start_timeout_ms}, wait_started_atom_v)
      .then(
          [this, token](bool) {
            if (!busy_ || wait_.token != token)
              return;
            auto w = find(wait_.id);
            if (w && ops_.front().started.pending())
              ops_.front().started.deliver(w->handle);
            resume_after_wait();
          },
          [this, token](caf::error& err) {
            if (!busy_ || wait_.token != token)
              return;
            // A child that fails during start-up answers (or its mailbox
            // bounces the request) before its down message, which carries
            // the real reason and ends this wait. Only a timeout means it
            // hangs.
            if (err != caf::sec::request_timeout)
              return;
            auto w = find(wait_.id);
            auto epoch = queue_epoch_;
            if (w) {
              if (w->running)
                caf::anon_send_exit(w->handle, caf::exit_reason::kill);
              start_failed(ops_.front(), *w, err);
            }
            if (epoch == queue_epoch_)
              resume_after_wait();
          });
  return true;
}

void supervisor::start_failed(op& x, child& c, const caf::error& reason) {
  auto text = system().render(reason);
  if (x.started.pending()) {
    // A start somebody asked for: tell them; a child that never ran is not
    // kept (restart_child of a child that fails to start is the exception:
    // it stays and is retried like any failed child).
    x.started.deliver(reason);
    if (c.starts == 0) {
      log().warn("{}: dynamic child failed to start: {}", c.path, text);
      remove_child(c.spec.id);
      return;
    }
  }
  if (c.durable && c.starts == 0) {
    // An operator's child that cannot come back (its kind is gone, its
    // parameters no longer pass): the node runs on without it, loudly.
    if (node())
      node()->report(incident{c.path, "supervisor.durable_child_dropped",
                              "it did not start again (" + text + "); it was removed"});
    remove_child(c.spec.id);
    return;
  }
  if (phase_ == phase::starting) {
    log().error("{}: child failed to start: {}", c.path, text);
    begin_shutdown(caf::error{runtime_errc::spawn_failed,
                              path() + ": child " + c.spec.id + " failed to start: " + text});
    return;
  }
  if (c.entry)
    c.entry->record_failure(text, unix_now_ms());
  on_child_failure(c, reason);
}

bool supervisor::run_save(op& x) {
  auto token = begin_wait(wait_kind::save, x.id);
  save_checkpoint_then([this, token](const caf::error& err) {
    if (!busy_ || wait_.token != token)
      return;
    auto& head = ops_.front();
    if (err) {
      auto why = caf::error{runtime_errc::checkpoint_unavailable,
                            path() + ": its durable children could not be saved (" +
                                system().render(err) + ")"};
      log().error("{}", system().render(why));
      if (head.started.pending()) {
        // Never started: it would not come back after a restart.
        remove_child(head.id);
        head.started.deliver(why);
      }
      if (head.done.pending())
        head.done.deliver(why);
    } else if (head.started.pending()) {
      auto start = make_op(op_type::start, head.id);
      start.started = std::move(head.started);
      ops_.insert(ops_.begin() + 1, std::move(start));
    } else if (head.done.pending()) {
      head.done.deliver(true);
    }
    resume_after_wait();
  });
  return true;
}

caf::result<bool> supervisor::stop_and_remove(const std::string& id, bool kill) {
  if (auto err = check_existing_child(id))
    return err;
  auto* c = find(id);
  auto durable = c->durable;
  // Already being given its shutdown (a graceful stop ahead in the queue):
  // cut it short; the stop in progress ends with the child's down.
  if (kill && c->running && c->stopping)
    send_exit(c->handle, caf::exit_reason::kill);
  auto stop = make_op(op_type::stop, id);
  stop.kill = kill;
  enqueue_op(std::move(stop));
  enqueue_op(make_op(op_type::remove, id));
  // Gone from the checkpoint before the stop is acknowledged.
  auto reply = make_op(durable ? op_type::save : op_type::reply, {});
  auto promise = make_response_promise<bool>();
  reply.done = promise;
  enqueue_op(std::move(reply));
  return promise;
}

bool supervisor::run_stop(op& x) {
  auto c = find(x.id);
  if (!c || !c->running)
    return false;
  c->stopping = true;
  if (x.kill || c->shutdown_timeout.count() == 0) {
    send_exit(c->handle, caf::exit_reason::kill);
    arm_timer(std::chrono::milliseconds{config::kill_grace_ms},
              begin_wait(wait_kind::stop_kill, c->spec.id));
  } else {
    send_exit(c->handle, caf::exit_reason::user_shutdown);
    arm_timer(c->shutdown_timeout, begin_wait(wait_kind::stop_exit, c->spec.id));
  }
  return true;
}

bool supervisor::run_stop_group(op& x) {
  auto token = begin_wait(wait_kind::stop_group, {});
  static_cast<void>(token);
  for (auto& id : x.ids) {
    auto c = find(id);
    if (!c || !c->running)
      continue;
    c->stopping = true;
    wait_.pending.insert(id);
    auto killed = c->shutdown_timeout.count() == 0;
    send_exit(c->handle, killed ? caf::exit_reason::kill : caf::exit_reason::user_shutdown);
    auto timer = ++next_token_;
    wait_.timers.emplace(timer, std::make_pair(id, killed));
    arm_timer(killed ? std::chrono::milliseconds{config::kill_grace_ms} : c->shutdown_timeout,
              timer);
  }
  return !wait_.pending.empty();
}

void supervisor::on_group_timer(uint64_t token) {
  auto i = wait_.timers.find(token);
  auto [id, killed] = i->second;
  wait_.timers.erase(i);
  auto c = find(id);
  if (!c || !c->running || wait_.pending.count(id) == 0)
    return;
  if (!killed) {
    log().warn("{}: did not stop within {}; killing it", c->path,
               config::format_duration(c->shutdown_timeout));
    send_exit(c->handle, caf::exit_reason::kill);
    auto timer = ++next_token_;
    wait_.timers.emplace(timer, std::make_pair(id, true));
    arm_timer(std::chrono::milliseconds{config::kill_grace_ms}, timer);
    return;
  }
  log().error("{}: still running {} ms after kill; no longer waiting for it", c->path,
              config::kill_grace_ms);
  demonitor(c->handle);
  c->running = false;
  c->stopping = false;
  c->handle = nullptr;
  set_addr(*c, nullptr);
  wait_.pending.erase(id);
  if (wait_.pending.empty())
    resume_after_wait();
}

// -- events -------------------------------------------------------------------

void supervisor::on_down(caf::down_msg& msg) {
  auto c = find(msg.source);
  if (!c)
    return;
  c->running = false;
  c->handle = nullptr;
  set_addr(*c, nullptr);
  auto was_stopping = c->stopping;
  c->stopping = false;
  if (busy_ && wait_.what == wait_kind::stop_group && wait_.pending.erase(c->spec.id) > 0) {
    if (wait_.pending.empty())
      resume_after_wait();
    return;
  }
  if (busy_ && wait_.id == c->spec.id) {
    switch (wait_.what) {
    case wait_kind::stop_exit:
    case wait_kind::stop_kill:
      resume_after_wait();
      return;
    case wait_kind::started: {
      auto epoch = queue_epoch_;
      start_failed(ops_.front(), *c, msg.reason);
      if (epoch == queue_epoch_)
        resume_after_wait();
      return;
    }
    default:
      break;
    }
  }
  if (was_stopping || phase_ == phase::stopping)
    return;
  if (c->restart_pending) {
    // An earlier failure already scheduled this child's restart: one
    // incident, counted once (as OTP does).
    if (!detail::is_clean_exit(msg.reason) && c->entry)
      c->entry->record_failure(system().render(msg.reason), unix_now_ms());
    return;
  }
  on_child_exit(*c, msg.reason);
}

void supervisor::on_timer(uint64_t token) {
  if (auto i = delayed_.find(token); i != delayed_.end()) {
    auto starts = std::move(i->second);
    delayed_.erase(i);
    if (phase_ == phase::stopping)
      return;
    for (auto& x : starts)
      ops_.push_back(std::move(x));
    pump();
    return;
  }
  if (busy_ && wait_.what == wait_kind::stop_group && wait_.timers.count(token) > 0) {
    on_group_timer(token);
    return;
  }
  if (!busy_ || token != wait_.token)
    return;
  switch (wait_.what) {

  case wait_kind::outage_retry:
    // The start at the head of the queue asks for its checkpoint again.
    busy_ = false;
    wait_ = wait_state{};
    pump();
    return;
  case wait_kind::stop_exit: {
    auto c = find(wait_.id);
    if (!c || !c->running) {
      resume_after_wait();
      return;
    }
    log().warn("{}: did not stop within {}; killing it", c->path,
               config::format_duration(c->shutdown_timeout));
    send_exit(c->handle, caf::exit_reason::kill);
    arm_timer(std::chrono::milliseconds{config::kill_grace_ms},
              begin_wait(wait_kind::stop_kill, c->spec.id));
    return;
  }
  case wait_kind::stop_kill: {
    if (auto c = find(wait_.id); c && c->running) {
      log().error("{}: still running {} ms after kill; no longer waiting for it", c->path,
                  config::kill_grace_ms);
      demonitor(c->handle);
      c->running = false;
      c->stopping = false;
      c->handle = nullptr;
      set_addr(*c, nullptr);
    }
    resume_after_wait();
    return;
  }
  default:
    return;
  }
}

void supervisor::on_child_exit(child& c, const caf::error& reason) {
  auto clean = detail::is_clean_exit(reason);
  auto text = clean ? std::string{"normal"} : system().render(reason);
  if (!clean && c.entry)
    c.entry->record_failure(text, unix_now_ms());
  auto restart = c.restart == config::restart_type::permanent ||
                 (c.restart == config::restart_type::transient && !clean);
  if (!restart) {
    log().info("{}: exited ({}); {} child not restarted", c.path, text,
               config::to_string(c.restart));
    drop_queued_starts(c.spec.id);
    enqueue_op(make_op(op_type::remove, c.spec.id));
    return;
  }
  on_child_failure(c, reason);
}

void supervisor::on_child_failure(child& c, const caf::error& reason) {
  auto now = clock().now();
  // An outage (the store unreachable) is not a crash loop: not counted.
  auto outage = is_outage(reason);
  auto recent = outage ? window_.count(now, policy_.period) : window_.record(now, policy_.period);
  if (!outage && recent > static_cast<std::size_t>(policy_.intensity)) {
    auto text = path() + ": " + std::to_string(recent) + " restarts within " +
                config::format_duration(policy_.period) + " exceed intensity " +
                std::to_string(policy_.intensity) + " (last: " + c.path + " " +
                system().render(reason) + ")";
    log().error("{}; giving up", text);
    begin_shutdown(caf::error{runtime_errc::restart_intensity_exceeded, text});
    return;
  }
  auto attempt = static_cast<uint32_t>(c.window.record(now, policy_.period));
  auto delay = restart_delay(policy_.backoff, attempt, jitter_.next_unit());
  if (outage)
    delay = std::max(delay, std::chrono::milliseconds{outage_restart_delay_min_ms});
  // Which children go down and come back with it.
  std::vector<child*> affected;
  auto pos = std::find_if(children_.begin(), children_.end(),
                          [&](const std::unique_ptr<child>& x) { return x.get() == &c; });
  switch (policy_.strategy) {
  case config::restart_strategy::one_for_one:
    affected.push_back(&c);
    break;
  case config::restart_strategy::one_for_all:
    for (auto& x : children_)
      affected.push_back(x.get());
    break;
  case config::restart_strategy::rest_for_one:
    for (auto i = pos; i != children_.end(); ++i)
      affected.push_back(i->get());
    break;
  }
  if (log().should_log(spdlog::level::warn))
    log().warn("{}: failed ({}); {} restart {} of {} within {}{}, in {}", c.path,
               system().render(reason), config::to_string(policy_.strategy), recent,
               policy_.intensity, config::format_duration(policy_.period),
               outage ? " (an outage: not counted)" : "", config::format_duration(delay));
  for (auto* a : affected)
    a->restart_pending = true;
  for (auto i = affected.rbegin(); i != affected.rend(); ++i) {
    if (*i == &c)
      continue;
    ops_.push_back(make_op(op_type::stop, (*i)->spec.id));
  }
  std::vector<op> starts;
  for (auto* a : affected) {
    // A temporary sibling taken down by the strategy is not brought back.
    auto type =
        a != &c && a->restart == config::restart_type::temporary ? op_type::remove : op_type::start;
    starts.push_back(make_op(type, a->spec.id));
  }
  if (delay.count() > 0) {
    auto token = ++next_token_;
    delayed_.emplace(token, std::move(starts));
    arm_timer(delay, token);
  } else {
    for (auto& x : starts)
      ops_.push_back(std::move(x));
  }
  pump();
}

void supervisor::on_idle() {
  if (phase_ == phase::starting) {
    phase_ = phase::running;
    for (auto& w : started_waiters_)
      if (w.pending())
        w.deliver(true);
    started_waiters_.clear();
    publish_description();
  }
}

void supervisor::begin_shutdown(caf::error reason) {
  if (phase_ == phase::stopping)
    return;
  phase_ = phase::stopping;
  publish_description();
  stop_reason_ = std::move(reason);
  ++queue_epoch_;
  refuse_pending(caf::error{runtime_errc::shutting_down, path() + " is stopping"});
  delayed_.clear();
  busy_ = false;
  wait_ = wait_state{};
  if (policy_.parallel_shutdown) {
    auto x = make_op(op_type::stop_group, {});
    for (auto i = children_.rbegin(); i != children_.rend(); ++i)
      x.ids.push_back((*i)->spec.id);
    ops_.push_back(std::move(x));
  } else {
    for (auto i = children_.rbegin(); i != children_.rend(); ++i)
      ops_.push_back(make_op(op_type::stop, (*i)->spec.id));
  }
  op fin;
  fin.type = op_type::finish;
  ops_.push_back(std::move(fin));
  pump();
}

} // namespace tfarm::runtime
