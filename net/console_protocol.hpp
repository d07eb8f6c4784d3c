// The inspection console's wire format: one request per command line, one
// reply with the outcome, the text for people and the JSON for scripts.
//
// Why the node parses the command (the client sends its words): one place
// decides what a command means, so older clients keep working with newer
// nodes and a command can be forwarded to another node unchanged. Plain
// data; integers and strings only (they cross nodes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace tfarm::net {

/// How a console command ended; also the exit code of `tfarm console -e`.
enum class console_status : int32_t {
  ok = 0,
  /// The node refused (token, a rule, a limit) or the command failed.
  failed = 1,
  /// The command line is wrong (unknown command, missing argument) or the
  /// node could not be reached.
  usage = 2,
};

struct console_request {
  /// The admin token ([http] admin_token or TFARM_ADMIN_TOKEN on the node).
  std::string token;
  /// Who asks, for the audit log ("user@host" of the client).
  std::string operator_name;
  /// The command line split into words: {"info", "/vault"}.
  std::vector<std::string> args;
  /// On a node with [tls]: the operator's certificate (PEM), when the
  /// request was signed (Unix ms), and the signature of its key over the
  /// token, the time and the words (net/operator_proof.hpp). The node takes
  /// the operator's name from the certificate, not from operator_name.
  std::string certificate;
  int64_t signed_at_ms = 0;
  std::string signature;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, console_request& x) {
  return f(caf::meta::type_name("tfarm.console_request"), x.token, x.operator_name, x.args,
           x.certificate, x.signed_at_ms, x.signature);
}

struct console_reply {
  /// A console_status value.
  int32_t status = 0;
  /// What people read (may be several lines; ends without a newline).
  std::string text;
  /// The same outcome as one JSON document (`--json`).
  std::string json;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, console_reply& x) {
  return f(caf::meta::type_name("tfarm.console_reply"), x.status, x.text, x.json);
}

} // namespace tfarm::net
