#include "actors/monitor/farm_sample.hpp"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include "actors/vault/vault_messages.hpp"
#include "persistence/store_status.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::actors {

namespace {

// Successes over attempts in basis points; 10'000 when nothing happened.
int64_t success_bps(uint64_t attempts, uint64_t failures) {
  if (attempts == 0)
    return 10'000;
  failures = std::min(failures, attempts);
  return static_cast<int64_t>((attempts - failures) * 10'000 / attempts);
}

uint64_t delta(uint64_t now, uint64_t before) {
  return now >= before ? now - before : now; // a restart resets counters
}

// The sum of each path's increase; a path new since `before` counts whole.
uint64_t delta(const std::map<std::string, uint64_t>& now,
               const std::map<std::string, uint64_t>& before) {
  uint64_t d = 0;
  for (auto& [path, n] : now) {
    auto i = before.find(path);
    d += i == before.end() ? n : delta(n, i->second);
  }
  return d;
}

} // namespace

bool agent_healthy(const runtime::actor_info& info, const agent_status& s, int64_t now_ms) {
  auto stale_ms = std::max(agent_heartbeat_stale_ms, 3 * s.timer_ms);
  auto fresh = now_ms - s.heartbeat_ms <= stale_ms;
  return info.alive && fresh && (s.state == "running" || s.state == "halted") &&
         s.errors_per_min <= agent_errors_healthy_per_min_max;
}

bool session_connected(const runtime::actor_info& info, const exchange_status& s) {
  return info.alive && s.connected;
}

farm_sample farm_sampler::take(const std::vector<runtime::actor_info>& actors,
                               const api_window& api,
                               const std::optional<runtime::process_sample>& proc, int64_t now_ms,
                               const std::optional<vault_counts>& vault, int64_t mono_ms,
                               const sample_visitor& visit) {
  if (mono_ms < 0)
    mono_ms = now_ms;
  farm_sample x;
  x.at_ms = now_ms;
  totals t;
  int64_t agents = 0;
  int64_t healthy = 0;
  int64_t agent_errors = 0;
  int64_t latency_us = 0;
  int64_t disconnected = 0;
  int64_t mailbox = 0;
  int64_t store_queue = 0;
  int64_t store_disconnected = 0;
  int64_t store_commit_us = 0;
  for (auto& a : actors) {
    if (a.restarts > 0)
      t.restarts[a.path] = a.restarts;
    mailbox = std::max(mailbox, static_cast<int64_t>(a.mailbox_size));
    if (a.kind != "trading_agent" && a.kind != "exchange_session" && a.kind != "vault_gateway" &&
        a.kind != "sqlite_store")
      continue;
    // An actor that has not published yet is starting: it counts as not
    // healthy (or not connected) without being reported as unreadable.
    auto unreadable = [&](const caf::error& err) {
      if (!runtime::status_pending(err))
        x.unreadable.push_back(runtime::to_text(err));
    };
    if (a.kind == "trading_agent") {
      ++agents;
      auto st = runtime::read_status<agent_status>(a);
      if (!st) {
        unreadable(st.error());
        continue;
      }
      if (visit.agent)
        visit.agent(a, *st);
      healthy += agent_healthy(a, *st, now_ms) ? 1 : 0;
      agent_errors = std::max<int64_t>(agent_errors, st->errors_per_min);
    } else if (a.kind == "exchange_session") {
      auto st = runtime::read_status<exchange_status>(a);
      if (!st) {
        ++disconnected;
        unreadable(st.error());
        continue;
      }
      if (visit.session)
        visit.session(a, *st);
      if (!session_connected(a, *st))
        ++disconnected;
      else
        latency_us = std::max(latency_us, st->latency_p99_us);
      t.session_orders[a.path] = st->orders;
      t.session_rejected[a.path] = st->rejected;
    } else if (a.kind == "vault_gateway") {
      auto st = runtime::read_status<vault_status>(a);
      if (!st) {
        unreadable(st.error());
        continue;
      }
      t.vault_transactions += st->transactions;
      t.vault_succeeded += st->succeeded;
    } else {
      auto st = runtime::read_status<persistence::store_status>(a);
      if (!st) {
        unreadable(st.error());
        continue;
      }
      store_queue += static_cast<int64_t>(st->queued_jobs + st->open_writes);
      if (!st->connected)
        ++store_disconnected;
      store_commit_us = std::max(store_commit_us, st->last_commit_us);
    }
  }
  if (vault)
    last_vault_ = vault;
  if (last_vault_) {
    t.vault_transactions = last_vault_->transactions;
    t.vault_succeeded = last_vault_->succeeded;
  }
  api_requests_ += api.requests;
  api_errors_ += api.errors;
  t.api_requests = api_requests_;
  t.api_errors = api_errors_;
  // The base: the newest earlier sample at least a window old, else the
  // oldest one (the window is still filling).
  const std::pair<int64_t, totals>* base = window_.empty() ? nullptr : &window_.front();
  for (auto& w : window_)
    if (w.first <= mono_ms - rate_window_ms_)
      base = &w;
  const auto& before = base != nullptr ? base->second : t;
  auto window_ms = std::max<int64_t>(1, base != nullptr ? mono_ms - base->first : 0);
  auto interval_ms = prev_ms_ != 0 ? std::max<int64_t>(1, mono_ms - prev_ms_) : 0;
  auto& v = x.values;
  v["agent_health_pct"] = agents > 0 ? healthy * 100 / agents : 100;
  v["agent_errors_per_min"] = agent_errors;
  v["exchange_latency_ms"] = latency_us / 1'000;
  v["exchange_disconnected"] = disconnected;
  v["mailbox_max"] = mailbox;
  v["store_queue_depth"] = store_queue;
  v["store_disconnected"] = store_disconnected;
  v["store_commit_ms"] = store_commit_us / 1'000;
  v["restarts_per_min"] =
      window_.empty()
          ? 0
          : static_cast<int64_t>(delta(t.restarts, before.restarts)) * 60'000 / window_ms;
  auto orders = delta(t.session_orders, before.session_orders);
  v["order_success_bps"] =
      success_bps(orders, std::min(orders, delta(t.session_rejected, before.session_rejected)));
  auto txs = delta(t.vault_transactions, before.vault_transactions);
  auto ok = std::min(txs, delta(t.vault_succeeded, before.vault_succeeded));
  v["vault_success_bps"] = success_bps(txs, txs - ok);
  v["api_requests_per_s"] =
      interval_ms > 0 ? static_cast<int64_t>(api.requests) * 1'000 / interval_ms : 0;
  auto requests = delta(t.api_requests, before.api_requests);
  auto errors = std::min(requests, delta(t.api_errors, before.api_errors));
  v["api_error_rate_bps"] = requests > 0 ? static_cast<int64_t>(errors * 10'000 / requests) : 0;
  v["api_latency_p99_ms"] = api.p99_us / 1'000;
  v["cpu_pct"] = 0;
  v["memory_pct"] = 0;
  if (proc) {
    if (prev_proc_) {
      static const auto ticks = sysconf(_SC_CLK_TCK);
      auto cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
      v["cpu_pct"] = runtime::cpu_pct(*prev_proc_, *proc, ticks > 0 ? ticks : 100, cores);
    }
    v["memory_pct"] = runtime::memory_pct(*proc);
    prev_proc_ = proc;
  }
  window_.emplace_back(mono_ms, std::move(t));
  while (window_.size() > 1 && window_[1].first <= mono_ms - rate_window_ms_)
    window_.pop_front();
  prev_ms_ = mono_ms;
  return x;
}

} // namespace tfarm::actors
