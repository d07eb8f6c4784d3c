// tfarm_store_torture DB: writes to a sqlite_store on DB as fast as it can,
// from four writers, and prints every acknowledged write on stdout (flushed
// at once) until it is killed. The crash test kills it with SIGKILL and then
// checks that every write it printed is in the database.
//
//   cp PATH SEQ   a checkpoint acknowledged with sequence number SEQ
//   tx KEY        a ledger transaction acknowledged
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "persistence/kinds.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/builtin_kinds.hpp"
#include "runtime/node_context.hpp"

using namespace tfarm;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tfarm_store_torture DB\n");
    return 2;
  }
  std::string db = argv[1];
  caf::actor_system_config cfg;
  persistence::configure(cfg);
  caf::actor_system sys{cfg};
  auto kinds = runtime::builtin_kinds();
  persistence::add_kinds(kinds);
  auto ctx = std::make_shared<runtime::node_context>(
      "torture", std::move(kinds), config::policy_set{}, config::runbook_limits{}, 1);
  runtime::child_spec spec{"store", "sqlite_store", {{"db", db}}, {}};
  auto spawned = ctx->kinds()
                     .find("sqlite_store")
                     ->spawn(sys, nullptr,
                             runtime::spawn_context{
                                 "/store", spec, ctx, ctx->registry().add("/store", "s"), {}});
  if (!spawned)
    return 1;
  auto store = caf::actor_cast<persistence::store_actor>(*spawned);
  std::mutex out;
  auto print = [&](const std::string& line) {
    std::lock_guard<std::mutex> guard{out};
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
  };
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      caf::scoped_actor self{sys};
      for (int i = 0;; ++i) {
        auto id = std::to_string(w) + "-" + std::to_string(i);
        runtime::checkpoint cp;
        cp.path = "/t/" + id;
        cp.kind = "torture";
        cp.format_version = 1;
        cp.blob = std::string(100 + i % 100, static_cast<char>('a' + w));
        cp.crc32 = runtime::crc32(cp.blob);
        self->request(store, std::chrono::seconds{30}, runtime::save_checkpoint_atom_v, cp)
            .receive(
                [&](uint64_t seq) { print("cp " + cp.path + " " + std::to_string(seq) + "\n"); },
                [](caf::error&) {});
        persistence::ledger_txn txn{"t" + id,
                                    "deposit",
                                    {{"acct-" + std::to_string(w), "USD", "available", 100 + i},
                                     {"@external", "USD", "available", -(100 + i)}},
                                    ""};
        self->request(store, std::chrono::seconds{30}, persistence::append_ledger_atom_v, txn)
            .receive(
                [&](persistence::ledger_receipt&) { print("tx " + txn.idempotency_key + "\n"); },
                [](caf::error&) {});
      }
    });
  for (auto& t : writers)
    t.join(); // never: the test kills the process
}
