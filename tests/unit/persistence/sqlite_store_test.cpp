// The store actor: group commit, durable acknowledgements, refusals.
#include "store_fixture.hpp"

#include <fstream>
#include <set>

#include <unistd.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/store_core.hpp"
#include "test_database.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

namespace {

class sqlite_store_test : public test::store_fixture {};

// What the store actor does the same on either backend.
class store_actor_test : public test::store_fixture,
                         public testing::WithParamInterface<test::backend> {
protected:
  std::string target() { return test::fresh_database(GetParam(), dir_.path().string()); }
};

// Everything `file` holds, read with a fresh connection after the store is
// gone: what survived.
std::unique_ptr<store_core> reopen(const std::string& file) {
  auto db = open_database(file);
  EXPECT_TRUE(db) << runtime::to_text(db.error());
  return std::make_unique<store_core>(std::move(*db));
}

} // namespace

TEST_P(store_actor_test, many_concurrent_writers_share_commits_and_every_ack_is_durable) {
  auto file = target();
  start_store(file);
  constexpr int writers = 2000;
  caf::scoped_actor self{sys_};
  // All requests are in flight at once; then every answer is collected.
  using handle = decltype(self->request(store_, test::store_test_timeout,
                                        runtime::save_checkpoint_atom_v, runtime::checkpoint{}));
  std::vector<handle> pending;
  for (int i = 0; i < writers; ++i)
    pending.push_back(
        self->request(store_, test::store_test_timeout, runtime::save_checkpoint_atom_v,
                      test::make_checkpoint("/w/" + std::to_string(i), std::string(200, 'x'))));
  std::set<uint64_t> acked;
  for (auto& rh : pending)
    rh.receive([&](uint64_t seq) { acked.insert(seq); },
               [&](caf::error& err) { ADD_FAILURE() << runtime::to_text(err); });
  EXPECT_EQ(acked.size(), static_cast<size_t>(writers));
  auto stats = nlohmann::json::parse(describe());
  EXPECT_EQ(stats["rows"].get<uint64_t>(), static_cast<uint64_t>(writers));
  EXPECT_LT(stats["commits"].get<uint64_t>(), static_cast<uint64_t>(writers) / 4)
      << "writes that arrive while a transaction is open join it: " << stats.dump();
  stop_store();
  auto core = reopen(file);
  EXPECT_EQ(core->load_all_checkpoints().size(), static_cast<size_t>(writers));
}

TEST_P(store_actor_test, a_refused_write_does_not_disturb_the_others_in_its_batch) {
  start_store(target());
  caf::scoped_actor self{sys_};
  auto ok1 = ledger_txn{
      "a", "deposit", {{"x", "USD", "available", 5}, {"@ext", "USD", "available", -5}}, ""};
  auto bad = ledger_txn{
      "b", "deposit", {{"x", "USD", "available", 5}, {"@ext", "USD", "available", -4}}, ""};
  auto ok2 = ledger_txn{
      "c", "deposit", {{"x", "USD", "available", 1}, {"@ext", "USD", "available", -1}}, ""};
  int good = 0;
  std::string refusal;
  using handle =
      decltype(self->request(store_, test::store_test_timeout, append_ledger_atom_v, ok1));
  std::vector<handle> pending;
  for (auto* t : {&ok1, &bad, &ok2})
    pending.push_back(self->request(store_, test::store_test_timeout, append_ledger_atom_v, *t));
  for (auto& rh : pending)
    rh.receive([&](ledger_receipt&) { ++good; },
               [&](caf::error& err) { refusal = runtime::to_text(err); });
  EXPECT_EQ(good, 2);
  EXPECT_EQ(refusal, "unbalanced_transaction: ledger transaction b: legs in USD sum to 1, not 0");
  auto replay = ask<ledger_receipt>(append_ledger_atom_v, ok1);
  ASSERT_TRUE(replay);
  EXPECT_TRUE(replay->replayed);
}

TEST_P(store_actor_test, loads_see_the_newest_saved_state_and_fall_back_versions) {
  start_store(target());
  ASSERT_TRUE(ask<uint64_t>(runtime::save_checkpoint_atom_v, test::make_checkpoint("/p", "v1")));
  ASSERT_TRUE(ask<uint64_t>(runtime::save_checkpoint_atom_v, test::make_checkpoint("/p", "v2")));
  ASSERT_TRUE(ask<uint64_t>(runtime::save_checkpoint_atom_v, test::make_checkpoint("/p", "v3")));
  auto cps =
      ask<std::vector<runtime::checkpoint>>(runtime::load_checkpoint_atom_v, std::string{"/p"});
  ASSERT_TRUE(cps);
  ASSERT_EQ(cps->size(), 2u);
  EXPECT_EQ(cps->at(0).blob, "v3");
  EXPECT_EQ(cps->at(1).blob, "v2");
  auto corrupt = test::make_checkpoint("/p", "v4");
  corrupt.crc32 ^= 1;
  auto refused = ask<uint64_t>(runtime::save_checkpoint_atom_v, corrupt);
  ASSERT_FALSE(refused);
  EXPECT_EQ(runtime::to_text(refused.error()),
            "checkpoint_corrupt: checkpoint of /p does not match its CRC-32");
}

