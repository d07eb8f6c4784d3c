// The console across CAF nodes: a client with its own actor system talks
// to a node's published inspector; tokens, a lost connection (reported,
// re-established with backoff, a read-only command sent again, a mutating
// one not), an unreachable node; and `tfarm console` itself driven through
// a pseudo-terminal: completion of commands and paths, history, quit.
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net/console_client.hpp"
#include "net/error.hpp"
#include "net/node_console.hpp"
#include "tests/unit/net/test_node.hpp"
#include "tests/unit/persistence/temp_dir.hpp"
#include "tests/unit/wait.hpp"

namespace tfarm::test {
namespace {

using json = nlohmann::json;

constexpr const char* token = "client-admin-token-0123";

const char* farm_text = R"(
[node]
name = "remote-1"
[vault]
assets = ["USD"]
[monitor]
interval = "50ms"
[[user]]
name = "alice"
  [[user.account]]
  id = "alice-main"
  opening_balance = { USD = 1000 }
)";

class console_client_test : public testing::Test {
protected:
  static void SetUpTestSuite() {
    net::register_net_error_names();
    std::string why;
    config::setup_logging(config::logging_options{"warn", {}}, why);
  }

  void SetUp() override {
    node_ = start_test_node(farm_text, dir_.file("client.db"));
    ASSERT_TRUE(node_);
    serve(0);
  }

  void TearDown() override {
    if (console_)
      console_->stop();
    if (node_)
      node_->stop();
  }

  void serve(uint16_t port) {
    if (console_)
      console_->stop();
    config::console_settings x;
    x.port = port;
    net::console_options opts;
    opts.admin_token = token;
    auto c = net::node_console::start(*node_, x, opts);
    ASSERT_TRUE(c) << runtime::to_text(c.error());
    console_ = std::move(*c);
  }

  net::console_client_options client_options(const std::string& t = token) {
    net::console_client_options x;
    x.port = console_->port();
    x.token = t;
    x.operator_name = "dave@laptop";
    x.timeout = std::chrono::seconds{10};
    x.notice = [this](const std::string& s) { notices_.push_back(s); };
    return x;
  }

  bool noticed(const std::string& what) const {
    for (auto& n : notices_)
      if (n.find(what) != std::string::npos)
        return true;
    return false;
  }

  temp_dir dir_;
  std::unique_ptr<runtime::node> node_;
  std::unique_ptr<net::node_console> console_;
  std::vector<std::string> notices_;
};

TEST_F(console_client_test, runs_commands_on_a_remote_node_with_its_token) {
  net::console_client client{client_options()};
  ASSERT_FALSE(client.connect());
  auto r = client.call({"info", "/vault/gateway"});
  ASSERT_TRUE(r) << runtime::to_text(r.error());
  EXPECT_EQ(r->status, 0) << r->text;
  auto j = json::parse(r->json);
  EXPECT_EQ(j["kind"], "vault_gateway");
  EXPECT_EQ(j["node"], "remote-1");

  net::console_client intruder{client_options("wrong-token-wrong-token")};
  auto refused = intruder.call({"vault", "freeze"});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 1);
  EXPECT_NE(refused->text.find("the admin token is wrong"), std::string::npos);
  auto status = client.call({"vault", "status"});
  ASSERT_TRUE(status);
  EXPECT_EQ(json::parse(status->json)["transfers_frozen"], false);
}

TEST_F(console_client_test, a_lost_connection_is_reported_and_re_established) {
  net::console_client client{client_options()};
  ASSERT_FALSE(client.connect());
  ASSERT_TRUE(client.call({"tree"}));
  auto port = console_->port();
  // The inspector goes away and comes back on the same port (as after a
  // node restart): the client sees its proxy end and connects again before
  // the next command.
  serve(port);
  ASSERT_TRUE(eventually([&] { return !client.connected(); }));
  auto r = client.call({"ls", "/vault"});
  ASSERT_TRUE(r) << runtime::to_text(r.error());
  EXPECT_EQ(r->status, 0) << r->text;
  EXPECT_TRUE(noticed("lost")) << (notices_.empty() ? "" : notices_.front());
  EXPECT_TRUE(client.connected());
  // A mutating command after a loss goes out once, on the new connection.
  serve(port);
  ASSERT_TRUE(eventually([&] { return !client.connected(); }));
  auto m = client.call({"vault", "freeze"});
  ASSERT_TRUE(m) << runtime::to_text(m.error());
  EXPECT_EQ(m->status, 0) << m->text;
  auto s = client.call({"audit"});
  ASSERT_TRUE(s);
  auto freezes = 0;
  auto log = json::parse(s->json);
  for (auto& rec : log["records"])
    freezes += rec["action"] == "vault.transfers_frozen.on" ? 1 : 0;
  EXPECT_EQ(freezes, 1);
}

