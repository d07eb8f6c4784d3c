#include "persistence/store_writer.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <tuple>

#include <caf/send.hpp>
#include <spdlog/logger.h>

#include "config/limits.hpp"
#include "persistence/error.hpp"
#include "persistence/logger.hpp"
#include "persistence/store_core.hpp"
#include "persistence/type_ids.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::persistence {

namespace {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

template <class T>
store_result from_value(T x) {
  store_result r;
  r.value = std::move(x);
  return r;
}

template <class T>
store_result from_expected(caf::expected<T> x) {
  store_result r;
  if (x)
    r.value = std::move(*x);
  else
    r.error = std::move(x.error());
  return r;
}

} // namespace

store_writer::store_writer(std::string file, open_options opts, caf::actor owner, size_t readers)
    : file_(std::move(file)), opts_(std::move(opts)), owner_(std::move(owner)) {
  readers_max_ = std::max<size_t>(1, readers);
  thread_ = std::thread{[this] { run(); }};
  // One reader to begin with; more join while reads wait for one.
  readers_.emplace_back([this] { run_reader(); });
}

store_writer::~store_writer() {
  stop();
}

void store_writer::submit(uint64_t id, std::vector<store_job> jobs, bool batch) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (batch) {
    last_write_submitted_ = id;
    queue_.push_back(submission{id, std::move(jobs), true, 0});
    cv_.notify_one();
  } else {
    reads_.push_back(submission{id, std::move(jobs), false, last_write_submitted_});
    if (idle_readers_ < reads_.size() && readers_.size() < readers_max_ && !stopping_)
      readers_.emplace_back([this] { run_reader(); });
    reads_cv_.notify_one();
  }
}

std::vector<store_completion> store_writer::take_completed() {
  std::lock_guard<std::mutex> guard{mtx_};
  auto result = std::move(completed_);
  completed_.clear();
  return result;
}

void store_writer::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  cv_.notify_one();
  reads_cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
  // No reader joins once stopping_ is set: the list stays as it is.
  for (auto& r : readers_)
    if (r.joinable())
      r.join();
  readers_.clear();
  owner_ = nullptr;
}

void store_writer::finish(store_completion done) {
  caf::actor owner;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    completed_.push_back(std::move(done));
    owner = owner_;
  }
  if (owner)
    caf::anon_send(owner, writer_done_atom_v);
}

void store_writer::run_reader() {
  // A connection of its own, opened before the first read it takes and
  // again after it broke; read-only, never migrating (the writer did).
  auto opts = read_only_options(opts_);
  std::unique_ptr<store_core> core;
  auto connect = [&]() -> caf::error {
    core.reset();
    auto db = open_database(file_, opts);
    if (!db)
      return std::move(db.error());
    try {
      core = std::make_unique<store_core>(std::move(*db));
    } catch (const std::exception& e) {
      return classify(e, file_, "opening a reader");
    }
    return {};
  };
  {
    std::unique_lock<std::mutex> lock{mtx_};
    reads_cv_.wait(lock, [this] { return writer_ready_ || stopping_; });
    auto usable = open_error_ == caf::error{};
    lock.unlock();
    if (usable) [[maybe_unused]]
      auto err = connect(); // tried again, and answered, at the first read
  }
  for (;;) {
    submission s;
    {
      std::unique_lock<std::mutex> lock{mtx_};
      // Reads leave in order: a later read never waits on fewer writes.
      ++idle_readers_;
      reads_cv_.wait(lock, [this] {
        return (!reads_.empty() && writer_ready_ && reads_.front().after <= last_write_done_) ||
               (stopping_ && reads_.empty());
      });
      --idle_readers_;
      if (reads_.empty())
        break;
      s = std::move(reads_.front());
      reads_.pop_front();
    }
    store_completion done;
    done.id = s.id;
    if (!core || core->db().broken())
      done.failure = connect();
    if (!core) {
      done.results.assign(s.jobs.size(), store_result{});
      for (auto& r : done.results)
        r.error = done.failure;
    } else {
      for (auto& job : s.jobs)
        done.results.push_back(execute_one(*core, job));
    }
    finish(std::move(done));
  }
}

