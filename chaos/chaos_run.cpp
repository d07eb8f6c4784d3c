#include "chaos/chaos_run.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "chaos/cluster_rig.hpp"
#include "chaos/member_log.hpp"
#include "chaos/resource_trend.hpp"
#include "chaos/store_invariants.hpp"
#include "config/suggest.hpp"
#include "net/cluster_view.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::chaos {

namespace {

using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

/// The harness's step: faults start and end on it.
constexpr int64_t step_ms = 50;
/// How often it reads the cluster's state and the fills while faults run.
constexpr int64_t sample_every_ms = 250;
/// Longest the harness waits for an operator's action or its undoing to
/// be taken by some member.
constexpr int64_t operator_action_wait_ms = 60'000;
/// First transfer amount (minor units); each next one is one more.
constexpr int64_t transfer_amount_base = 100;

int64_t since_ms(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
}

/// A console command on a node, run on a thread of its own.
struct console_task {
  std::string label;
  std::shared_future<console_answer> answer;
};

class runner {
public:
  explicit runner(const chaos_options& o) : o_(o), rig_(o) {
    report_.seed = o.seed;
    report_.cluster = o.cluster.name;
  }

  ~runner() { wait_for_tasks(); }

  chaos_report run() {
    std::string why;
    try {
      // The schedule first: a shape that cannot hold it starts nothing.
      if (!make_schedule(why) || !rig_.prepare(why) || !start_cluster(why)) {
        report_.aborted = why;
        return report_;
      }
      fault_phase();
      settle();
      check_live();
      stop_cluster();
      check_the_store();
    } catch (const interrupted&) {
      report_.aborted = "interrupted; everything the run started is stopped";
    }
    return report_;
  }

private:
  /// Thrown by nap() when the caller asked the run to stop; run() catches
  /// it, and the destructor stops what was started.
  struct interrupted {};

  // Sleeps on the run's own thread; throws `interrupted` if asked to stop.
  void nap(int64_t ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds{ms});
    if (o_.stop_requested && o_.stop_requested())
      throw interrupted{};
  }

  void say(const std::string& line) {
    if (o_.progress)
      o_.progress(line);
  }

  // -- setup --------------------------------------------------------------------

  bool start_exchange(std::string& why) {
    if (!rig_.spawn_exchange(why))
      return false;
    // Up once its console answers.
    auto deadline = clock_type::now() + std::chrono::milliseconds{o_.settle_ms};
    while (clock_type::now() < deadline) {
      std::string how;
      if (!rig_.exchange_running(&how)) {
        why = "the exchange node exited (" + how + "); see " + rig_.dir() + "/exchange.log";
        return false;
      }
      if (rig_.exchange_console({"venue"}).code == 0)
        return true;
      nap(sample_every_ms);
    }
    why = "the exchange node's console did not answer; see " + rig_.dir() + "/exchange.log";
    return false;
  }

  // Every member up (this start of it) and every user owned by an up one.
  bool healthy(const net::cluster_view& v, std::string* problem = nullptr) const {
    std::set<std::string> up;
    for (auto& m : v.members) {
      auto mine = rig_.pids().find(m.name);
      if (m.state == "up" && mine != rig_.pids().end() && m.pid == mine->second &&
          away_.count(m.name) == 0)
        up.insert(m.name);
    }
    std::vector<std::string> missing;
    for (auto& u : o_.farm.users) {
      auto p = v.placement.find(u.name);
      if (p == v.placement.end() || up.count(p->second.node) == 0)
        missing.push_back(u.name);
    }
    if (problem != nullptr)
      *problem = missing.empty() ? "" : "users not on a live member: " + config::join(missing);
    return missing.empty() && up.size() + away_.size() >= o_.cluster.members.size();
  }

  bool wait_healthy(int64_t wait_ms, std::string& problem) {
    auto deadline = clock_type::now() + std::chrono::milliseconds{wait_ms};
    for (;;) {
      for (auto& [name, pid] : rig_.pids()) {
        std::string how;
        if (away_.count(name) == 0 && !rig_.member_running(name, &how)) {
          problem = "member " + name + " exited (" + how + "); see " + rig_.member_log(name);
          return false;
        }
      }
      auto v = net::read_cluster_view(rig_.source());
      if (v && healthy(*v, &problem))
        return true;
      if (!v)
        problem = runtime::to_text(v.error());
      if (clock_type::now() >= deadline)
        return false;
      nap(sample_every_ms);
    }
  }

