// The HTTP API's request path: bytes as a client sends them, read with the
// server's parser and limits (net/detail/http_request_reading.hpp), then
// answered by the node's API, on a real node with a temporary SQLite
// database started once. The admin token is in the seed corpus, so that
// the admin endpoints and their JSON bodies are reached too.
// Properties: no crash; bytes that are not one HTTP request get 400 or
// 413; every answer has a status from 200 to 599, and a JSON answer
// parses.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/buffer.hpp>
#include <nlohmann/json.hpp>

#include "actors/agent/error.hpp"
#include "actors/exchange/error.hpp"
#include "actors/vault/error.hpp"
#include "actors/vault/vault_setup.hpp"
#include "config/loader.hpp"
#include "config/logging.hpp"
#include "fuzz/fuzz_support.hpp"
#include "net/admin_token.hpp"
#include "net/detail/http_request_reading.hpp"
#include "net/error.hpp"
#include "net/http_api.hpp"
#include "net/kinds.hpp"
#include "net/security_control.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/maintenance.hpp"

namespace {

namespace net = tfarm::net;

constexpr const char* admin_token = "fuzz-admin-token-0123456789abcdef";

constexpr const char* farm_text = R"(
[node]
name = "fuzz-1"
[vault]
assets = ["USD", "BTC"]
[exchange]
  [[exchange.venue]]
  name = "sim-a"
  symbols = ["BTC-USD"]
    [exchange.venue.market_data]
    interval = "1h"
    depth = 0
  [[exchange.session]]
  venue = "sim-a"
  account = "alice-main"
[monitor]
interval = "1h"
[[user]]
name = "alice"
  [[user.account]]
  id = "alice-main"
  opening_balance = { USD = 1000 }
)";

/// The node and its API, started once and never stopped: libFuzzer ends
/// the process with exit(), and a node stopping in a static destructor
/// would wait for actors mid-request.
struct api_node {
  std::string dir;
  std::unique_ptr<tfarm::runtime::node> node;
  std::unique_ptr<net::http_api> api;
  net::http_server_options server;
};

void fail_setup(const std::string& what) {
  std::fprintf(stderr, "http_request_fuzzer: %s\n", what.c_str());
  std::abort();
}

api_node* start() {
  std::string why;
  tfarm::config::setup_logging(tfarm::config::logging_options{"off", {}}, why);
  tfarm::persistence::register_error_names();
  tfarm::actors::register_vault_error_names();
  tfarm::actors::register_exchange_error_names();
  tfarm::actors::register_risk_error_names();
  net::register_net_error_names();
  auto x = new api_node;
  char pattern[] = "/tmp/tfarm-fuzz-http.XXXXXX";
  if (mkdtemp(pattern) == nullptr)
    fail_setup("cannot make a temporary folder");
  x->dir = pattern;
  static std::string dir = x->dir;
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  });
  auto db = x->dir + "/api.db";
  auto farm = tfarm::config::load_farm_text(farm_text, "fuzz-farm.toml");
  if (!farm.ok())
    fail_setup("the farm text does not load");
  farm.value->store.path = db;
  farm.value->store.synchronous = "off";
  tfarm::persistence::open_options open;
  open.synchronous = "off";
  auto preload = tfarm::persistence::prepare_database(db, open);
  if (!preload)
    fail_setup("the database does not open");
  auto n = tfarm::runtime::node::start(net::sqlite_node_options(*farm.value, std::move(*preload)));
  if (!n)
    fail_setup("the node does not start");
  x->node = std::move(*n);
  if (tfarm::actors::open_configured_accounts(x->node->system(),
                                              tfarm::actors::find_gateway(x->node->context()),
                                              *farm.value, std::chrono::seconds{10}))
    fail_setup("the accounts do not open");
  net::http_api_options opts;
  opts.security = std::make_shared<net::security_control>(
      *x->node, db, std::make_shared<net::admin_token>(admin_token), std::chrono::seconds{10});
  opts.actor_timeout = std::chrono::seconds{5};
  x->api = std::make_unique<net::http_api>(*x->node, opts);
  return x;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tfarm::fuzz::require;
  static api_node* fixture = start();
  net::detail::request_parser p;
  net::detail::limit_request(p, fixture->server);
  p.eager(true);
  boost::beast::error_code ec;
  auto bytes = boost::asio::buffer(data, size);
  while (bytes.size() > 0 && !ec && !p.is_done()) {
    auto used = p.put(bytes, ec);
    if (used == 0 && !ec)
      break; // needs more than the input holds: the server would wait for it
    bytes += used;
  }
  // The client closes: what Beast's read does at the end of the stream.
  if (!ec && !p.is_done()) {
    if (!p.got_some())
      return 0; // end_of_stream: the server closes without an answer
    p.put_eof(ec);
  }
  net::http_response r;
  if (ec || !p.is_done()) {
    if (!ec)
      return 0;
    auto refusal = net::detail::read_refusal(ec, fixture->server);
    if (!refusal)
      return 0;
    require(refusal->status == 400 || refusal->status == 413,
            "bytes that are not HTTP get 400/413");
    r = std::move(*refusal);
  } else {
    bool head = false;
    auto req = net::detail::to_http_request(p.release(), "127.0.0.1:40000", head);
    r = fixture->api->handle(req);
  }
  require(r.status >= 200 && r.status <= 599, "an answer has a status from 200 to 599");
  if (r.content_type == "application/json")
    require(nlohmann::json::accept(r.body), "a JSON answer parses");
  return 0;
}
