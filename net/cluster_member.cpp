#include "net/cluster_member.hpp"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <spdlog/logger.h>

#include "actors/vault/vault_interfaces.hpp"
#include "actors/vault/vault_names.hpp"
#include "net/error.hpp"
#include "net/logger.hpp"
#include "persistence/cluster_membership.hpp"
#include "persistence/cluster_store.hpp"
#include "persistence/database.hpp"
#include "persistence/store_actor.hpp"
#include "persistence/type_ids.hpp"
#include "runtime/actor_registry.hpp"
#include "runtime/ask.hpp"
#include "runtime/error.hpp"
#include "runtime/error_text.hpp"
#include "runtime/interfaces.hpp"
#include "runtime/node.hpp"
#include "runtime/node_context.hpp"
#include "runtime/outage.hpp"

namespace tfarm::net {

namespace {

const std::string users_path = "/user";
const std::string sessions_path = "/exchanges/sessions";

runtime::child_spec* child_of(runtime::child_spec& parent, const std::string& id) {
  for (auto& c : parent.children)
    if (c.id == id)
      return &c;
  return nullptr;
}

int64_t ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

} // namespace

std::map<std::string, placement_unit> take_placement_units(const config::farm_config& farm,
                                                           runtime::child_spec& root) {
  std::map<std::string, placement_unit> units;
  std::map<std::string, std::string> user_of_account;
  for (auto& u : farm.users) {
    auto& unit = units[u.name];
    unit.user = u.name;
    unit.tree = runtime::supervisor_spec(u.name, farm.limits.max_agents_per_user);
    unit.accounts = u.accounts;
    for (auto& a : u.accounts)
      user_of_account[a.id] = u.name;
  }
  if (auto* users = child_of(root, "user")) {
    for (auto& tree : users->children)
      if (auto i = units.find(tree.id); i != units.end())
        i->second.tree = std::move(tree);
    users->children.clear();
  }
  if (auto* vault = child_of(root, "vault")) {
    if (auto* gateway = child_of(*vault, "gateway")) {
      gateway->params["placed"] = "true";
      for (auto& [user, unit] : units)
        for (auto& a : unit.accounts) {
          runtime::child_spec actor;
          actor.id = a.id;
          actor.kind = "vault_account";
          actor.params = gateway->params;
          unit.account_actors.push_back(std::move(actor));
        }
    }
  }
  // The kill switch's states are the cluster's (actors/agent/risk_control.hpp).
  if (auto* risk = child_of(root, "risk"))
    risk->params["shared"] = "true";
  auto* exchanges = child_of(root, "exchanges");
  auto* sessions = exchanges ? child_of(*exchanges, "sessions") : nullptr;
  if (sessions) {
    for (auto& venue : sessions->children) {
      std::vector<runtime::child_spec> kept;
      for (auto& s : venue.children) {
        auto owner = user_of_account.find(s.id);
        if (owner == user_of_account.end()) {
          kept.push_back(std::move(s)); // an account of no user: the node's own
          continue;
        }
        units[owner->second].sessions.emplace_back(venue.id, std::move(s));
      }
      venue.children = std::move(kept);
    }
  }
  return units;
}

// -- the member ---------------------------------------------------------------

struct cluster_member::impl {
  using clock = std::chrono::steady_clock;

  struct op {
    bool start = false;
    std::string user;
    int64_t epoch = 0;
    /// stop: release the lease once stopped (a handoff).
    bool release = false;
    /// stop: the member may no longer act for the user (fenced): its
    /// agents are killed, not given their shutdown (cancelling orders
    /// takes up to their shutdown timeout, beside the next owner).
    bool now = false;
  };

  impl(runtime::node& n, cluster_member_options o) : node(n), opts(std::move(o)) {
    for (auto& [user, unit] : opts.units)
      users.push_back(user);
  }

  runtime::node& node;
  cluster_member_options opts;
  std::vector<std::string> users;

  // Heart thread only (and start() before it runs).
  std::unique_ptr<persistence::sql_connection> db;
  std::unique_ptr<persistence::cluster_store> cs;
  std::unique_ptr<persistence::cluster_membership> membership;
  std::set<std::string> handing_off;
  bool left = false;

