#include "persistence/sqlite_store.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "config/duration.hpp"
#include "config/limits.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/logger.hpp"
#include "persistence/store_core.hpp"
#include "persistence/store_status.hpp"
#include "persistence/store_writer.hpp"
#include "persistence/write_fence.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::persistence {

namespace {

/// Batches handed to the writer before further writes wait in the open one.
constexpr size_t writer_batches_queued_max = 2;

// Answers a typed promise with the T held by a result (or its error).
template <class T>
std::function<void(store_result&)> answer_with(caf::typed_response_promise<T> rp) {
  return [rp](store_result& r) mutable {
    if (r.error)
      rp.deliver(r.error);
    else
      rp.deliver(std::move(std::get<T>(r.value)));
  };
}

} // namespace

runtime::child_spec sqlite_store_spec(const config::farm_config& farm) {
  sqlite_store_params p;
  p.db = farm.store.target();
  p.statement_timeout_ms = farm.store.statement_timeout.count();
  p.pool_size = farm.limits.connection_pool_size;
  p.synchronous = farm.store.synchronous;
  p.batch_rows_max = farm.store.batch_rows_max;
  p.commit_wait_ms = farm.store.commit_wait.count();
  p.busy_timeout_ms = farm.store.busy_timeout.count();
  return runtime::spec_with("store", "sqlite_store", p);
}

sqlite_store::sqlite_store(caf::actor_config& cfg, runtime::spawn_context ctx)
    : super(cfg, std::move(ctx)) {
  auto p = runtime::params_of<sqlite_store_params>(spec());
  file_ = p.db;
  synchronous_ = p.synchronous;
  batch_rows_max_ = static_cast<int32_t>(std::min<int64_t>(p.batch_rows_max, INT32_MAX));
  commit_wait_ = std::chrono::milliseconds{p.commit_wait_ms};
  busy_timeout_ = std::chrono::milliseconds{p.busy_timeout_ms};
  max_page_count_ = p.max_page_count;
  statement_timeout_ = std::chrono::milliseconds{p.statement_timeout_ms};
  pool_size_ = std::max<int64_t>(2, p.pool_size);
  fenced_ = p.fenced;
  member_ = p.node_scope;
  if (!p.node_scope.empty())
    scope_prefix_ = "/node/" + p.node_scope;
  if (batch_rows_max_ < 1)
    batch_rows_max_ = 1;
  if (node()) {
    node()->set_store(caf::actor_cast<runtime::checkpoint_store_actor>(this));
    auto& m = node()->metrics();
    commit_seconds_ = m.summary("tfarm_store_commit_seconds",
                                "Time of one group commit (fsync included)", {}, 1'000'000);
    rows_total_ = m.counter("tfarm_store_rows_total", "Rows committed by the store");
    failed_total_ = m.counter("tfarm_store_failed_batches_total",
                              "Batches the store could not commit (their writers got an error)");
    queue_depth_ = m.gauge("tfarm_store_queue_depth", "Store jobs submitted and not finished");
  }
}

sqlite_store::~sqlite_store() = default;

runtime::kind_info sqlite_store::kind() {
  return runtime::make_kind<sqlite_store>(
      "sqlite_store", "SQLite store: checkpoints, ledger, orders, fills, audit (group commit)");
}

