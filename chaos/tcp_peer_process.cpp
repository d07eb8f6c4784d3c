#include "chaos/tcp_peer_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace tfarm::chaos {

namespace {

/// An IPv4 address and port as /proc/net/tcp shows them: the address's
/// four bytes as one hex number in the machine's byte order, the port in
/// hex.
std::string proc_address(const sockaddr_in& a) {
  char text[16];
  std::snprintf(text, sizeof(text), "%08X:%04X", static_cast<unsigned>(a.sin_addr.s_addr),
                static_cast<unsigned>(ntohs(a.sin_port)));
  return text;
}

/// The inode of the socket whose local end is `local` and remote end
/// `remote`; empty when there is none.
std::string socket_inode(const std::string& local, const std::string& remote) {
  std::ifstream in{"/proc/net/tcp"};
  std::string line;
  std::getline(in, line); // the header
  while (std::getline(in, line)) {
    std::istringstream fields{line};
    std::string slot, l, r, state, queues, timer, retransmits, uid, timeout, inode;
    if (!(fields >> slot >> l >> r >> state >> queues >> timer >> retransmits >> uid >> timeout >>
          inode))
      continue;
    if (l == local && r == remote)
      return inode;
  }
  return {};
}

bool holds(pid_t pid, const std::string& link) {
  std::error_code ec;
  for (std::filesystem::directory_iterator i{"/proc/" + std::to_string(pid) + "/fd", ec}, end;
       !ec && i != end; i.increment(ec))
    if (std::filesystem::read_symlink(i->path(), ec).string() == link && !ec)
      return true;
  return false;
}

} // namespace

pid_t tcp_peer_process(int fd, const std::vector<pid_t>& among) {
  sockaddr_in ours{};
  sockaddr_in peer{};
  socklen_t len = sizeof(ours);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ours), &len) != 0 ||
      ours.sin_family != AF_INET)
    return -1;
  len = sizeof(peer);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0 ||
      peer.sin_family != AF_INET)
    return -1;
  // The peer's socket: local end the peer's address, remote end ours.
  auto inode = socket_inode(proc_address(peer), proc_address(ours));
  if (inode.empty() || inode == "0")
    return -1;
  auto link = "socket:[" + inode + "]";
  for (auto pid : among)
    if (pid > 0 && holds(pid, link))
      return pid;
  return -1;
}

} // namespace tfarm::chaos