  // Shared, under mtx.
  mutable std::mutex mtx;
  std::condition_variable heart_cv;
  std::condition_variable worker_cv;
  std::condition_variable left_cv;
  std::deque<op> ops;
  bool busy = false;
  std::vector<std::string> released;
  /// Users whose start failed (stopped again): their leases go.
  std::vector<std::string> failed;
  cluster_member_state st;
  bool leave_requested = false;
  bool leave_done = false;
  bool quit = false;
  /// The heart is talking to the store (a call that may never return when
  /// the store is cut off), and until when its leases are its to vouch for.
  bool in_beat = false;
  std::optional<clock::time_point> lease_valid_until;
  /// The watch stopped these users while the heart waited on the store;
  /// the heart gives their leases up once it hears from the store again.
  /// Only these: the round the heart was waiting on may have claimed
  /// others, whose starts are queued under the epochs it claimed.
  bool watch_stopped = false;
  std::set<std::string> watched;
  std::condition_variable watch_cv;

  std::thread heart_thread;
  std::thread worker_thread;
  std::thread watch_thread;

  // -- the node's actors --------------------------------------------------------

  template <class Handle>
  Handle find(const std::string& path) {
    auto entry = node.context().registry().find(path);
    return entry ? caf::actor_cast<Handle>(entry->handle()) : Handle{};
  }

  caf::error set_fence(const std::string& user, int64_t epoch) {
    auto store = caf::actor_cast<persistence::store_actor>(node.context().store());
    if (!store)
      return caf::error{net_errc::cluster_failed, "the store is not running"};
    auto r =
        runtime::ask<bool>(node.system(), store, opts.request_timeout,
                           persistence::set_fence_atom_v, persistence::write_fence{user, epoch});
    return r ? caf::error{} : r.error();
  }

  caf::error start_child(const std::string& parent, runtime::child_spec spec) {
    auto sup = find<runtime::supervisor_actor>(parent);
    if (!sup)
      return caf::error{net_errc::cluster_failed, parent + " is not running"};
    auto r = runtime::ask<caf::actor>(node.system(), sup, opts.request_timeout,
                                      runtime::start_child_atom_v, std::move(spec));
    if (!r && r.error() == runtime::runtime_errc::duplicate_child)
      return {}; // running already
    return r ? caf::error{} : r.error();
  }

  void stop_child(const std::string& parent, const std::string& id, bool now = false) {
    auto sup = find<runtime::supervisor_actor>(parent);
    if (!sup || !node.context().registry().find(runtime::child_path(parent, id)))
      return;
    auto r = now ? runtime::ask<bool>(node.system(), sup, opts.request_timeout,
                                      runtime::stop_child_now_atom_v, id)
                 : runtime::ask<bool>(node.system(), sup, opts.request_timeout,
                                      runtime::stop_child_atom_v, id);
    if (!r)
      log().warn("cluster member {}: stopping {}/{}: {}", opts.name, parent, id,
                 runtime::to_text(r.error()));
  }

  caf::error open_accounts(const placement_unit& unit) {
    auto gateway = find<actors::vault_actor>(actors::gateway_path);
    if (!gateway && !unit.accounts.empty())
      return caf::error{net_errc::cluster_failed, "the vault gateway is not running"};
    for (auto& a : unit.accounts) {
      actors::vault_request open;
      open.op = actors::vault_op::open;
      open.user = unit.user;
      open.account = a.id;
      open.opening_balance = a.opening_balance;
      auto r = runtime::ask<actors::vault_reply>(node.system(), gateway, opts.request_timeout,
                                                 std::move(open));
      if (!r)
        return r.error();
    }
    return {};
  }

  // -- worker -------------------------------------------------------------------

  caf::error start_unit(const std::string& user, int64_t epoch) {
    auto& unit = opts.units.at(user);
    if (auto err = set_fence(user, epoch))
      return err;
    if (auto err = open_accounts(unit))
      return err;
    for (auto& spec : unit.account_actors)
      if (auto err = start_child(actors::accounts_path, spec))
        return err;
    for (auto& [venue, spec] : unit.sessions)
      if (auto err = start_child(sessions_path + "/" + venue, spec))
        return err;
    return start_child(users_path, unit.tree);
  }

  void stop_unit(const std::string& user, bool now = false) {
    auto& unit = opts.units.at(user);
    // Agents first (no new orders), then their sessions, then accounts.
    stop_child(users_path, user, now);
    for (auto& [venue, spec] : unit.sessions)
      stop_child(sessions_path + "/" + venue, spec.id);
    for (auto& a : unit.accounts)
      stop_child(actors::accounts_path, a.id);
    if (auto err = set_fence(user, 0))
      log().warn("cluster member {}: dropping the fence of {}: {}", opts.name, user,
                 runtime::to_text(err));
  }

