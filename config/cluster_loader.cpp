// load_cluster_file / load_cluster_text (loader.hpp): a cluster file read
// like a farm file, every problem reported at its position.
#include <filesystem>
#include <map>

#include "config/detail/file_tables.hpp"
#include "config/detail/table_reader.hpp"
#include "config/loader.hpp"
#include "config/path_syntax.hpp"

namespace tfarm::config {

namespace {

using detail::load_context;
using detail::table_reader;

constexpr milliseconds zero_ms{0};

std::string position_of(const toml::source_region& where) {
  return std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
}

// A required name that is a valid path segment and unique in `seen`.
std::optional<std::string> read_unique_name(table_reader& r, const std::string& what,
                                            std::map<std::string, std::string>& seen) {
  auto name = r.string("name", true);
  if (!name)
    return std::nullopt;
  auto where = r.raw().get("name")->source();
  if (!valid_path_segment(*name)) {
    r.context().error(where,
                      what + " '" + *name + "' must be 1 to 64 characters of A-Z a-z 0-9 _ . -");
    return std::nullopt;
  }
  auto [it, fresh] = seen.emplace(*name, position_of(where));
  if (!fresh) {
    r.context().error(where, what + " '" + *name + "' is defined twice (first at line:column " +
                                 it->second + ")");
    return std::nullopt;
  }
  return name;
}

void read_cluster_table(load_context& ctx, const toml::table& tbl, const std::string& base_dir,
                        cluster_config& cfg) {
  table_reader r{ctx, tbl, "[cluster]"};
  if (auto name = r.string("name", true)) {
    if (!valid_path_segment(*name))
      ctx.error(tbl.get("name")->source(),
                "cluster name '" + *name + "' must be 1 to 64 characters of A-Z a-z 0-9 _ . -");
    cfg.name = *name;
  }
  if (auto farm = r.string("farm", true)) {
    cfg.farm = detail::resolve(base_dir, *farm);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(cfg.farm, ec))
      ctx.error(tbl.get("farm")->source(),
                "farm file '" + *farm + "' not found (looked for " + cfg.farm + ")");
  }
  if (auto store = r.string("store")) {
    if (store->rfind("postgresql://", 0) != 0 && store->rfind("postgres://", 0) != 0)
      ctx.error(tbl.get("store")->source(),
                "store must be a postgresql:// URL: the members share it, and an SQLite file "
                "cannot be shared between nodes");
    else
      cfg.store = *store;
  }
  auto& t = cfg.timing;
  if (auto x = r.duration("renew_interval", milliseconds{cluster_renew_interval_ms_min},
                          milliseconds{cluster_renew_interval_ms_max}))
    t.renew_interval = *x;
  if (auto x = r.duration("lease_ttl", milliseconds{1}, milliseconds{cluster_lease_ttl_ms_max}))
    t.lease_ttl = *x;
  if (auto x = r.duration("margin", zero_ms, milliseconds{cluster_lease_ttl_ms_max}))
    t.margin = *x;
  if (t.lease_ttl < t.renew_interval * cluster_lease_renewals_min) {
    auto where = tbl.get("lease_ttl") ? tbl.get("lease_ttl")->source() : tbl.source();
    ctx.error(where, "lease_ttl (" + std::to_string(t.lease_ttl.count()) +
                         " ms) must be at least " + std::to_string(cluster_lease_renewals_min) +
                         " renew intervals (" +
                         std::to_string(t.renew_interval.count() * cluster_lease_renewals_min) +
                         " ms), so that one late renewal does not lose every lease");
  } else if (t.margin >= t.lease_ttl - t.renew_interval) {
    auto where = tbl.get("margin") ? tbl.get("margin")->source() : tbl.source();
    ctx.error(where, "margin (" + std::to_string(t.margin.count()) +
                         " ms) must be less than lease_ttl - renew_interval (" +
                         std::to_string((t.lease_ttl - t.renew_interval).count()) +
                         " ms), or a member would stop its users between two renewals");
  }
  r.finish();
}

// host and port of a [[member]] or [[exchange]], the port unique across
// the file (the members may share a host, as on one test machine).
void read_address(table_reader& r, const std::string& what, std::string& host, uint16_t& port,
                  std::map<std::string, std::string>& addresses) {
  if (auto h = r.string("host", true)) {
    if (h->empty())
      r.context().error(r.raw().get("host")->source(), what + ": host must not be empty");
    host = *h;
  }
  if (auto p = r.integer("port", 1, 65'535, true))
    port = static_cast<uint16_t>(*p);
  if (host.empty() || port == 0)
    return;
  auto key = host + ":" + std::to_string(port);
  auto where = r.raw().get("port")->source();
  auto [it, fresh] = addresses.emplace(key, what);
  if (!fresh)
    r.context().error(where, what + ": " + key + " is " + it->second + "'s address already");
}

load_result<cluster_config> load_cluster(load_context& ctx, std::string_view text,
                                         const std::string& base_dir) {
  load_result<cluster_config> result;
  cluster_config cfg;
  if (auto doc = detail::parse_toml(text, ctx)) {
    table_reader top{ctx, *doc, "the cluster file"};
    if (auto c = top.table("cluster"))
      read_cluster_table(ctx, *c, base_dir, cfg);
    else
      ctx.error(1, 1, "missing [cluster] (name, farm, and the store URL or --db)");
    if (auto tls = top.table("tls"))
      detail::read_tls(ctx, *tls, base_dir, cfg.tls);
    std::map<std::string, std::string> names;
    std::map<std::string, std::string> addresses;
    auto members = top.tables("member");
    if (members.empty())
      ctx.error(1, 1, "a cluster needs at least one [[member]]");
    if (members.size() > cluster_members_max)
      ctx.error(members[cluster_members_max]->source(), "more than cluster_members_max (" +
                                                            std::to_string(cluster_members_max) +
                                                            ") members");
    for (auto* m : members) {
      table_reader r{ctx, *m, "[[member]]"};
      cluster_member_spec x;
      x.position = {m->source().begin.line, m->source().begin.column};
      auto name = read_unique_name(r, "member", names);
      if (name)
        x.name = *name;
      read_address(r, "member '" + x.name + "'", x.host, x.port, addresses);
      for (auto [key, field] :
           {std::pair{"http_port", &x.http_port}, {"console_port", &x.console_port}})
        if (auto p = r.integer(key, 0, 65'535); p && *p != 0) {
          *field = static_cast<uint16_t>(*p);
          auto address = x.host + ":" + std::to_string(*p);
          auto [it, fresh] = addresses.emplace(address, "member '" + x.name + "'");
          if (!fresh)
            ctx.error(m->get(key)->source(), "member '" + x.name + "': " + key + " " + address +
                                                 " is " + it->second + "'s address already");
        }
      r.finish();
      cfg.members.push_back(std::move(x));
    }
    for (auto* e : top.tables("exchange")) {
      table_reader r{ctx, *e, "[[exchange]]"};
      cluster_exchange_spec x;
      x.position = {e->source().begin.line, e->source().begin.column};
      if (auto name = read_unique_name(r, "exchange node", names))
        x.name = *name;
      read_address(r, "exchange node '" + x.name + "'", x.host, x.port, addresses);
      r.finish();
      cfg.exchanges.push_back(std::move(x));
    }
    top.finish();
  }
  result.diagnostics = std::move(ctx.diagnostics());
  sort_diagnostics(result.diagnostics);
  if (result.diagnostics.empty())
    result.value = std::move(cfg);
  return result;
}

} // namespace

load_result<cluster_config> load_cluster_text(std::string_view text, const std::string& name,
                                              const std::string& base_dir) {
  load_context ctx{name};
  return load_cluster(ctx, text, base_dir);
}

load_result<cluster_config> load_cluster_file(const std::string& path) {
  load_context ctx{path};
  auto text = detail::read_file(path, ctx);
  if (!text) {
    load_result<cluster_config> result;
    result.diagnostics = std::move(ctx.diagnostics());
    return result;
  }
  return load_cluster(ctx, *text, std::filesystem::path{path}.parent_path().string());
}

} // namespace tfarm::config
