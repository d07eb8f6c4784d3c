#include "net/http_server.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "net/detail/http_request_reading.hpp"
#include "net/error.hpp"
#include "net/logger.hpp"

namespace tfarm::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

/// How long a connection refused or cut short is drained before it closes.
constexpr int64_t http_linger_ms = 1'000;

/// Wait before accepting again after accept failed (e.g. out of file
/// descriptors), so that a persistent failure does not spin.
constexpr int64_t http_accept_retry_ms = 100;

} // namespace

std::string json_error(const std::string& code, const std::string& message) {
  // Messages may quote what a client sent (a path): never throw on bad UTF-8.
  return nlohmann::json{{"error", code}, {"message", message}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct http_server::impl {
  http_server_options opts;
  http_handler handler;
  runtime::http_metrics metrics;
  http_observer observer;
  // Before the io_context: sessions it still holds at destruction touch them.
  std::atomic<std::size_t> connections{0};
  /// Connections per client address (touched on accept and close).
  std::mutex per_client_mtx;
  std::unordered_map<std::string, std::size_t> per_client;
  std::atomic<bool> stopped{false};

  /// Counts a connection of `address`; false if it already has its share.
  bool admit(const std::string& address) {
    std::lock_guard<std::mutex> guard{per_client_mtx};
    auto& n = per_client[address];
    if (n >= opts.connections_per_client_max) {
      if (n == 0)
        per_client.erase(address);
      return false;
    }
    ++n;
    return true;
  }

  void release(const std::string& address) {
    std::lock_guard<std::mutex> guard{per_client_mtx};
    auto i = per_client.find(address);
    if (i != per_client.end() && --i->second == 0)
      per_client.erase(i);
  }
  // Destroyed by stop() (acceptor first): destroying the io_context
  // destroys the sessions waiting in it, which closes their sockets.
  std::unique_ptr<asio::io_context> ioc = std::make_unique<asio::io_context>();
  std::unique_ptr<tcp::acceptor> acceptor = std::make_unique<tcp::acceptor>(*ioc);
  std::vector<std::thread> threads;
  uint16_t port = 0;

  void accept();
};

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, http_server::impl& srv, bool reject)
      : stream_(std::move(socket)), srv_(srv), reject_(reject) {
    ++srv_.connections;
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      address_ = ep.address().to_string();
      remote_ = address_ + ":" + std::to_string(ep.port());
    }
    if (!reject_) {
      counted_ = srv_.admit(address_);
      client_full_ = !counted_;
    }
  }

  ~session() {
    --srv_.connections;
    if (counted_)
      srv_.release(address_);
  }

  void start() {
    if (reject_ || client_full_) {
      http_response r;
      r.status = 503;
      r.body =
          json_error("busy", reject_ ? "the server already serves " +
                                           std::to_string(srv_.opts.connections_max) +
                                           " connections (connections_max); try again"
                                     : "this client address already holds " +
                                           std::to_string(srv_.opts.connections_per_client_max) +
                                           " connections (connections_per_client_max); try again");
      r.headers.emplace_back("Retry-After", "1");
      began_ = std::chrono::steady_clock::now();
      respond(std::move(r), false, 11);
      return;
    }
    read();
  }

