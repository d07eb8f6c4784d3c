// vault_transfers: durable two-phase transfers between random pairs of 1,000
// accounts through the vault (synchronous=FULL), with many in flight (as
// many clients would have), against raw SQLiteCpp batched inserts of the
// same number of rows (ledger_entries, the ledger's widest table) in
// transactions of the store's average group-commit size, in the same run,
// on the same disk.
//
// rows_per_transfer counts every row a transfer writes: 2 ledger
// transactions, 4 ledger entries, 4 balance rows, 2 journal rows and the
// journal's post update.
#include <atomic>
#include <memory>
#include <random>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/kinds.hpp"
#include "actors/vault/vault_interfaces.hpp"
#include "actors/vault/vault_setup.hpp"
#include "bench/bench_support.hpp"
#include "bench/closed_loop.hpp"
#include "bench/pg_bench.hpp"
#include "bench/raw_sqlite.hpp"
#include "bench/sqlite_node.hpp"
#include "persistence/database.hpp"
#include "persistence/kinds.hpp"
#include "persistence/maintenance.hpp"
#include "runtime/builtin_kinds.hpp"
#include "runtime/node.hpp"

namespace tfarm::bench {

namespace {

constexpr uint64_t accounts_n = 1'000;
/// Accounts at the smallest --scale (transfers need distinct pairs).
constexpr uint64_t accounts_min = 10;
constexpr uint64_t transfers_n = 40'000;
constexpr uint64_t in_flight_max = 1'000;
constexpr int64_t rows_per_transfer = 13;
/// Store writes per transfer (debit, credit, post).
constexpr int64_t writes_per_transfer = 3;
constexpr auto request_timeout = std::chrono::seconds{60};

std::unique_ptr<runtime::node> start_node(const std::string& file, const scenario_options& opts) {
  auto farm = sqlite_farm(file, opts);
  farm.vault.request_timeout = std::chrono::milliseconds{60'000};
  config::supervisor_policy accounts;
  accounts.path = "/vault/accounts";
  accounts.intensity = 1'000;
  accounts.parallel_shutdown = true;
  farm.policies.add(accounts);
  return start_sqlite_node(farm);
}

// Opens and funds the accounts (all requests of a kind in flight at once);
// funding starts every account's actor.
void prepare_accounts(runtime::node& n, const actors::vault_actor& gw, uint64_t accounts) {
  caf::scoped_actor self{n.system()};
  auto all = [&](actors::vault_op op) {
    std::vector<decltype(self->request(gw, request_timeout, actors::vault_request{}))> pending;
    for (uint64_t i = 0; i < accounts; ++i) {
      actors::vault_request r;
      r.op = op;
      r.user = "u" + std::to_string(i);
      r.account = "acct-" + std::to_string(i);
      r.key = "fund";
      r.asset = "USD";
      r.amount = 1'000'000'000;
      pending.push_back(self->request(gw, request_timeout, std::move(r)));
    }
    for (auto& p : pending)
      p.receive([](actors::vault_reply&) {},
                [](caf::error& err) { throw std::runtime_error(runtime::to_text(err)); });
  };
  all(actors::vault_op::open);
  all(actors::vault_op::deposit);
}

load_result run_load(runtime::node& n, const actors::vault_actor& gw, uint64_t count,
                     uint64_t accounts) {
  auto rng = std::make_shared<std::mt19937_64>(7);
  return closed_loop(n.system(), count, in_flight_max,
                     [gw, accounts, rng](caf::event_based_actor* self, uint64_t i,
                                         std::function<void(bool)> done) {
                       auto from = (*rng)() % accounts;
                       auto to = (from + 1 + (*rng)() % (accounts - 1)) % accounts;
                       actors::vault_request r;
                       r.op = actors::vault_op::transfer;
                       r.user = "u" + std::to_string(from);
                       r.account = "acct-" + std::to_string(from);
                       r.to_account = "acct-" + std::to_string(to);
                       r.key = "t" + std::to_string(i);
                       r.asset = "USD";
                       r.amount = 1;
                       self->request(gw, request_timeout, std::move(r))
                           .then([done](actors::vault_reply&) { done(true); },
                                 [done](caf::error&) { done(false); });
                     });
}

nlohmann::json run(const scenario_options& opts, bool pg) {
  temp_dir dir{opts.dir};
  auto file = pg ? pg_bench_database("vault") : dir.file("vault.db");
  auto count = scaled(transfers_n, opts);
  auto accounts = std::max<uint64_t>(accounts_min, scaled(accounts_n, opts));
  load_result load;
  uint64_t batch_jobs = 1;
  {
    auto n = start_node(file, opts);
    auto gw = actors::find_gateway(n->context());
    prepare_accounts(*n, gw, accounts);
    auto before =
        nlohmann::json::parse(n->context().registry().find("/store")->snapshot().state_json);
    load = run_load(*n, gw, count, accounts);
    auto after =
        nlohmann::json::parse(n->context().registry().find("/store")->snapshot().state_json);
    auto commits = after["commits"].get<uint64_t>() - before["commits"].get<uint64_t>();
    auto rows = after["rows"].get<uint64_t>() - before["rows"].get<uint64_t>();
    batch_jobs = std::max<uint64_t>(1, commits > 0 ? rows / commits : 1);
    n->stop();
  }
  auto batch_rows = std::max<uint64_t>(1, batch_jobs * rows_per_transfer / writes_per_transfer);
  auto baseline = pg ? raw_pg_ledger_rows_per_s(pg_bench_database("vaultraw"),
                                                count * rows_per_transfer, batch_rows, accounts_n)
                     : raw_ledger_rows_per_s(dir.file("raw.db"), count * rows_per_transfer,
                                             batch_rows, accounts_n);
  auto value = static_cast<double>(load.ok) / load.seconds;
  nlohmann::json j;
  j["scenario"] = pg ? "vault_transfers_pg" : "vault_transfers";
  if (pg)
    j["baseline_kind"] = "raw libpq, pipeline mode, one transaction per batch";
  j["value"] = std::llround(value);
  j["baseline"] = std::llround(baseline);
  j["rows_per_transfer"] = rows_per_transfer;
  j["ratio"] = std::round(value * rows_per_transfer / baseline * 1000) / 1000;
  j["p99_us"] = std::round(percentile(load.latencies_us, 99));
  j["p50_us"] = std::round(percentile(load.latencies_us, 50));
  j["transfers"] = load.ok;
  j["failed"] = load.failed;
  j["accounts"] = accounts;
  j["in_flight"] = in_flight_max;
  j["avg_batch_writes"] = batch_jobs;
  j["synchronous"] = pg ? "synchronous_commit=on, fsync=on" : "full";
  return j;
}

} // namespace

nlohmann::json vault_transfers(const scenario_options& opts) {
  return run(opts, false);
}

nlohmann::json vault_transfers_pg(const scenario_options& opts) {
  return run(opts, true);
}

} // namespace tfarm::bench
