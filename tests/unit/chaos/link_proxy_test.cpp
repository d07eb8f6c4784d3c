// The partition proxy: bytes pass both ways; a cut holds them (connections
// stay open, new ones are taken) until the heal delivers them; a cut of one
// owner leaves the others' connections alone; the owner is the process
// holding the other end.
#include "chaos/link_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "chaos/local_port.hpp"
#include "chaos/tcp_peer_process.hpp"

namespace tfarm::test {
namespace {

using chaos::link_proxy;
using chaos::proxy_endpoint;

/// Long enough for bytes to cross loopback on a loaded machine.
constexpr int arrive_wait_ms = 5'000;
/// How long held bytes are watched for: they must not arrive at all.
constexpr int held_watch_ms = 300;

/// A socket listening on 127.0.0.1 at a port the system chose (`port`).
int listen_loopback(uint16_t& port) {
  auto fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd, 16) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    ADD_FAILURE() << "listening on 127.0.0.1: " << std::strerror(errno);
  port = ntohs(a.sin_port);
  return fd;
}

/// An echo server on 127.0.0.1 (an ephemeral port), one thread per
/// connection.
class echo_server {
public:
  echo_server() {
    fd_ = listen_loopback(port_);
    acceptor_ = std::thread{[this] {
      for (;;) {
        auto c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0)
          return;
        conns_.push_back(c);
        workers_.emplace_back([c] {
          char buf[256];
          for (ssize_t n; (n = ::read(c, buf, sizeof(buf))) > 0;)
            if (::write(c, buf, static_cast<size_t>(n)) != n)
              return;
        });
      }
    }};
  }
  ~echo_server() {
    ::shutdown(fd_, SHUT_RDWR);
    acceptor_.join();
    for (auto c : conns_)
      ::shutdown(c, SHUT_RDWR);
    for (auto& w : workers_)
      w.join();
    for (auto c : conns_)
      ::close(c);
    ::close(fd_);
  }
  uint16_t port() const { return port_; }

private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::vector<int> conns_;
  std::vector<std::thread> workers_;
};

int connect_tcp(uint16_t port) {
  auto fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// What arrives on `fd` within `wait_ms` (up to `n` bytes).
std::string read_within(int fd, size_t n, int wait_ms) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{wait_ms};
  while (got.size() < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
      break;
    char buf[256];
    auto r = ::read(fd, buf, std::min(sizeof(buf), n - got.size()));
    if (r <= 0)
      break;
    got.append(buf, static_cast<size_t>(r));
  }
  return got;
}