private:
  void read() {
    parser_.emplace();
    detail::limit_request(*parser_, srv_.opts);
    stream_.expires_after(srv_.opts.read_timeout);
    http::async_read(
        stream_, buf_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    began_ = std::chrono::steady_clock::now();
    if (ec) {
      if (auto refusal = detail::read_refusal(ec, srv_.opts))
        respond(std::move(*refusal), false, 11);
      else
        close();
      return;
    }
    auto& msg = parser_->get();
    auto keep_alive = msg.keep_alive();
    auto version = msg.version();
    bool head = false;
    auto req = detail::to_http_request(std::move(msg), remote_, head);
    http_response r;
    try {
      r = srv_.handler(req);
    } catch (const std::exception& e) {
      log().error("http {} {}: the handler failed: {}", req.method, req.path, e.what());
      r = http_response{};
      r.status = 500;
      r.body = json_error("internal", "the request could not be served; see the node's log");
    }
    respond(std::move(r), keep_alive, version, head);
  }

  void respond(http_response r, bool keep_alive, unsigned version, bool head = false) {
    res_ = {};
    res_.version(version);
    res_.result(static_cast<unsigned>(r.status));
    res_.set(http::field::server, srv_.opts.server_name);
    res_.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers)
      res_.set(k, v);
    res_.keep_alive(keep_alive);
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    if (head)
      res_.body().clear(); // Content-Length stays the GET's
    status_ = r.status;
    route_ = r.route;
    stream_.expires_after(srv_.opts.read_timeout);
    http::async_write(stream_, res_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        self->on_written(ec, keep_alive);
                      });
  }

  void on_written(beast::error_code ec, bool keep_alive) {
    if (!ec && !keep_alive && !srv_.stopped && (reject_ || status_ == 400 || status_ == 413)) {
      count();
      linger();
      return;
    }
    count();
    if (ec || !keep_alive || srv_.stopped) {
      close();
      return;
    }
    read();
  }

  void count() {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - began_)
                  .count();
    if (srv_.observer)
      srv_.observer(route_, status_, us);
    auto& m = srv_.metrics;
    if (m.requests == nullptr)
      return;
    m.requests->add();
    if (status_ >= 500)
      m.errors->add();
    m.latency->observe(us);
  }

  // After an answer to a request that was not (wholly) read: closing with
  // unread input would reset the connection and the client could lose the
  // answer. Half-close, read what is left for a moment, then close.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::milliseconds{http_linger_ms});
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) {
                                self->close();
                                return;
                              }
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  http_server::impl& srv_;
  bool reject_;
  /// The client's address, and whether this connection counts in its share.
  std::string address_;
  bool counted_ = false;
  bool client_full_ = false;
  std::string remote_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  int status_ = 0;
  int route_ = -1;
  std::chrono::steady_clock::time_point began_;
  std::array<char, 4096> scratch_;
};

} // namespace

void http_server::impl::accept() {
  acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || stopped)
        return;
      log().warn("http: accept failed: {}; retrying in {} ms", ec.message(), http_accept_retry_ms);
      auto timer = std::make_shared<asio::steady_timer>(*ioc);
      timer->expires_after(std::chrono::milliseconds{http_accept_retry_ms});
      timer->async_wait([this, timer](beast::error_code) {
        if (!stopped)
          accept();
      });
      return;
    } else {
      auto reject = connections.load() >= opts.connections_max;
      std::make_shared<session>(std::move(socket), *this, reject)->start();
    }
    accept();
  });
}

caf::expected<std::unique_ptr<http_server>> http_server::start(http_server_options opts,
                                                               http_handler handler,
                                                               runtime::http_metrics metrics,
                                                               http_observer observer) {
  auto x = std::make_unique<impl>();
  x->opts = std::move(opts);
  x->handler = std::move(handler);
  x->metrics = metrics;
  x->observer = std::move(observer);
  auto where = x->opts.bind + ":" + std::to_string(x->opts.port);
  beast::error_code ec;
  auto addr = asio::ip::make_address(x->opts.bind, ec);
  if (ec) {
    tcp::resolver resolver{*x->ioc};
    auto results = resolver.resolve(x->opts.bind, std::to_string(x->opts.port), ec);
    if (ec || results.empty())
      return caf::make_error(net_errc::http_bind_failed,
                             "http: cannot resolve " + x->opts.bind + ": " + ec.message());
    addr = results.begin()->endpoint().address();
  }
  tcp::endpoint ep{addr, x->opts.port};
  x->acceptor->open(ep.protocol(), ec);
  if (!ec)
    x->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    x->acceptor->bind(ep, ec);
  if (!ec)
    x->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return caf::make_error(net_errc::http_bind_failed,
                           "http: cannot listen on " + where + ": " + ec.message());
  x->port = x->acceptor->local_endpoint().port();
  x->accept();
  auto n = std::max(1, x->opts.threads);
  for (int i = 0; i < n; ++i)
    x->threads.emplace_back([p = x.get()] { p->ioc->run(); });
  log().info("http: serving on {}:{}", x->opts.bind, x->port);
  return std::unique_ptr<http_server>{new http_server(std::move(x))};
}

http_server::http_server(std::unique_ptr<impl> x) : impl_(std::move(x)) {
  // nop
}

http_server::~http_server() {
  stop();
}

uint16_t http_server::port() const noexcept {
  return impl_->port;
}

std::size_t http_server::connections() const noexcept {
  return impl_->connections.load();
}

void http_server::stop() {
  if (impl_->stopped.exchange(true))
    return;
  // Handlers running now finish (the API bounds its waits); nothing else
  // runs after stop().
  impl_->ioc->stop();
  for (auto& t : impl_->threads)
    if (t.joinable())
      t.join();
  impl_->threads.clear();
  impl_->acceptor.reset();
  impl_->ioc.reset();
}

} // namespace tfarm::net
