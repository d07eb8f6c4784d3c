#include "persistence/pg_connection.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include <libpq-fe.h>
#include <spdlog/logger.h>

#include "config/limits.hpp"
#include "persistence/logger.hpp"

namespace tfarm::persistence {

namespace {

/// Destroyed statements kept before they are deallocated while the
/// connection is idle (else at the next transaction's start).
constexpr size_t closed_statements_max = 64;

sql_failure failure_of(const char* sqlstate) {
  if (sqlstate == nullptr || std::strlen(sqlstate) != 5)
    return sql_failure::other;
  std::string s{sqlstate};
  auto cls = s.substr(0, 2);
  if (s == "53100")
    return sql_failure::disk_full;
  if (s == "25006")
    return sql_failure::read_only;
  if (s == "40001" || s == "40P01")
    return sql_failure::serialization;
  if (s == "57014")
    return sql_failure::timeout;
  if (s == "55P03")
    return sql_failure::locked;
  if (cls == "08" || s == "57P01" || s == "57P02" || s == "57P03")
    return sql_failure::connection_lost;
  if (cls == "28")
    return sql_failure::auth;
  if (s == "3D000")
    return sql_failure::cant_open;
  if (cls == "23")
    return sql_failure::constraint;
  if (s == "XX001" || s == "XX002")
    return sql_failure::corrupt;
  return sql_failure::other;
}

// libpq's messages end in a newline and may span lines.
std::string flatten(const char* text) {
  std::string result = text ? text : "";
  while (!result.empty() && (result.back() == '\n' || result.back() == ' '))
    result.pop_back();
  for (auto& c : result)
    if (c == '\n' || c == '\t')
      c = ' ';
  return result;
}

struct result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

// Throws unless `r` is a success; a null result or a broken connection is
// connection_lost (the statement may or may not have run).
void check(pg_conn* conn, const result_ptr& r) {
  auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return;
  const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
  auto kind = failure_of(state);
  if (kind == sql_failure::other && PQstatus(conn) == CONNECTION_BAD)
    kind = sql_failure::connection_lost;
  auto text = flatten(r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn));
  if (text.empty())
    text = flatten(PQerrorMessage(conn));
  throw sql_error{sql_dialect::postgresql, kind, state ? state : "", text};
}

void log_notice(void*, const char* message) {
  log().debug("PostgreSQL: {}", flatten(message));
}

class pg_statement final : public sql_statement {
public:
  pg_statement(pg_connection& conn, const std::string& sql, sql_connection::plan how)
      : conn_(conn), sql_(pg_placeholders(sql, params_)),
        per_run_(how == sql_connection::plan::per_run) {
    values_.resize(static_cast<size_t>(params_));
    nulls_.assign(static_cast<size_t>(params_), true);
    formats_.assign(static_cast<size_t>(params_), 0);
  }

  ~pg_statement() override {
    if (!name_.empty())
      conn_.closed_statement(name_);
  }

  void send() override {
    prepare_once();
    std::vector<const char*> values;
    std::vector<int> lengths;
    arguments(values, lengths);
    queue(values, lengths);
  }

  void bind_int64(int index, int64_t value) override { set(index, std::to_string(value), 0); }
  void bind_text(int index, const std::string& value) override { set(index, value, 0); }
  void bind_blob(int index, const void* data, size_t size) override {
    set(index, std::string{static_cast<const char*>(data), size}, 1);
  }
  void bind_null(int index) override {
    slot(index);
    nulls_[static_cast<size_t>(index - 1)] = true;
  }

  bool step() override {
    if (!res_)
      run();
    return ++row_ < rows_;
  }

  int64_t exec() override {
    if (!res_)
      run();
    row_ = rows_;
    auto tuples = PQcmdTuples(res_.get());
    return tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
  }

  void reset() noexcept override {
    res_.reset();
    row_ = -1;
    rows_ = 0;
    nulls_.assign(static_cast<size_t>(params_), true);
  }

  bool is_null(int column) const override {
    return PQgetisnull(res_.get(), current(), column) != 0;
  }