TEST_F(sqlite_store_test, a_full_disk_refuses_writes_and_loses_nothing_acknowledged) {
  auto file = dir_.file("s.db");
  { ASSERT_TRUE(open_database(file)); } // create the schema first
  start_store(file, {{"max_page_count", "60"}});
  std::vector<std::string> acked;
  caf::error full;
  for (int i = 0; i < 500 && !full; ++i) {
    auto path = "/big/" + std::to_string(i);
    auto r = ask<uint64_t>(runtime::save_checkpoint_atom_v,
                           test::make_checkpoint(path, std::string(4000, 'z')));
    if (r)
      acked.push_back(path);
    else
      full = r.error();
  }
  ASSERT_TRUE(full) << "the page limit was never reached";
  auto text = runtime::to_text(full);
  EXPECT_EQ(full.code(), static_cast<uint8_t>(store_errc::disk_full)) << text;
  EXPECT_NE(text.find(file + ": write failed: disk full"), std::string::npos) << text;
  EXPECT_NE(text.find("nothing acknowledged was lost"), std::string::npos) << text;
  EXPECT_FALSE(acked.empty());
  // The store lives on: reads work, small writes still fit.
  auto cps = ask<std::vector<runtime::checkpoint>>(runtime::load_checkpoint_atom_v, acked.front());
  ASSERT_TRUE(cps);
  EXPECT_EQ(cps->size(), 1u);
  EXPECT_FALSE(nlohmann::json::parse(describe())["last_error"].get<std::string>().empty());
  stop_store();
  auto core = reopen(file);
  for (auto& p : acked)
    EXPECT_EQ(core->load_checkpoints(p).size(), 1u) << p << " was acknowledged but is gone";
}

TEST_F(sqlite_store_test, a_corrupt_file_is_reported_with_the_way_out) {
  auto file = dir_.file("junk.db");
  {
    std::ofstream out{file};
    out << std::string(8192, 'J');
  }
  auto db = open_database(file);
  ASSERT_FALSE(db);
  EXPECT_EQ(runtime::to_text(db.error()),
            "corrupt: " + file +
                ": opening failed: the file is corrupt or not a database (SQLite: "
                "file is not a database); restore a backup with `tfarm db restore --db " +
                file + " --from BACKUP`");
  // A store on it fails at once with the same message (its supervisor or
  // the node reports it).
  caf::scoped_actor self{sys_};
  auto store = start_store(file);
  self->monitor(store);
  caf::error reason;
  self->receive([&](caf::down_msg& msg) { reason = msg.reason; },
                caf::after(test::store_test_timeout) >> [] { ADD_FAILURE() << "no down"; });
  EXPECT_EQ(reason.code(), static_cast<uint8_t>(store_errc::corrupt));
  store_ = nullptr;
}

TEST(classify, names_the_file_the_problem_and_the_way_out) {
  register_error_names();
  auto text = [](int code) {
    return runtime::to_text(classify(SQLite::Exception{"boom", code}, "f.db", "commit"));
  };
  EXPECT_EQ(text(SQLITE_FULL), "disk_full: f.db: commit failed: disk full (SQLite: boom); writes "
                               "are refused until space is freed, nothing acknowledged was lost");
  EXPECT_EQ(text(SQLITE_READONLY),
            "read_only: f.db: commit failed: the database is read-only (SQLite: boom); fix the "
            "permissions of the file and its folder, or use --db elsewhere");
  EXPECT_EQ(text(SQLITE_BUSY), "locked: f.db: commit failed: locked by another process (SQLite: "
                               "boom); stop the other process (another tfarm node?) or use --db "
                               "elsewhere");
  EXPECT_EQ(text(SQLITE_CANTOPEN).find("open_failed: f.db: commit failed: cannot open the file"),
            0u);
  EXPECT_EQ(text(SQLITE_IOERR), "io_error: f.db: commit failed (SQLite: boom)");
}

TEST_P(store_actor_test, reads_see_the_writes_before_them_on_connections_of_their_own) {
  auto file = target();
  start_store(file, {{"pool_size", "3"}});
  caf::scoped_actor self{sys_};
  // Reads sent right behind writes (no waiting in between) see them.
  for (int i = 0; i < 50; ++i) {
    self->send(store_, runtime::save_checkpoint_atom_v,
               test::make_checkpoint("/r/" + std::to_string(i), "v"));
    auto cps = ask<std::vector<runtime::checkpoint>>(runtime::load_checkpoint_atom_v,
                                                     "/r/" + std::to_string(i));
    ASSERT_TRUE(cps);
    ASSERT_EQ(cps->size(), 1u) << "read " << i << " did not see the write before it";
  }
  if (GetParam() == test::backend::postgresql) {
    // The writer and the readers never share a connection: this process
    // holds more than one on the database.
    open_options ro;
    ro.migrate = false;
    auto db = open_database(file, ro);
    ASSERT_TRUE(db);
    auto mine = "tfarm pid " + std::to_string(getpid());
    auto q = (*db)->prepare("SELECT COUNT(*) FROM pg_stat_activity WHERE "
                            "datname = current_database() AND application_name = ?");
    q->bind(1, mine);
    ASSERT_TRUE(q->step());
    EXPECT_GE(q->int64(0), 3) << "the store's writer, a reader, and this check";
  }
}

INSTANTIATE_TEST_SUITE_P(backends, store_actor_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
