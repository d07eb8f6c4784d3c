// `tfarm certs init|issue`: the cluster's CA and the certificates of its
// nodes and operators (net/cert_authority.hpp, docs/security.md).
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "net/cert_authority.hpp"
#include "net/error.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::cli {

namespace {

struct certs_options {
  std::string dir;
  std::string name;
  std::string role;
  int64_t days = 0;
  std::string ca_key;
};

int report(const char* what, const caf::expected<net::issued_files>& x, const char* note) {
  if (!x) {
    std::cerr << "tfarm certs " << what << ": error: " << runtime::to_text(x.error()) << '\n';
    return exit_failure;
  }
  std::cout << "wrote " << x->cert << " and " << x->key << " (key mode 0600)" << note << '\n';
  return exit_ok;
}

} // namespace

void add_certs_command(CLI::App& app, const global_options& globals, int& result) {
  auto cmd = app.add_subcommand(
      "certs", "The cluster's TLS certificate authority: every CAF port (console, exchange "
               "nodes) requires a certificate it signed");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<certs_options>();
  auto init = cmd->add_subcommand("init", "Make a new CA: DIR/ca.crt and DIR/ca.key");
  init->add_option("--dir", opts->dir, "where the CA's files go (made 0700)")->required();
  init->add_option("--days", opts->days, "validity in days")
      ->default_val(net::ca_days_default)
      ->check(CLI::Range(int64_t{1}, net::certificate_days_max));
  init->callback([opts, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    net::register_net_error_names();
    result = report("init", net::cert_authority::init(opts->dir, opts->days),
                    "; keep ca.key offline once the certificates are issued (issue --ca-key)");
  });
  auto issue =
      cmd->add_subcommand("issue", "Issue DIR/NAME.crt and DIR/NAME.key, signed by the CA of DIR");
  issue->add_option("--dir", opts->dir, "the CA's directory (ca.crt); the files go there")
      ->required();
  issue->add_option("--name", opts->name, "the holder: a node's or an operator's name")->required();
  issue->add_option("--role", opts->role, "node (serves and connects) or operator (connects)")
      ->required()
      ->check(CLI::IsMember({net::node_role, net::operator_role}));
  issue->add_option("--days", opts->days, "validity in days")
      ->default_val(net::certificate_days_default)
      ->check(CLI::Range(int64_t{1}, net::certificate_days_max));
  issue->add_option("--ca-key", opts->ca_key, "the CA's key (default DIR/ca.key)");
  issue->callback([opts, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    net::register_net_error_names();
    net::certificate_request r{opts->dir, opts->name, opts->role, opts->days, opts->ca_key};
    result = report("issue", net::cert_authority::issue(r), "");
  });
}

} // namespace tfarm::cli
