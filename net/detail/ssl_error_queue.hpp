// OpenSSL's per-thread error queue, kept empty before every TLS I/O call of
// the process.
//
// CAF 0.17's openssl module calls SSL_read/SSL_write/SSL_accept/SSL_connect
// without clearing the thread's error queue first and never drains it (its
// error text is built only for logging, which Debian's build compiles out).
// OpenSSL's SSL_get_error() reports SSL_ERROR_SSL whenever the queue holds
// an error, whichever connection left it there. So one peer that went away
// without a TLS close_notify (a console client exiting, a killed node) or
// failed its handshake (no certificate) made the multiplexer thread drop
// the next healthy connection it read from: every member lost its exchange
// node at each console command. The calls below are interposed in the
// executable: each clears the queue, then calls OpenSSL's own, as OpenSSL's
// documentation requires of every caller.
#pragma once

namespace tfarm::net::detail {

/// Links the interposed calls into the executable; true if the process's
/// TLS calls go through them (the executable exports them).
bool ssl_error_queue_guarded();

} // namespace tfarm::net::detail
