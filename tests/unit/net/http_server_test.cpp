// The HTTP server's limits and keep-alive, against a trivial handler.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "net/error.hpp"
#include "net/http_server.hpp"
#include "runtime/error_text.hpp"
#include "runtime/metric_registry.hpp"
#include "tests/unit/net/http_client.hpp"
#include "tests/unit/wait.hpp"

namespace tfarm::test {
namespace {

class http_server_test : public testing::Test {
protected:
  void start(net::http_server_options opts = {}) {
    opts.port = 0;
    auto s = net::http_server::start(
        opts,
        [this](const net::http_request& req) {
          ++calls_;
          if (req.path == "/boom")
            throw std::runtime_error("boom");
          net::http_response r;
          r.body =
              R"({"path":")" + req.path + R"(","bytes":)" + std::to_string(req.body.size()) + "}";
          if (req.path == "/fail")
            r.status = 503;
          return r;
        },
        runtime::http_metrics::in(metrics_));
    ASSERT_TRUE(s);
    server_ = std::move(*s);
  }

  runtime::metric_registry metrics_;
  std::atomic<int> calls_{0};
  std::unique_ptr<net::http_server> server_;
};

TEST_F(http_server_test, serves_requests_and_counts_them) {
  start();
  auto r = http_call(server_->port(), "GET", "/x?y=1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["path"], "/x");
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(http_call(server_->port(), "GET", "/fail").status, 503);
  auto m = runtime::http_metrics::in(metrics_);
  // Counted once each answer is written (the client may be faster).
  EXPECT_TRUE(eventually([&] {
    return m.requests->value() == 2 && m.errors->value() == 1 && m.latency->read().count == 2u;
  })) << m.requests->value()
      << ' ' << m.errors->value();
}

TEST_F(http_server_test, keeps_a_connection_alive_across_requests) {
  start();
  auto out =
      raw_exchange(server_->port(), "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                                    "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find(R"("path":"/a")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("path":"/b")"), std::string::npos) << out;
  EXPECT_EQ(calls_, 2);
}

TEST_F(http_server_test, refuses_a_body_over_the_limit_with_413) {
  net::http_server_options opts;
  opts.request_bytes_max = 1'024;
  start(opts);
  auto r = http_call(server_->port(), "POST", "/x", {}, std::string(4'096, 'a'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.json()["error"], "too_large");
  EXPECT_NE(r.json()["message"].get<std::string>().find("1024"), std::string::npos);
  EXPECT_EQ(calls_, 0);
  // A body within the limit passes.
  EXPECT_EQ(http_call(server_->port(), "POST", "/x", {}, std::string(512, 'a')).json()["bytes"],
            512);
}

TEST_F(http_server_test, answers_a_malformed_request_with_400_json) {
  start();
  auto out = raw_exchange(server_->port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(out.find("HTTP/1.1 400"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("error":"bad_request")"), std::string::npos) << out;
  EXPECT_EQ(calls_, 0);
}

TEST_F(http_server_test, a_failing_handler_is_a_500_and_the_server_goes_on) {
  start();
  auto r = http_call(server_->port(), "GET", "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.json()["error"], "internal");
  EXPECT_EQ(http_call(server_->port(), "GET", "/ok").status, 200);
}

TEST_F(http_server_test, closes_a_connection_that_sends_nothing_within_the_read_timeout) {
  net::http_server_options opts;
  opts.read_timeout = std::chrono::milliseconds{200};
  start(opts);
  auto began = std::chrono::steady_clock::now();
  // Half a request, then silence: the server closes the connection.
  auto out = raw_exchange(server_->port(), "GET /slow HTTP/1.1\r\nHost: x\r\n");
  auto took = std::chrono::steady_clock::now() - began;
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_LT(took, std::chrono::seconds{5});
  EXPECT_EQ(calls_, 0);
  EXPECT_TRUE(eventually([&] { return server_->connections() == 0; }));
}

TEST_F(http_server_test, refuses_connections_beyond_the_limit_with_503) {
  net::http_server_options opts;
  opts.connections_max = 1;
  start(opts);
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket held{ioc};
  held.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  ASSERT_TRUE(eventually([&] { return server_->connections() == 1; }));
  auto r = http_call(server_->port(), "GET", "/x");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.json()["error"], "busy");
  held.close();
  ASSERT_TRUE(eventually([&] { return server_->connections() == 0; }));
  EXPECT_EQ(http_call(server_->port(), "GET", "/x").status, 200);
}

// A raw GET from `source` (a loopback address), for the status line.
std::string status_line_from(const std::string& source, uint16_t port) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s{ioc};
  s.open(boost::asio::ip::tcp::v4());
  s.bind({boost::asio::ip::make_address(source), 0});
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  std::string req = "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  boost::asio::write(s, boost::asio::buffer(req));
  std::string out;
  boost::system::error_code ec;
  char buf[512];
  while (out.find("\r\n") == std::string::npos) {
    auto n = s.read_some(boost::asio::buffer(buf), ec);
    if (ec)
      break;
    out.append(buf, n);
  }
  return out.substr(0, out.find("\r\n"));
}

TEST_F(http_server_test, one_client_address_cannot_take_every_connection) {
  net::http_server_options opts;
  opts.connections_per_client_max = 2;
  start(opts);
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket a{ioc};
  boost::asio::ip::tcp::socket b{ioc};
  for (auto* held : {&a, &b}) {
    held->open(boost::asio::ip::tcp::v4());
    held->bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    held->connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  }
  ASSERT_TRUE(eventually([&] { return server_->connections() == 2; }));
  // A third from the same address waits its turn; another address is served.
  EXPECT_EQ(status_line_from("127.0.0.1", server_->port()), "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(status_line_from("127.0.0.2", server_->port()), "HTTP/1.1 200 OK");
  a.close();
  ASSERT_TRUE(eventually([&] { return server_->connections() == 1; }));
  EXPECT_EQ(status_line_from("127.0.0.1", server_->port()), "HTTP/1.1 200 OK");
}

TEST_F(http_server_test, stop_closes_idle_connections_and_is_idempotent) {
  start();
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket held{ioc};
  held.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  ASSERT_TRUE(eventually([&] { return server_->connections() == 1; }));
  server_->stop();
  EXPECT_EQ(server_->connections(), 0u);
  server_->stop();
  char c;
  boost::system::error_code ec;
  held.read_some(boost::asio::buffer(&c, 1), ec);
  EXPECT_TRUE(ec); // closed by the server
}

TEST_F(http_server_test, a_port_in_use_is_a_clear_error) {
  start();
  net::http_server_options opts;
  opts.port = server_->port();
  auto s =
      net::http_server::start(opts, [](const net::http_request&) { return net::http_response{}; });
  ASSERT_FALSE(s);
  net::register_net_error_names();
  auto text = runtime::to_text(s.error());
  EXPECT_NE(text.find("cannot listen on 127.0.0.1:" + std::to_string(server_->port())),
            std::string::npos)
      << text;
}

} // namespace
} // namespace tfarm::test