sqlite_store::behavior_type sqlite_store::make_behavior() {
  open_options opts;
  opts.synchronous = synchronous_;
  opts.busy_timeout = busy_timeout_;
  opts.max_page_count = max_page_count_;
  opts.statement_timeout = statement_timeout_;
  // One connection writes; the rest of the pool reads.
  writer_ = std::make_unique<store_writer>(file_, opts, caf::actor_cast<caf::actor>(this),
                                           static_cast<size_t>(pool_size_ - 1));
  if (fenced_)
    writer_->enable_fencing(member_.empty() ? std::string{"(unnamed)"} : member_);
  log().info("{}: opening (synchronous={}, batch_rows_max={}, commit_wait={})", redact_url(file_),
             synchronous_, batch_rows_max_, config::format_duration(commit_wait_));
  return {
      [this](runtime::load_checkpoint_atom,
             std::string& path) -> caf::result<std::vector<runtime::checkpoint>> {
        auto rp = make_response_promise<std::vector<runtime::checkpoint>>();
        if (scope_prefix_.empty()) {
          submit_read(store_job{load_checkpoints_op{std::move(path)}}, answer_with(rp));
        } else {
          submit_read(store_job{load_checkpoints_op{stored_path(path)}},
                      [this, rp](store_result& r) mutable {
                        if (r.error) {
                          rp.deliver(r.error);
                          return;
                        }
                        auto xs = std::move(std::get<std::vector<runtime::checkpoint>>(r.value));
                        for (auto& x : xs)
                          x.path = actor_path(x.path);
                        rp.deliver(std::move(xs));
                      });
        }
        return rp;
      },
      [this](runtime::save_checkpoint_atom, runtime::checkpoint& cp) -> caf::result<uint64_t> {
        if (fenced_ && !dropped_users_.empty()) {
          auto owner = owner_of_path(cp.path);
          if (owner.kind == path_owner::user && dropped_users_.count(owner.name) > 0) {
            ++refused_unheld_;
            publish_description();
            return caf::error{store_errc::fenced, "write for user " + owner.name +
                                                      " refused: this member no longer holds it"};
          }
        }
        auto rp = make_response_promise<uint64_t>();
        cp.path = stored_path(cp.path);
        add_write(store_job{std::move(cp)}, answer_with(rp));
        return rp;
      },
      [this](append_ledger_atom, ledger_txn& txn) -> caf::result<ledger_receipt> {
        auto rp = make_response_promise<ledger_receipt>();
        add_write(store_job{std::move(txn)}, answer_with(rp));
        return rp;
      },
      [this](record_order_atom, order_record& x) -> caf::result<bool> {
        auto rp = make_response_promise<bool>();
        add_write(store_job{std::move(x)}, answer_with(rp));
        return rp;
      },
      [this](load_order_atom, std::string& id) -> caf::result<order_record> {
        auto rp = make_response_promise<order_record>();
        submit_read(store_job{load_order_op{std::move(id)}}, answer_with(rp));
        return rp;
      },
      [this](load_agent_book_atom, agent_book_query& q) -> caf::result<agent_book> {
        auto rp = make_response_promise<agent_book>();
        submit_read(store_job{load_agent_book_op{std::move(q)}}, answer_with(rp));
        return rp;
      },
      [this](update_order_atom, order_update& x) -> caf::result<order_update_result> {
        auto rp = make_response_promise<order_update_result>();
        add_write(store_job{std::move(x)}, answer_with(rp));
        return rp;
      },
      [this](load_credential_atom, std::string& venue,
             std::string& account) -> caf::result<credential_record> {
        auto rp = make_response_promise<credential_record>();
        submit_read(store_job{load_credential_op{std::move(venue), std::move(account)}},
                    answer_with(rp));
        return rp;
      },
      [this](record_fill_atom, fill_record& x) -> caf::result<bool> {
        auto rp = make_response_promise<bool>();
        add_write(store_job{std::move(x)}, answer_with(rp));
        return rp;
      },
      [this](append_audit_atom, audit_record& x) -> caf::result<uint64_t> {
        auto rp = make_response_promise<uint64_t>();
        add_write(store_job{std::move(x)}, answer_with(rp));
        return rp;
      },
      [this](query_audit_atom, int64_t since_ms,
             uint32_t limit) -> caf::result<std::vector<audit_record>> {
        auto rp = make_response_promise<std::vector<audit_record>>();
        submit_read(store_job{query_audit_op{since_ms, limit}}, answer_with(rp));
        return rp;
      },
      [this](save_alert_atom, alert_record& x) -> caf::result<uint64_t> {
        auto rp = make_response_promise<uint64_t>();
        add_write(store_job{std::move(x)}, answer_with(rp));
        return rp;
      },
      [this](load_alerts_atom, bool open_only,
             uint32_t limit) -> caf::result<std::vector<alert_record>> {
        auto rp = make_response_promise<std::vector<alert_record>>();
        submit_read(store_job{load_alerts_op{open_only, limit}}, answer_with(rp));
        return rp;
      },
      [this](open_account_atom, account_record& x) -> caf::result<account_record> {
        auto rp = make_response_promise<account_record>();
        add_write(store_job{std::move(x)}, answer_with(rp));
        return rp;
      },
      [this](vault_write_atom, vault_write& x) -> caf::result<vault_write_result> {
        auto rp = make_response_promise<vault_write_result>();
        add_write(store_job{std::move(x)}, answer_with(rp));
        return rp;
      },
      [this](load_vault_account_atom, std::string& account, int64_t since_ms,
             uint32_t keep) -> caf::result<vault_account_data> {
        auto rp = make_response_promise<vault_account_data>();
        submit_read(store_job{load_vault_account_op{std::move(account), since_ms, keep}},
                    answer_with(rp));
        return rp;
      },
      [this](load_reservation_atom, std::string& account,
             std::string& id) -> caf::result<std::vector<reservation_record>> {
        auto rp = make_response_promise<std::vector<reservation_record>>();
        submit_read(store_job{load_reservation_op{std::move(account), std::move(id)}},
                    answer_with(rp));
        return rp;
      },
      [this](load_accounts_atom) -> caf::result<std::vector<account_record>> {
        auto rp = make_response_promise<std::vector<account_record>>();
        submit_read(store_job{load_accounts_op{}}, answer_with(rp));
        return rp;
      },
      [this](load_vault_op_atom, std::string& key) -> caf::result<std::vector<vault_op_record>> {
        auto rp = make_response_promise<std::vector<vault_op_record>>();
        submit_read(store_job{load_vault_op_op{std::move(key)}}, answer_with(rp));
        return rp;
      },
      [this](pending_transfers_atom) -> caf::result<std::vector<vault_op_record>> {
        auto rp = make_response_promise<std::vector<vault_op_record>>();
        submit_read(store_job{pending_transfers_op{}}, answer_with(rp));
        return rp;
      },
      [this](put_switch_atom, farm_switch& x) -> caf::result<bool> {
        auto rp = make_response_promise<bool>();
        add_write(store_job{std::move(x)}, answer_with(rp));
        return rp;
      },
      [this](load_switches_atom, std::string& prefix) -> caf::result<std::vector<farm_switch>> {
        auto rp = make_response_promise<std::vector<farm_switch>>();
        submit_read(store_job{load_switches_op{std::move(prefix)}}, answer_with(rp));
        return rp;
      },
      [this](account_placement_atom, std::string& account) -> caf::result<account_placement> {
        auto rp = make_response_promise<account_placement>();
        submit_read(store_job{account_placement_op{std::move(account)}}, answer_with(rp));
        return rp;
      },
      [this](ledger_totals_atom) -> caf::result<ledger_totals> {
        auto rp = make_response_promise<ledger_totals>();
        submit_read(store_job{ledger_totals_op{}}, answer_with(rp));
        return rp;
      },
      [this](trading_check_atom) -> caf::result<std::vector<trading_finding>> {
        auto rp = make_response_promise<std::vector<trading_finding>>();
        submit_read(store_job{trading_check_op{}}, answer_with(rp));
        return rp;
      },
      [this](flush_atom) -> caf::result<bool> {
        flush_armed_ = false;
        auto rp = make_response_promise<bool>();
        submit_read(store_job{barrier_op{}}, answer_with(rp));
        return rp;
      },
      [this](set_fence_atom, write_fence& f) -> caf::result<bool> {
        if (!fenced_ || !writer_)
          return caf::error{store_errc::invalid_record,
                            "this store does not fence writes (not a cluster member's)"};
        writer_->set_fence(f.user, f.epoch);
        if (f.epoch > 0)
          dropped_users_.erase(f.user);
        else
          dropped_users_.insert(f.user);
        if (f.epoch > 0)
          log().info("writes for user {} are fenced with epoch {}", f.user, f.epoch);
        else
          log().info("writes for user {} are refused from now on (not held)", f.user);
        return true;
      },
      [this](writer_done_atom) { collect(); },
  };
}

