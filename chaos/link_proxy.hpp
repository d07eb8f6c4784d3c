// A proxy between the members and a server they reach (the database
// server over its Unix socket, the exchange node over TCP on loopback):
// it passes bytes both ways, or, cut, passes none. While cut, connections
// stay open and new ones are taken but hear nothing, as across a network
// that drops every packet: the member's requests neither fail nor arrive,
// and what it sent arrives once the cut heals (TCP would retransmit it).
// A partition without root or firewall rules, and nothing left behind if
// the harness dies.
//
// A cut applies to every connection, or only to those of one owner: the
// owner of a connection is what `owner_of` (given at start) says of the
// accepted socket, e.g. the member whose process holds the other end.
//
// Thread-safe: cut() from any thread; the proxy runs threads of its own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace tfarm::chaos {

/// Where a proxy listens or connects: a Unix socket (`unix_path`), or
/// TCP at `host`:`port` when `unix_path` is empty.
struct proxy_endpoint {
  std::string unix_path;
  std::string host;
  uint16_t port = 0;

  static proxy_endpoint unix_socket(std::string path) { return {std::move(path), {}, 0}; }
  static proxy_endpoint tcp(std::string host, uint16_t port) { return {{}, std::move(host), port}; }
  /// "unix:PATH" or "HOST:PORT".
  std::string text() const;
};

class link_proxy {
public:
  /// The owner of an accepted connection ("" when none is known); called
  /// on the proxy's accepting thread.
  using owner_function = std::function<std::string(int accepted_fd)>;

  link_proxy() = default;
  ~link_proxy();
  link_proxy(const link_proxy&) = delete;
  link_proxy& operator=(const link_proxy&) = delete;

  /// Listens on `at` (a Unix socket is created, at most 107 bytes; TCP
  /// with SO_REUSEADDR) and forwards each connection to `server`; false
  /// and `why` if it cannot listen.
  bool start(const proxy_endpoint& at, const proxy_endpoint& server, std::string& why,
             owner_function owner_of = {});

  /// Cuts (true) or heals (false) every connection, present and future.
  void cut(bool on);
  /// Cuts or heals the connections of `owner`, present and future.
  void cut(const std::string& owner, bool on);

  bool is_cut() const noexcept { return cut_; }

  /// Closes every connection and the listening socket.
  void stop();

private:
  struct link {
    std::string owner;
    int client = -1;
    /// -1 until connected (under mtx_).
    int server = -1;
    std::thread up;
    std::thread down;
    /// Directions that ended (2: the link is closed and may be reaped).
    std::atomic<int> ended{0};
  };

  void accept_loop();
  /// Waits while the link's owner is cut, connects to the server, then
  /// pumps both ways (the link's `up` thread).
  void connect_and_pump(link& l);
  void pump(link& l, int from, int to);
  /// Joins and closes links whose both directions ended (under mtx_).
  void reap();
  /// Waits while `owner`'s connections are cut; false once stopping.
  bool wait_open(const std::string& owner);

  proxy_endpoint at_;
  proxy_endpoint server_;
  owner_function owner_of_;
  int listen_fd_ = -1;
  std::atomic<bool> cut_{false};
  std::atomic<bool> quit_{false};
  std::mutex mtx_;
  std::condition_variable cv_;
  /// Owners whose connections are cut (under mtx_).
  std::set<std::string> cut_owners_;
  std::list<link> links_;
  std::thread acceptor_;
};

} // namespace tfarm::chaos