  void run_worker() {
    for (;;) {
      op next;
      {
        std::unique_lock<std::mutex> guard{mtx};
        worker_cv.wait(guard, [&] { return quit || !ops.empty(); });
        if (ops.empty())
          return;
        next = std::move(ops.front());
        ops.pop_front();
        busy = true;
      }
      auto t0 = clock::now();
      if (next.start) {
        auto err = start_unit(next.user, next.epoch);
        if (err) {
          // Whatever of it started goes again, and so does its lease: the
          // user is claimed afresh, and its start tried again, later.
          stop_unit(next.user);
          std::lock_guard<std::mutex> guard{mtx};
          st.last_error = "starting " + next.user + ": " + runtime::to_text(err);
          log().error("cluster member {}: {}; giving the user up to be claimed again", opts.name,
                      st.last_error);
          failed.push_back(next.user);
        } else {
          std::lock_guard<std::mutex> guard{mtx};
          st.running[next.user] = next.epoch;
          ++st.starts;
          log().info("cluster member {}: started user {} (epoch {}) in {} ms", opts.name, next.user,
                     next.epoch, ms_since(t0));
        }
      } else {
        stop_unit(next.user, next.now);
        std::lock_guard<std::mutex> guard{mtx};
        st.running.erase(next.user);
        ++st.stops;
        if (next.release)
          released.push_back(next.user);
        log().info("cluster member {}: stopped user {}{} in {} ms", opts.name, next.user,
                   next.release ? " (handoff)" : "", ms_since(t0));
      }
      std::lock_guard<std::mutex> guard{mtx};
      busy = false;
      heart_cv.notify_all();
    }
  }

  // -- heart ----------------------------------------------------------------------

  /// Queues a stop; a start of the user still queued is dropped instead.
  /// An urgent stop (fenced) goes first and kills the user's agents.
  void queue_stop(const std::string& user, bool release, bool urgent) {
    std::lock_guard<std::mutex> guard{mtx};
    auto queued_start = std::find_if(ops.begin(), ops.end(),
                                     [&](const op& x) { return x.start && x.user == user; });
    auto running = st.running.count(user) > 0;
    if (queued_start != ops.end()) {
      ops.erase(queued_start);
      if (!running && !busy) {
        if (release)
          released.push_back(user);
        return;
      }
    }
    op x;
    x.user = user;
    x.release = release;
    x.now = urgent;
    if (urgent)
      ops.push_front(std::move(x));
    else
      ops.push_back(std::move(x));
    worker_cv.notify_all();
  }

  void queue_start(const std::string& user, int64_t epoch) {
    std::lock_guard<std::mutex> guard{mtx};
    op x;
    x.start = true;
    x.user = user;
    x.epoch = epoch;
    ops.push_back(std::move(x));
    worker_cv.notify_all();
  }

  bool idle_and_empty() {
    std::lock_guard<std::mutex> guard{mtx};
    return ops.empty() && !busy && st.running.empty();
  }

  persistence::membership_options membership_opts() const {
    persistence::membership_options m;
    m.lease_ttl = opts.timing.lease_ttl;
    m.margin = opts.timing.margin;
    return m;
  }

  /// Opens the connection and joins as a new incarnation.
  caf::error join() {
    try {
      if (!db || db->broken()) {
        auto opened = persistence::open_database(opts.db);
        if (!opened)
          return opened.error();
        db = std::move(*opened);
        if (cs)
          cs->use(*db);
      }
      if (!cs)
        cs = std::make_unique<persistence::cluster_store>(*db, opts.timing.lease_ttl);
      auto me = cs->join(opts.name, opts.address, opts.host, static_cast<int64_t>(getpid()));
      membership =
          std::make_unique<persistence::cluster_membership>(*cs, me, users, membership_opts());
      std::lock_guard<std::mutex> guard{mtx};
      st.name = opts.name;
      st.incarnation = me.incarnation;
      // The join freed whatever an earlier incarnation held.
      watch_stopped = false;
      watched.clear();
      log().info("cluster member {}: joined as incarnation {}", opts.name, me.incarnation);
      return {};
    } catch (const std::exception& e) {
      return caf::error{net_errc::cluster_failed, std::string{"joining the cluster: "} + e.what()};
    }
  }