TEST_F(console_client_test, an_unreachable_node_is_retried_with_backoff_then_reported) {
  auto opts = client_options();
  auto port = console_->port();
  console_->stop();
  console_.reset();
  opts.port = port;
  opts.attempts = 3;
  net::console_client client{opts};
  auto began = std::chrono::steady_clock::now();
  auto err = client.connect();
  auto took = std::chrono::steady_clock::now() - began;
  ASSERT_TRUE(err);
  EXPECT_NE(runtime::to_text(err).find("after 3 attempts"), std::string::npos)
      << runtime::to_text(err);
  EXPECT_TRUE(noticed("attempt 2 of 3"));
  EXPECT_TRUE(noticed("attempt 3 of 3"));
  // 200 ms, then 400 ms between the attempts.
  EXPECT_GE(took, std::chrono::milliseconds{600});
}

// -- the interactive client through a pseudo-terminal ---------------------------

class pty_session {
public:
  explicit pty_session(const std::vector<std::string>& argv, const std::string& token) {
    pid_ = forkpty(&fd_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      setenv("TFARM_ADMIN_TOKEN", token.c_str(), 1);
      setenv("TERM", "dumb", 1);
      std::vector<char*> args;
      for (auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }

  ~pty_session() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0)
      close(fd_);
  }

  bool started() const { return pid_ > 0 && fd_ >= 0; }

  void send(const std::string& x) { ASSERT_EQ(write(fd_, x.data(), x.size()), ssize_t(x.size())); }

  /// Reads until `what` appears after `from` (returns its end) or the
  /// deadline passes (npos).
  std::size_t expect(const std::string& what, std::size_t from = 0,
                     std::chrono::milliseconds timeout = std::chrono::seconds{20}) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto i = out_.find(what, from); i != std::string::npos)
        return i + what.size();
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0)
        return std::string::npos;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0)
        continue;
      char buf[4096];
      auto n = read(fd_, buf, sizeof(buf));
      if (n <= 0)
        return out_.find(what, from) == std::string::npos ? std::string::npos
                                                          : out_.find(what, from) + what.size();
      out_.append(buf, static_cast<std::size_t>(n));
    }
  }

  /// The exit code, or -1 if it did not end in time.
  int wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      // Drain the terminal so that the child never blocks on output.
      char buf[4096];
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) > 0)
        if (auto n = read(fd_, buf, sizeof(buf)); n > 0)
          out_.append(buf, static_cast<std::size_t>(n));
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    }
    return -1;
  }

  const std::string& output() const { return out_; }

private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool reaped_ = false;
  std::string out_;
};

TEST_F(console_client_test, the_prompt_completes_commands_and_paths_and_keeps_history) {
  auto history = dir_.file("history");
  pty_session s{{TFARM_BINARY, "console", "--connect",
                 "127.0.0.1:" + std::to_string(console_->port()), "--history", history},
                token};
  ASSERT_TRUE(s.started());
  auto at = s.expect("> ");
  ASSERT_NE(at, std::string::npos) << s.output();
  // "inf" + Tab completes the command, "/vault/gat" + Tab the path (asked
  // from the node).
  s.send("inf\t");
  at = s.expect("info ", at);
  ASSERT_NE(at, std::string::npos) << s.output();
  s.send("/vault/gat\t");
  at = s.expect("/vault/gateway ", at);
  ASSERT_NE(at, std::string::npos) << s.output();
  s.send("\r");
  at = s.expect("vault_gateway on node remote-1", at);
  ASSERT_NE(at, std::string::npos) << s.output();
  // Up-arrow brings the line back.
  at = s.expect("> ", at);
  s.send("\x1b[A\r");
  at = s.expect("vault_gateway on node remote-1", at);
  ASSERT_NE(at, std::string::npos) << s.output();
  // A typo gets the nearest command.
  s.send("tre\r");
  at = s.expect("did you mean 'tree'?", at);
  ASSERT_NE(at, std::string::npos) << s.output();
  s.send("quit\r");
  EXPECT_EQ(s.wait_exit(std::chrono::seconds{10}), 0) << s.output();
  std::ifstream in{history};
  std::stringstream lines;
  lines << in.rdbuf();
  EXPECT_NE(lines.str().find("info /vault/gateway"), std::string::npos) << lines.str();
}

