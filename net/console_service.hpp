// What the inspection console does on a node: runs one command line for an
// operator and answers with text and JSON (see console_commands.hpp for the
// commands, docs/console.md for their output).
//
// Every request carries the admin token; a missing or wrong one is refused
// and the refusal is audited. Mutating commands are audited with the
// operator's identity, by the actor that acts when it audits its own changes
// (vault, risk control, monitor) and here otherwise. Every wait on an actor
// is bounded by console_options::actor_timeout. Commands never throw: a
// failure is a reply with status failed.
//
// Thread-safe: execute() runs on the console's worker threads at once; it
// reads the registry (synchronized) and asks actors with its own scoped
// actors, like the HTTP API.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "config/farm_config.hpp"
#include "config/limits.hpp"
#include "net/console_commands.hpp"
#include "net/console_protocol.hpp"
#include "runtime/node.hpp"

namespace tfarm::net {

struct console_options {
  /// Empty: every command is refused (and the refusal says why).
  std::string admin_token;
  std::chrono::milliseconds actor_timeout{config::console_actor_timeout_ms};
  /// The farm file the node runs: `policy reload` reads it again.
  std::string farm_file;
  /// The farm as the node started it: `agent start` checks agents against it.
  config::farm_config farm;
  /// Where the console listens ("host:port"), for `nodes`.
  std::string endpoint;
};

class console_service {
public:
  console_service(runtime::node& node, console_options opts);

  console_reply execute(const console_request& req);

private:
  struct sample {
    int64_t at_ns = 0;
    std::map<std::string, uint64_t> handled;
  };

  console_reply dispatch(const std::string& who, const std::vector<std::string>& words);
  console_reply nodes();
  console_reply tree(const console_args& a);
  console_reply ls(const console_args& a);
  console_reply info(const console_args& a);
  console_reply top(const console_args& a);
  console_reply kill(const std::string& who, const console_args& a);
  console_reply restart(const std::string& who, const console_args& a);
  console_reply agent(const std::string& who, const console_args& a);
  console_reply kill_switch(const std::string& who, bool halt, const console_args& a);
  console_reply vault(const std::string& who, const console_args& a);
  console_reply exchanges(const std::string& who, const console_args& a);
  console_reply alerts(const std::string& who, const console_args& a);
  console_reply metrics(const console_args& a);
  console_reply policy(const std::string& who, const console_args& a);
  console_reply audit_log(const console_args& a);
  console_reply complete(const std::vector<std::string>& words);

  /// The entry at `path` (normalized), or nullptr with `fail` naming the
  /// nearest path.
  std::shared_ptr<runtime::registry_entry> find_actor(const std::string& path,
                                                      console_reply& fail) const;

  /// Writes an audit record and waits (bounded) until it is durable.
  void audit(const std::string& who, const std::string& action, const std::string& detail);

  runtime::node& node_;
  console_options opts_;
  const int64_t started_ms_;
  std::mutex sample_mtx_;
  sample last_sample_;
};

} // namespace tfarm::net
