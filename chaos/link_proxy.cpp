#include "chaos/link_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

bool fill_address(const proxy_endpoint& e, sockaddr_in& a) {
  std::memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons(e.port);
  return ::inet_pton(AF_INET, e.host.c_str(), &a.sin_addr) == 1;
}

/// A socket bound (listening) or connected to `e`; -1 and `why` if not.
int open_socket(const proxy_endpoint& e, bool listening, std::string& why) {
  sockaddr_un u;
  sockaddr_in in;
  sockaddr* a = nullptr;
  socklen_t len = 0;
  if (!e.unix_path.empty()) {
    if (!fill_address(e.unix_path, u)) {
      why = "the socket path " + e.unix_path + " is longer than " +
            std::to_string(sizeof(u.sun_path) - 1) + " bytes";
      return -1;
    }
    a = reinterpret_cast<sockaddr*>(&u);
    len = sizeof(u);
    if (listening)
      ::unlink(e.unix_path.c_str());
  } else {
    if (!fill_address(e, in)) {
      why = "not an IPv4 address: " + e.host;
      return -1;
    }
    a = reinterpret_cast<sockaddr*>(&in);
    len = sizeof(in);
  }
  auto fd = ::socket(a->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    why = std::strerror(errno);
    return -1;
  }
  int one = 1;
  if (listening && e.unix_path.empty())
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  bool ok = listening ? ::bind(fd, a, len) == 0 && ::listen(fd, listen_backlog) == 0
                      : ::connect(fd, a, len) == 0;
  if (!ok) {
    why = (listening ? "cannot listen on " : "cannot connect to ") + e.text() + ": " +
          std::strerror(errno);
    ::close(fd);
    return -1;
  }
  if (!e.unix_path.empty() || listening)
    return fd;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

} // namespace

link_proxy::~link_proxy() {
  stop();
}

std::string proxy_endpoint::text() const {
  return unix_path.empty() ? host + ":" + std::to_string(port) : "unix:" + unix_path;
}

bool link_proxy::start(const proxy_endpoint& at, const proxy_endpoint& server, std::string& why,
                       owner_function owner_of) {
  listen_fd_ = open_socket(at, true, why);
  if (listen_fd_ < 0)
    return false;
  at_ = at;
  server_ = server;
  owner_of_ = std::move(owner_of);
  acceptor_ = std::thread{[this] { accept_loop(); }};
  return true;
}

void link_proxy::cut(bool on) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    cut_ = on;
  }
  cv_.notify_all();
}

void link_proxy::cut(const std::string& owner, bool on) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (on)
      cut_owners_.insert(owner);
    else
      cut_owners_.erase(owner);
  }
  cv_.notify_all();
}

bool link_proxy::wait_open(const std::string& owner) {
  std::unique_lock<std::mutex> guard{mtx_};
  cv_.wait(guard, [&] { return quit_ || !(cut_ || cut_owners_.count(owner) > 0); });
  return !quit_;
}

void link_proxy::accept_loop() {
  for (;;) {
    auto client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR)
        continue;
      return; // the listening socket was shut down
    }
    auto owner = owner_of_ ? owner_of_(client) : std::string{};
    std::lock_guard<std::mutex> guard{mtx_};
    if (quit_) {
      ::close(client);
      return;
    }
    reap();
    // Each connection waits on a thread of its own: one member cut off
    // never holds up another's connections.
    auto& l = links_.emplace_back();
    l.owner = std::move(owner);
    l.client = client;
    l.up = std::thread{[this, &l] { connect_and_pump(l); }};
  }
}

void link_proxy::connect_and_pump(link& l) {
  // Taken, but while cut nothing reaches the server, not even the
  // connection: the member's connect timeout decides.
  if (!wait_open(l.owner)) {
    ::shutdown(l.client, SHUT_RDWR);
    l.ended = 2;
    return;
  }
  std::string why;
  auto server = open_socket(server_, false, why);
  if (server < 0) {
    ::shutdown(l.client, SHUT_RDWR); // the server is down: refused, as it would be
    l.ended = 2;
    return;
  }
  {
    std::lock_guard<std::mutex> guard{mtx_};
    l.server = server;
    if (quit_) {
      ::shutdown(l.client, SHUT_RDWR);
      ::shutdown(server, SHUT_RDWR);
      l.ended = 2;
      return;
    }
    l.down = std::thread{[this, &l, server] { pump(l, server, l.client); }};
  }
  pump(l, l.client, server);
}

void link_proxy::reap() {
  for (auto i = links_.begin(); i != links_.end();) {
    if (i->ended < 2) {
      ++i;
      continue;
    }
    if (i->up.joinable())
      i->up.join();
    if (i->down.joinable())
      i->down.join();
    ::close(i->client);
    if (i->server >= 0)
      ::close(i->server);
    i = links_.erase(i);
  }
}

void link_proxy::pump(link& l, int from, int to) {
  std::string buf(pump_chunk_bytes, '\0');
  for (;;) {
    auto n = ::read(from, buf.data(), buf.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    // Read, but held while cut: it arrives once the cut heals.
    if (!wait_open(l.owner))
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

void link_proxy::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (quit_ && listen_fd_ < 0)
      return;
    quit_ = true;
    for (auto& l : links_) {
      ::shutdown(l.client, SHUT_RDWR);
      if (l.server >= 0)
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
    if (l.server >= 0)
      ::close(l.server);
  }
  links_.clear();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    if (!at_.unix_path.empty())
      ::unlink(at_.unix_path.c_str());
  }
  listen_fd_ = -1;
}

} // namespace tfarm::chaos
