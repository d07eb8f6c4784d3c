#include "persistence/sqlite_store.hpp"

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "config/duration.hpp"
#include "config/limits.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/logger.hpp"
#include "persistence/store_core.hpp"

namespace tfarm::persistence {

namespace {

int64_t param_int(const runtime::child_spec& spec, const std::string& key, int64_t fallback) {
  auto i = spec.params.find(key);
  if (i == spec.params.end())
    return fallback;
  std::string why;
  auto x = config::parse_integer(i->second, 0, INT64_MAX, why);
  return x ? *x : fallback;
}

std::string param_str(const runtime::child_spec& spec, const std::string& key,
                      std::string fallback) {
  auto i = spec.params.find(key);
  return i != spec.params.end() ? i->second : fallback;
}

int64_t micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

} // namespace

sqlite_store::sqlite_store(caf::actor_config& cfg, runtime::spawn_context ctx)
    : super(cfg, std::move(ctx)), file_(param_str(spec(), "db", "tfarm.db")),
      synchronous_(param_str(spec(), "synchronous", "full")),
      batch_rows_max_(static_cast<int32_t>(
          param_int(spec(), "batch_rows_max", config::store_batch_rows_default))),
      commit_wait_(param_int(spec(), "commit_wait_ms", 0)),
      busy_timeout_(param_int(spec(), "busy_timeout_ms", config::store_busy_timeout_ms_default)),
      max_page_count_(param_int(spec(), "max_page_count", 0)) {
  if (batch_rows_max_ < 1)
    batch_rows_max_ = 1;
  if (node())
    node()->set_store(caf::actor_cast<runtime::checkpoint_store_actor>(this));
}

sqlite_store::~sqlite_store() = default;

runtime::kind_info sqlite_store::kind() {
  return runtime::make_kind<sqlite_store, caf::detached>(
      "sqlite_store", "SQLite store: checkpoints, ledger, orders, fills, audit (group commit)");
}

sqlite_store::behavior_type sqlite_store::make_behavior() {
  open_options opts;
  opts.synchronous = synchronous_;
  opts.busy_timeout = busy_timeout_;
  opts.max_page_count = max_page_count_;
  auto db = open_database(file_, opts);
  if (!db) {
    log().error("{}", system().render(db.error()));
    quit(db.error());
    return behavior_type::make_empty_behavior();
  }
  core_ = std::make_unique<store_core>(std::move(*db), file_);
  log().info("{}: open (synchronous={}, batch_rows_max={}, commit_wait={})", file_, synchronous_,
             batch_rows_max_, config::format_duration(commit_wait_));
  return {
      [this](runtime::load_checkpoint_atom,
             const std::string& path) -> caf::result<std::vector<runtime::checkpoint>> {
        if (auto err = flush_for_read())
          return err;
        try {
          return core_->load_checkpoints(path);
        } catch (const std::exception& e) {
          return classify(e, file_, "loading the checkpoint of " + path);
        }
      },
      [this](runtime::save_checkpoint_atom, runtime::checkpoint& cp) -> caf::result<uint64_t> {
        return write<uint64_t>([&]() -> caf::expected<uint64_t> {
          if (auto err = store_core::validate(cp))
            return err;
          return core_->save_checkpoint(cp);
        });
      },
      [this](append_ledger_atom, ledger_txn& txn) -> caf::result<ledger_receipt> {
        return write<ledger_receipt>([&] { return core_->append_ledger(txn); });
      },
      [this](record_order_atom, order_record& x) -> caf::result<bool> {
        return write<bool>([&] { return core_->record_order(x); });
      },
      [this](record_fill_atom, fill_record& x) -> caf::result<bool> {
        return write<bool>([&] { return core_->record_fill(x); });
      },
      [this](append_audit_atom, audit_record& x) -> caf::result<uint64_t> {
        return write<uint64_t>(
            [&]() -> caf::expected<uint64_t> { return core_->append_audit(std::move(x)); });
      },
      [this](query_audit_atom, int64_t since_ms,
             uint32_t limit) -> caf::result<std::vector<audit_record>> {
        if (auto err = flush_for_read())
          return err;
        try {
          return core_->query_audit(since_ms, limit);
        } catch (const std::exception& e) {
          return classify(e, file_, "reading the audit log");
        }
      },
      [this](flush_atom) -> caf::result<bool> {
        flush_armed_ = false;
        if (auto err = flush_for_read())
          return err;
        return true;
      },
  };
}

template <class T, class F>
caf::result<T> sqlite_store::write(F op) {
  try {
    if (!core_->in_transaction())
      core_->begin();
    caf::expected<T> res = op();
    if (!res)
      return std::move(res.error()); // refused before anything was written
    auto rp = make_response_promise<T>();
    pending_.push_back(pending_reply{[rp, value = std::move(*res)]() mutable { rp.deliver(value); },
                                     [rp](const caf::error& err) mutable { rp.deliver(err); }});
    after_write();
    return rp;
  } catch (const std::exception& e) {
    auto err = classify(e, file_, "write");
    fail_batch(err);
    return err;
  }
}

void sqlite_store::after_write() {
  if (pending_.size() >= static_cast<size_t>(batch_rows_max_)) {
    commit_now();
  } else if (commit_wait_.count() > 0 && !flush_armed_) {
    flush_armed_ = true;
    caf::delayed_anon_send(caf::actor_cast<store_actor>(this), commit_wait_, flush_atom_v);
  }
}

caf::invoke_message_result sqlite_store::consume(caf::mailbox_element& x) {
  auto result = super::consume(x);
  // Group commit: the transaction stays open while more messages wait (their
  // writes join it) and commits once the mailbox is empty.
  if (core_ && core_->in_transaction() && commit_wait_.count() == 0 && mailbox().empty())
    commit_now();
  return result;
}

void sqlite_store::commit_now() {
  if (!core_ || !core_->in_transaction())
    return;
  auto t0 = std::chrono::steady_clock::now();
  try {
    core_->commit();
  } catch (const std::exception& e) {
    fail_batch(classify(e, file_, "commit"));
    return;
  }
  last_commit_us_ = micros_since(t0);
  ++commits_;
  rows_committed_ += pending_.size();
  largest_batch_ = std::max<uint64_t>(largest_batch_, pending_.size());
    auto replies = std::move(pending_);
  pending_.clear();
  for (auto& r : replies)
    r.ok();
  publish_description();
}

void sqlite_store::fail_batch(const caf::error& err) {
  if (core_)
    core_->rollback();
  ++failed_batches_;
  last_error_ = system().render(err);
  log().error("{} ({} writes refused)", last_error_, pending_.size());
    auto replies = std::move(pending_);
  pending_.clear();
  for (auto& r : replies)
    r.fail(err);
  publish_description();
}

caf::error sqlite_store::flush_for_read() {
  // A failed commit rolls back (its writers got the error); either way the
  // read then sees only durable data.
  commit_now();
  return {};
}

void sqlite_store::on_exit() {
  // Whatever arrived before the stop is committed and answered.
  commit_now();
  if (node() && node()->store() == caf::actor_cast<runtime::checkpoint_store_actor>(this))
    node()->set_store({});
  core_.reset();
  super::on_exit();
}

std::string sqlite_store::describe() const {
  nlohmann::json j;
  j["backend"] = "sqlite";
  j["file"] = file_;
  j["synchronous"] = synchronous_;
  j["commits"] = commits_;
  j["rows"] = rows_committed_;
  j["largest_batch"] = largest_batch_;
  j["avg_batch"] = commits_ > 0 ? rows_committed_ / commits_ : 0;
  j["last_commit_us"] = last_commit_us_;
  j["failed_batches"] = failed_batches_;
  if (!last_error_.empty())
    j["last_error"] = last_error_;
  return j.dump();
}

} // namespace tfarm::persistence
