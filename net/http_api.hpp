// The node's HTTP API: the runbook's endpoints over the running node (see
// docs/http.md for every path, body and status).
//
// Public: GET /api/health, GET /metrics, GET /dashboard/monitoring. Every
// other endpoint needs `Authorization: Bearer <admin token>` (401 without,
// 403 with a wrong one or when no token is configured). Mutations are POST
// (405 otherwise) and audited: the vault audits its mode changes and
// reconciliations, the monitor acknowledgements, this API the exchange
// tests. Every wait on an actor is bounded (504 when it passes).
//
// Thread-safe: handle() runs on the HTTP server's threads; it reads the
// registry and metrics (synchronized) and asks actors with its own scoped
// actors. The /api/health document is cached for health_cache_ms so that
// load balancers polling it cost next to nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/vault/vault_messages.hpp"
#include "config/limits.hpp"
#include "net/api_performance.hpp"
#include "net/cluster_view.hpp"
#include "net/http_server.hpp"
#include "net/refusal_budget.hpp"
#include "net/security_control.hpp"
#include "runtime/node.hpp"

namespace tfarm::net {

/// How long a computed /api/health answer is served again.
constexpr int64_t health_cache_ms = 100;

struct http_api_options {
  /// Empty: admin endpoints answer 403 (and say why). Ignored when
  /// `security` is given (its token rules).
  std::string admin_token;
  /// The node's lockdown control and admin token, shared with its console
  /// (nullptr: one of its own from admin_token, without a database).
  std::shared_ptr<security_control> security;
  std::chrono::milliseconds actor_timeout{10'000};
  /// A cluster member's cluster, for GET /api/cluster/status (nullptr: a
  /// single node, which answers 404).
  std::shared_ptr<const cluster_source> cluster;
};

class http_api {
public:
  http_api(runtime::node& node, http_api_options opts);
  ~http_api();

  http_response handle(const http_request& req);

  /// The handler to give http_server::start (keeps `this`).
  http_handler handler() {
    return [this](const http_request& req) { return handle(req); };
  }

  /// The observer to give http_server::start (keeps `this`): feeds the
  /// per-endpoint figures of /admin/api-performance.
  http_observer observer();

  /// Every route's path, in route order ("{id}" for a parameter).
  std::vector<std::string> endpoints() const;

private:
  enum class route_verb { get, post, any };
  using route_fn = std::function<http_response(const http_request&)>;
  struct route {
    std::string path;
    route_verb verb;
    /// Needs the admin token.
    bool admin;
    route_fn serve;
  };

  void add_routes();
  /// The route serving `path`, -1 if none.
  int route_of(const std::string& path) const;

  http_response health();
  http_response admin_status();
  http_response exchanges_status();
  http_response cluster_status();
  http_response exchanges_test(const http_request& req);
  http_response vault_health();
  http_response vault_mode(const http_request& req, actors::vault_mode mode, bool on);
  http_response vault_reconcile(const http_request& req);
  http_response security_status();
  http_response security_lockdown(const http_request& req);
  http_response security_unlock(const http_request& req);
  http_response monitoring(const http_request& req);
  http_response acknowledge(const http_request& req, const std::string& id);
  http_response dashboard_data();
  http_response metrics();
  http_response api_performance_page();
  /// nullopt if allowed; else the 401/403 answer (audited as
  /// http.refused, at most console_refusals_audited_per_min a minute).
  std::optional<http_response> refuse(const http_request& req);

  /// Writes `why` about `req` to the audit log if the budget allows.
  void audit_refusal(const http_request& req, const std::string& why);

  runtime::node& node_;
  http_api_options opts_;
  const int64_t started_ms_;
  refusal_budget refusals_{config::console_refusals_audited_per_min};
  std::mutex health_mtx_;
  int64_t health_at_ms_ = 0;
  http_response health_cached_;
  std::vector<route> routes_;
  std::unordered_map<std::string, int> by_path_;
  int ack_route_ = -1;
  std::unique_ptr<api_performance> performance_;
};

} // namespace tfarm::net
