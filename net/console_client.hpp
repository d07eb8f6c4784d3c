// The client side of the inspection console: a connection to one node's
// inspector over CAF's middleman, with its own small actor system.
//
// Connecting tries `attempts` times with doubling backoff. A connection
// found lost when a command is sent is re-established the same way and
// the command sent again if it changes nothing; a mutating command is not
// repeated (it may have been applied: the reply says to check `audit`).
// Every command waits at most `timeout` for its answer.
//
// Not thread-safe: one thread drives a client.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "config/farm_config.hpp"
#include "config/limits.hpp"
#include "net/console_protocol.hpp"

namespace caf {
class actor_system;
class actor_system_config;
} // namespace caf

namespace tfarm::net {

struct console_client_options {
  std::string host = "127.0.0.1";
  uint16_t port = static_cast<uint16_t>(config::console_port_default);
  std::string token;
  /// Who asks ("user@host"), for the node's audit log.
  std::string operator_name;
  std::chrono::milliseconds timeout{config::console_request_timeout_ms_default};
  int32_t attempts = config::console_connect_attempts_default;
  /// The operator's certificate, its key and the cluster CA (all or none;
  /// checked by the caller with check_tls): the node's console then needs
  /// them.
  config::tls_settings tls;
  /// Progress for people: "connection lost; reconnecting ..." (may be empty).
  std::function<void(const std::string&)> notice;
};

class console_client {
public:
  explicit console_client(console_client_options opts);
  ~console_client();

  console_client(const console_client&) = delete;
  console_client& operator=(const console_client&) = delete;

  /// Connects (or reconnects); an error names the endpoint and the cause.
  caf::error connect();

  bool connected() const noexcept;

  /// "host:port".
  std::string endpoint() const;

  /// Runs one command line on the node (connecting first if needed). An
  /// error means no answer came (connection, timeout); a refusal or a
  /// failed command is a reply with its status.
  caf::expected<console_reply> call(const std::vector<std::string>& args);

private:
  struct impl;
  console_client_options opts_;
  std::unique_ptr<impl> impl_;
};

} // namespace tfarm::net