  int64_t int64(int column) const override {
    auto row = current();
    if (PQgetisnull(res_.get(), row, column))
      return 0;
    auto v = PQgetvalue(res_.get(), row, column);
    if (v[0] == 't' && v[1] == '\0')
      return 1;
    if (v[0] == 'f' && v[1] == '\0')
      return 0;
    errno = 0;
    char* end = nullptr;
    auto x = std::strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0')
      throw sql_error{sql_dialect::postgresql, sql_failure::other, "",
                      conn_.name() + ": column " + std::to_string(column) + " holds '" + v +
                          "', not a 64-bit integer"};
    return x;
  }

  std::string text(int column) const override {
    auto row = current();
    return std::string{PQgetvalue(res_.get(), row, column),
                       static_cast<size_t>(PQgetlength(res_.get(), row, column))};
  }

  std::string blob(int column) const override {
    auto row = current();
    if (PQgetisnull(res_.get(), row, column))
      return {};
    size_t n = 0;
    auto raw = PQunescapeBytea(
        reinterpret_cast<const unsigned char*>(PQgetvalue(res_.get(), row, column)), &n);
    if (raw == nullptr)
      throw sql_error{sql_dialect::postgresql, sql_failure::other, "",
                      conn_.name() + ": cannot decode a BYTEA column"};
    std::string result{reinterpret_cast<const char*>(raw), n};
    PQfreemem(raw);
    return result;
  }

private:
  void slot(int index) const {
    if (index < 1 || index > params_)
      throw sql_error{sql_dialect::postgresql, sql_failure::other, "",
                      "parameter " + std::to_string(index) + " of a statement with " +
                          std::to_string(params_) + ": " + sql_};
  }

  void set(int index, std::string value, int format) {
    slot(index);
    auto i = static_cast<size_t>(index - 1);
    values_[i] = std::move(value);
    nulls_[i] = false;
    formats_[i] = format;
  }

  int current() const {
    if (!res_ || row_ < 0 || row_ >= rows_)
      throw sql_error{sql_dialect::postgresql, sql_failure::other, "", "no current row: " + sql_};
    return row_;
  }

  void run() {
    prepare_once();
    std::vector<const char*> values;
    std::vector<int> lengths;
    arguments(values, lengths);
    auto conn = conn_.native();
    result_ptr r;
    if (conn_.pipelined()) {
      // With what is queued: one round trip for all of it.
      queue(values, lengths);
      r.reset(conn_.drain(true));
    } else if (name_.empty()) {
      r.reset(PQexecParams(conn, sql_.c_str(), params_, nullptr, values.data(), lengths.data(),
                           formats_.data(), 0));
    } else {
      r.reset(PQexecPrepared(conn, name_.c_str(), params_, values.data(), lengths.data(),
                             formats_.data(), 0));
    }
    check(conn, r);
    res_ = std::move(r);
    row_ = -1;
    rows_ = PQntuples(res_.get());
  }

  // Prepares on the server at the second run: a statement run once (most
  // reads) costs one round trip and leaves nothing on the server; one run
  // again is worth a plan kept for the connection. Waits: a statement
  // counts as prepared only once the server said so.
  void prepare_once() {
    if (per_run_ || !name_.empty() || runs_++ == 0)
      return;
    conn_.drain();
    auto conn = conn_.native();
    auto name = conn_.next_statement_name();
    result_ptr r{PQprepare(conn, name.c_str(), sql_.c_str(), params_, nullptr)};
    check(conn, r);
    name_ = std::move(name);
  }

  void queue(const std::vector<const char*>& values, const std::vector<int>& lengths) {
    if (name_.empty())
      conn_.queue_params(sql_, params_, values.data(), lengths.data(), formats_.data());
    else
      conn_.queue_prepared(name_, params_, values.data(), lengths.data(), formats_.data());
  }

  void arguments(std::vector<const char*>& values, std::vector<int>& lengths) const {
    values.resize(static_cast<size_t>(params_));
    lengths.resize(static_cast<size_t>(params_));
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] = nulls_[i] ? nullptr : values_[i].data();
      lengths[i] = static_cast<int>(values_[i].size());
    }
  }

  pg_connection& conn_;
  int params_ = 0;
  std::string sql_;
  bool per_run_ = false;
  int runs_ = 0;
  std::string name_;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<int> formats_;
  result_ptr res_;
  int row_ = -1;
  int rows_ = 0;
};

} // namespace

bool is_postgres_url(const std::string& target) noexcept {
  return target.rfind("postgresql://", 0) == 0 || target.rfind("postgres://", 0) == 0;
}

