#include "chaos/db_proxy.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tfarm::chaos {

namespace {

/// Bytes moved per read.
constexpr size_t pump_chunk_bytes = 64 * 1024;
/// Connections waiting to be taken.
constexpr int listen_backlog = 64;

bool fill_address(const std::string& path, sockaddr_un& a) {
  std::memset(&a, 0, sizeof(a));
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof(a.sun_path))
    return false;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return true;
}

int connect_to(const std::string& path) {
  sockaddr_un a;
  if (!fill_address(path, a))
    return -1;
  auto fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

} // namespace

db_proxy::~db_proxy() {
  stop();
}

bool db_proxy::start(const std::string& listen_path, const std::string& server_path,
                     std::string& why) {
  sockaddr_un a;
  if (!fill_address(listen_path, a)) {
    why = "the socket path " + listen_path + " is longer than " +
          std::to_string(sizeof(a.sun_path) - 1) + " bytes";
    return false;
  }
  ::unlink(listen_path.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::listen(listen_fd_, listen_backlog) != 0) {
    why = "cannot listen on " + listen_path + ": " + std::strerror(errno);
    if (listen_fd_ >= 0)
      ::close(listen_fd_);
    listen_fd_ = -1;
    return false;
  }
  listen_path_ = listen_path;
  server_path_ = server_path;
  acceptor_ = std::thread{[this] { accept_loop(); }};
  return true;
}

void db_proxy::cut(bool on) {
  cut_ = on;
  cv_.notify_all();
}

bool db_proxy::wait_open() {
  std::unique_lock<std::mutex> guard{mtx_};
  cv_.wait(guard, [this] { return quit_ || !cut_; });
  return !quit_;
}

void db_proxy::accept_loop() {
  for (;;) {
    auto client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR)
        continue;
      return; // the listening socket was shut down
    }
    // Taken, but while cut nothing reaches the server, not even the
    // connection: the member's connect timeout decides.
    if (!wait_open()) {
      ::close(client);
      return;
    }
    auto server = connect_to(server_path_);
    if (server < 0) {
      ::close(client); // the server is down: refused, as it would be
      continue;
    }
    std::lock_guard<std::mutex> guard{mtx_};
    if (quit_) {
      ::close(client);
      ::close(server);
      return;
    }
    reap();
    auto& l = links_.emplace_back();
    l.client = client;
    l.server = server;
    l.up = std::thread{[this, &l, client, server] { pump(l, client, server); }};
    l.down = std::thread{[this, &l, client, server] { pump(l, server, client); }};
  }
}

void db_proxy::reap() {
  for (auto i = links_.begin(); i != links_.end();) {
    if (i->ended < 2) {
      ++i;
      continue;
    }
    i->up.join();
    i->down.join();
    ::close(i->client);
    ::close(i->server);
    i = links_.erase(i);
  }
}

void db_proxy::pump(link& l, int from, int to) {
  std::string buf(pump_chunk_bytes, '\0');
  for (;;) {
    auto n = ::read(from, buf.data(), buf.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    // Read, but held while cut: it arrives once the cut heals.
    if (!wait_open())
      break;
    for (ssize_t off = 0; off < n;) {
      auto w = ::write(to, buf.data() + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0) {
        n = -1;
        break;
      }
      off += w;
    }
    if (n < 0)
      break;
  }
  // One side ended: so does the other, as a closed connection would.
  ::shutdown(from, SHUT_RDWR);
  ::shutdown(to, SHUT_RDWR);
  ++l.ended;
}

void db_proxy::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (quit_ && listen_fd_ < 0)
      return;
    quit_ = true;
    for (auto& l : links_) {
      ::shutdown(l.client, SHUT_RDWR);
      ::shutdown(l.server, SHUT_RDWR);
    }
  }
  cv_.notify_all();
  if (listen_fd_ >= 0)
    ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable())
    acceptor_.join();
  for (auto& l : links_) {
    if (l.up.joinable())
      l.up.join();
    if (l.down.joinable())
      l.down.join();
    ::close(l.client);
    ::close(l.server);
  }
  links_.clear();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(listen_path_.c_str());
  }
  listen_fd_ = -1;
}

} // namespace tfarm::chaos