// -- across nodes ------------------------------------------------------------------

// A trading node whose venue lives on an exchange node: `nodes` names the
// peer, `--node` runs a command there with the same token, and a peer
// whose console is off says so.
TEST(console_peer_test, commands_run_on_the_exchange_node_through_the_trading_node) {
  net::register_net_error_names();
  temp_dir dir;
  auto exchange = start_test_node(R"(
[node]
name = "exchange-1"
[exchange]
listen = "127.0.0.1:0"
  [[exchange.venue]]
  name = "sim-a"
  symbols = ["BTC-USD"]
    [exchange.venue.market_data]
    interval = "1h"
    depth = 0
)",
                                  dir.file("exchange.db"));
  ASSERT_TRUE(exchange);
  uint16_t port = 0;
  ASSERT_TRUE(eventually([&] {
    auto entry = exchange->context().registry().find("/exchanges/directory");
    auto j = entry ? json::parse(entry->snapshot().state_json, nullptr, false) : json{};
    port = j.is_object() ? j.value("port", uint16_t{0}) : uint16_t{0};
    return port != 0;
  }));
  std::string text = R"(
[node]
name = "trader-1"
[exchange]
  [[exchange.venue]]
  name = "sim-a"
  kind = "remote"
  endpoint = "127.0.0.1:PORT"
  [[exchange.session]]
  venue = "sim-a"
  account = "acct1"
)";
  text.replace(text.find("PORT"), 4, std::to_string(port));
  auto trader = start_test_node(text, dir.file("trader.db"));
  ASSERT_TRUE(trader);
  net::console_options opts;
  opts.admin_token = token;
  net::console_service service{*trader, opts};
  auto run = [&](std::vector<std::string> args) {
    return service.execute(net::console_request{token, "erin@ops", std::move(args), {}, 0, {}});
  };
  auto endpoint = "127.0.0.1:" + std::to_string(port);
  // Consoles are reached over the connection the sessions made.
  ASSERT_TRUE(eventually([&] {
    auto entry = trader->context().registry().find("/exchanges/remote");
    auto j = entry ? json::parse(entry->snapshot().state_json, nullptr, false) : json{};
    return j.is_object() && j.value("connected", json::array()).size() == 1;
  }));

  // The exchange node's console is off: the peer is listed, and says so.
  auto off = run({"tree", "--node", endpoint});
  EXPECT_EQ(off.status, 1);
  EXPECT_NE(off.text.find("console off"), std::string::npos) << off.text;

  config::console_settings x;
  x.port = 0;
  net::console_options peer_opts;
  peer_opts.admin_token = token;
  auto console = net::node_console::start(*exchange, x, peer_opts);
  ASSERT_TRUE(console) << runtime::to_text(console.error());
  auto nodes = run({"nodes"});
  ASSERT_EQ(nodes.status, 0) << nodes.text;
  auto j = json::parse(nodes.json);
  ASSERT_EQ(j["nodes"].size(), 2u) << nodes.json;
  EXPECT_EQ(j["nodes"][1]["name"], "exchange-1");
  EXPECT_EQ(j["nodes"][1]["endpoint"], endpoint);
  EXPECT_EQ(j["nodes"][1]["console"], true);

  auto tree = run({"tree", "/exchanges", "--node", "exchange-1"});
  ASSERT_EQ(tree.status, 0) << tree.text;
  EXPECT_NE(tree.text.find("directory"), std::string::npos) << tree.text;
  auto info = run({"info", "--node=exchange-1", "/exchanges/venues/sim-a"});
  ASSERT_EQ(info.status, 0) << info.text;
  EXPECT_EQ(json::parse(info.json)["node"], "exchange-1");
  // Mutations there are audited there, with the operator.
  auto restarted = run({"restart", "/exchanges/venues/sim-a", "--node", "exchange-1"});
  ASSERT_EQ(restarted.status, 0) << restarted.text;
  auto audit = run({"audit", "--node", "exchange-1"});
  EXPECT_NE(audit.text.find("erin@ops  console.restart  /exchanges/venues/sim-a"),
            std::string::npos)
      << audit.text;

  auto unknown = run({"tree", "--node", "exchange-2"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.text.find("did you mean 'exchange-1'?"), std::string::npos) << unknown.text;
  EXPECT_EQ(run({"tree", "--node"}).status, 2);
  (*console)->stop();
  trader->stop();
  exchange->stop();
}

} // namespace
} // namespace tfarm::test