  /// Gives up the leases of the units the worker stopped for a handoff,
  /// at once: the next owner claims at its next step.
  void release_stopped() {
    std::vector<std::string> done;
    std::vector<std::string> gave_up;
    {
      std::lock_guard<std::mutex> guard{mtx};
      done.swap(released);
      gave_up.swap(failed);
    }
    for (auto& user : done) {
      handing_off.erase(user);
      if (membership)
        membership->released(user);
    }
    for (auto& user : gave_up)
      if (membership)
        membership->give_up(user);
  }

  /// The heart's safety rule when the store does not answer at all (cut
  /// off: its calls neither fail nor return): once the leases may run out,
  /// every user stops, fenced first, as a failed renewal would have done.
  void run_watch() {
    std::unique_lock<std::mutex> guard{mtx};
    while (!quit) {
      auto now = clock::now();
      if (in_beat && !watch_stopped && lease_valid_until && now >= *lease_valid_until &&
          (!st.running.empty() || busy || !ops.empty())) {
        watch_stopped = true;
        std::vector<std::string> users;
        for (auto& [user, epoch] : st.running)
          users.push_back(user);
        for (auto& x : ops)
          if (x.start)
            users.push_back(x.user);
        watched.insert(users.begin(), users.end());
        guard.unlock();
        log().error("cluster member {}: the store has not answered for {} ms: stopped its {} "
                    "users before any other member may claim them",
                    opts.name, (opts.timing.lease_ttl - opts.timing.margin).count(), users.size());
        for (auto& user : users) {
          if (auto store = caf::actor_cast<persistence::store_actor>(node.context().store()))
            caf::anon_send(store, persistence::set_fence_atom_v, persistence::write_fence{user, 0});
          log().warn("cluster member {}: stopping user {} (fenced: its lease may run out)",
                     opts.name, user);
          queue_stop(user, false, true);
        }
        guard.lock();
        continue;
      }
      // Awake at the moment the leases may run out, whatever the heart is
      // doing now (it may start a round that never ends in between).
      auto wake = now + opts.timing.renew_interval / 2;
      if (lease_valid_until && *lease_valid_until > now && *lease_valid_until < wake)
        wake = *lease_valid_until;
      watch_cv.wait_until(guard, wake, [&] { return quit; });
    }
  }

  /// Marks the heart as talking to the store for one round.
  struct beat_scope {
    impl& self;
    explicit beat_scope(impl& x) : self(x) {
      std::lock_guard<std::mutex> guard{self.mtx};
      self.in_beat = true;
    }
    ~beat_scope() {
      std::lock_guard<std::mutex> guard{self.mtx};
      self.in_beat = false;
      self.lease_valid_until = self.membership ? self.membership->valid_until() : std::nullopt;
    }
  };

  /// After the watch stopped its users: the leases of those this member
  /// still holds go, so that they are claimed afresh (maybe by it again).
  /// A user the same round claimed runs under its new epoch: kept.
  void give_up_watched() {
    std::set<std::string> stopped;
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (!watch_stopped)
        return;
      watch_stopped = false;
      stopped.swap(watched);
    }
    if (!membership)
      return;
    std::vector<std::string> held;
    for (auto& [user, epoch] : membership->owned())
      if (stopped.count(user) > 0)
        held.push_back(user);
    for (auto& user : held)
      membership->give_up(user);
  }