caf::error store_writer::open_error() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return open_error_;
}

void store_writer::run() {
  auto db = open_database(file_, opts_);
  caf::actor owner;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    owner = owner_;
    if (db) {
      core_ = std::make_unique<store_core>(std::move(*db));
    } else {
      open_error_ = db.error();
      // Tell the owner at once: it cannot work without its database.
      completed_.push_back(store_completion{0, {}, false, 0, open_error_});
    }
    writer_ready_ = true;
  }
  reads_cv_.notify_all();
  if (!db && owner)
    caf::anon_send(owner, writer_done_atom_v);
  for (;;) {
    submission s;
    {
      std::unique_lock<std::mutex> lock{mtx_};
      auto ready = [this] { return stopping_ || !queue_.empty(); };
      if (down_since_ms_.load() != 0) {
        // Try the server again when the backoff ends, even with nothing to
        // write: the status shows when it is back.
        if (!cv_.wait_until(lock, next_attempt_, ready)) {
          lock.unlock();
          ensure_connected();
          continue;
        }
      } else {
        cv_.wait(lock, ready);
      }
      if (queue_.empty())
        break; // stopping, and everything submitted is done
      s = std::move(queue_.front());
      queue_.pop_front();
    }
    finish(execute(s));
    {
      std::lock_guard<std::mutex> guard{mtx_};
      last_write_done_ = s.id;
    }
    reads_cv_.notify_all();
  }
  core_.reset();
  {
    // Every write is done: the readers finish what is left.
    std::lock_guard<std::mutex> guard{mtx_};
    last_write_done_ = std::numeric_limits<uint64_t>::max();
  }
  reads_cv_.notify_all();
}

bool store_writer::ensure_connected() {
  if (core_ && !core_->db().broken())
    return true;
  if (core_)
    lost_connection(caf::error{store_errc::unavailable,
                               redact_url(file_) + ": the connection to the server broke"});
  if (std::chrono::steady_clock::now() < next_attempt_)
    return false;
  auto db = open_database(file_, opts_);
  if (!db) {
    down_error_ = db.error();
    backoff_ = std::min(
        std::chrono::milliseconds{config::store_reconnect_backoff_ms_max},
        std::max(std::chrono::milliseconds{config::store_reconnect_backoff_ms_min}, backoff_ * 2));
    next_attempt_ = std::chrono::steady_clock::now() + backoff_;
    log().warn("{}; trying again in {} ms", runtime::to_text(down_error_), backoff_.count());
    return false;
  }
  try {
    core_ = std::make_unique<store_core>(std::move(*db));
  } catch (const std::exception& e) {
    down_error_ = classify(e, file_, "reconnecting");
    return false;
  }
  auto since = down_since_ms_.exchange(0);
  backoff_ = std::chrono::milliseconds{0};
  log().warn("{}: reconnected after {} ms down", redact_url(file_),
             since != 0 ? runtime::unix_now_ms() - since : 0);
  return true;
}

void store_writer::lost_connection(const caf::error& why) {
  core_.reset();
  down_error_ = why;
  if (down_since_ms_.load() == 0) {
    down_since_ms_ = runtime::unix_now_ms();
    log().error("{}: lost the database server; writes are refused until it is back",
                redact_url(file_));
  }
}

void store_writer::enable_fencing(std::string node) {
  node_ = std::move(node);
  fencing_ = true;
}

void store_writer::set_fence(const std::string& user, int64_t epoch) {
  std::lock_guard<std::mutex> guard{fence_mtx_};
  if (epoch > 0)
    fences_[user] = epoch;
  else
    fences_.erase(user);
  ++fence_changes_;
}

int64_t store_writer::held_epoch(const std::string& user) const {
  std::lock_guard<std::mutex> guard{fence_mtx_};
  auto i = fences_.find(user);
  return i == fences_.end() ? 0 : i->second;
}

