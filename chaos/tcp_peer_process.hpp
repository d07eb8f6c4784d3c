// Which process holds the other end of a TCP connection on this machine:
// the harness's exchange proxy tells the members' connections apart by
// it (they all come from 127.0.0.1), so that a partition cuts one member.
//
// Linux only (reads /proc/net/tcp and /proc/PID/fd); thread-safe.
#pragma once

#include <sys/types.h>

#include <vector>

namespace tfarm::chaos {

/// Of `among`, the process that holds the peer's end of the accepted
/// IPv4 TCP connection `fd`; -1 when none does (the peer is elsewhere, or
/// gone).
pid_t tcp_peer_process(int fd, const std::vector<pid_t>& among);

} // namespace tfarm::chaos