  /// One renewal round; false once the member has left.
  bool beat() {
    beat_scope scope{*this};
    release_stopped();
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (leave_requested && !left && membership && membership->member()) {
        left = true;
        for (auto& user : membership->leave()) {
          handing_off.insert(user);
          op x;
          x.user = user;
          x.release = true;
          ops.push_back(std::move(x));
        }
        worker_cv.notify_all();
      }
    }
    if (db && db->broken()) {
      // A new connection under the same incarnation: the leases hold if
      // it renews in time.
      auto opened = persistence::open_database(opts.db);
      if (opened) {
        db = std::move(*opened);
        cs->use(*db);
        try {
          cs->hold_session(opts.name);
          log().info("cluster member {}: reconnected to the store", opts.name);
        } catch (const std::exception& e) {
          log().error("cluster member {}: reconnected to the store: {}", opts.name, e.what());
        }
      }
    }
    if (!membership || !membership->member()) {
      if (left)
        return false;
      // Lost: everything it ran is stopping; join again once stopped.
      if (!idle_and_empty())
        return true;
      if (auto err = join()) {
        std::lock_guard<std::mutex> guard{mtx};
        st.last_error = runtime::to_text(err);
        return true;
      }
      std::lock_guard<std::mutex> guard{mtx};
      ++st.rejoins;
      return true;
    }
    auto step = membership->step(clock::now());
    give_up_watched();
    for (auto& user : step.stop) {
      // Nothing more of it may be written: the fence goes before the stop.
      if (auto store = caf::actor_cast<persistence::store_actor>(node.context().store()))
        caf::anon_send(store, persistence::set_fence_atom_v, persistence::write_fence{user, 0});
      log().warn("cluster member {}: stopping user {} (fenced: its lease is lost)", opts.name,
                 user);
      handing_off.erase(user);
      queue_stop(user, false, true);
    }
    for (auto& user : step.hand_off) {
      handing_off.insert(user);
      queue_stop(user, true, false);
    }
    for (auto& [user, epoch] : step.start)
      queue_start(user, epoch);
    std::lock_guard<std::mutex> guard{mtx};
    if (!step.error.empty())
      st.last_error = step.error;
    if (!step.start.empty() || membership->owned().size() > 0)
      st.up = true;
    if (left && handing_off.empty() && ops.empty() && !busy) {
      try {
        cs->set_state(membership->identity(), "down");
      } catch (const std::exception& e) {
        log().warn("cluster member {}: marking itself down: {}", opts.name, e.what());
      }
      leave_done = true;
      left_cv.notify_all();
      return false;
    }
    return true;
  }

  void run_heart() {
    auto next = clock::now();
    for (;;) {
      {
        std::unique_lock<std::mutex> guard{mtx};
        heart_cv.wait_until(guard, next,
                            [&] { return quit || !released.empty() || !failed.empty(); });
        if (quit)
          return;
      }
      if (clock::now() < next) {
        release_stopped(); // woken by the worker, between rounds
        continue;
      }
      next += opts.timing.renew_interval;
      if (next < clock::now())
        next = clock::now() + opts.timing.renew_interval;
      if (!beat())
        break;
    }
    std::lock_guard<std::mutex> guard{mtx};
    leave_done = true;
    left_cv.notify_all();
  }
};

cluster_member::cluster_member(std::unique_ptr<impl> x) : impl_(std::move(x)) {}

caf::expected<std::unique_ptr<cluster_member>> cluster_member::start(runtime::node& node,
                                                                     cluster_member_options opts) {
  auto x = std::make_unique<impl>(node, std::move(opts));
  // The node's own store is open by now, so an unreachable server here is
  // a restart or a moment of overload: wait for it as for the node's store
  // (docs/cluster.md), rather than exit and leave the cluster a member short.
  auto deadline = std::chrono::steady_clock::now() + x->opts.start_wait;
  for (bool told = false;; told = true) {
    auto err = x->join();
    if (!err)
      break;
    bool transient = runtime::is_unreachable(err) || (x->db && x->db->broken());
    if (!transient || std::chrono::steady_clock::now() >= deadline)
      return err;
    if (!told)
      log().warn("cluster member {}: cannot join yet ({}); trying again for up to {} ms",
                 x->opts.name, runtime::to_text(err), x->opts.start_wait.count());
    std::this_thread::sleep_for(std::chrono::milliseconds{config::member_store_retry_ms});
  }
  auto* p = x.get();
  p->worker_thread = std::thread{[p] { p->run_worker(); }};
  p->heart_thread = std::thread{[p] { p->run_heart(); }};
  p->watch_thread = std::thread{[p] { p->run_watch(); }};
  return std::unique_ptr<cluster_member>{new cluster_member(std::move(x))};
}

cluster_member::~cluster_member() {
  leave(impl_->opts.request_timeout);
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    impl_->quit = true;
    impl_->heart_cv.notify_all();
    impl_->worker_cv.notify_all();
    impl_->watch_cv.notify_all();
  }
  if (impl_->watch_thread.joinable())
    impl_->watch_thread.join();
  if (impl_->heart_thread.joinable())
    impl_->heart_thread.join();
  if (impl_->worker_thread.joinable())
    impl_->worker_thread.join();
}

bool cluster_member::leave(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> guard{impl_->mtx};
  impl_->leave_requested = true;
  impl_->heart_cv.notify_all();
  return impl_->left_cv.wait_for(guard, timeout, [&] { return impl_->leave_done; });
}

cluster_member_state cluster_member::state() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->st;
}

} // namespace tfarm::net