std::optional<std::vector<std::string>> store_writer::users_of(const store_job& job,
                                                               bool may_query) {
  using users = std::vector<std::string>;
  auto one = [](std::optional<std::string> u) -> std::optional<users> {
    if (!u)
      return std::nullopt;
    return u->empty() ? users{} : users{*u};
  };
  auto account_user = [&](const std::string& account) {
    return core_->account_user(account, may_query);
  };
  auto of_path = [&](const std::string& path) -> std::optional<std::string> {
    auto owner = owner_of_path(path);
    if (owner.kind == path_owner::account)
      return account_user(owner.name);
    return owner.name; // "" for the node's own
  };
  auto of_agent = [&](const std::optional<std::string>& agent) -> std::optional<std::string> {
    if (!agent)
      return std::nullopt;
    return agent->empty() ? std::string{} : of_path(*agent);
  };
  return std::visit(
      overloaded{[&](const runtime::checkpoint& x) { return one(of_path(x.path)); },
                 [&](const ledger_txn& x) -> std::optional<users> {
                   users result;
                   for (auto& leg : x.legs) {
                     auto u = account_user(leg.account);
                     if (!u)
                       return std::nullopt;
                     if (!u->empty() && std::find(result.begin(), result.end(), *u) == result.end())
                       result.push_back(*u);
                   }
                   return result;
                 },
                 [&](const order_record& x) { return one(of_agent(x.agent)); },
                 [&](const fill_record& x) {
                   return one(of_agent(core_->order_agent(x.client_order_id, may_query)));
                 },
                 [&](const order_update& x) {
                   return one(of_agent(core_->order_agent(x.client_order_id, may_query)));
                 },
                 [&](const account_record& x) { return one(x.user); },
                 [&](const vault_write& x) -> std::optional<users> {
                   // The account's user and the users of the agents whose
                   // orders and fills it writes (the same one when the agent
                   // trades its own user's account).
                   auto result = one(account_user(x.op.account));
                   auto add = [&](const std::optional<std::string>& u) {
                     if (!result || !u)
                       result = std::nullopt;
                     else if (!u->empty() &&
                              std::find(result->begin(), result->end(), *u) == result->end())
                       result->push_back(*u);
                   };
                   for (auto& o : x.orders)
                     add(of_agent(o.agent));
                   for (auto& f : x.fills)
                     add(of_agent(core_->order_agent(f.client_order_id, may_query)));
                   for (auto& u : x.order_updates)
                     add(of_agent(core_->order_agent(u.client_order_id, may_query)));
                   return result;
                 },
                 [](const auto&) -> std::optional<users> { return users{}; }},
      job.op);
}