std::string redact_url(const std::string& url) {
  // scheme://user:password@host... : the password is between the first ':'
  // after the scheme and the '@' that ends the user info.
  auto scheme = url.find("://");
  if (scheme == std::string::npos)
    return url;
  auto start = scheme + 3;
  auto at = url.find('@', start);
  auto slash = url.find('/', start);
  if (at == std::string::npos || (slash != std::string::npos && slash < at))
    return url;
  auto colon = url.find(':', start);
  if (colon == std::string::npos || colon > at)
    return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::string pg_placeholders(const std::string& sql, int& count) {
  std::string out;
  out.reserve(sql.size() + 16);
  count = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    auto c = sql[i];
    if (quote != 0) {
      if (c == quote)
        quote = 0;
      out += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    size_t j = i + 1;
    int n = 0;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9')
      n = n * 10 + (sql[j++] - '0');
    if (j == i + 1)
      n = count + 1;
    if (n > count)
      count = n;
    out += '$';
    out += std::to_string(n);
    i = j - 1;
  }
  return out;
}

pg_connection::pg_connection(const std::string& url, const pg_options& opts)
    : name_(redact_url(url)) {
  auto timeout = std::to_string(opts.connect_timeout.count());
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), timeout.c_str(), opts.application_name.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (conn_ == nullptr)
    throw sql_error{sql_dialect::postgresql, sql_failure::other, "",
                    "cannot connect: out of memory"};
  if (PQstatus(conn_) != CONNECTION_OK) {
    auto text = flatten(PQerrorMessage(conn_));
    auto kind = sql_failure::connection_lost;
    if (text.find("authentication failed") != std::string::npos ||
        text.find("no pg_hba.conf entry") != std::string::npos ||
        text.find("password") != std::string::npos)
      kind = sql_failure::auth;
    else if (text.find("does not exist") != std::string::npos)
      kind = sql_failure::cant_open;
    auto where = endpoint();
    PQfinish(conn_);
    conn_ = nullptr;
    throw sql_error{sql_dialect::postgresql, kind, "", "server " + where + ": " + text};
  }
  PQsetNoticeProcessor(conn_, log_notice, nullptr);
  // Durable before acknowledged, whatever the server's default; C collation
  // order is not needed (the store never relies on text order across rows
  // it did not write itself).
  exec("SET synchronous_commit = on");
  exec("SET statement_timeout = " + std::to_string(opts.statement_timeout.count()));
  exec("SET idle_in_transaction_session_timeout = " +
       std::to_string(config::pg_idle_in_transaction_timeout_ms));
  exec("SET client_min_messages = warning");
}

pg_connection::~pg_connection() {
  if (conn_ != nullptr)
    PQfinish(conn_);
}

bool pg_connection::broken() const noexcept {
  return conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK;
}

std::string pg_connection::endpoint() const {
  if (conn_ == nullptr)
    return "?";
  auto host = PQhost(conn_);
  auto port = PQport(conn_);
  return std::string{host && *host ? host : "localhost"} + ":" + (port && *port ? port : "5432");
}

std::string pg_connection::next_statement_name() {
  return "tf" + std::to_string(++statements_);
}

void pg_connection::exec(const std::string& sql) {
  // Several statements in one string need the simple protocol, which
  // pipeline mode does not allow: what is queued goes first.
  drain();
  result_ptr r{PQexec(conn_, sql.c_str())};
  check(conn_, r);
}

void pg_connection::fail_sending(const char* what) {
  auto text = flatten(PQerrorMessage(conn_));
  auto kind = PQstatus(conn_) == CONNECTION_BAD ? sql_failure::connection_lost : sql_failure::other;
  throw sql_error{sql_dialect::postgresql, kind, "", std::string{what} + ": " + text};
}

void pg_connection::enter_pipeline() {
  if (pipelined_)
    return;
  if (PQenterPipelineMode(conn_) != 1)
    fail_sending("cannot enter pipeline mode");
  pipelined_ = true;
}

void pg_connection::queue(const char* sql) {
  enter_pipeline();
  if (PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1)
    fail_sending("cannot send a statement");
  ++queued_;
}

void pg_connection::make_room() {
  if (queued_ >= pipeline_queued_max)
    drain();
  enter_pipeline();
}