std::string sqlite_store::stored_path(const std::string& path) const {
  if (scope_prefix_.empty() || owner_of_path(path).kind != path_owner::node)
    return path;
  return path == "/" ? scope_prefix_ : scope_prefix_ + path;
}

std::string sqlite_store::actor_path(const std::string& stored) const {
  if (scope_prefix_.empty() || stored.compare(0, scope_prefix_.size(), scope_prefix_) != 0)
    return stored;
  auto rest = stored.substr(scope_prefix_.size());
  return rest.empty() ? "/" : rest;
}

void sqlite_store::add_write(store_job job, reply answer) {
  open_jobs_.push_back(std::move(job));
  open_replies_.push_back(std::move(answer));
  if (open_jobs_.size() >= static_cast<size_t>(batch_rows_max_)) {
    maybe_submit(false);
  } else if (commit_wait_.count() > 0 && !flush_armed_) {
    flush_armed_ = true;
    caf::delayed_anon_send(caf::actor_cast<store_actor>(this), commit_wait_, flush_atom_v);
  }
}

caf::invoke_message_result sqlite_store::consume(caf::mailbox_element& x) {
  auto result = super::consume(x);
  // No further message waiting: whatever is open may go to the writer.
  if (!open_jobs_.empty() && mailbox().empty())
    maybe_submit(true);
  return result;
}