store_completion store_writer::execute(submission& s) {
  store_completion done;
  done.id = s.id;
  auto fail_all = [&](caf::error err) {
    if (core_)
      core_->rollback();
    done.failure = err;
    done.results.assign(s.jobs.size(), store_result{});
    for (auto& r : done.results)
      r.error = err;
  };
  if (!core_ && down_since_ms_.load() == 0) {
    fail_all(open_error_);
    return done;
  }
  if (!ensure_connected()) {
    fail_all(down_error_);
    return done;
  }
  auto fencing = fencing_.load() && s.batch;
  if (fencing) {
    if (auto n = fence_changes_.load(); n != fence_changes_seen_) {
      fence_changes_seen_ = n;
      core_->forget_path_slots();
    }
  }
  write_outline outline;
  for (auto& job : s.jobs) {
    if (job.fence)
      outline.fenced_users.push_back(job.fence->user);
    else if (fencing && job.is_write())
      if (auto users = users_of(job, false))
        outline.fenced_users.insert(outline.fenced_users.end(), users->begin(), users->end());
    std::visit(overloaded{[&](runtime::checkpoint&) { ++outline.checkpoints; },
                          [&](ledger_txn& x) { outline.ledger_txns.push_back(&x); },
                          [&](vault_write& x) { outline.vault_writes.push_back(&x); },
                          [](auto&) {}},
               job.op);
  }
  for (int attempt = 0;; ++attempt) {
    done.results.clear();
    try {
      core_->begin();
      core_->prefetch(outline);
      // The users this batch wrote for, under which epochs: noted in
      // user_writes before the commit, in the same transaction.
      std::vector<write_fence> wrote;
      for (auto& job : s.jobs) {
        auto passed = wrote.size();
        if (auto err = check_fences(job, fencing, wrote)) {
          ++fenced_refusals_;
          store_result r;
          r.error = std::move(err);
          done.results.push_back(std::move(r));
          wrote.resize(passed);
          continue;
        }
        done.results.push_back(execute_one(*core_, job));
        if (done.results.back().error)
          wrote.resize(passed);
      }
      if (fencing)
        note_writes(wrote);
      auto t0 = std::chrono::steady_clock::now();
      core_->commit();
      done.commit_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - t0)
                           .count();
      done.committed = true;
      return done;
    } catch (const std::exception& e) {
      auto err = classify(e, file_, done.results.size() < s.jobs.size() ? "write" : "commit");
      if (err == store_errc::conflict && attempt < config::store_conflict_retries_max) {
        // Nothing of it committed: run the whole batch again.
        core_->rollback();
        ++conflict_retries_;
        std::this_thread::sleep_for(conflict_pause(attempt));
        continue;
      }
      log().error("{} ({} writes refused)", runtime::to_text(err), s.jobs.size());
      // A broken connection: what was in flight may or may not have
      // committed; its writers hear an error and try again under the same
      // keys (every write is idempotent), never a second acknowledgement.
      auto broken = core_->db().broken();
      fail_all(std::move(err));
      if (broken)
        lost_connection(done.failure);
      return done;
    }
  }
}

std::chrono::microseconds store_writer::conflict_pause(int attempt) {
  auto full = std::min(config::store_conflict_backoff_us_max,
                       config::store_conflict_backoff_us_min << std::min(attempt, 16));
  std::uniform_int_distribution<int64_t> pick{full / 2, full};
  return std::chrono::microseconds{pick(rng_)};
}

caf::error store_writer::check_fences(const store_job& job, bool fencing,
                                      std::vector<write_fence>& passed) {
  if (job.fence) {
    if (auto err = core_->check_fence(*job.fence))
      return err;
    passed.push_back(*job.fence);
    return {};
  }
  if (!fencing || !job.is_write())
    return {};
  // Asked here, in the write's turn: an order recorded earlier in the
  // same batch is visible to its fills.
  auto users = users_of(job, true).value_or(std::vector<std::string>{});
  for (auto& user : users) {
    write_fence f{user, held_epoch(user)};
    if (auto err = core_->check_fence(f))
      return err;
    passed.push_back(std::move(f));
  }
  return {};
}

void store_writer::note_writes(std::vector<write_fence>& wrote) {
  std::sort(wrote.begin(), wrote.end(), [](const write_fence& a, const write_fence& b) {
    return std::tie(a.user, a.epoch) < std::tie(b.user, b.epoch);
  });
  for (size_t i = 0; i < wrote.size(); ++i)
    if (i == 0 || wrote[i].user != wrote[i - 1].user || wrote[i].epoch != wrote[i - 1].epoch)
      core_->note_fenced_write(wrote[i], node_);
}

