// A small HTTP/1.1 server (Boost.Beast) that hands each request to one
// handler function: the node's API (http_api.hpp) and the benchmarks use it.
//
// Limits, all enforced before the handler runs: the request (head and body)
// is at most `request_bytes_max` (else 413), a client has `read_timeout`
// to send a whole request and an idle keep-alive connection lives as long
// (then it is closed), at most `connections_max` connections are served at
// once (the next gets 503 and is closed). A request that does not parse
// gets 400 with a JSON body. Every answer is counted in the node's
// http_metrics.
//
// Threads: `threads` I/O threads run the handler, which must be thread-safe
// and should not block for long (the API bounds every wait). Beast stays
// in http_server.cpp: this header is cheap to include.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

#include "runtime/metric_registry.hpp"

namespace tfarm::net {

struct http_request {
  /// "GET", "POST", ...
  std::string method;
  /// The path, without the query.
  std::string path;
  /// What follows '?', if anything.
  std::string query;
  /// The Authorization header ("" if absent).
  std::string authorization;
  std::string content_type;
  std::string body;
  /// "address:port" of the client.
  std::string remote;
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Extra headers (e.g. WWW-Authenticate, Allow, Cache-Control).
  std::vector<std::pair<std::string, std::string>> headers;
  /// Which of the handler's routes answered (-1: none), for the observer.
  int route = -1;
};

using http_handler = std::function<http_response(const http_request&)>;

/// Told of every answer once it is written (or failed to be): its route
/// (-1 for requests refused before the handler, e.g. too large), status and
/// latency from the request's first byte, microseconds. Runs on the
/// server's threads: thread-safe and quick.
using http_observer = std::function<void(int route, int status, int64_t latency_us)>;

struct http_server_options {
  std::string bind = "127.0.0.1";
  /// 0: any free port (see http_server::port()).
  uint16_t port = 0;
  std::size_t request_bytes_max = 64 * 1024;
  std::chrono::milliseconds read_timeout{10'000};
  std::size_t connections_max = 256;
  /// Of those, at most this many from one client address (503 beyond).
  std::size_t connections_per_client_max = 64;
  int threads = 2;
  /// The value of the Server header.
  std::string server_name = "tfarm";
};

/// `{"error": code, "message": message}` (JSON-escaped).
std::string json_error(const std::string& code, const std::string& message);

class http_server {
public:
  /// Binds and starts serving; an error names the address that failed.
  static caf::expected<std::unique_ptr<http_server>> start(http_server_options opts,
                                                           http_handler handler,
                                                           runtime::http_metrics metrics = {},
                                                           http_observer observer = {});

  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The port actually bound.
  uint16_t port() const noexcept;

  /// Connections open now.
  std::size_t connections() const noexcept;

  /// Stops accepting, closes every connection and joins the threads; a
  /// handler still running finishes first. Idempotent.
  void stop();

  struct impl;

private:
  explicit http_server(std::unique_ptr<impl> x);
  std::unique_ptr<impl> impl_;
};

} // namespace tfarm::net
