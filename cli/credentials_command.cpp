// `tfarm credentials set|check|revoke|list`: exchange credentials sealed
// with AES-256-GCM under a master key (--master-key-file or
// TFARM_MASTER_KEY). The secret comes from standard input, never from the
// command line (which other users can see), and is never printed.
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <openssl/crypto.h>

#include "actors/exchange/error.hpp"
#include "actors/exchange/secret_box.hpp"
#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/db_option.hpp"
#include "persistence/credentials.hpp"
#include "persistence/error.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/node_lock.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::cli {

namespace {

struct credential_options {
  std::string db = "tfarm.db";
  std::string venue;
  std::string account;
  std::string key_id;
  std::string master_key_file;
  std::string new_master_key_file;
};

int fail(const std::string& what, const caf::error& err) {
  std::cerr << "tfarm credentials " << what << ": error: " << runtime::to_text(err) << '\n';
  return exit_failure;
}

caf::expected<actors::secret_box> master_key(const credential_options& opts) {
  if (!opts.master_key_file.empty())
    return actors::secret_box::from_file(opts.master_key_file);
  if (auto env = std::getenv("TFARM_MASTER_KEY"); env != nullptr)
    return actors::secret_box::from_hex(env);
  return caf::error{actors::exchange_errc::bad_master_key,
                    "no master key: give --master-key-file FILE or set TFARM_MASTER_KEY "
                    "(64 hex digits)"};
}

int set(const credential_options& opts) {
  auto box = master_key(opts);
  if (!box)
    return fail("set", box.error());
  std::string secret{std::istreambuf_iterator<char>{std::cin}, std::istreambuf_iterator<char>{}};
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r'))
    secret.pop_back();
  if (secret.empty()) {
    std::cerr << "tfarm credentials set: error: no secret on standard input\n";
    return exit_usage;
  }
  auto sealed = box->seal(
      secret, actors::secret_box::credential_context(opts.venue, opts.account, opts.key_id));
  OPENSSL_cleanse(secret.data(), secret.size());
  if (!sealed)
    return fail("set", sealed.error());
  persistence::credential_record x;
  x.venue = opts.venue;
  x.account = opts.account;
  x.key_id = opts.key_id;
  x.sealed = *sealed;
  x.nonce =
      sealed->substr(1 + actors::secret_box::fingerprint_bytes, actors::secret_box::nonce_bytes);
  uint64_t rotated = 0;
  if (auto err = persistence::put_credential(opts.db, x, persistence::operator_name(), rotated))
    return fail("set", err);
  std::cout << "stored " << opts.venue << "/" << opts.account << " key " << opts.key_id
            << " (master key " << box->fingerprint() << ")";
  if (rotated > 0)
    std::cout << "; " << rotated << " earlier key" << (rotated == 1 ? "" : "s") << " revoked";
  std::cout << '\n';
  return exit_ok;
}

int check(const credential_options& opts) {
  auto box = master_key(opts);
  if (!box)
    return fail("check", box.error());
  auto x = persistence::active_credential(opts.db, opts.venue, opts.account);
  if (!x)
    return fail("check", x.error());
  auto opened =
      box->open(x->sealed, actors::secret_box::credential_context(x->venue, x->account, x->key_id));
  if (!opened)
    return fail("check", opened.error());
  OPENSSL_cleanse(opened->data(), opened->size());
  std::cout << x->venue << "/" << x->account << " key " << x->key_id << ": opens with master key "
            << box->fingerprint() << '\n';
  return exit_ok;
}

int revoke(const credential_options& opts) {
  auto n = persistence::revoke_credentials(opts.db, opts.venue, opts.account,
                                           persistence::operator_name());
  if (!n)
    return fail("revoke", n.error());
  std::cout << "revoked " << *n << " credential" << (*n == 1 ? "" : "s") << " of " << opts.venue
            << "/" << opts.account << '\n';
  return exit_ok;
}

int list(const credential_options& opts) {
  auto xs = persistence::list_credentials(opts.db);
  if (!xs)
    return fail("list", xs.error());
  for (auto& x : *xs)
    std::cout << x.venue << '\t' << x.account << '\t' << x.key_id << '\t'
              << persistence::format_utc(x.created_at_ms) << '\t'
              << (x.revoked_at_ms == 0 ? std::string{"active"}
                                       : "revoked " + persistence::format_utc(x.revoked_at_ms))
              << '\n';
  return exit_ok;
}

int rotate_master(const credential_options& opts) {
  // A running node opens credentials with the key it started with: it
  // must start again with the new one.
  auto lock = persistence::node_lock::acquire(opts.db);
  if (!lock) {
    std::cerr << "tfarm credentials rotate-master: error: " << runtime::to_text(lock.error())
              << " (stop the node first; start it with the new key afterwards)\n";
    return exit_failure;
  }
  auto old_box = master_key(opts);
  if (!old_box)
    return fail("rotate-master", old_box.error());
  struct stat st {};
  auto exists = ::stat(opts.new_master_key_file.c_str(), &st) == 0;
  auto new_box = exists ? actors::secret_box::from_file(opts.new_master_key_file)
                        : actors::secret_box::create_file(opts.new_master_key_file);
  if (!new_box)
    return fail("rotate-master", new_box.error());
  if (new_box->fingerprint() == old_box->fingerprint()) {
    std::cerr << "tfarm credentials rotate-master: error: " << opts.new_master_key_file
              << " holds the current master key (" << old_box->fingerprint()
              << "): give a new file (it is created) or another key\n";
    return exit_usage;
  }
  using box = actors::secret_box;
  auto n = persistence::reseal_credentials(
      opts.db,
      [&](const persistence::credential_record& x)
          -> caf::expected<std::pair<std::string, std::string>> {
        auto context = box::credential_context(x.venue, x.account, x.key_id);
        auto secret = old_box->open(x.sealed, context);
        if (!secret)
          return caf::error{actors::exchange_errc::wrong_master_key,
                            x.venue + "/" + x.account + " key " + x.key_id + ": " +
                                runtime::message_of(secret.error())};
        auto sealed = new_box->seal(*secret, context);
        OPENSSL_cleanse(secret->data(), secret->size());
        if (!sealed)
          return sealed.error();
        auto nonce = sealed->substr(1 + box::fingerprint_bytes, box::nonce_bytes);
        return std::make_pair(std::move(*sealed), std::move(nonce));
      },
      persistence::operator_name());
  if (!n) {
    std::cerr << "tfarm credentials rotate-master: error: " << runtime::to_text(n.error())
              << "; nothing was changed\n";
    return exit_failure;
  }
  std::cout << "re-sealed " << *n << " credential" << (*n == 1 ? "" : "s") << " under master key "
            << new_box->fingerprint() << " (was " << old_box->fingerprint() << ", in "
            << opts.new_master_key_file
            << "); start the node with [exchange] master_key_file = " << opts.new_master_key_file
            << " (or TFARM_MASTER_KEY), then destroy the old key\n";
  return exit_ok;
}

} // namespace