void pg_connection::queue_prepared(const std::string& statement, int params,
                                   const char* const* values, const int* lengths,
                                   const int* formats) {
  make_room();
  if (PQsendQueryPrepared(conn_, statement.c_str(), params, values, lengths, formats, 0) != 1)
    fail_sending("cannot send a statement");
  ++queued_;
}

void pg_connection::queue_params(const std::string& sql, int params, const char* const* values,
                                 const int* lengths, const int* formats) {
  make_room();
  if (PQsendQueryParams(conn_, sql.c_str(), params, nullptr, values, lengths, formats, 0) != 1)
    fail_sending("cannot send a statement");
  ++queued_;
}

pg_result* pg_connection::drain(bool keep_last) {
  if (!pipelined_)
    return nullptr;
  auto queued = queued_;
  queued_ = 0;
  pipelined_ = false;
  if (PQpipelineSync(conn_) != 1)
    fail_sending("cannot send a pipeline sync");
  std::optional<sql_error> first;
  result_ptr kept;
  auto lost = [&] {
    if (!first || first->kind() != sql_failure::connection_lost)
      first = sql_error{sql_dialect::postgresql, sql_failure::connection_lost, "",
                        "the connection broke: " + flatten(PQerrorMessage(conn_))};
  };
  // Each queued statement: its result, then a null; after a failure, the
  // server skips the rest up to the sync (PGRES_PIPELINE_ABORTED each).
  for (int i = 0; i < queued; ++i) {
    result_ptr r{PQgetResult(conn_)};
    if (!r) {
      lost();
      break;
    }
    if (PQresultStatus(r.get()) != PGRES_PIPELINE_ABORTED && !first) {
      try {
        check(conn_, r);
      } catch (const sql_error& e) {
        first = e;
      }
    }
    while (auto extra = PQgetResult(conn_))
      PQclear(extra);
    if (keep_last && i == queued - 1 && !first)
      kept = std::move(r);
  }
  if (PQstatus(conn_) != CONNECTION_BAD) {
    result_ptr sync{PQgetResult(conn_)};
    if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC)
      lost();
    else
      PQexitPipelineMode(conn_);
  } else {
    lost();
  }
  if (first)
    throw *first;
  return kept.release();
}

std::unique_ptr<sql_statement> pg_connection::prepare(const std::string& sql, plan how) {
  return std::make_unique<pg_statement>(*this, sql, how);
}

bool pg_connection::table_exists(const std::string& table) {
  auto q = prepare("SELECT 1 FROM information_schema.tables "
                   "WHERE table_schema = current_schema() AND table_name = ?");
  q->bind(1, table);
  return q->step();
}

void pg_connection::closed_statement(const std::string& name) {
  closed_.push_back(name);
  if (closed_.size() >= closed_statements_max)
    deallocate_closed();
}

void pg_connection::deallocate_closed() {
  if (closed_.empty() || pipelined_ || PQtransactionStatus(conn_) != PQTRANS_IDLE)
    return;
  std::string sql;
  for (auto& name : closed_)
    sql += "DEALLOCATE " + name + ";";
  closed_.clear();
  result_ptr r{PQexec(conn_, sql.c_str())};
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    log().debug("{}: {}", name_, flatten(PQresultErrorMessage(r.get())));
}

void pg_connection::begin_write() {
  deallocate_closed();
  // Queued: it travels with the transaction's first statement that waits.
  queue("BEGIN ISOLATION LEVEL SERIALIZABLE");
}

void pg_connection::begin_read() {
  deallocate_closed();
  exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

void pg_connection::commit() {
  queue("COMMIT");
  result_ptr r{drain(true)};
  check(conn_, r);
  // COMMIT of a transaction that failed answers ROLLBACK, not an error.
  if (std::strcmp(PQcmdStatus(r.get()), "COMMIT") != 0)
    throw sql_error{sql_dialect::postgresql, sql_failure::other, "",
                    "the transaction was rolled back, not committed"};
}

void pg_connection::rollback() noexcept {
  if (conn_ == nullptr)
    return;
  try {
    drain();
  } catch (const sql_error&) {
    // The failure was reported where it happened; the transaction goes.
  }
  auto status = PQtransactionStatus(conn_);
  if (status != PQTRANS_INTRANS && status != PQTRANS_INERROR)
    return;
  PQclear(PQexec(conn_, "ROLLBACK"));
}

} // namespace tfarm::persistence
