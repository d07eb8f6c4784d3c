// A plain TCP look at a peer before CAF's TLS connect is asked to reach it.
//
// CAF 0.17.6's TLS connect (libcaf_openssl middleman_actor::connect) leaks
// the socket when the peer resets the connection before the first TLS
// record is written: make_session fails and the descriptor is never
// closed. A peer that accepts and drops every connection at once (a proxy
// whose backend is down, a node shutting down) would cost a descriptor per
// attempt. The probe opens a connection of its own, waits `hold` for the
// peer to drop it, and always closes it: only a peer that kept it open is
// handed to CAF. A peer that drops CAF's connection but not the probe's
// can still cost one descriptor; that takes a peer that changes its mind
// within milliseconds, not one that is down.
//
// Blocking (up to connect_timeout + hold): call it off the actor threads.
// Internal to net.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tfarm::net::detail {

/// How long the probe waits for a peer to drop a fresh connection: a
/// reset reaches a peer on the same host or LAN within a millisecond, and
/// CAF's first TLS record leaves microseconds after its connect, so a peer
/// slower than this to drop cannot make CAF leak.
constexpr auto peer_probe_hold = std::chrono::milliseconds{20};

/// Connects to host:port (waiting at most `connect_timeout`), waits `hold`
/// and closes. Empty if the peer took the connection and kept it open for
/// `hold` (or sent something); otherwise why not, in words.
std::string probe_peer(const std::string& host, uint16_t port,
                       std::chrono::milliseconds connect_timeout,
                       std::chrono::milliseconds hold = peer_probe_hold);

} // namespace tfarm::net::detail