void add_credentials_command(CLI::App& app, const global_options& globals, int& result) {
  auto cmd = app.add_subcommand("credentials",
                                "Exchange credentials, sealed with AES-256-GCM under a master key");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<credential_options>();
  auto add_common = [&](CLI::App* sub, bool row, bool key) {
    add_db_option(sub, opts->db, "the node's database");
    if (row) {
      sub->add_option("--venue", opts->venue, "venue name")->required();
      sub->add_option("--account", opts->account, "account at the venue")->required();
    }
    if (key)
      sub->add_option("--master-key-file", opts->master_key_file,
                      "file with the 64-hex-digit master key (else TFARM_MASTER_KEY)");
  };
  auto run = [opts, &globals, &result](int (*f)(const credential_options&)) {
    return [opts, &globals, &result, f] {
      if (!apply_logging(globals)) {
        result = exit_usage;
        return;
      }
      persistence::register_error_names();
      actors::register_exchange_error_names();
      result = f(*opts);
    };
  };
  auto s = cmd->add_subcommand(
      "set", "Store a credential read from standard input; earlier ones are revoked (rotation)");
  add_common(s, true, true);
  s->add_option("--key-id", opts->key_id, "name of this credential, e.g. k1")->required();
  s->callback(run(set));
  auto c = cmd->add_subcommand("check", "Check that the active credential opens with the key");
  add_common(c, true, true);
  c->callback(run(check));
  auto r = cmd->add_subcommand("revoke", "Revoke the active credential of a venue and account");
  add_common(r, true, false);
  r->callback(run(revoke));
  auto l = cmd->add_subcommand("list", "List credentials (never their secrets)");
  add_common(l, false, false);
  l->callback(run(list));
  auto m = cmd->add_subcommand("rotate-master",
                               "Re-seal every stored credential under a new master key, in one "
                               "transaction (the node must be stopped)");
  add_common(m, false, true);
  m->add_option("--new-master-key-file", opts->new_master_key_file,
                "the new key's file: created with a random key if it does not exist")
      ->required();
  m->callback(run(rotate_master));
}

} // namespace tfarm::cli
