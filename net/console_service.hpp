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

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <nlohmann/json_fwd.hpp>

#include "config/farm_config.hpp"
#include "config/limits.hpp"
#include "net/cluster_view.hpp"
#include "net/console_commands.hpp"
#include "net/console_protocol.hpp"
#include "net/operator_proof.hpp"
#include "net/refusal_budget.hpp"
#include "net/security_control.hpp"
#include "runtime/node.hpp"

namespace tfarm::net {

struct console_options {
  /// Empty: every command is refused (and the refusal says why). Ignored
  /// when `security` is given (its token rules).
  std::string admin_token;
  /// The node's lockdown control and admin token, shared with its HTTP API
  /// (nullptr: one of its own from admin_token and farm.store.target()).
  std::shared_ptr<security_control> security;
  std::chrono::milliseconds actor_timeout{config::console_actor_timeout_ms};
  /// The farm file the node runs: `policy reload` reads it again.
  std::string farm_file;
  /// The farm as the node started it: `agent start` checks agents against it.
  config::farm_config farm;
  /// Where the console listens ("host:port"), for `nodes`.
  std::string endpoint;
  /// A cluster member's cluster: `nodes` shows its members and placement
  /// (nullptr: a single node).
  std::shared_ptr<const cluster_source> cluster;
};

class console_service {
public:
  console_service(runtime::node& node, console_options opts);

  console_reply execute(const console_request& req);

  /// From now on refuses new commands and ends waits it can (the node is
  /// stopping).
  void stop();

private:
  struct sample {
    int64_t at_ns = 0;
    std::map<std::string, uint64_t> handled;
  };

  console_reply dispatch(const std::string& token, const std::string& who,
                         const std::vector<std::string>& words);
  console_reply nodes(const std::string& token, const std::string& who);
  console_reply tree(const console_args& a);
  console_reply ls(const console_args& a);
  console_reply info(const console_args& a);
  console_reply top(const console_args& a);
  console_reply kill(const std::string& who, const console_args& a);
  console_reply restart(const std::string& who, const console_args& a);
  console_reply agent(const std::string& who, const console_args& a);
  console_reply kill_switch(const std::string& who, bool halt, const console_args& a);
  console_reply vault(const std::string& who, const console_args& a);
  /// vault balance ACCOUNT | vault transfer FROM TO AMOUNT ASSET --key KEY.
  console_reply vault_money(const std::string& who, const console_args& a);
  console_reply exchanges(const std::string& who, const console_args& a);
  /// venue [status] [NAME] | venue faults NAME [options] (console_venue.cpp).
  console_reply venue(const std::string& who, const console_args& a);
  console_reply alerts(const std::string& who, const console_args& a);
  console_reply metrics(const console_args& a);
  console_reply policy(const std::string& who, const console_args& a);
  console_reply lockdown(const std::string& who, const console_args& a);
  console_reply unlock(const std::string& who, const console_args& a);
  console_reply security(const console_args& a);
  console_reply audit_log(const console_args& a);
  console_reply complete(const std::vector<std::string>& words);

  /// The entry at `path` (normalized), or nullptr with `fail` naming the
  /// nearest path.
  std::shared_ptr<runtime::registry_entry> find_actor(const std::string& path,
                                                      console_reply& fail) const;

  /// The one PATH `command` takes, an actor below the root; else nullptr
  /// with `fail` set (usage, unknown path, or `why_not_root`).
  std::shared_ptr<runtime::registry_entry> below_root(const std::string& command,
                                                      const console_args& a,
                                                      const std::string& why_not_root,
                                                      console_reply& fail) const;

  /// "no user 'x' on node n; did you mean 'y'? (users: ...)", from the
  /// users whose supervisors run.
  console_reply no_user(const std::string& user) const;

  /// Writes an audit record and waits (bounded) until it is durable.
  void audit(const std::string& who, const std::string& action, const std::string& detail);

  /// A node this one is connected to (an exchange node), with its console.
  struct peer {
    /// Where its venue directory listens ("host:port").
    std::string endpoint;
    /// This farm's venues that live there.
    std::vector<std::string> venues;
    /// Its node name, if its console answered.
    std::string name;
    caf::actor inspector;
    /// Why its console cannot be reached (empty if it can).
    std::string error;
  };

  /// On a cluster member, where a switch (the kill switch, the vault's
  /// modes) holds: the cluster's, on every member within a refresh; "" on
  /// a single node.
  std::string cluster_switch_note() const;

  /// Adds the cluster's members and placement (from the store) to a reply;
  /// `note` follows the cluster's name in the text.
  void append_cluster(std::string& text, nlohmann::json& result, const std::string& note) const;

  /// The peers and their consoles (asked with the operator's token).
  std::vector<peer> peers(const std::string& token, const std::string& who);

  /// Runs `req` as it came (its proof signs its words, `--node` included)
  /// on the peer named (or listening at) `target`, which runs it itself.
  console_reply forward(const console_request& req, const std::string& who,
                        const std::string& target);

  /// Why `req` proves no operator of the cluster CA (empty if it does; then
  /// `who` becomes the certificate's name).
  std::string prove_operator(const console_request& req, std::string& who) const;

  /// Why `token` is not the admin token (empty if it is).
  std::string token_refusal(const std::string& token) const;

  /// True if this refusal may be audited (console_refusals_audited_per_min).
  bool may_audit_refusal();

  /// Why `req` exceeds the console's limits (words, line, token, operator,
  /// certificate and signature sizes), or an empty string.
  static std::string oversize(const console_request& req);

  runtime::node& node_;
  console_options opts_;
  /// With [tls]: checks each request's operator proof (else nullopt).
  std::optional<operator_verifier> verifier_;
  /// Why the verifier could not be made (every request is refused then).
  std::string verifier_error_;
  const int64_t started_ms_;
  std::atomic<bool> stopping_{false};
  refusal_budget refusals_{config::console_refusals_audited_per_min};
  std::mutex sample_mtx_;
  sample last_sample_;
};

} // namespace tfarm::net
