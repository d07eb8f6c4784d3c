#include "config/loader.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "config/detail/file_tables.hpp"
#include "config/detail/table_reader.hpp"
#include "config/endpoint.hpp"
#include "config/path_syntax.hpp"
#include "config/suggest.hpp"

namespace tfarm::config {

namespace {

using detail::load_context;
using detail::parse_toml;
using detail::read_file;
using detail::read_tls;
using detail::resolve;
using detail::table_reader;

constexpr milliseconds zero_ms{0};
constexpr milliseconds one_ms{1};

// Reads required key `key`, a name that must be a valid path segment and
// unique among `seen` (name -> line); `what` and `scope` word the messages.
std::optional<std::string> read_name(table_reader& r, const char* key, const std::string& what,
                                     std::map<std::string, uint32_t>& seen,
                                     const std::string& scope = {}) {
  auto name = r.string(key, true);
  if (!name)
    return std::nullopt;
  auto where = r.raw().get(key)->source();
  if (!valid_path_segment(*name))
    r.context().error(where, what + " '" + *name +
                                 "' is not a valid path segment (1 to 64 characters of "
                                 "A-Z a-z 0-9 _ . -)");
  else if (auto [i, added] = seen.emplace(*name, where.begin.line); !added)
    r.context().error(where, "duplicate " + what + " '" + *name + "'" + scope +
                                 " (first defined at line " + std::to_string(i->second) + ")");
  return name;
}

void check_path(table_reader& r, const std::optional<std::string>& path) {
  if (!path)
    return;
  std::string why;
  if (!valid_actor_path(*path, true, why))
    r.context().error(r.raw().get("path")->source(), "supervisor path '" + *path + "' " + why);
}

// Reads one [[supervisor]] table; returns nullopt if it has errors.
std::optional<supervisor_policy> read_supervisor(load_context& ctx, const toml::table& tbl) {
  auto errors_before = ctx.diagnostics().size();
  supervisor_policy p;
  table_reader r{ctx, tbl, "[[supervisor]]"};
  auto path = r.string("path", true);
  check_path(r, path);
  if (path)
    p.path = *path;
  if (auto s = r.choice("strategy", restart_strategy_names(), "strategy"))
    p.strategy = *parse_restart_strategy(*s);
  if (auto i = r.integer("intensity", 0, restart_intensity_max))
    p.intensity = static_cast<int32_t>(*i);
  if (auto d = r.duration("period", one_ms, milliseconds{restart_period_ms_max}))
    p.period = *d;
  if (auto i = r.integer("max_children", 0, children_per_supervisor_max))
    p.max_children = static_cast<int32_t>(*i);
  if (auto x = r.choice("shutdown", {"sequential", "parallel"}, "shutdown order"))
    p.parallel_shutdown = *x == "parallel";
  if (auto b = r.table("backoff")) {
    table_reader br{ctx, *b, "[supervisor.backoff]"};
    auto min = br.duration("min", zero_ms, milliseconds{restart_backoff_ms_max});
    auto max = br.duration("max", zero_ms, milliseconds{restart_backoff_ms_max});
    auto jitter = br.number("jitter", 0.0, 1.0);
    if (min)
      p.backoff.min = *min;
    if (max)
      p.backoff.max = *max;
    if (jitter)
      p.backoff.jitter_ppm = static_cast<uint32_t>(*jitter * 1'000'000.0 + 0.5);
    if ((min || max) && p.backoff.min > p.backoff.max) {
      auto where = min ? br.raw().get("min")->source() : br.raw().get("max")->source();
      ctx.error(where, "backoff 'min' (" + format_duration(p.backoff.min) +
                           ") must not exceed 'max' (" + format_duration(p.backoff.max) + ")");
    }
    br.finish();
  }
  if (auto d = r.table("child_defaults")) {
    table_reader dr{ctx, *d, "[supervisor.child_defaults]"};
    if (auto s = dr.choice("restart", restart_type_names(), "restart type"))
      p.child_restart = *parse_restart_type(*s);
    if (auto t = dr.duration("shutdown_timeout", zero_ms, milliseconds{shutdown_timeout_ms_max}))
      p.child_shutdown_timeout = *t;
    dr.finish();
  }
  std::map<std::string, uint32_t> seen_ids;
  for (auto child : r.tables("child")) {
    table_reader cr{ctx, *child, "[[supervisor.child]]"};
    child_policy c;
    if (auto id = read_name(cr, "id", "child id", seen_ids, " in supervisor '" + p.path + "'"))
      c.id = *id;
    if (auto s = cr.choice("restart", restart_type_names(), "restart type"))
      c.restart = *parse_restart_type(*s);
    c.shutdown_timeout =
        cr.duration("shutdown_timeout", zero_ms, milliseconds{shutdown_timeout_ms_max});
    cr.finish();
    p.children.push_back(std::move(c));
  }
  r.finish();
  if (ctx.diagnostics().size() != errors_before)
    return std::nullopt;
  return p;
}

// Reads every [[supervisor]] of a top-level reader into `out`, reporting
// duplicate paths (also across files, through `seen`).
void read_supervisors(table_reader& top, policy_set& out,
                      std::map<std::string, std::string>& seen) {
  auto& ctx = top.context();
  for (auto tbl : top.tables("supervisor")) {
    auto p = read_supervisor(ctx, *tbl);
    if (!p)
      continue;
    auto where = tbl->get("path")->source();
    auto here = ctx.file() + ":" + std::to_string(where.begin.line);
    if (auto [i, added] = seen.emplace(p->path, here); !added) {
      auto first = i->second;
      auto same_file = first.compare(0, ctx.file().size() + 1, ctx.file() + ":") == 0;
      ctx.error(where, "duplicate supervisor path '" + p->path + "' (first defined at " +
                           (same_file ? "line " + first.substr(ctx.file().size() + 1) : first) +
                           ")");
      continue;
    }
    out.add(std::move(*p));
  }
}

std::optional<std::string> param_text(const toml::node& x) {
  if (auto s = x.as_string())
    return s->get();
  if (auto i = x.as_integer())
    return std::to_string(i->get());
  if (auto b = x.as_boolean())
    return b->get() ? "true" : "false";
  if (auto f = x.as_floating_point()) {
    std::ostringstream out;
    out << f->get();
    return out.str();
  }
  return std::nullopt;
}

// Opening balances name assets; they are checked once [vault] is read.
using asset_refs = std::vector<std::pair<std::string, const toml::node*>>;

void read_users(load_context& ctx, table_reader& top, const check_options& opts, farm_config& cfg,
                asset_refs& pending_assets) {
  std::map<std::string, uint32_t> seen_users;
  std::map<std::string, uint32_t> seen_accounts;
  for (auto tbl : top.tables("user")) {
    table_reader ur{ctx, *tbl, "[[user]]"};
    user_spec user;
    if (auto name = read_name(ur, "name", "user name", seen_users))
      user.name = *name;
    std::map<std::string, uint32_t> seen_agents;
    auto agent_tables = ur.tables("agent");
    for (auto atbl : agent_tables) {
      table_reader ar{ctx, *atbl, "[[user.agent]]"};
      agent_spec agent;
      agent.position = {atbl->source().begin.line, atbl->source().begin.column};
      if (auto id = read_name(ar, "id", "agent id", seen_agents, " for user '" + user.name + "'"))
        agent.id = *id;
      if (opts.known_kinds.empty()) {
        if (auto kind = ar.string("kind", true))
          agent.kind = *kind;
      } else if (auto kind = ar.choice("kind", opts.known_kinds, "actor kind")) {
        agent.kind = *kind;
      } else if (!atbl->get("kind")) {
        ctx.error(atbl->source(), "missing required key 'kind' in [[user.agent]]");
      }
      if (auto params = ar.table("params")) {
        for (const auto& [key, value] : *params) {
          agent.param_positions[std::string{key.str()}] = {value.source().begin.line,
                                                           value.source().begin.column};
          if (auto text = param_text(value))
            agent.params.emplace(std::string{key.str()}, *text);
          else
            ctx.error(value.source(), "parameter '" + std::string{key.str()} +
                                          "' must be a string, integer, float or boolean, got " +
                                          detail::describe_type(value));
        }
      }
      ar.finish();
      user.agents.push_back(std::move(agent));
    }
    for (auto atbl : ur.tables("account")) {
      table_reader ar{ctx, *atbl, "[[user.account]]"};
      account_spec account;
      if (auto id = read_name(ar, "id", "account id", seen_accounts))
        account.id = *id;
      if (auto opening = ar.table("opening_balance")) {
        for (const auto& [key, value] : *opening) {
          std::string asset{key.str()};
          auto amount = value.as_integer();
          if (!amount)
            ctx.error(value.source(), "opening balance of " + asset +
                                          " must be an integer amount in minor units, got " +
                                          detail::describe_type(value));
          else if (amount->get() <= 0)
            ctx.error(value.source(), "opening balance of " + asset + " must be positive, got " +
                                          std::to_string(amount->get()));
          else
            account.opening_balance[asset] = amount->get();
          pending_assets.emplace_back(asset, &value);
        }
      }
      ar.finish();
      user.accounts.push_back(std::move(account));
    }
    if (static_cast<int64_t>(user.agents.size()) > cfg.limits.max_agents_per_user) {
      auto extra = agent_tables.at(static_cast<size_t>(cfg.limits.max_agents_per_user));
      auto from_env = opts.env && opts.env("MAX_AGENTS_PER_USER");
      ctx.error(extra->source(),
                "user '" + user.name + "' lists " + std::to_string(user.agents.size()) +
                    " agents, more than max_agents_per_user (" +
                    std::to_string(cfg.limits.max_agents_per_user) +
                    (from_env ? ", set by MAX_AGENTS_PER_USER in the environment" : "") + ")");
    }
    ur.finish();
    cfg.users.push_back(std::move(user));
  }
}

void read_limits(load_context& ctx, const toml::table& tbl, runbook_limits& limits) {
  table_reader r{ctx, tbl, "[limits]"};
  if (auto i = r.integer("max_agents_per_user", 1, max_agents_per_user_max))
    limits.max_agents_per_user = static_cast<int32_t>(*i);
  if (auto x = r.rate_value("order_rate_limit", order_rate_limit_count_max))
    limits.order_rate_limit = *x;
  if (auto i = r.integer("connection_pool_size", 1, connection_pool_size_max))
    limits.connection_pool_size = static_cast<int32_t>(*i);
  if (auto d = r.duration("cache_duration", zero_ms, milliseconds{cache_duration_ms_max}))
    limits.cache_duration = *d;
  r.finish();
}

void read_store(load_context& ctx, const toml::table& tbl, store_settings& store) {
  table_reader r{ctx, tbl, "[store]"};
  if (auto x = r.string("path")) {
    if (x->empty())
      ctx.error(tbl.get("path")->source(), "'path' must not be empty");
    else
      store.path = *x;
  }
  if (auto x = r.string("url")) {
    if (x->rfind("postgresql://", 0) != 0 && x->rfind("postgres://", 0) != 0)
      ctx.error(tbl.get("url")->source(),
                "'url' must be a postgresql:// URL (for an SQLite file, set 'path')");
    else if (tbl.contains("path"))
      ctx.error(tbl.get("url")->source(),
                "set 'path' (SQLite) or 'url' (PostgreSQL) in [store], not both");
    else
      store.url = *x;
  }
  if (auto x = r.choice("synchronous", {"off", "normal", "full", "extra"}, "synchronous mode"))
    store.synchronous = *x;
  if (auto d =
          r.duration("statement_timeout", zero_ms, milliseconds{store_statement_timeout_ms_max}))
    store.statement_timeout = *d;
  if (auto i = r.integer("batch_rows_max", 1, store_batch_rows_max))
    store.batch_rows_max = static_cast<int32_t>(*i);
  if (auto d = r.duration("commit_wait", zero_ms, milliseconds{store_commit_wait_ms_max}))
    store.commit_wait = *d;
  if (auto d = r.duration("busy_timeout", zero_ms, milliseconds{store_busy_timeout_ms_max}))
    store.busy_timeout = *d;
  r.finish();
}

void read_cadence(table_reader& r, checkpoint_cadence& x) {
  if (auto i = r.integer("every_messages", 0, 1'000'000'000))
    x.every_messages = *i;
  if (auto d = r.duration("every", zero_ms, milliseconds{86'400'000}))
    x.every = *d;
}

void read_checkpoints(load_context& ctx, const toml::table& tbl, const check_options& opts,
                      checkpoint_settings& cps) {
  table_reader r{ctx, tbl, "[checkpoints]"};
  if (auto x = r.choice("on_corrupt", {"previous", "fresh"}, "on_corrupt policy"))
    cps.on_corrupt = *x;
  read_cadence(r, cps.defaults);
  if (auto kinds = r.table("kind")) {
    for (const auto& [key, value] : *kinds) {
      auto name = std::string{key.str()};
      auto t = value.as_table();
      if (!t) {
        ctx.error(value.source(), "'checkpoints.kind." + name + "' must be a table, got " +
                                      detail::describe_type(value));
        continue;
      }
      if (!opts.known_kinds.empty() && std::find(opts.known_kinds.begin(), opts.known_kinds.end(),
                                                 name) == opts.known_kinds.end()) {
        std::string message = "unknown actor kind '" + name + "' in [checkpoints.kind]";
        if (auto near = nearest(name, opts.known_kinds))
          message += "; did you mean '" + *near + "'?";
        ctx.error(key.source(), message);
        continue;
      }
      table_reader kr{ctx, *t, "[checkpoints.kind." + name + "]"};
      auto cadence = cps.defaults;
      read_cadence(kr, cadence);
      kr.finish();
      cps.by_kind[name] = cadence;
    }
  }
  r.finish();
}

void read_backup(load_context& ctx, const toml::table& tbl, backup_settings& backup) {
  table_reader r{ctx, tbl, "[backup]"};
  if (auto d = r.duration("every", zero_ms, milliseconds{366LL * 86'400'000})) {
    if (d->count() > 0 && d->count() < backup_interval_ms_min)
      ctx.error(tbl.get("every")->source(),
                "'every' must be 0 (off) or at least " +
                    format_duration(milliseconds{backup_interval_ms_min}));
    else
      backup.every = *d;
  }
  if (auto x = r.string("dir")) {
    if (x->empty())
      ctx.error(tbl.get("dir")->source(), "'dir' must not be empty");
    else
      backup.dir = *x;
  }
  if (auto i = r.integer("keep", 1, backup_keep_max))
    backup.keep = static_cast<int32_t>(*i);
  if (auto d = r.duration("max_age", milliseconds{60'000}, milliseconds{3660LL * 86'400'000}))
    backup.max_age = *d;
  r.finish();
}

bool valid_asset(const std::string& x) {
  if (x.empty() || x.size() > asset_chars_max)
    return false;
  for (auto c : x)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return false;
  return true;
}

void read_vault(load_context& ctx, const toml::table& tbl, vault_settings& vault) {
  table_reader r{ctx, tbl, "[vault]"};
  if (tbl.get("assets")) {
    std::vector<std::string> assets;
    for (auto& [name, where] : r.strings("assets")) {
      if (!valid_asset(name))
        ctx.error(where->source(), "asset '" + name + "' must be 1 to " +
                                       std::to_string(asset_chars_max) + " characters of A-Z 0-9");
      else if (std::find(assets.begin(), assets.end(), name) != assets.end())
        ctx.error(where->source(), "asset '" + name + "' is listed twice");
      else
        assets.push_back(name);
    }
    if (assets.empty() && !ctx.failed())
      ctx.error(tbl.get("assets")->source(), "'assets' must list at least one asset");
    else if (assets.size() > vault_assets_max)
      ctx.error(tbl.get("assets")->source(),
                "'assets' lists more than " + std::to_string(vault_assets_max) + " assets");
    else
      vault.assets = std::move(assets);
  }
  if (auto d = r.duration("idempotency_window", milliseconds{1'000},
                          milliseconds{vault_idempotency_window_ms_max}))
    vault.idempotency_window = *d;
  if (auto i =
          r.integer("cached_operations", vault_cached_operations_min, vault_cached_operations_max))
    vault.cached_operations = *i;
  if (auto d = r.duration("request_timeout", milliseconds{100},
                          milliseconds{vault_request_timeout_ms_max}))
    vault.request_timeout = *d;
  if (auto d = r.duration("reconcile_confirm", milliseconds{0},
                          milliseconds{vault_reconcile_confirm_ms_max}))
    vault.reconcile_confirm = *d;
  r.finish();
}

// A symbol is "BASE-QUOTE" of two assets the vault knows.
void check_symbol(load_context& ctx, const std::string& symbol, const toml::node& where,
                  const vault_settings& vault) {
  auto dash = symbol.find('-');
  auto base = symbol.substr(0, dash);
  auto quote = dash == std::string::npos ? std::string{} : symbol.substr(dash + 1);
  if (dash == std::string::npos || !valid_asset(base) || !valid_asset(quote)) {
    ctx.error(where.source(),
              "symbol '" + symbol + "' must be BASE-QUOTE, two assets of A-Z 0-9 (e.g. BTC-USD)");
    return;
  }
  for (auto& asset : {base, quote})
    if (std::find(vault.assets.begin(), vault.assets.end(), asset) == vault.assets.end())
      ctx.error(where.source(),
                "symbol '" + symbol + "' names asset '" + asset +
                    "', which [vault] assets do not list (known: " + join(vault.assets) + ")");
}

double read_rate(table_reader& r, std::string_view key, double fallback) {
  auto x = r.number(key, 0.0, 1.0);
  return x ? *x : fallback;
}

void read_venue(load_context& ctx, const toml::table& tbl, const std::string& base_dir,
                const vault_settings& vault, std::map<std::string, uint32_t>& seen,
                venue_settings& v) {
  table_reader r{ctx, tbl, "[[exchange.venue]]"};
  if (auto name = read_name(r, "name", "venue name", seen))
    v.name = *name;
  if (auto kind = r.choice("kind", {"simulated", "remote"}, "venue kind"))
    v.kind = *kind;
  if (auto ep = r.string("endpoint")) {
    std::string why;
    if (v.kind != "remote")
      ctx.error(tbl.get("endpoint")->source(),
                "'endpoint' is for remote venues only (kind = \"remote\")");
    else if (!parse_endpoint(*ep, false, why))
      ctx.error(tbl.get("endpoint")->source(), "endpoint '" + *ep + "' " + why);
    v.endpoint = *ep;
  } else if (v.kind == "remote") {
    ctx.error(tbl.source(), "remote venue '" + v.name +
                                "' needs an 'endpoint' (HOST:PORT of "
                                "the exchange node)");
  }
  if (auto backup = r.string("backup"))
    v.backup = *backup;
  if (tbl.get("symbols")) {
    std::vector<std::string> symbols;
    for (auto& [symbol, where] : r.strings("symbols")) {
      if (std::find(symbols.begin(), symbols.end(), symbol) != symbols.end()) {
        ctx.error(where->source(), "symbol '" + symbol + "' is listed twice");
        continue;
      }
      check_symbol(ctx, symbol, *where, vault);
      symbols.push_back(symbol);
    }
    if (symbols.empty() && r.raw().get("symbols")->as_array() &&
        r.raw().get("symbols")->as_array()->empty())
      ctx.error(tbl.get("symbols")->source(), "'symbols' must list at least one symbol");
    else if (symbols.size() > exchange_symbols_max)
      ctx.error(tbl.get("symbols")->source(),
                "'symbols' lists more than " + std::to_string(exchange_symbols_max));
    v.symbols = std::move(symbols);
  } else if (v.kind == "simulated") {
    for (auto& symbol : v.symbols) // the default must fit [vault] too
      check_symbol(ctx, symbol, tbl, vault);
  }
  if (auto i = r.integer("seed", 0, std::numeric_limits<int64_t>::max()))
    v.seed = static_cast<uint64_t>(*i);
  if (auto i = r.integer("taker_fee_bps", 0, 10'000))
    v.taker_fee_bps = *i;
  if (auto i = r.integer("maker_fee_bps", 0, 10'000))
    v.maker_fee_bps = *i;
  if (auto i = r.integer("rate_per_s", 1, exchange_rate_per_s_max))
    v.rate_per_s = *i;
  if (auto i = r.integer("burst", 1, exchange_burst_max))
    v.burst = *i;
  if (auto b = r.boolean("credentials"))
    v.credentials = *b;
  if (v.kind == "remote") {
    // Everything else describes a simulated venue; on a remote one it would
    // silently do nothing.
    for (auto key : {"symbols", "seed", "taker_fee_bps", "maker_fee_bps", "market_data", "faults"})
      if (auto x = tbl.get(key))
        ctx.error(x->source(), "'" + std::string{key} +
                                   "' is for simulated venues; remote venue '" + v.name +
                                   "' is configured on its exchange node");
  }
  if (auto md = r.table("market_data")) {
    table_reader mr{ctx, *md, "[exchange.venue.market_data]"};
    auto& m = v.market_data;
    if (auto d = mr.duration("interval", one_ms, milliseconds{3'600'000}))
      m.interval = *d;
    if (auto i = mr.integer("start_price", 1, market_data_start_price_max))
      m.start_price = *i;
    if (auto i = mr.integer("volatility_bps", 0, 1'000))
      m.volatility_bps = *i;
    if (auto i = mr.integer("depth", 0, market_data_depth_max))
      m.depth = *i;
    if (auto i = mr.integer("level_qty", 1, market_data_level_qty_max))
      m.level_qty = *i;
    m.taker_rate = read_rate(mr, "taker_rate", m.taker_rate);
    if (auto f = mr.string("replay"))
      m.replay = resolve(base_dir, *f);
    mr.finish();
  }
  if (auto faults = r.table("faults")) {
    table_reader fr{ctx, *faults, "[exchange.venue.faults]"};
    auto& f = v.faults;
    if (auto d = fr.duration("latency", zero_ms, milliseconds{venue_fault_latency_ms_max}))
      f.latency = *d;
    if (auto d = fr.duration("latency_jitter", zero_ms, milliseconds{venue_fault_latency_ms_max}))
      f.latency_jitter = *d;
    f.error_rate = read_rate(fr, "error_rate", f.error_rate);
    f.rate_limit_rate = read_rate(fr, "rate_limit_rate", f.rate_limit_rate);
    f.drop_rate = read_rate(fr, "drop_rate", f.drop_rate);
    if (auto b = fr.boolean("disconnected"))
      f.disconnected = *b;
    auto every = fr.duration("disconnect_every", zero_ms, milliseconds{86'400'000});
    auto span = fr.duration("disconnect_for", zero_ms, milliseconds{86'400'000});
    if (every)
      f.disconnect_every = *every;
    if (span)
      f.disconnect_for = *span;
    if ((every || span) && (f.disconnect_every.count() == 0) != (f.disconnect_for.count() == 0))
      ctx.error(faults->source(), "'disconnect_every' and 'disconnect_for' go together");
    else if ((every || span) && f.disconnect_for >= f.disconnect_every &&
             f.disconnect_every.count() > 0)
      ctx.error(fr.key_source("disconnect_for"), "'disconnect_for' (" +
                                                     format_duration(f.disconnect_for) +
                                                     ") must be shorter than 'disconnect_every' (" +
                                                     format_duration(f.disconnect_every) + ")");
    fr.finish();
  }
  r.finish();
}

void read_exchange(load_context& ctx, const toml::table& tbl, const std::string& base_dir,
                   const vault_settings& vault, exchange_settings& ex) {
  table_reader r{ctx, tbl, "[exchange]"};
  if (auto d = r.duration("request_timeout", milliseconds{10},
                          milliseconds{exchange_request_timeout_ms_max}))
    ex.request_timeout = *d;
  if (auto i = r.integer("retry_max", 0, exchange_retry_max))
    ex.retry_max = *i;
  auto min = r.duration("backoff_min", one_ms, milliseconds{exchange_backoff_ms_max});
  auto max = r.duration("backoff_max", one_ms, milliseconds{exchange_backoff_ms_max});
  if (min)
    ex.backoff_min = *min;
  if (max)
    ex.backoff_max = *max;
  if ((min || max) && ex.backoff_min > ex.backoff_max)
    ctx.error(r.key_source(min ? "backoff_min" : "backoff_max"),
              "'backoff_min' (" + format_duration(ex.backoff_min) + ") must not exceed " +
                  "'backoff_max' (" + format_duration(ex.backoff_max) + ")");
  if (auto x = r.number("backoff_jitter", 0.0, 1.0))
    ex.backoff_jitter = *x;
  if (auto i = r.integer("failover_after", 1, exchange_failover_after_max))
    ex.failover_after = *i;
  if (auto x = r.choice("failback", {"auto", "manual"}, "failback policy"))
    ex.failback = *x;
  if (auto d = r.duration("probe_interval", milliseconds{10}, milliseconds{3'600'000}))
    ex.probe_interval = *d;
  if (auto d = r.duration("latency_window", milliseconds{exchange_latency_window_ms_min},
                          milliseconds{3'600'000}))
    ex.latency_window = *d;
  if (auto i = r.integer("failback_probes", 1, exchange_failback_probes_max))
    ex.failback_probes = *i;
  if (auto f = r.string("master_key_file"))
    ex.master_key_file = *f;
  if (auto l = r.string("listen")) {
    std::string why;
    if (!parse_endpoint(*l, true, why))
      ctx.error(tbl.get("listen")->source(), "listen '" + *l + "' " + why);
    ex.listen = *l;
  }
  std::map<std::string, uint32_t> seen;
  std::vector<const toml::table*> venue_tables = r.tables("venue");
  for (auto vt : venue_tables) {
    venue_settings v;
    read_venue(ctx, *vt, base_dir, vault, seen, v);
    ex.venues.push_back(std::move(v));
  }
  if (ex.venues.size() > exchange_venues_max)
    ctx.error(tbl.source(), "[exchange] lists " + std::to_string(ex.venues.size()) +
                                " venues, more than " + std::to_string(exchange_venues_max));
  std::vector<std::string> names;
  for (auto& v : ex.venues)
    names.push_back(v.name);
  auto check_venue = [&](const std::string& name, const toml::node& where, const char* what) {
    if (std::find(names.begin(), names.end(), name) != names.end())
      return true;
    auto near = nearest(name, names);
    ctx.error(where.source(), std::string{what} + " '" + name + "' is not a configured venue" +
                                  (near ? "; did you mean '" + *near + "'?" : "") +
                                  (names.empty() ? " (no [[exchange.venue]] is configured)"
                                                 : " (known: " + join(names) + ")"));
    return false;
  };
  for (size_t k = 0; k < ex.venues.size() && k < venue_tables.size(); ++k) {
    auto& v = ex.venues[k];
    if (v.backup.empty())
      continue;
    auto where = venue_tables[k]->get("backup");
    if (v.backup == v.name)
      ctx.error(where->source(), "venue '" + v.name + "' cannot be its own backup");
    else
      check_venue(v.backup, *where, "backup venue");
  }
  std::set<std::pair<std::string, std::string>> seen_sessions;
  for (auto st : r.tables("session")) {
    table_reader sr{ctx, *st, "[[exchange.session]]"};
    session_settings x;
    auto venue = sr.string("venue", true);
    auto account = sr.string("account", true);
    if (venue && check_venue(*venue, *st->get("venue"), "venue"))
      x.venue = *venue;
    if (account) {
      if (!valid_path_segment(*account))
        ctx.error(st->get("account")->source(),
                  "account '" + *account +
                      "' is not a valid path segment (1 to 64 characters of A-Z a-z 0-9 _ . -)");
      x.account = *account;
    }
    if (venue && account && !seen_sessions.emplace(*venue, *account).second)
      ctx.error(st->source(),
                "duplicate session for account '" + *account + "' on venue '" + *venue + "'");
    sr.finish();
    ex.sessions.push_back(std::move(x));
  }
  if (ex.sessions.size() > exchange_sessions_max)
    ctx.error(tbl.source(),
              "[exchange] lists more than " + std::to_string(exchange_sessions_max) + " sessions");
  r.finish();
}

void read_http(load_context& ctx, const toml::table& tbl, http_settings& http) {
  table_reader r{ctx, tbl, "[http]"};
  if (auto i = r.integer("port", 0, 65'535))
    http.port = static_cast<int32_t>(*i);
  if (auto b = r.string("bind")) {
    std::string why;
    if (!parse_endpoint(*b + ":0", true, why))
      ctx.error(tbl.get("bind")->source(), "bind '" + *b + "' is not a host name or address");
    http.bind = *b;
  }
  if (auto t = r.string("admin_token")) {
    if (t->size() < http_admin_token_chars_min)
      ctx.error(tbl.get("admin_token")->source(),
                "admin_token must be at least " + std::to_string(http_admin_token_chars_min) +
                    " characters (it guards the vault's emergency switches)");
    http.admin_token = *t;
  }
  if (auto i = r.integer("request_bytes_max", 1'024, http_request_bytes_max))
    http.request_bytes_max = *i;
  if (auto d = r.duration("read_timeout", milliseconds{100}, milliseconds{3'600'000}))
    http.read_timeout = *d;
  if (auto i = r.integer("connections_max", 1, http_connections_max))
    http.connections_max = *i;
  if (auto i = r.integer("connections_per_client_max", 1, http_connections_max))
    http.connections_per_client_max = *i;
  r.finish();
}

void read_console(load_context& ctx, const toml::table& tbl, console_settings& console) {
  table_reader r{ctx, tbl, "[console]"};
  if (auto i = r.integer("port", 0, 65'535))
    console.port = static_cast<int32_t>(*i);
  if (auto b = r.string("bind")) {
    std::string why;
    if (!parse_endpoint(*b + ":0", true, why))
      ctx.error(tbl.get("bind")->source(), "bind '" + *b + "' is not a host name or address");
    console.bind = *b;
  }
  r.finish();
}

void read_alert_rule(load_context& ctx, const toml::table& tbl, alert_rule_settings& x) {
  table_reader r{ctx, tbl, "[[monitor.rule]]"};
  if (auto n = r.string("name", true)) {
    if (!valid_path_segment(*n))
      ctx.error(tbl.get("name")->source(),
                "rule name '" + *n + "' must be 1 to 64 characters of A-Z a-z 0-9 _ . -");
    x.name = *n;
  }
  if (auto e = r.boolean("enabled"))
    x.enabled = *e;
  if (auto m = r.string("metric", x.enabled)) {
    auto& names = monitor_metric_names();
    if (std::find(names.begin(), names.end(), *m) == names.end()) {
      auto near = nearest(*m, names);
      ctx.error(tbl.get("metric")->source(), "unknown metric '" + *m + "'" +
                                                 (near ? "; did you mean '" + *near + "'?" : "") +
                                                 " (known: " + join(names) + ")");
    }
    x.metric = *m;
  }
  if (auto c = r.choice("comparison", {"above", "below"}, "comparison"))
    x.comparison = *c;
  auto limit = std::numeric_limits<int64_t>::max() / 2;
  x.warning = r.integer("warning", -limit, limit);
  x.critical = r.integer("critical", -limit, limit);
  if (x.enabled && !x.warning && !x.critical && tbl.get("metric"))
    ctx.error(tbl.source(), "rule '" + x.name + "' needs a 'warning' or a 'critical' threshold");
  if (x.warning && x.critical) {
    auto bad = x.comparison == "above" ? *x.critical < *x.warning : *x.critical > *x.warning;
    if (bad)
      ctx.error(tbl.get("critical")->source(),
                "rule '" + x.name + "': the critical threshold " + std::to_string(*x.critical) +
                    " must be " + (x.comparison == "above" ? "at or above" : "at or below") +
                    " the warning threshold " + std::to_string(*x.warning) + " (comparison '" +
                    x.comparison + "')");
  }
  if (auto d = r.duration("for", milliseconds{0}, milliseconds{86'400'000}))
    x.for_duration = *d;
  if (auto d = r.string("description"))
    x.description = *d;
  r.finish();
}

void read_monitor(load_context& ctx, const toml::table& tbl, monitor_settings& m) {
  table_reader r{ctx, tbl, "[monitor]"};
  if (auto d = r.duration("interval", milliseconds{10}, milliseconds{3'600'000}))
    m.interval = *d;
  if (auto d = r.duration("rate_window", milliseconds{10}, milliseconds{86'400'000}))
    m.rate_window = *d;
  if (auto b = r.boolean("runbook_rules"))
    m.runbook_rules = *b;
  if (auto f = r.string("alerts_file"))
    m.alerts_file = *f;
  if (auto u = r.string("webhook")) {
    std::string why;
    if (!parse_http_url(*u, why))
      ctx.error(tbl.get("webhook")->source(), "webhook '" + *u + "' " + why);
    m.webhook_url = *u;
  }
  if (auto i = r.integer("webhook_attempts", 1, webhook_attempts_max))
    m.webhook_attempts = *i;
  if (auto d = r.duration("webhook_backoff_min", milliseconds{1}, milliseconds{3'600'000}))
    m.webhook_backoff_min = *d;
  if (auto d = r.duration("webhook_backoff_max", milliseconds{1}, milliseconds{3'600'000}))
    m.webhook_backoff_max = *d;
  if (m.webhook_backoff_max < m.webhook_backoff_min)
    ctx.error(tbl.get("webhook_backoff_max") ? tbl.get("webhook_backoff_max")->source()
                                             : tbl.source(),
              "webhook_backoff_max must be at least webhook_backoff_min");
  if (auto d = r.duration("webhook_timeout", milliseconds{10}, milliseconds{600'000}))
    m.webhook_timeout = *d;
  if (auto i = r.integer("webhook_queue_max", 1, webhook_queue_alerts_max))
    m.webhook_queue_max = *i;
  if (auto i = r.integer("history_samples", 2, monitor_history_samples_max))
    m.history_samples = *i;
  if (auto routing = r.table("routing")) {
    table_reader rr{ctx, *routing, "[monitor.routing]"};
    for (auto& severity : alert_severity_names()) {
      if (!routing->get(severity)) {
        rr.get(severity);
        continue;
      }
      std::vector<std::string> channels;
      for (auto& [name, where] : rr.strings(severity)) {
        auto& known = alert_channel_names();
        if (std::find(known.begin(), known.end(), name) == known.end()) {
          auto near = nearest(name, known);
          ctx.error(where->source(), "unknown alert channel '" + name + "'" +
                                         (near ? "; did you mean '" + *near + "'?" : "") +
                                         " (known: " + join(known) + ")");
        } else if (std::find(channels.begin(), channels.end(), name) == channels.end()) {
          channels.push_back(name);
        }
      }
      m.routing[severity] = std::move(channels);
    }
    rr.finish();
  }
  std::map<std::string, const toml::table*> seen;
  for (auto rt : r.tables("rule")) {
    alert_rule_settings x;
    read_alert_rule(ctx, *rt, x);
    if (!x.name.empty()) {
      auto [i, added] = seen.emplace(x.name, rt);
      if (!added)
        ctx.error(rt->source(), "rule '" + x.name + "' is defined twice (first at line " +
                                    std::to_string(i->second->source().begin.line) + ")");
    }
    m.rules.push_back(std::move(x));
  }
  if (m.rules.size() > monitor_rules_max)
    ctx.error(tbl.source(),
              "[monitor] lists more than " + std::to_string(monitor_rules_max) + " rules");
  r.finish();
}

void read_node(load_context& ctx, const toml::table& tbl, node_settings& node) {
  table_reader r{ctx, tbl, "[node]"};
  if (auto name = r.string("name")) {
    if (valid_path_segment(*name))
      node.name = *name;
    else
      ctx.error(tbl.get("name")->source(),
                "node name '" + *name + "' must be 1 to 64 characters of A-Z a-z 0-9 _ . -");
  }
  if (auto d = r.duration("shutdown_timeout", milliseconds{100},
                          milliseconds{node_shutdown_timeout_ms_max}))
    node.shutdown_timeout = *d;
  if (auto i = r.integer("scheduler_threads", 0, scheduler_threads_max))
    node.scheduler_threads = static_cast<int32_t>(*i);
  if (auto x = r.choice("scheduler", {"stealing", "sharing"}, "scheduler policy"))
    node.scheduler = *x;
  if (auto d = r.duration("monitor_interval", milliseconds{100}, milliseconds{3'600'000}))
    node.monitor_interval = *d;
  for (auto& [file, where] : r.strings("policies"))
    node.policy_files.push_back(file);
  r.finish();
}

// Loads one referenced policy file into `out`; appends its diagnostics.
void load_referenced_policies(const std::string& path, policy_set& out,
                              std::map<std::string, std::string>& seen,
                              std::vector<diagnostic>& diagnostics) {
  load_context ctx{path};
  if (auto text = read_file(path, ctx)) {
    if (auto doc = parse_toml(*text, ctx)) {
      table_reader top{ctx, *doc, "a policy file"};
      read_supervisors(top, out, seen);
      top.finish();
    }
  }
  diagnostics.insert(diagnostics.end(), ctx.diagnostics().begin(), ctx.diagnostics().end());
}

load_result<farm_config> load_farm(load_context& ctx, std::string_view text,
                                   const std::string& base_dir, const check_options& opts) {
  load_result<farm_config> result;
  farm_config cfg;
  cfg.file = ctx.file();
  std::vector<diagnostic> other_files;
  if (auto doc = parse_toml(text, ctx)) {
    table_reader top{ctx, *doc, "the top level"};
    if (auto node = top.table("node"))
      read_node(ctx, *node, cfg.node);
    if (auto limits = top.table("limits"))
      read_limits(ctx, *limits, cfg.limits);
    if (opts.env)
      for (auto& d : apply_env_overrides(cfg.limits, opts.env))
        other_files.push_back(std::move(d));
    if (auto store = top.table("store"))
      read_store(ctx, *store, cfg.store);
    if (auto cps = top.table("checkpoints"))
      read_checkpoints(ctx, *cps, opts, cfg.checkpoints);
    if (auto backup = top.table("backup"))
      read_backup(ctx, *backup, cfg.backup);
    if (auto vault = top.table("vault"))
      read_vault(ctx, *vault, cfg.vault);
    if (auto exchange = top.table("exchange"))
      read_exchange(ctx, *exchange, base_dir, cfg.vault, cfg.exchange);
    if (auto http = top.table("http"))
      read_http(ctx, *http, cfg.http);
    if (auto console = top.table("console"))
      read_console(ctx, *console, cfg.console);
    if (auto tls = top.table("tls"))
      read_tls(ctx, *tls, base_dir, cfg.tls);
    if (auto monitor = top.table("monitor"))
      read_monitor(ctx, *monitor,
                   cfg.monitor); // files: relative to the working directory, as [store] path
    asset_refs assets;
    read_users(ctx, top, opts, cfg, assets);
    for (auto& [asset, where] : assets)
      if (std::find(cfg.vault.assets.begin(), cfg.vault.assets.end(), asset) ==
          cfg.vault.assets.end()) {
        auto near = nearest(asset, cfg.vault.assets);
        ctx.error(where->source(), "unknown asset '" + asset + "'" +
                                       (near ? "; did you mean '" + *near + "'?" : "") +
                                       " (known: " + join(cfg.vault.assets) + ")");
      }
    if (opts.validate_agent && !ctx.failed()) {
      // Agents are checked against the whole farm (accounts, sessions,
      // venues' symbols), so only once everything else is known good.
      for (auto& user : cfg.users)
        for (auto& agent : user.agents)
          for (auto& p : opts.validate_agent(agent, user, cfg)) {
            auto i = agent.param_positions.find(p.param);
            auto pos = i != agent.param_positions.end() ? i->second : agent.position;
            ctx.error(pos.first, pos.second,
                      "agent '" + agent.id + "' of user '" + user.name + "': " + p.message);
          }
    }
    std::map<std::string, std::string> seen;
    read_supervisors(top, cfg.policies, seen);
    top.finish();
    if (auto node = doc->get_as<toml::table>("node")) {
      if (auto files = node->get_as<toml::array>("policies")) {
        for (const auto& element : *files) {
          auto s = element.as_string();
          if (!s)
            continue;
          auto path = resolve(base_dir, s->get());
          std::error_code ec;
          if (!std::filesystem::exists(path, ec)) {
            ctx.error(element.source(),
                      "policy file '" + s->get() + "' not found (looked for " + path + ")");
            continue;
          }
          load_referenced_policies(path, cfg.policies, seen, other_files);
        }
      }
    }
  }
  result.diagnostics = std::move(ctx.diagnostics());
  result.diagnostics.insert(result.diagnostics.end(), other_files.begin(), other_files.end());
  sort_diagnostics(result.diagnostics);
  if (result.diagnostics.empty())
    result.value = std::move(cfg);
  return result;
}

} // namespace

load_result<farm_config> load_farm_text(std::string_view text, const std::string& name,
                                        const std::string& base_dir, const check_options& opts) {
  load_context ctx{name};
  return load_farm(ctx, text, base_dir, opts);
}

load_result<farm_config> load_farm_file(const std::string& path, const check_options& opts) {
  load_context ctx{path};
  auto text = read_file(path, ctx);
  if (!text) {
    load_result<farm_config> result;
    result.diagnostics = std::move(ctx.diagnostics());
    return result;
  }
  auto base_dir = std::filesystem::path{path}.parent_path().string();
  return load_farm(ctx, *text, base_dir, opts);
}

load_result<policy_set> load_policy_file(const std::string& path) {
  load_result<policy_set> result;
  policy_set policies;
  std::map<std::string, std::string> seen;
  load_referenced_policies(path, policies, seen, result.diagnostics);
  sort_diagnostics(result.diagnostics);
  if (result.diagnostics.empty())
    result.value = std::move(policies);
  return result;
}

std::vector<diagnostic> check_file(const std::string& path, const check_options& opts) {
  auto result = load_farm_file(path, opts);
  if (result.diagnostics.size() > diagnostics_per_file_max) {
    auto total = result.diagnostics.size();
    result.diagnostics.resize(diagnostics_per_file_max);
    result.diagnostics.push_back(diagnostic{path, 0, 0,
                                            "too many problems; " +
                                                std::to_string(total - diagnostics_per_file_max) +
                                                " more not shown"});
  }
  return std::move(result.diagnostics);
}

} // namespace tfarm::config
