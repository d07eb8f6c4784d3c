#include "bench/pg_bench.hpp"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include <libpq-fe.h>
#include <unistd.h>

#include "persistence/database.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::bench {

namespace {

// The private server of this run, stopped when the process exits.
class private_server {
public:
  private_server() {
    dir_ = "/tmp/tfarm-bench-pg." + std::to_string(getpid());
    state_ = dir_ + ".state";
    // --owner: the server goes with this process even when it is killed.
    auto cmd = "bash " + std::string{TFARM_SOURCE_DIR} + "/scripts/pg_private.sh start " + state_ +
               " --fsync --owner " + std::to_string(getpid()) + " >/dev/null";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("cannot start a private PostgreSQL server (" + cmd +
                               "); set TFARM_PG_URL to an admin URL instead");
    std::ifstream in{state_};
    std::getline(in, admin_);
  }
  ~private_server() {
    auto cmd = "bash " + std::string{TFARM_SOURCE_DIR} + "/scripts/pg_private.sh stop " + state_ +
               " >/dev/null 2>&1";
    [[maybe_unused]] auto rc = std::system(cmd.c_str());
  }
  const std::string& admin() const noexcept { return admin_; }

private:
  std::string dir_;
  std::string state_;
  std::string admin_;
};

std::string admin_url() {
  if (auto env = std::getenv("TFARM_PG_URL"); env != nullptr && *env != '\0')
    return env;
  static private_server server;
  return server.admin();
}

struct conn_deleter {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;

conn_ptr connect(const std::string& url) {
  conn_ptr c{PQconnectdb(url.c_str())};
  if (PQstatus(c.get()) != CONNECTION_OK)
    throw std::runtime_error("cannot connect to " + persistence::redact_url(url) + ": " +
                             PQerrorMessage(c.get()));
  return c;
}

void exec(PGconn* c, const char* sql) {
  auto r = PQexec(c, sql);
  auto ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  std::string why = ok ? "" : PQresultErrorMessage(r);
  PQclear(r);
  if (!ok)
    throw std::runtime_error(std::string{sql} + ": " + why);
}

// Sends BEGIN, `n` prepared statements filled by `fill(i, values, lengths,
// formats)`, COMMIT, in pipeline mode, then reads every result.
template <class Fill>
void pipelined_transaction(PGconn* c, const char* stmt, int params, uint64_t first, uint64_t n,
                           Fill fill) {
  std::vector<std::string> values(static_cast<size_t>(params));
  std::vector<const char*> ptrs(static_cast<size_t>(params));
  std::vector<int> lengths(static_cast<size_t>(params));
  std::vector<int> formats(static_cast<size_t>(params));
  if (PQsendQueryParams(c, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1)
    throw std::runtime_error(PQerrorMessage(c));
  for (uint64_t i = first; i < first + n; ++i) {
    fill(i, values, formats);
    for (size_t k = 0; k < values.size(); ++k) {
      ptrs[k] = values[k].data();
      lengths[k] = static_cast<int>(values[k].size());
    }
    if (PQsendQueryPrepared(c, stmt, params, ptrs.data(), lengths.data(), formats.data(), 0) != 1)
      throw std::runtime_error(PQerrorMessage(c));
  }
  if (PQsendQueryParams(c, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 ||
      PQpipelineSync(c) != 1)
    throw std::runtime_error(PQerrorMessage(c));
  // n + 2 results, each followed by a null, then the sync.
  for (uint64_t k = 0; k < n + 2; ++k) {
    auto r = PQgetResult(c);
    auto status = PQresultStatus(r);
    std::string why = status == PGRES_FATAL_ERROR ? PQresultErrorMessage(r) : "";
    PQclear(r);
    if (!why.empty())
      throw std::runtime_error("raw libpq baseline: " + why);
    PQclear(PQgetResult(c));
  }
  auto sync = PQgetResult(c);
  PQclear(sync);
}

} // namespace

std::string pg_bench_database(const std::string& name) {
  static std::atomic<unsigned> counter{0};
  auto admin = admin_url();
  auto db = "bench_" + name + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  auto c = connect(admin);
  exec(c.get(), ("CREATE DATABASE " + db).c_str());
  // Replace the database of the admin URL (its path) by the new one.
  auto scheme = admin.find("://") + 3;
  auto slash = admin.find('/', scheme);
  auto query = admin.find('?', scheme);
  auto head = admin.substr(0, slash == std::string::npos ? query : slash);
  auto tail = query == std::string::npos ? std::string{} : admin.substr(query);
  auto url = head + "/" + db + tail;
  // The store's schema, so that baselines write the very same tables.
  auto opened = persistence::open_database(url);
  if (!opened)
    throw std::runtime_error(runtime::to_text(opened.error()));
  return url;
}

double raw_pg_checkpoint_rows_per_s(const std::string& url, uint64_t rows, uint64_t batch,
                                    uint64_t paths, size_t state_bytes) {
  auto c = connect(url);
  exec(c.get(), "SET synchronous_commit = on");
  auto p = PQprepare(c.get(), "cp",
                     "INSERT INTO checkpoints (path, slot, kind, format_version, blob, crc32, "
                     "updated_at, seq) VALUES ($1, $2, 'saver', 1, $3, 0, $4, "
                     "nextval('checkpoint_seq')) ON CONFLICT (path, slot) DO UPDATE SET "
                     "kind = excluded.kind, seq = excluded.seq, blob = excluded.blob, "
                     "crc32 = excluded.crc32, updated_at = excluded.updated_at RETURNING seq",
                     4, nullptr);
  PQclear(p);
  if (PQenterPipelineMode(c.get()) != 1)
    throw std::runtime_error("libpq has no pipeline mode");
  std::string blob(state_bytes, 's');
  auto start = runtime::steady_now_ns();
  for (uint64_t i = 0; i < rows; i += batch)
    pipelined_transaction(c.get(), "cp", 4, i, std::min(batch, rows - i),
                          [&](uint64_t k, std::vector<std::string>& v, std::vector<int>& f) {
                            v[0] = "/bench/a-" + std::to_string(k % paths);
                            v[1] = std::to_string((k / paths) % 2);
                            v[2] = blob;
                            f[2] = 1;
                            v[3] = std::to_string(k);
                          });
  auto seconds = static_cast<double>(runtime::steady_now_ns() - start) / 1e9;
  return static_cast<double>(rows) / seconds;
}

double raw_pg_ledger_rows_per_s(const std::string& url, uint64_t rows, uint64_t batch,
                                uint64_t accounts) {
  auto c = connect(url);
  exec(c.get(), "SET synchronous_commit = on");
  exec(c.get(), "INSERT INTO ledger_transactions (id, idempotency_key, kind, created_at) "
                "VALUES (1, 'bench', 'bench', 0)");
  auto p = PQprepare(c.get(), "leg",
                     "INSERT INTO ledger_entries (txn_id, account, asset, bucket, amount) "
                     "VALUES (1, $1, 'USD', 'available', $2)",
                     2, nullptr);
  PQclear(p);
  if (PQenterPipelineMode(c.get()) != 1)
    throw std::runtime_error("libpq has no pipeline mode");
  auto start = runtime::steady_now_ns();
  for (uint64_t i = 0; i < rows; i += batch)
    pipelined_transaction(c.get(), "leg", 2, i, std::min(batch, rows - i),
                          [&](uint64_t k, std::vector<std::string>& v, std::vector<int>&) {
                            v[0] = "acct-" + std::to_string(k % accounts);
                            v[1] = k % 2 == 0 ? "1" : "-1";
                          });
  auto seconds = static_cast<double>(runtime::steady_now_ns() - start) / 1e9;
  return static_cast<double>(rows) / seconds;
}

} // namespace tfarm::bench
