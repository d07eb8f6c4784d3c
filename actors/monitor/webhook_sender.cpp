#include "actors/monitor/webhook_sender.hpp"

#include <algorithm>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/logger.h>

#include "actors/monitor/logger.hpp"

namespace tfarm::actors {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

webhook_sender::webhook_sender(webhook_options opts) : opts_(std::move(opts)) {
  thread_ = std::thread{[this] { run(); }};
}

webhook_sender::~webhook_sender() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
    counts_.dropped += queue_.size();
    queue_.clear();
    if (cancel_)
      cancel_();
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void webhook_sender::post(std::string json) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stop_)
      return;
    if (queue_.size() >= opts_.queue_max) {
      queue_.pop_front();
      ++counts_.dropped;
      monitor_log().warn("webhook {}:{}{}: queue full ({} alerts); dropped the oldest",
                         opts_.url.host, opts_.url.port, opts_.url.target, opts_.queue_max);
    }
    queue_.emplace_back(++next_seq_, std::move(json));
  }
  cv_.notify_all();
}

webhook_sender::counts webhook_sender::stats() const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto x = counts_;
  x.queued = queue_.size();
  return x;
}

std::string webhook_sender::send_once(const webhook_options& opts, const std::string& body,
                                      const std::function<void(std::function<void()>)>& on_start) {
  asio::io_context ioc;
  if (on_start)
    on_start([&ioc] { ioc.stop(); });
  beast::tcp_stream stream{ioc};
  asio::ip::tcp::resolver resolver{ioc};
  http::request<http::string_body> req{http::verb::post, opts.url.target, 11};
  req.set(http::field::host, opts.url.host + ":" + std::to_string(opts.url.port));
  req.set(http::field::user_agent, "tfarm-monitor");
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  std::string why;
  stream.expires_after(opts.timeout);
  resolver.async_resolve(
      opts.url.host, std::to_string(opts.url.port),
      [&](beast::error_code ec, asio::ip::tcp::resolver::results_type results) {
        if (ec) {
          why = "resolve: " + ec.message();
          return;
        }
        stream.async_connect(results, [&](beast::error_code ec2, auto) {
          if (ec2) {
            why = "connect: " + ec2.message();
            return;
          }
          http::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
            if (ec3) {
              why = "send: " + ec3.message();
              return;
            }
            http::async_read(stream, buf, res, [&](beast::error_code ec4, std::size_t) {
              if (ec4)
                why = "answer: " + ec4.message();
              else if (res.result_int() < 200 || res.result_int() > 299)
                why = "answered " + std::to_string(res.result_int());
            });
          });
        });
      });
  // The resolver has no deadline of its own: bound the whole attempt.
  ioc.run_for(opts.timeout + std::chrono::milliseconds{100});
  if (on_start)
    on_start({}); // no cancelling once this returns
  if (!ioc.stopped() || (why.empty() && res.result_int() == 0)) {
    stream.close();
    return "timed out after " + std::to_string(opts.timeout.count()) + " ms";
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  return why;
}

void webhook_sender::run() {
  std::unique_lock<std::mutex> lock{mtx_};
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_)
      return;
    auto [seq, body] = queue_.front();
    auto backoff = opts_.backoff_min;
    bool done = false;
    for (int64_t attempt = 1; !done && !stop_; ++attempt) {
      lock.unlock();
      auto why = send_once(opts_, body, [this](std::function<void()> cancel) {
        std::lock_guard<std::mutex> guard{mtx_};
        cancel_ = std::move(cancel);
        if (stop_ && cancel_)
          cancel_(); // stopped before the attempt could be cancelled
      });
      lock.lock();
      if (why.empty()) {
        ++counts_.delivered;
        done = true;
        break;
      }
      counts_.last_error = why;
      if (attempt >= opts_.attempts) {
        ++counts_.failed;
        monitor_log().error("webhook {}:{}{}: gave up on an alert after {} attempts: {}",
                            opts_.url.host, opts_.url.port, opts_.url.target, attempt, why);
        done = true;
        break;
      }
      ++counts_.retries;
      monitor_log().warn("webhook {}:{}{}: attempt {} of {} failed ({}); retrying in {} ms",
                         opts_.url.host, opts_.url.port, opts_.url.target, attempt, opts_.attempts,
                         why, backoff.count());
      cv_.wait_for(lock, backoff, [this] { return stop_; });
      backoff = std::min(backoff * 2, opts_.backoff_max);
    }
    // The queue may have dropped the front while unlocked: remove our body
    // only if it is still first.
    if (!queue_.empty() && queue_.front().first == seq)
      queue_.pop_front();
  }
}

} // namespace tfarm::actors
