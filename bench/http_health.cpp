// http_health: GET /api/health from 32 keep-alive clients against the
// node's HTTP API (net::node_http over a running node), and against a
// minimal Beast server that answers the same bytes, in the same run.
//
// Clients are asynchronous (one I/O thread of their own) and send their
// next request as soon as the answer arrived; both servers run the same number of I/O
// threads. Each side runs for a fixed time, three rounds alternating; the
// median round of each is reported, with the p99 of request-to-answer.
#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "bench/bench_support.hpp"
#include "bench/sqlite_node.hpp"
#include "net/node_http.hpp"
#include "runtime/latency_histogram.hpp"

namespace tfarm::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr int clients_n = 32;
constexpr int server_threads = net::http_api_threads; // as the node's API
constexpr int rounds = 3;
constexpr int64_t round_ms = 3'000;

// The minimal server: every request gets `body` back, keep-alive.
class raw_server {
public:
  explicit raw_server(std::string body) : body_(std::move(body)), acceptor_(ioc_) {
    tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), 0};
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    accept();
    for (int i = 0; i < server_threads; ++i)
      threads_.emplace_back([this] { ioc_.run(); });
  }

  ~raw_server() {
    ioc_.stop();
    for (auto& t : threads_)
      t.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
  struct conn : std::enable_shared_from_this<conn> {
    conn(tcp::socket s, const std::string& body) : stream(std::move(s)), body(body) {}
    void read() {
      req = {};
      http::async_read(stream, buf, req, [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec)
          return;
        self->res = {};
        self->res.result(http::status::ok);
        self->res.version(11);
        self->res.set(http::field::content_type, "application/json");
        self->res.keep_alive(self->req.keep_alive());
        self->res.body() = self->body;
        self->res.prepare_payload();
        http::async_write(self->stream, self->res, [self](beast::error_code ec2, size_t) {
          if (!ec2)
            self->read();
        });
      });
    }
    beast::tcp_stream stream;
    const std::string& body;
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec)
        return;
      std::make_shared<conn>(std::move(s), body_)->read();
      accept();
    });
  }

  std::string body_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
};

struct load_result {
  uint64_t requests = 0;
  uint64_t failed = 0;
  double seconds = 0;
  int64_t p50_us = 0;
  int64_t p99_us = 0;
  double rate() const { return seconds > 0 ? static_cast<double>(requests) / seconds : 0; }
};

// 32 keep-alive clients for `ms`, each sending its next GET when the
// previous answer arrived.
load_result run_clients(uint16_t port, int64_t ms) {
  asio::io_context ioc;
  runtime::latency_histogram hist;
  load_result out;
  std::atomic<bool> stop{false};
  struct client : std::enable_shared_from_this<client> {
    client(asio::io_context& io, runtime::latency_histogram& h, load_result& o,
           std::atomic<bool>& s)
        : stream(io), hist(h), out(o), stop(s) {
      req = {http::verb::get, "/api/health", 11};
      req.set(http::field::host, "127.0.0.1");
      req.keep_alive(true);
    }
    void next() {
      if (stop)
        return;
      began = std::chrono::steady_clock::now();
      http::async_write(stream, req, [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec) {
          self->out.failed += self->stop ? 0 : 1; // closed at the end: not a failure
          return;
        }
        self->res = {};
        http::async_read(self->stream, self->buf, self->res, [self](beast::error_code ec2, size_t) {
          if (ec2 || self->res.result_int() != 200) {
            self->out.failed += self->stop && ec2 ? 0 : 1;
            return;
          }
          ++self->out.requests;
          self->hist.record(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - self->began)
                                .count());
          self->next();
        });
      });
    }
    beast::tcp_stream stream;
    runtime::latency_histogram& hist;
    load_result& out;
    std::atomic<bool>& stop;
    http::request<http::empty_body> req;
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    std::chrono::steady_clock::time_point began;
  };
  std::vector<std::shared_ptr<client>> cs;
  tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), port};
  for (int i = 0; i < clients_n; ++i) {
    cs.push_back(std::make_shared<client>(ioc, hist, out, stop));
    cs.back()->stream.socket().connect(ep);
    cs.back()->stream.socket().set_option(tcp::no_delay(true));
  }
  asio::steady_timer timer{ioc, std::chrono::milliseconds{ms}};
  auto t0 = std::chrono::steady_clock::now();
  timer.async_wait([&](beast::error_code) {
    stop = true;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& c : cs) {
      beast::error_code ignored;
      c->stream.socket().close(ignored);
    }
  });
  for (auto& c : cs)
    c->next();
  ioc.run();
  out.p50_us = hist.quantile(0.5);
  out.p99_us = hist.quantile(0.99);
  return out;
}

load_result median(std::vector<load_result> xs) {
  std::sort(xs.begin(), xs.end(),
            [](const load_result& a, const load_result& b) { return a.rate() < b.rate(); });
  return xs[xs.size() / 2];
}

} // namespace

nlohmann::json http_health(const scenario_options& opts) {
  temp_dir dir{opts.dir};
  auto farm = sqlite_farm(dir.file("http.db"), opts);
  farm.exchange.venues.push_back(unlimited_venue());
  config::session_settings s;
  s.venue = "sim";
  s.account = "bench";
  farm.exchange.sessions.push_back(s);
  auto n = start_sqlite_node(farm);
  config::http_settings h;
  h.port = 0;
  h.connections_max = clients_n * 2;
  auto served = net::node_http::start(*n, h, "bench-admin-token-0000");
  if (!served)
    throw std::runtime_error(runtime::to_text(served.error()));
  auto& api = **served;
  // The baseline answers the bytes the node answers.
  std::string body;
  {
    asio::io_context ioc;
    beast::tcp_stream stream{ioc};
    stream.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), api.port()});
    http::request<http::empty_body> req{http::verb::get, "/api/health", 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    body = res.body();
  }
  raw_server raw{body};
  auto ms =
      std::max<int64_t>(200, static_cast<int64_t>(static_cast<double>(round_ms) * opts.scale));
  std::vector<load_result> ours;
  std::vector<load_result> theirs;
  run_clients(api.port(), ms / 4); // warm-up
  for (int r = 0; r < rounds; ++r) {
    theirs.push_back(run_clients(raw.port(), ms));
    ours.push_back(run_clients(api.port(), ms));
  }
  api.stop();
  n->stop();
  auto a = median(ours);
  auto b = median(theirs);
  nlohmann::json j;
  j["scenario"] = "http_health";
  j["value"] = std::llround(a.rate());
  j["p50_us"] = a.p50_us;
  j["p99_us"] = a.p99_us;
  j["baseline"] = std::llround(b.rate());
  j["baseline_p99_us"] = b.p99_us;
  j["ratio"] = b.rate() > 0 ? std::round(a.rate() / b.rate() * 1000) / 1000 : 0.0;
  j["clients"] = clients_n;
  j["failed"] = a.failed + b.failed;
  j["body_bytes"] = body.size();
  return j;
}

} // namespace tfarm::bench
