// A proxy on a Unix socket between one member and the database server: it
// passes bytes both ways, or, cut, passes none. While cut, connections stay
// open and new ones are taken but hear nothing, as across a network that
// drops every packet: the member's queries neither fail nor arrive, and
// what it sent arrives once the cut heals (TCP would retransmit it). A
// partition of one member from the database, without root or firewall
// rules, and nothing left behind if the harness dies.
//
// Thread-safe: cut() from any thread; the proxy runs threads of its own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <list>
#include <mutex>
#include <string>
#include <thread>

namespace tfarm::chaos {

class db_proxy {
public:
  db_proxy() = default;
  ~db_proxy();
  db_proxy(const db_proxy&) = delete;
  db_proxy& operator=(const db_proxy&) = delete;

  /// Listens on the Unix socket `listen_path` (created; at most 107
  /// bytes) and forwards each connection to the Unix socket `server_path`;
  /// false and `why` if it cannot listen.
  bool start(const std::string& listen_path, const std::string& server_path, std::string& why);

  /// Cuts (true) or heals (false) every connection, present and future.
  void cut(bool on);

  bool is_cut() const noexcept { return cut_; }

  /// Closes every connection and the listening socket.
  void stop();

private:
  struct link {
    int client = -1;
    int server = -1;
    std::thread up;
    std::thread down;
    /// Directions that ended (2: the link is closed and may be reaped).
    std::atomic<int> ended{0};
  };

  void accept_loop();
  void pump(link& l, int from, int to);
  /// Joins and closes links whose both directions ended (under mtx_).
  void reap();
  /// Waits while cut; false once stopping.
  bool wait_open();

  std::string listen_path_;
  std::string server_path_;
  int listen_fd_ = -1;
  std::atomic<bool> cut_{false};
  std::atomic<bool> quit_{false};
  std::mutex mtx_;
  std::condition_variable cv_;
  std::list<link> links_;
  std::thread acceptor_;
};

} // namespace tfarm::chaos