void sqlite_store::maybe_submit(bool idle) {
  if (open_jobs_.empty() || !writer_)
    return;
  auto full = open_jobs_.size() >= static_cast<size_t>(batch_rows_max_);
  // Group commit: while the writer commits, new writes join the open batch;
  // it goes to the writer once the writer is free (or the batch is full).
  if (jobs_in_flight_ == 0 && (commit_wait_.count() == 0 || !idle || full))
    submit_open_batch();
  else if (full && jobs_in_flight_ < writer_batches_queued_max)
    submit_open_batch();
}

void sqlite_store::submit_open_batch() {
  auto id = ++next_job_id_;
  submitted_.emplace_back(id, std::move(open_replies_));
  writer_->submit(id, std::move(open_jobs_), true);
  open_jobs_.clear();
  open_replies_.clear();
  ++jobs_in_flight_;
  publish_queue_depth();
}

void sqlite_store::submit_read(store_job job, reply answer) {
  // Everything that arrived before the read is written before it.
  if (!open_jobs_.empty())
    submit_open_batch();
  auto id = ++next_job_id_;
  std::vector<reply> replies;
  replies.push_back(std::move(answer));
  submitted_.emplace_back(id, std::move(replies));
  std::vector<store_job> jobs;
  jobs.push_back(std::move(job));
  writer_->submit(id, std::move(jobs), false);
  ++jobs_in_flight_;
  publish_queue_depth();
}

void sqlite_store::publish_queue_depth() {
  if (queue_depth_ != nullptr)
    queue_depth_->set(static_cast<int64_t>(jobs_in_flight_ + open_jobs_.size()));
}

void sqlite_store::collect() {
  if (!writer_)
    return;
  // Answers go out after the next batch went to the writer: the writer
  // should never wait while this actor sends hundreds of replies.
  std::vector<std::pair<std::vector<reply>, std::vector<store_result>>> answers;
  auto answer_all = [&answers] {
    for (auto& [replies, results] : answers)
      for (size_t k = 0; k < replies.size() && k < results.size(); ++k)
        replies[k](results[k]);
  };
  for (auto& done : writer_->take_completed()) {
    if (done.id == 0) {
      // The database could not be opened: this store cannot work.
      last_error_ = system().render(done.failure);
      log().error("{}", last_error_);
      answer_all();
      quit(done.failure);
      return;
    }
    auto i = std::find_if(submitted_.begin(), submitted_.end(),
                          [&](const auto& s) { return s.first == done.id; });
    if (i == submitted_.end())
      continue;
    auto replies = std::move(i->second);
    submitted_.erase(i);
    --jobs_in_flight_;
    publish_queue_depth();
    if (done.committed) {
      ++commits_;
      rows_committed_ += replies.size();
      largest_batch_ = std::max<uint64_t>(largest_batch_, replies.size());
      last_commit_us_ = done.commit_us;
      if (commit_seconds_ != nullptr) {
        commit_seconds_->observe(done.commit_us);
        rows_total_->add(static_cast<int64_t>(replies.size()));
      }
    } else if (done.failure) {
      ++failed_batches_;
      if (failed_total_ != nullptr)
        failed_total_->add();
      last_error_ = system().render(done.failure);
    }
    answers.emplace_back(std::move(replies), std::move(done.results));
  }
  maybe_submit(mailbox().empty());
  // The registry shows a commit before anyone hears of it.
  publish_description();
  answer_all();
}

void sqlite_store::on_exit() {
  // Whatever arrived before the stop is written and answered.
  if (writer_) {
    if (!open_jobs_.empty())
      submit_open_batch();
    writer_->stop();
    collect();
    writer_.reset();
  }
  if (node() && node()->store() == caf::actor_cast<runtime::checkpoint_store_actor>(this))
    node()->set_store({});
  super::on_exit();
}

std::string sqlite_store::describe() const {
  store_status x;
  x.backend = is_postgres_url(file_) ? "postgresql" : "sqlite";
  x.file = redact_url(file_);
  x.down_since_ms = writer_ ? writer_->down_since_ms() : 0;
  x.connected = x.down_since_ms == 0;
  x.synchronous = synchronous_;
  x.commits = commits_;
  x.rows = rows_committed_;
  x.largest_batch = largest_batch_;
  x.avg_batch = commits_ > 0 ? rows_committed_ / commits_ : 0;
  x.last_commit_us = last_commit_us_;
  x.failed_batches = failed_batches_;
  x.queued_jobs = jobs_in_flight_;
  x.open_writes = open_jobs_.size();
  x.last_error = last_error_;
  x.fenced = fenced_;
  x.fenced_refusals = (writer_ ? writer_->fenced_refusals() : 0) + refused_unheld_;
  x.conflict_retries = writer_ ? writer_->conflict_retries() : 0;
  return runtime::status_json(x);
}

} // namespace tfarm::persistence