  bool start_cluster(std::string& why) {
    say("starting the exchange node");
    if (!start_exchange(why))
      return false;
    for (auto& m : o_.cluster.members) {
      say("starting " + m.name);
      if (!rig_.start_member(m.name, why))
        return false;
    }
    std::string problem;
    if (!wait_healthy(o_.settle_ms, problem)) {
      why = "the cluster did not come up within " + std::to_string(o_.settle_ms / 1'000) +
            " s: " + problem;
      return false;
    }
    // Trading before the first fault.
    auto deadline = clock_type::now() + std::chrono::milliseconds{o_.settle_ms};
    while (count("SELECT COUNT(*) FROM fills") < 1) {
      if (clock_type::now() >= deadline) {
        why = "the cluster is up but nothing traded within " +
              std::to_string(o_.settle_ms / 1'000) + " s";
        return false;
      }
      nap(sample_every_ms);
    }
    say("cluster " + o_.cluster.name + " is up and trading");
    return true;
  }

  // -- the store and the consoles ------------------------------------------------

  int64_t count(const std::string& sql) { return rig_.store().count(sql); }
  std::vector<std::string> rows(const std::string& sql, int columns) {
    return rig_.store().rows(sql, columns);
  }

  // -- the fault phase ------------------------------------------------------------

  bool make_schedule(std::string& why) {
    for (auto& v : o_.farm.exchange.venues)
      if (v.kind == "remote" && std::find(venues_.begin(), venues_.end(), v.name) == venues_.end())
        venues_.push_back(v.name);
    plan_shape shape;
    shape.seed = o_.seed;
    shape.faults = o_.faults;
    shape.duration_ms = o_.duration_ms > 0 ? o_.duration_ms : default_duration_ms(o_.faults);
    for (auto& m : o_.cluster.members)
      shape.members.push_back(m.name);
    shape.venues = venues_;
    shape.lease_ttl_ms = o_.cluster.timing.lease_ttl.count();
    shape.own_store = o_.db.empty();
    auto plan = make_plan(shape, why);
    if (plan.empty() && o_.faults > 0)
      return false;
    report_.duration_ms = shape.duration_ms;
    for (auto& f : plan)
      report_.faults.push_back(fault_outcome{f, -1, -1, "", -1, ""});
    // Transfers: one per fault, at times and between users drawn from the
    // seed too (a stream of its own, so the fault plan is the same with or
    // without them).
    seeded_random rnd{o_.seed ^ 0x7472616e73666572ULL};
    for (uint32_t i = 0; i < o_.faults; ++i) {
      if (o_.farm.users.size() < 2)
        break;
      transfer_record t;
      t.id = i + 1;
      t.at_ms = rnd.between(0, shape.duration_ms);
      auto a = static_cast<size_t>(rnd.between(0, static_cast<int64_t>(o_.farm.users.size()) - 1));
      auto b = static_cast<size_t>(rnd.between(0, static_cast<int64_t>(o_.farm.users.size()) - 2));
      if (b >= a)
        ++b;
      auto& from = o_.farm.users[a];
      auto& to = o_.farm.users[b];
      if (from.accounts.empty() || to.accounts.empty() ||
          from.accounts.front().opening_balance.empty())
        continue;
      t.from_user = from.name;
      t.from = from.accounts.front().id;
      t.to = to.accounts.front().id;
      t.asset = from.accounts.front().opening_balance.begin()->first;
      t.amount = transfer_amount_base + i;
      t.key = "chaos-" + std::to_string(o_.seed) + "-" + std::to_string(t.id);
      transfers_.push_back(t);
    }
    std::sort(transfers_.begin(), transfers_.end(),
              [](const transfer_record& x, const transfer_record& y) { return x.at_ms < y.at_ms; });
    return true;
  }

  void fault_phase() {
    say("fault phase: " + std::to_string(report_.faults.size()) + " faults over " +
        std::to_string(report_.duration_ms / 1'000) + " s, " + std::to_string(transfers_.size()) +
        " transfers");
    t0_ = clock_type::now();
    t0_unix_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    size_t next_transfer = 0;
    int64_t last_sample = -sample_every_ms;
    int64_t last_resources = -resource_sample_every_ms;
    for (;;) {
      auto now = since_ms(t0_);
      for (auto& f : report_.faults) {
        if (f.injected_ms < 0 && f.error.empty() && now >= f.planned.at_ms)
          inject(f, now);
        if (f.injected_ms >= 0 && f.healed_ms < 0 && now >= f.planned.end_ms())
          heal(f, now);
      }
      while (next_transfer < transfers_.size() && transfers_[next_transfer].at_ms <= now)
        start_transfer(transfers_[next_transfer++]);
      if (now - last_sample >= sample_every_ms) {
        last_sample = now;
        sample(now);
      }
      if (now - last_resources >= resource_sample_every_ms) {
        last_resources = now;
        for (auto& [name, pid] : rig_.pids())
          resources_.sample(name, pid, now);
        resources_.sample("exchange", rig_.exchange_pid(), now);
      }
      collect(false);
      bool done = now >= report_.duration_ms &&
                  std::all_of(report_.faults.begin(), report_.faults.end(),
                              [](auto& f) { return f.healed_ms >= 0 || !f.error.empty(); });
      if (done)
        break;
      nap(step_ms);
    }
    collect(true);
    say("fault phase over; every fault healed");
  }

  void inject(fault_outcome& f, int64_t now) {
    f.injected_ms = now;
    auto& p = f.planned;
    say("+" + std::to_string(now / 1'000) + " s: " + to_string(p.kind) + " " + p.target);
    std::string why;
    switch (p.kind) {
    case fault_kind::member_kill:
    case fault_kind::member_pause:
    case fault_kind::member_partition: {
      if (p.kind == fault_kind::member_partition)
        rig_.cut_member(p.target, true);
      else
        rig_.signal_member(p.target, p.kind == fault_kind::member_kill ? SIGKILL : SIGSTOP);
      away_.insert(p.target);
      // The users it owned, and their epochs: recovered once each is
      // owned again under a newer epoch by a live member.
      if (last_view_)
        for (auto& [user, place] : last_view_->placement)
          if (place.node == p.target)
            moved_[p.id][user] = place.epoch;
      break;
    }
    case fault_kind::exchange_partition:
      rig_.cut_member_from_exchange(p.target, true);
      break;
    case fault_kind::store_restart:
      if (!rig_.crash_store(why))
        f.error = why;
      break;
    case fault_kind::venue_restart:
      // What this start of the venues saw is gone with them: read first.
      read_venues(venue_counts_);
      rig_.kill_exchange();
      break;
    case fault_kind::venue_latency:
      venue_task(p, {"--latency", std::to_string(p.intensity) + "ms", "--jitter",
                     std::to_string(p.intensity / 2) + "ms"});
      break;
    case fault_kind::venue_errors:
      venue_task(p, {"--errors", std::to_string(p.intensity)});
      break;
    case fault_kind::venue_lost_answers:
      venue_task(p, {"--lost-answers", std::to_string(p.intensity)});
      break;
    case fault_kind::venue_disconnect:
      venue_task(p, {"--disconnected", "on"});
      break;
    case fault_kind::operator_halt:
      operator_task(p, {"halt", "--farm", "--reason", "chaos-" + std::to_string(p.id)});
      break;
    case fault_kind::operator_emergency:
      operator_task(p, {"vault", "emergency", "on", "--reason", "chaos-" + std::to_string(p.id)});
      break;
    case fault_kind::operator_freeze:
      operator_task(p, {"vault", "freeze", "--reason", "chaos-" + std::to_string(p.id)});
      break;
    }
  }

  void heal(fault_outcome& f, int64_t now) {
    f.healed_ms = now;
    auto& p = f.planned;
    std::string why;
    switch (p.kind) {
    case fault_kind::member_kill:
      if (!rig_.start_member(p.target, why))
        f.error = "restart: " + why;
      away_.erase(p.target);
      break;
    case fault_kind::member_pause:
      rig_.signal_member(p.target, SIGCONT);
      away_.erase(p.target);
      break;
    case fault_kind::member_partition:
      rig_.cut_member(p.target, false);
      away_.erase(p.target);
      break;
    case fault_kind::exchange_partition:
      rig_.cut_member_from_exchange(p.target, false);
      break;
    case fault_kind::store_restart:
      if (!rig_.resume_store(why))
        f.error = "restart: " + why;
      break;
    case fault_kind::venue_restart:
      if (!start_exchange(why))
        f.error = "restart: " + why;
      break;
    case fault_kind::venue_latency:
    case fault_kind::venue_errors:
    case fault_kind::venue_lost_answers:
    case fault_kind::venue_disconnect:
      venue_task(p, {"--clear"}, true);
      break;
    case fault_kind::operator_halt:
      operator_task(p, {"resume", "--farm", "--reason", "chaos-" + std::to_string(p.id)}, true);
      break;
    case fault_kind::operator_emergency:
      operator_task(p, {"vault", "emergency", "off", "--reason", "chaos-" + std::to_string(p.id)},
                    true);
      break;
    case fault_kind::operator_freeze:
      operator_task(p, {"vault", "unfreeze", "--reason", "chaos-" + std::to_string(p.id)}, true);
      break;
    }
    fills_at_heal_[p.id] = fills_on(p);
  }

  void venue_task(const fault& p, std::vector<std::string> options, bool healing = false) {
    std::vector<std::string> args{"venue", "faults", p.target};
    args.insert(args.end(), options.begin(), options.end());
    auto label = std::to_string(p.id) + (healing ? "/heal" : "/inject");
    auto before = healing ? injected_before(p) : std::shared_future<console_answer>{};
    auto answer = std::async(std::launch::async, [this, args, healing, before] {
                    if (before.valid())
                      before.wait();
                    // A heal must take: the exchange node may be busy for a moment.
                    auto deadline =
                        clock_type::now() + std::chrono::milliseconds{operator_action_wait_ms};
                    for (;;) {
                      auto r = rig_.exchange_console(args);
                      if (r.code == 0 || !healing || clock_type::now() >= deadline)
                        return r;
                      std::this_thread::sleep_for(std::chrono::milliseconds{sample_every_ms});
                    }
                  }).share();
    if (!healing)
      injects_[p.id] = answer;
    tasks_.push_back(console_task{label, answer});
  }

  // A heal goes after its own fault's injection: a switch or a venue fault
  // still on its way (a member busy, the store down) that lands after its
  // undoing would outlast the run.
  std::shared_future<console_answer> injected_before(const fault& p) const {
    auto i = injects_.find(p.id);
    return i == injects_.end() ? std::shared_future<console_answer>{} : i->second;
  }

  void operator_task(const fault& p, std::vector<std::string> args, bool healing = false) {
    auto label = std::to_string(p.id) + (healing ? "/heal" : "/inject");
    auto wait = healing ? operator_action_wait_ms : chaos_console_timeout_ms;
    auto before = healing ? injected_before(p) : std::shared_future<console_answer>{};
    auto answer = std::async(std::launch::async, [this, args, wait, before] {
                    if (before.valid())
                      before.wait();
                    return rig_.on_some_member(args, wait);
                  }).share();
    if (!healing)
      injects_[p.id] = answer;
    tasks_.push_back(console_task{label, answer});
  }

  // A transfer's answer: 0 acknowledged, 1 refused, -1 nothing decided (no
  // answer, or the vault's "ask again with the same key").
  static int decided(const console_answer& r) {
    if (r.code != 1)
      return r.code;
    auto j = nlohmann::json::parse(r.json, nullptr, false);
    bool retry =
        j.is_object() && j.contains("retry") && j["retry"].is_boolean() && j["retry"].get<bool>();
    return retry ? -1 : 1;
  }

  void start_transfer(transfer_record& t) {
    auto owner = std::string{};
    if (last_view_) {
      auto p = last_view_->placement.find(t.from_user);
      if (p != last_view_->placement.end())
        owner = p->second.node;
    }
    if (owner.empty())
      owner = o_.cluster.members.front().name;
    auto args = std::vector<std::string>{
        "vault", "transfer", t.from, t.to, std::to_string(t.amount), t.asset, "--key", t.key};
    tasks_.push_back(console_task{"transfer/" + std::to_string(t.id),
                                  std::async(std::launch::async, [this, owner, args] {
                                    return rig_.member_console(owner, args);
                                  })});
  }

  // Takes the answers of finished tasks (all of them, waiting, if `all`).
  void collect(bool all) {
    for (auto i = tasks_.begin(); i != tasks_.end();) {
      if (!all && i->answer.wait_for(std::chrono::seconds{0}) != std::future_status::ready) {
        ++i;
        continue;
      }
      auto r = i->answer.get();
      auto slash = i->label.find('/');
      auto head = i->label.substr(0, slash);
      auto tail = i->label.substr(slash + 1);
      if (head == "transfer") {
        auto id = static_cast<uint32_t>(std::stoul(tail));
        for (auto& t : transfers_)
          if (t.id == id) {
            t.first = decided(r);
            t.first_text = r.text;
          }
      } else if (r.code != 0) {
        auto id = static_cast<uint32_t>(std::stoul(head));
        for (auto& f : report_.faults)
          if (f.planned.id == id) {
            // An operator's action asked while every member it tried was
            // away is not the cluster's failure; its undoing must take.
            if (tail == "heal")
              f.error = "could not be undone: " + r.text;
            else
              f.recovered = "not taken: " + r.text;
          }
      }
      i = tasks_.erase(i);
    }
  }

  void sample(int64_t now) {
    auto fills = count("SELECT COUNT(*) FROM fills");
    if (fills >= 0)
      last_fills_ = fills;
    for (auto& line : rows("SELECT venue, CAST(COUNT(*) AS TEXT) FROM fills GROUP BY venue", 2)) {
      auto space = line.find(' ');
      if (space != std::string::npos &&
          line.find_first_not_of("0123456789", space + 1) == std::string::npos)
        venue_fills_[line.substr(0, space)] = std::stoll(line.substr(space + 1));
    }
    for (auto& line : rows("SELECT o.account, CAST(COUNT(*) AS TEXT) FROM fills f JOIN orders o "
                           "ON o.client_order_id = f.client_order_id GROUP BY o.account",
                           2)) {
      auto space = line.find(' ');
      if (space != std::string::npos &&
          line.find_first_not_of("0123456789", space + 1) == std::string::npos)
        account_fills_[line.substr(0, space)] = std::stoll(line.substr(space + 1));
    }
    auto read = net::read_cluster_view(rig_.source());
    if (read)
      last_view_ = std::move(*read);
    const net::cluster_view* v = read ? &*last_view_ : nullptr;
    for (auto& f : report_.faults) {
      if (f.injected_ms < 0 || f.recovered_after_ms >= 0 || !f.error.empty())
        continue;
      auto& p = f.planned;
      if (takes_member(p.kind)) {
        if (!v)
          continue;
        auto& users = moved_[p.id];
        bool all = true;
        for (auto& [user, epoch] : users) {
          auto q = v->placement.find(user);
          auto on = q == v->placement.end() ? std::string{} : q->second.node;
          all = all && !on.empty() && away_.count(on) == 0 && q->second.epoch > epoch;
        }
        if (all) {
          f.recovered = users.empty() ? "it owned no user"
                                      : std::to_string(users.size()) + " users owned elsewhere";
          f.recovered_after_ms = now - f.injected_ms;
        }
      } else if (p.kind == fault_kind::store_restart) {
        std::string problem;
        if (f.healed_ms >= 0 && v && healthy(*v, &problem)) {
          f.recovered = "members renewing, users owned";
          f.recovered_after_ms = now - f.injected_ms;
        }
      } else if (f.healed_ms >= 0 && fills_on(p) > fills_at_heal_[p.id]) {
        f.recovered = p.kind == fault_kind::exchange_partition
                          ? "trading on " + p.target + " (a fill of its users after the heal)"
                      : on_venue(p.kind) && p.kind != fault_kind::venue_restart
                          ? "trading on " + p.target + " (a fill after the heal)"
                          : "trading (a fill after the heal)";
        f.recovered_after_ms = now - f.healed_ms;
      }
    }
  }

  // Fills recorded so far on the fault's venue (a venue fault), of the
  // users the member owns now (a member cut off from the exchange), or in
  // all.
  int64_t fills_on(const fault& p) const {
    if (p.kind == fault_kind::exchange_partition) {
      int64_t n = 0;
      if (last_view_)
        for (auto& [user, place] : last_view_->placement)
          if (place.node == p.target)
            for (auto& u : o_.farm.users)
              if (u.name == user)
                for (auto& a : u.accounts)
                  if (auto i = account_fills_.find(a.id); i != account_fills_.end())
                    n += i->second;
      return n;
    }
    if (!on_venue(p.kind) || p.kind == fault_kind::venue_restart)
      return last_fills_;
    auto i = venue_fills_.find(p.target);
    return i == venue_fills_.end() ? 0 : i->second;
  }

  // -- after the faults -----------------------------------------------------------

  void settle() {
    if (!report_.aborted.empty())
      return;
    say("waiting for the cluster to be quiet");
    auto healed_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    std::string problem;
    invariant_result up{
        "cluster_recovered", "every member up again and every user owned by one", 1, 0, {}};
    if (!wait_healthy(o_.settle_ms, problem)) {
      up.violations = 1;
      up.details.push_back(problem);
    }
    report_.invariants.push_back(up);
    // Every agent running again, and beating after the heal.
    invariant_result agents{
        "agents_running", "every agent running on its user's member after the faults", 0, 0, {}};
    auto deadline = clock_type::now() + std::chrono::milliseconds{o_.settle_ms};
    for (auto& u : o_.farm.users)
      for (auto& a : u.agents) {
        ++agents.checked;
        auto path = "/user/" + u.name + "/" + a.id;
        std::string last;
        bool running = false;
        while (!running) {
          auto v = net::read_cluster_view(rig_.source());
          auto owner = v && v->placement.count(u.name) > 0 ? v->placement[u.name].node : "";
          if (!owner.empty()) {
            auto r = rig_.member_console(owner, {"info", path});
            last = owner + ": " + r.text;
            auto j = json::parse(r.json, nullptr, false);
            if (r.code == 0 && j.is_object() && j.contains("state") && j["state"].is_object()) {
              auto& s = j["state"];
              running = s.value("state", "") == "running" &&
                        s.value("heartbeat_ms", int64_t{0}) > healed_unix_ms;
              last = owner + ": " + s.value("state", "?");
            }
          }
          if (running || clock_type::now() >= deadline)
            break;
          nap(sample_every_ms);
        }
        if (!running) {
          ++agents.violations;
          if (agents.details.size() < invariant_details_max)
            agents.details.push_back(path + " not running (" + last + ")");
        }
      }
    report_.invariants.push_back(agents);
    // Transfers: each asked again with its key on the member that runs the
    // sender now; the answer must be the first one's, if there was one.
    for (auto& t : transfers_) {
      auto wait_until = clock_type::now() + std::chrono::milliseconds{o_.settle_ms};
      for (;;) {
        auto v = net::read_cluster_view(rig_.source());
        auto owner = v && v->placement.count(t.from_user) > 0 ? v->placement[t.from_user].node
                                                              : std::string{};
        if (!owner.empty()) {
          auto r = rig_.member_console(owner, {"vault", "transfer", t.from, t.to,
                                               std::to_string(t.amount), t.asset, "--key", t.key});
          t.final_text = r.text;
          if (decided(r) >= 0) {
            t.final = r.code;
            break;
          }
        }
        if (clock_type::now() >= wait_until)
          break;
        nap(sample_every_ms);
      }
    }
  }

  void check_live() {
    if (!report_.aborted.empty())
      return;
    // The vault's reconciliation on every member: accounts against the
    // ledger, the trading invariants, each venue's statement against the
    // fills recorded.
    invariant_result rec{"vault_reconcile",
                         "each member's vault reconcile: accounts, ledger, venue statements",
                         0,
                         0,
                         {}};
    for (auto& m : o_.cluster.members) {
      ++rec.checked;
      auto r = rig_.member_console(m.name, {"vault", "reconcile"}, chaos_reconcile_timeout_ms,
                                   chaos_check_connect_attempts);
      if (r.code != 0) {
        ++rec.violations;
        rec.details.push_back(m.name + ": " + r.text.substr(0, 2'000));
      }
    }
    report_.invariants.push_back(rec);
    // Fencing refusals and conflict retries the live members counted.
    for (auto& m : o_.cluster.members) {
      auto r = rig_.member_console(m.name, {"info", "/store"}, 0, chaos_check_connect_attempts);
      auto j = json::parse(r.json, nullptr, false);
      if (r.code == 0 && j.is_object() && j.contains("state") && j["state"].is_object()) {
        report_.fenced_refusals += j["state"].value("fenced_refusals", int64_t{0});
        report_.conflict_retries += j["state"].value("conflict_retries", int64_t{0});
      }
    }
  }

  void stop_cluster() {
    say("stopping the cluster");
    // Members hand off and leave, one after the other.
    rig_.stop_members(chaos_member_stop_ms);
    check_partitions();
    // What the venues saw: no client order id twice.
    invariant_result dup{"no_order_twice",
                         "no client order id reached a venue twice (each start of the venues)",
                         0,
                         0,
                         {}};
    auto why = read_venues(venue_counts_);
    if (!why.empty()) {
      dup.violations = 1;
      dup.details.push_back(why);
    }
    for (auto& [venue, c] : venue_counts_) {
      dup.checked += c.first;
      dup.violations += c.second;
      if (c.second > 0)
        dup.details.push_back(venue + ": " + std::to_string(c.second) +
                              " orders refused as duplicate client order ids");
    }
    report_.invariants.push_back(dup);
    rig_.stop_exchange(chaos_member_stop_ms);
  }

  // A member cut off from the store stops its users before any other
  // member may claim them: by the members' logs, each user it ran at the
  // cut stopped there (or its process was killed) before it started
  // anywhere else.
  void check_partitions() {
    invariant_result x{"partition_stops_first",
                       "a member cut off from the store fenced and began to stop each of its "
                       "users before another member started it",
                       0,
                       0,
                       {}};
    std::vector<member_event> events;
    for (auto& m : o_.cluster.members)
      for (auto& e : read_member_events(rig_.member_log(m.name), m.name))
        events.push_back(std::move(e));
    // A kill ends whatever the member ran: a stop of every user.
    for (auto& f : report_.faults)
      if (f.planned.kind == fault_kind::member_kill && f.injected_ms >= 0)
        for (auto& u : o_.farm.users)
          events.push_back(
              member_event{t0_unix_ms_ + f.injected_ms, f.planned.target, u.name, false});
    for (auto& f : report_.faults) {
      if (f.planned.kind != fault_kind::member_partition || f.injected_ms < 0)
        continue;
      auto cut_ms = t0_unix_ms_ + f.injected_ms;
      // Claims while it was cut off: after the heal, the member is back
      // under the rules of whatever fault comes next.
      auto healed_ms = f.healed_ms >= 0 ? t0_unix_ms_ + f.healed_ms : INT64_MAX;
      auto& m = f.planned.target;
      for (auto& u : o_.farm.users) {
        auto& user = u.name;
        int64_t claimed = -1;
        std::string by;
        for (auto& e : events)
          if (e.started && e.user == user && e.member != m && e.unix_ms > cut_ms &&
              e.unix_ms <= healed_ms && (claimed < 0 || e.unix_ms < claimed)) {
            claimed = e.unix_ms;
            by = e.member;
          }
        if (claimed < 0)
          continue; // nobody else started it meanwhile
        // When the other member started it, the cut one's latest word on
        // it must be a stop (or a kill): it ran it at the cut, or took it
        // up after (a claim that went through just before), and stopped.
        const member_event* last = nullptr;
        for (auto& e : events)
          if (e.user == user && e.member == m && e.unix_ms <= claimed &&
              (!last || e.unix_ms >= last->unix_ms))
            last = &e;
        if (!last)
          continue; // it never ran it
        ++x.checked;
        if (last->started) {
          ++x.violations;
          if (x.details.size() < invariant_details_max)
            x.details.push_back("#" + std::to_string(f.planned.id) + ": " + user + " started on " +
                                by + " " + std::to_string(claimed - cut_ms) + " ms after " + m +
                                " was cut off, while " + m + " ran it (started there " +
                                std::to_string(last->unix_ms - cut_ms) + " ms from the cut)");
        }
      }
    }
    report_.invariants.push_back(x);
  }

  // Adds what each venue of the exchange node counted since it started
  // (orders submitted, duplicate client order ids refused) to `counts`;
  // why it could not be read, or "".
  std::string read_venues(std::map<std::string, std::pair<int64_t, int64_t>>& counts) {
    auto r = rig_.exchange_console({"venue"});
    auto j = json::parse(r.json, nullptr, false);
    if (r.code != 0 || !j.is_object() || !j.contains("venues"))
      return "the exchange node's venues could not be read: " + r.text;
    for (auto& v : j["venues"]) {
      auto& c = counts[v.value("venue", "?")];
      c.first += v.value("submitted", int64_t{0});
      c.second += v.value("duplicates", int64_t{0});
    }
    return "";
  }

  void check_the_store() {
    if (!report_.aborted.empty() && count("SELECT 1") < 0)
      return;
    report_.orders = count("SELECT COUNT(*) FROM orders");
    report_.fills = count("SELECT COUNT(*) FROM fills");
    report_.transfers = static_cast<int64_t>(transfers_.size());
    for (auto& x : chaos::check_store(rig_.store(), transfers_))
      report_.invariants.push_back(std::move(x));
    invariant_result faults{"faults_injected",
                            "every fault injected and healed",
                            static_cast<int64_t>(report_.faults.size()),
                            0,
                            {}};
    for (auto& f : report_.faults)
      if (!f.error.empty()) {
        ++faults.violations;
        if (faults.details.size() < invariant_details_max)
          faults.details.push_back("#" + std::to_string(f.planned.id) + " " +
                                   to_string(f.planned.kind) + ": " + f.error);
      }
    report_.invariants.push_back(faults);
    report_.resources = resources_.trends();
    invariant_result growth{"no_unbounded_growth",
                            "no process's memory or open files grow beyond the soak limits "
                            "(judged on lives of 20 min or more)",
                            0,
                            0,
                            {}};
    for (auto& t : report_.resources) {
      growth.checked += t.judged ? 1 : 0;
      if (!t.growth.empty()) {
        ++growth.violations;
        growth.details.push_back(t.process + ": " + t.growth);
      }
    }
    report_.invariants.push_back(growth);
  }

  // The console calls still under way end first (they use the rig); the
  // rig then kills what still runs.
  void wait_for_tasks() {
    for (auto& t : tasks_)
      t.answer.wait();
  }

  const chaos_options& o_;
  chaos_report report_;
  cluster_rig rig_;
  std::vector<std::string> venues_;
  /// Members killed or paused now.
  std::set<std::string> away_;
  std::optional<net::cluster_view> last_view_;
  int64_t last_fills_ = 0;
  std::map<std::string, int64_t> venue_fills_;
  /// Fills per vault account (the users' trading, for a member's share).
  std::map<std::string, int64_t> account_fills_;
  std::map<uint32_t, std::map<std::string, int64_t>> moved_;
  std::map<uint32_t, int64_t> fills_at_heal_;
  /// Per venue: orders submitted and duplicates refused, over the exchange
  /// node's earlier starts.
  std::map<std::string, std::pair<int64_t, int64_t>> venue_counts_;
  std::vector<transfer_record> transfers_;
  std::vector<console_task> tasks_;
  resource_sampler resources_;
  /// Each venue and operator fault's injection, which its heal waits for.
  std::map<uint32_t, std::shared_future<console_answer>> injects_;
  clock_type::time_point t0_;
  int64_t t0_unix_ms_ = 0;
};

} // namespace

int64_t default_duration_ms(uint32_t faults) {
  // Each fault gets three seconds of the phase on average: with lengths of
  // 0.5 to 8 s, two or three overlap at a time.
  return std::max<int64_t>(fault_length_max_ms * 2, static_cast<int64_t>(faults) * 3'000);
}

chaos_report run_chaos(const chaos_options& opts) {
  runner r{opts};
  return r.run();
}

} // namespace tfarm::chaos