void send_text(int fd, const std::string& text) {
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

/// A new connection to `port` that has sent `text`; -1 if it could not
/// connect.
int connect_sending(uint16_t port, const std::string& text) {
  auto fd = connect_tcp(port);
  if (fd >= 0)
    send_text(fd, text);
  return fd;
}

/// The owner of a connection from this process: "me".
std::string owner_here(int fd) {
  return chaos::tcp_peer_process(fd, {::getpid()}) == ::getpid() ? "me" : "";
}

struct tcp_proxy : ::testing::Test {
  echo_server echo;
  link_proxy proxy;
  uint16_t port = 0;

  void SetUp() override {
    port = chaos::free_local_port();
    ASSERT_NE(port, 0);
    std::string why;
    ASSERT_TRUE(proxy.start(proxy_endpoint::tcp("127.0.0.1", port),
                            proxy_endpoint::tcp("127.0.0.1", echo.port()), why, owner_here))
        << why;
  }
};

TEST_F(tcp_proxy, bytes_pass_both_ways) {
  auto fd = connect_tcp(port);
  ASSERT_GE(fd, 0);
  send_text(fd, "ping");
  EXPECT_EQ(read_within(fd, 4, arrive_wait_ms), "ping");
  ::close(fd);
}

TEST_F(tcp_proxy, a_cut_holds_the_bytes_and_the_heal_delivers_them) {
  auto fd = connect_tcp(port);
  ASSERT_GE(fd, 0);
  send_text(fd, "a");
  ASSERT_EQ(read_within(fd, 1, arrive_wait_ms), "a");
  proxy.cut("me", true);
  send_text(fd, "bc");
  EXPECT_EQ(read_within(fd, 2, held_watch_ms), "");
  // A connection made while cut is taken but hears nothing either.
  auto late = connect_sending(port, "d");
  ASSERT_GE(late, 0);
  EXPECT_EQ(read_within(late, 1, held_watch_ms), "");
  proxy.cut("me", false);
  EXPECT_EQ(read_within(fd, 2, arrive_wait_ms), "bc");
  EXPECT_EQ(read_within(late, 1, arrive_wait_ms), "d");
  ::close(fd);
  ::close(late);
}

TEST_F(tcp_proxy, a_cut_of_another_owner_leaves_this_one_alone) {
  auto fd = connect_tcp(port);
  ASSERT_GE(fd, 0);
  proxy.cut("someone-else", true);
  send_text(fd, "x");
  EXPECT_EQ(read_within(fd, 1, arrive_wait_ms), "x");
  proxy.cut(true); // every connection
  send_text(fd, "y");
  EXPECT_EQ(read_within(fd, 1, held_watch_ms), "");
  proxy.cut(false);
  EXPECT_EQ(read_within(fd, 1, arrive_wait_ms), "y");
  ::close(fd);
}

TEST(tcp_proxy_owners, a_connection_held_for_one_owner_never_holds_up_anothers) {
  echo_server echo;
  link_proxy proxy;
  auto port = chaos::free_local_port();
  ASSERT_NE(port, 0);
  // Owners by order of arrival: the first connection is a's, the next b's.
  std::atomic<int> arrived{0};
  std::string why;
  ASSERT_TRUE(proxy.start(proxy_endpoint::tcp("127.0.0.1", port),
                          proxy_endpoint::tcp("127.0.0.1", echo.port()), why,
                          [&](int) { return arrived++ == 0 ? "a" : "b"; }))
      << why;
  proxy.cut("a", true);
  auto held = connect_sending(port, "1");
  ASSERT_GE(held, 0);
  EXPECT_EQ(read_within(held, 1, held_watch_ms), "");
  auto other = connect_sending(port, "2");
  ASSERT_GE(other, 0);
  EXPECT_EQ(read_within(other, 1, arrive_wait_ms), "2");
  proxy.cut("a", false);
  EXPECT_EQ(read_within(held, 1, arrive_wait_ms), "1");
  ::close(held);
  ::close(other);
}

TEST(tcp_peer_process, names_the_process_holding_the_other_end) {
  uint16_t port = 0;
  auto listener = listen_loopback(port);
  auto client = connect_tcp(port);
  ASSERT_GE(client, 0);
  auto accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(accepted, 0);
  EXPECT_EQ(chaos::tcp_peer_process(accepted, {::getppid(), ::getpid()}), ::getpid());
  // Not among the candidates: nobody.
  EXPECT_EQ(chaos::tcp_peer_process(accepted, {::getppid()}), -1);
  EXPECT_EQ(chaos::tcp_peer_process(accepted, {}), -1);
  // Not a TCP socket: nobody.
  EXPECT_EQ(chaos::tcp_peer_process(-1, {::getpid()}), -1);
  ::close(accepted);
  ::close(client);
  ::close(listener);
}

TEST(unix_proxy, a_cut_holds_every_connection_until_the_heal) {
  auto dir = std::filesystem::temp_directory_path() / ("tfarm-proxy-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto server_path = (dir / "server").string();
  auto server = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, server_path.c_str());
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(::listen(server, 1), 0);
  link_proxy proxy;
  std::string why;
  ASSERT_TRUE(proxy.start(proxy_endpoint::unix_socket((dir / "proxy").string()),
                          proxy_endpoint::unix_socket(server_path), why))
      << why;
  auto client = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un p{};
  p.sun_family = AF_UNIX;
  std::strcpy(p.sun_path, (dir / "proxy").c_str());
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&p), sizeof(p)), 0);
  auto served = ::accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(served, 0);
  proxy.cut(true);
  send_text(client, "q");
  EXPECT_EQ(read_within(served, 1, held_watch_ms), "");
  proxy.cut(false);
  EXPECT_EQ(read_within(served, 1, arrive_wait_ms), "q");
  proxy.stop();
  // Stopped: the connection is closed.
  EXPECT_EQ(read_within(client, 1, arrive_wait_ms), "");
  ::close(served);
  ::close(client);
  ::close(server);
  std::filesystem::remove_all(dir);
}

} // namespace
} // namespace tfarm::test
