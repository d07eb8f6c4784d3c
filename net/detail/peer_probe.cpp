#include "net/detail/peer_probe.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

namespace tfarm::net::detail {

namespace {

/// Closes the descriptor on every path.
class socket_closer {
public:
  explicit socket_closer(int fd) noexcept : fd_(fd) {}
  ~socket_closer() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  socket_closer(const socket_closer&) = delete;
  socket_closer& operator=(const socket_closer&) = delete;

private:
  int fd_;
};

/// poll() for `events` until `timeout` passed, across EINTR: the revents,
/// 0 on timeout, -1 on error (errno set).
int wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, events, 0};
    auto n = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    if (n > 0)
      return p.revents;
    if (n == 0)
      return 0;
    if (errno != EINTR)
      return -1;
  }
}

/// Sends a TLS ClientHello on the connected, non-blocking `fd` and waits
/// up to `timeout` for the peer's first bytes: empty if it answered
/// (whatever it said: CAF decides), otherwise why not.
std::string tls_hello_answered(int fd, std::chrono::milliseconds timeout) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_client_method()),
                                                        &SSL_CTX_free};
  if (!ctx)
    return "cannot make a TLS context for the probe";
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl{SSL_new(ctx.get()), &SSL_free};
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1)
    return "cannot make a TLS session for the probe";
  auto rc = SSL_connect(ssl.get());
  if (rc == 1)
    return {};
  auto why = SSL_get_error(ssl.get(), rc);
  if (why == SSL_ERROR_WANT_WRITE && wait_for(fd, POLLOUT, timeout) > 0) {
    rc = SSL_connect(ssl.get());
    why = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl.get(), rc);
  }
  if (why == SSL_ERROR_SYSCALL || why == SSL_ERROR_ZERO_RETURN)
    return "the peer accepted the connection and closed it at the TLS hello";
  if (why != SSL_ERROR_WANT_READ)
    return {}; // it answered, with something else than TLS: CAF decides
  auto seen = wait_for(fd, POLLIN | POLLRDHUP, timeout);
  if (seen == 0)
    return "the peer took the connection and did not answer a TLS hello within " +
           std::to_string(timeout.count()) + " ms (a stopped or overloaded process)";
  char byte = 0;
  if (seen > 0 && ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
    return {}; // it answered
  return "the peer accepted the connection and closed it at the TLS hello";
}

} // namespace

std::string probe_peer(const std::string& host, uint16_t port,
                       std::chrono::milliseconds connect_timeout, bool tls_hello,
                       std::chrono::milliseconds hold) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (auto rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    return "cannot resolve " + host + ": " + ::gai_strerror(rc);
  auto fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ::freeaddrinfo(found);
    return std::string{"cannot open a socket: "} + std::strerror(errno);
  }
  socket_closer closer{fd};
  auto rc = ::connect(fd, found->ai_addr, found->ai_addrlen);
  auto connect_errno = errno;
  ::freeaddrinfo(found);
  if (rc != 0) {
    if (connect_errno != EINPROGRESS)
      return std::string{"connect failed: "} + std::strerror(connect_errno);
    auto ready = wait_for(fd, POLLOUT, connect_timeout);
    if (ready == 0)
      return "no answer within " + std::to_string(connect_timeout.count()) + " ms";
    if (ready < 0)
      return std::string{"connect failed: "} + std::strerror(errno);
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
      err = errno;
    if (err == ECONNRESET)
      return "the peer accepted the connection and reset it at once";
    if (err != 0)
      return std::string{"connect failed: "} + std::strerror(err);
  }
  // Connected: does the peer drop it at once?
  auto seen = wait_for(fd, POLLIN | POLLRDHUP, hold);
  if (seen == 0)
    return tls_hello ? tls_hello_answered(fd, connect_timeout) : std::string{};
  if (seen < 0)
    return std::string{"the connection failed: "} + std::strerror(errno);
  char byte = 0;
  auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0)
    return {}; // it speaks first (CAF decides what it is)
  if (n < 0 && errno == ECONNRESET)
    return "the peer accepted the connection and reset it at once";
  if (n == 0 || (seen & (POLLRDHUP | POLLHUP)) != 0)
    return "the peer accepted the connection and closed it at once";
  return std::string{"the connection failed: "} + std::strerror(errno);
}

} // namespace tfarm::net::detail