store_result store_writer::execute_one(store_core& core, store_job& job) {
  // A failed read answers its own request; it never fails a batch.
  auto read = [&](auto f, const std::string& what) -> store_result {
    try {
      return from_value(f());
    } catch (const std::exception& e) {
      store_result r;
      r.error = classify(e, file_, what);
      return r;
    }
  };
  // Validation problems come back as values; SQLite failures throw (and fail
  // the whole batch in execute()).
  return std::visit(
      overloaded{
          [&](runtime::checkpoint& cp) -> store_result {
            if (auto err = store_core::validate(cp)) {
              store_result r;
              r.error = std::move(err);
              return r;
            }
            store_result r;
            r.value = core.save_checkpoint(cp);
            return r;
          },
          [&](ledger_txn& x) { return from_expected(core.append_ledger(x)); },
          [&](order_record& x) { return from_expected(core.record_order(x)); },
          [&](fill_record& x) { return from_expected(core.record_fill(x)); },
          [&](order_update& x) { return from_expected(core.update_order(x)); },
          [&](load_agent_book_op& x) {
            try {
              return from_expected(core.load_agent_book(x.query));
            } catch (const std::exception& e) {
              store_result r;
              r.error = classify(e, file_, "reading the orders of " + x.query.agent);
              return r;
            }
          },
          [&](load_order_op& x) {
            try {
              return from_expected(core.load_order(x.client_order_id));
            } catch (const std::exception& e) {
              store_result r;
              r.error = classify(e, file_, "reading order " + x.client_order_id);
              return r;
            }
          },
          [&](load_credential_op& x) {
            try {
              return from_expected(core.load_credential(x.venue, x.account));
            } catch (const std::exception& e) {
              store_result r;
              r.error = classify(e, file_, "reading a credential");
              return r;
            }
          },
          [&](audit_record& x) {
            store_result r;
            r.value = core.append_audit(x); // a copy: a conflict runs the batch again
            return r;
          },
          [&](alert_record& x) {
            store_result r;
            r.value = core.save_alert(x);
            return r;
          },
          [&](load_alerts_op& x) {
            return read([&] { return core.load_alerts(x.open_only, x.limit); },
                        "reading the alerts");
          },
          [&](load_checkpoints_op& x) {
            try {
              store_result r;
              r.value = core.load_checkpoints(x.path);
              return r;
            } catch (const std::exception& e) {
              store_result r;
              r.error = classify(e, file_, "loading the checkpoint of " + x.path);
              return r;
            }
          },
          [&](query_audit_op& x) {
            return read([&] { return core.query_audit(x.since_ms, x.limit); },
                        "reading the audit log");
          },
          [&](account_record& x) { return from_expected(core.open_account(x)); },
          [&](vault_write& x) { return from_expected(core.apply_vault_write(x)); },
          [&](load_vault_account_op& x) {
            return read([&] { return core.load_vault_account(x.account, x.since_ms, x.keep); },
                        "loading vault account " + x.account);
          },
          [&](load_reservation_op& x) {
            return read(
                [&] {
                  std::vector<reservation_record> rows;
                  if (auto row = core.load_reservation(x.account, x.id))
                    rows.push_back(std::move(*row));
                  return rows;
                },
                "reading reservation " + x.id + " of " + x.account);
          },
          [&](load_accounts_op&) {
            return read([&] { return core.load_accounts(); }, "loading the vault's accounts");
          },
          [&](load_vault_op_op& x) {
            return read(
                [&] {
                  std::vector<vault_op_record> rows;
                  if (auto row = core.load_vault_op(x.key))
                    rows.push_back(std::move(*row));
                  return rows;
                },
                "reading vault operation " + x.key);
          },
          [&](pending_transfers_op&) {
            return read([&] { return core.pending_transfers(); }, "reading pending transfers");
          },
          [&](farm_switch& x) { return from_expected(core.put_switch(x)); },
          [&](load_switches_op& x) {
            return read([&] { return core.load_switches(x.prefix); },
                        "reading the switches " + x.prefix + "*");
          },
          [&](account_placement_op& x) {
            return read([&] { return core.load_account_placement(x.account); },
                        "finding where account " + x.account + " runs");
          },
          [&](ledger_totals_op&) {
            return read([&] { return core.load_ledger_totals(); }, "summing the ledger");
          },
          [&](trading_check_op&) {
            return read([&] { return core.check_trading(); }, "checking the trading record");
          },
          [&](barrier_op&) {
            store_result r;
            r.value = true;
            return r;
          },
      },
      job.op);
}

} // namespace tfarm::persistence
