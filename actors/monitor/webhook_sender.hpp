// The alert webhook: POSTs JSON documents to an http:// URL from its own
// thread, each retried with exponential backoff until the receiver answers
// 2xx or the attempts run out.
//
// Why a thread and a bounded queue: a slow or dead receiver must never hold
// up the monitor (an actor) or grow memory without bound; when the queue is
// full the oldest alert is dropped and counted (the alerts table keeps them
// all). Every attempt has a deadline (connect, send and answer together).
// Thread-safe: post() and stats() may be called from any thread; the
// destructor cancels the attempt in flight (name resolution aside, which
// the system resolver does not let go of) and abandons what is still
// queued (counted as dropped).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "config/endpoint.hpp"

namespace tfarm::actors {

struct webhook_options {
  config::http_url url;
  int64_t attempts = 5;
  std::chrono::milliseconds backoff_min{500};
  std::chrono::milliseconds backoff_max{30'000};
  std::chrono::milliseconds timeout{5'000};
  std::size_t queue_max = 1'000;
};

class webhook_sender {
public:
  struct counts {
    uint64_t delivered = 0;
    /// Alerts given up on after every attempt failed.
    uint64_t failed = 0;
    /// Alerts dropped because the queue was full (or at shutdown).
    uint64_t dropped = 0;
    /// Attempts that failed and were retried.
    uint64_t retries = 0;
    uint64_t queued = 0;
    std::string last_error;
  };

  explicit webhook_sender(webhook_options opts);
  ~webhook_sender();

  webhook_sender(const webhook_sender&) = delete;
  webhook_sender& operator=(const webhook_sender&) = delete;

  /// Queues one JSON document for delivery.
  void post(std::string json);

  counts stats() const;

  /// One POST with the deadline of `opts`; "" on a 2xx answer, else why.
  /// `on_start`, if given, receives a function that cancels the attempt
  /// (callable from any thread until send_once returns).
  static std::string send_once(const webhook_options& opts, const std::string& body,
                               const std::function<void(std::function<void()>)>& on_start = {});

private:
  void run();

  const webhook_options opts_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  /// Alerts waiting, numbered so that the sender recognizes its own.
  std::deque<std::pair<uint64_t, std::string>> queue_;
  uint64_t next_seq_ = 0;
  bool stop_ = false;
  counts counts_;
  /// Cancels the attempt in flight (empty between attempts); set and
  /// called under mtx_, so never after the attempt ended.
  std::function<void()> cancel_;
  std::thread thread_;
};

} // namespace tfarm::actors
