#include "net/cluster_view.hpp"

#include <unistd.h>

#include <climits>
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "persistence/cluster_store.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"

namespace tfarm::net {

bool is_local_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0)
    return true;
  char name[HOST_NAME_MAX + 1] = {};
  return gethostname(name, sizeof(name)) == 0 && host == name;
}

cluster_source cluster_source_of(const config::cluster_config& cluster,
                                 const config::farm_config& farm) {
  cluster_source s;
  s.name = cluster.name;
  s.db = cluster.store;
  s.timing = cluster.timing;
  for (auto& u : farm.users)
    s.agents_of[u.name] = static_cast<int64_t>(u.agents.size());
  for (auto& m : cluster.members) {
    if (is_local_host(m.host))
      s.local_members.push_back(m.name);
    s.consoles[m.name] =
        m.console_port == 0 ? std::string{} : m.host + ":" + std::to_string(m.console_port);
  }
  return s;
}

caf::expected<cluster_view> read_cluster_view(const cluster_source& source) {
  auto db = persistence::open_database(source.db);
  if (!db)
    return db.error();
  std::vector<persistence::member_record> members;
  std::vector<persistence::lease_record> leases;
  try {
    persistence::cluster_store cs{**db, source.timing.lease_ttl};
    members = cs.members();
    leases = cs.leases();
  } catch (const std::exception& e) {
    return caf::error{persistence::store_errc::io_error,
                      std::string{"reading the cluster's tables: "} + e.what()};
  }
  cluster_view x;
  x.name = source.name;
  std::set<std::string> live;
  for (auto& m : members)
    if (m.state == "joining" || m.state == "up")
      live.insert(m.name);
  std::set<std::string> local(source.local_members.begin(), source.local_members.end());
  for (auto& m : members) {
    cluster_member_view v;
    v.name = m.name;
    v.state = m.state;
    v.incarnation = m.incarnation;
    v.pid = live.count(m.name) > 0 && local.count(m.name) > 0 ? m.pid : 0;
    v.address = m.address;
    v.renewal_age_ms = m.renewal_age_ms;
    if (live.count(m.name) > 0)
      for (auto& l : leases)
        if (l.owner == m.name) {
          v.users.push_back(l.user);
          auto a = source.agents_of.find(l.user);
          v.agents += a != source.agents_of.end() ? a->second : 0;
        }
    x.members.push_back(std::move(v));
  }
  for (auto& l : leases)
    x.placement[l.user] =
        user_placement{live.count(l.owner) > 0 ? l.owner : "", l.epoch, l.remaining_ms};
  return x;
}

nlohmann::json to_json(const cluster_view& x) {
  auto members = nlohmann::json::array();
  for (auto& m : x.members)
    members.push_back({{"name", m.name},
                       {"state", m.state},
                       {"incarnation", m.incarnation},
                       {"pid", m.pid > 0 ? nlohmann::json(m.pid) : nlohmann::json(nullptr)},
                       {"address", m.address},
                       {"renewal_age_ms", m.renewal_age_ms},
                       {"users", m.users},
                       {"agents", m.agents}});
  auto placement = nlohmann::json::object();
  for (auto& [user, p] : x.placement)
    placement[user] = {{"node", p.node.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.node)},
                       {"epoch", p.epoch},
                       {"lease_remaining_ms", p.lease_remaining_ms}};
  return {{"cluster", x.name}, {"members", members}, {"placement", placement}};
}

std::string render_cluster(const cluster_view& x) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "%-12s %-8s %6s %8s %-22s %9s %6s %7s\n", "MEMBER", "STATE",
                "INC", "PID", "ADDRESS", "RENEWED", "USERS", "AGENTS");
  out += line;
  for (auto& m : x.members) {
    auto pid = m.pid > 0 ? std::to_string(m.pid) : std::string{"-"};
    std::snprintf(line, sizeof(line), "%-12s %-8s %6lld %8s %-22s %7lldms %6zu %7lld\n",
                  m.name.c_str(), m.state.c_str(), static_cast<long long>(m.incarnation),
                  pid.c_str(), m.address.c_str(), static_cast<long long>(m.renewal_age_ms),
                  m.users.size(), static_cast<long long>(m.agents));
    out += line;
  }
  std::snprintf(line, sizeof(line), "\n%-16s %-12s %6s\n", "USER", "NODE", "EPOCH");
  out += line;
  for (auto& [user, p] : x.placement) {
    std::snprintf(line, sizeof(line), "%-16s %-12s %6lld\n", user.c_str(),
                  p.node.empty() ? "(none)" : p.node.c_str(), static_cast<long long>(p.epoch));
    out += line;
  }
  if (!out.empty())
    out.pop_back();
  return out;
}

} // namespace tfarm::net
